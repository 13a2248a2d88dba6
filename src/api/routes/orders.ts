import { placedByBoundMember } from '../../app/companies/members.js';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runOwnTransactionCommand } from '../command.js';
import {
  historyEntry,
  processWordsView,
  MAX_LINES,
  order,
  orderInput,
  orderListQuery,
  orderPatch,
  orderSummary,
} from '../schemas/order.js';
import { idParams, problem } from '../schemas/common.js';
import { createOrder } from '../../app/orders/create-order.js';
import { getOrder, getOrderHistory } from '../../app/orders/get-order.js';
import { listOrders, ordersCsv } from '../../app/orders/list-orders.js';
import { Readable } from 'node:stream';
import { orderProcessWords } from '../../app/process/process-words.js';
import { updateOrder } from '../../app/orders/update-order.js';
import { createOrdersBatch, BATCH_MAX } from '../../app/orders/create-orders-batch.js';

const errors = {
  400: problem,
  401: problem,
  403: problem,
  404: problem,
  409: problem,
  412: problem,
  413: problem,
  422: problem,
};

export const orderRoutes =
  (deps: Deps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/orders',
      {
        schema: {
          tags: ['orders'],
          summary: 'Accept an order from any channel',
          description: `Validates, prices exactly and stores the order with its first history entry. Same channel + externalId again → 409 DUPLICATE_ORDER with existingId. At most ${MAX_LINES} lines.`,
          headers: z.object({ 'idempotency-key': z.string().max(200).optional() }).passthrough(),
          body: orderInput,
          response: { 201: order, ...errors },
        },
      },
      (request, reply) =>
        runOwnTransactionCommand(deps, request, reply, 'orders:write', async (s, ctx) => ({
          status: 201,
          body: await createOrder(
            deps.processes,
            s,
            ctx.principal.actor,
            deps.clock,
            placedByBoundMember(request.body, ctx.principal.memberId),
          ),
        })),
    );

    app.post(
      '/orders::batch',
      {
        config: { itemsCheckedOneByOne: true },
        schema: {
          tags: ['orders'],
          summary: `Accept up to ${BATCH_MAX} orders, each with its own outcome`,
          description:
            "Each order is accepted or refused on its own (its own transaction); the response lists every item's outcome in request order.",
          body: z.object({ orders: z.array(z.unknown()).min(1).max(BATCH_MAX) }).strict(),
          response: {
            200: z.object({
              accepted: z.number(),
              refused: z.number(),
              items: z.array(
                z.object({
                  index: z.number(),
                  status: z.number(),
                  id: z.string().optional(),
                  number: z.string().optional(),
                  problem: z.unknown().optional(),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const ctx = authorize(deps.db, request, 'orders:write');
        return reply.send(
          await createOrdersBatch(
            deps.processes,
            ctx.store,
            ctx.principal.actor,
            deps.clock,
            request.body.orders.map((item) => placedByBoundMember(item, ctx.principal.memberId)),
          ),
        );
      },
    );

    app.get(
      '/orders',
      {
        schema: {
          tags: ['orders'],
          summary:
            'List and search orders (newest first or by a column, keyset cursor paging, total on the first page)',
          querystring: orderListQuery,
          response: {
            200: z.object({
              items: z.array(orderSummary),
              nextCursor: z.string().nullable(),
              total: z.number().nullable().describe('every match of the filters; on the first page only (no cursor)'),
            }),
            ...errors,
          },
        },
      },
      async (request) =>
        listOrders(authorize(deps.readDb ?? deps.db, request, 'orders:read').store, {
          ...request.query,
          now: deps.clock.now(),
        }),
    );

    app.get(
      '/orders.csv',
      {
        schema: {
          tags: ['orders'],
          summary: 'The filtered list as CSV (same filters and sort as GET /orders, every page; UTF-8 with BOM)',
          querystring: orderListQuery.omit({ limit: true, cursor: true }),
          response: { 200: z.string().describe('text/csv'), ...errors },
        },
      },
      async (request, reply) => {
        const store = authorize(deps.db, request, 'orders:read').store;
        const day = deps.clock.now().toISOString().slice(0, 10);
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="orders-${day}.csv"`)
          .send(Readable.from(ordersCsv(store, { ...request.query, now: deps.clock.now() })) as unknown as string);
      },
    );

    app.get(
      '/orders/:id',
      {
        schema: {
          tags: ['orders'],
          summary: 'Get an order with its lines',
          params: idParams,
          response: { 200: order, ...errors },
        },
      },
      async (request, reply) => {
        const order = await getOrder(
          deps.processes.actions,
          authorize(deps.db, request, 'orders:read').store,
          request.params.id,
        );
        etag(reply, order.version);
        return order;
      },
    );

    app.patch(
      '/orders/:id',
      {
        schema: {
          tags: ['orders'],
          summary: 'Edit addresses, attributes or notes (If-Match honoured)',
          params: idParams,
          body: orderPatch,
          response: { 200: order, ...errors },
        },
      },
      async (request, reply) => {
        const ctx = authorize(deps.db, request, 'orders:write');
        const order = await updateOrder(
          deps.processes,
          ctx.store,
          ctx.principal.actor,
          deps.clock,
          request.params.id,
          request.body,
          ifMatch(request),
        );
        etag(reply, order.version);
        return order;
      },
    );

    app.get(
      '/orders/:id/history',
      {
        schema: {
          tags: ['orders'],
          summary: "The order's history: who changed what, when and why",
          params: idParams,
          response: {
            200: z.object({
              items: z.array(historyEntry),
              words: processWordsView
                .optional()
                .describe("labels of the order's process states and events, for a timeline in words (issue 18)"),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const store = authorize(deps.db, request, 'orders:read').store;
        const items = await getOrderHistory(store, request.params.id);
        return { items, words: await orderProcessWords(store, request.params.id) };
      },
    );
  };
