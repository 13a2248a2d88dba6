import { placedByBoundMember } from '../../app/companies/members.js';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runOwnTransactionCommand } from '../command.js';
import {
  historyEntry,
  labels,
  processWordsView,
  MAX_LINES,
  order,
  orderInput,
  orderListQuery,
  orderPatch,
  orderSummary,
} from '../schemas/order.js';
import { idParams, int4, name, problem, text, uuid } from '../schemas/common.js';
import { permissionsOf, type Permission } from '../../domain/identity/roles.js';
import { BULK_ACTIONS, BULK_MAX, bulkOrders, type BulkAction } from '../../app/orders/bulk-orders.js';
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

const CANCEL_REASON = 'say why: cancelling orders needs a reason';
const bulkTargets = z
  .array(
    z
      .object({
        id: uuid.describe('the order'),
        version: int4(1)
          .optional()
          .describe("If-Match for this order: the version you saw; a newer one is this order's 412"),
      })
      .strict(),
  )
  .min(1)
  .max(BULK_MAX)
  .superRefine((targets, ctx) => {
    const seen = new Set<string>();
    targets.forEach((target, index) => {
      if (seen.has(target.id))
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: 'the order is listed twice' });
      seen.add(target.id);
    });
  })
  .describe(`1 to ${BULK_MAX} orders, each at most once`);

export const bulkInput = z
  .discriminatedUnion(
    'action',
    [
      z
        .object({
          action: z.literal('approve'),
          orders: bulkTargets,
          comment: text(2000).optional().describe("kept with each task's decision"),
        })
        .strict(),
      z
        .object({
          action: z.literal('assign'),
          orders: bulkTargets,
          assignee: name(200)
            .optional()
            .describe(
              "hand the tasks to this person (an active user's id, GET /users/assignable); without it they are yours. An unknown or inactive user is a 400 at /assignee; a task for a business role the person does not hold is that order's 403 ASSIGNEE_ROLE_REQUIRED",
            ),
        })
        .strict(),
      z
        .object({
          action: z.literal('cancel'),
          orders: bulkTargets,
          reason: z
            .string({ error: CANCEL_REASON })
            .trim()
            .min(1, CANCEL_REASON)
            .max(500)
            .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters')
            .describe("why: required, written to each order's history"),
        })
        .strict(),
      z
        .object({
          action: z.literal('print'),
          orders: bulkTargets,
          document: z.enum(['packing-slip', 'pick-list', 'label']).default('packing-slip'),
        })
        .strict(),
    ],
    { error: `action must be one of ${BULK_ACTIONS.join(', ')}` },
  )
  .meta({ id: 'BulkOrdersInput' });

const bulkProblem = z
  .object({ status: z.number(), code: z.string(), title: z.string(), detail: z.string() })
  .passthrough()
  .describe('why this order was refused: the code and message its single-order route would answer');
export const bulkResult = z
  .object({
    action: z.enum(BULK_ACTIONS),
    succeeded: z.number(),
    failed: z.number(),
    items: z.array(
      z.object({
        id: z.string(),
        number: z.string().nullable(),
        ok: z.boolean(),
        state: z.string().optional().describe('the state the order reached (assign, print: the state it is in)'),
        stateLabels: labels.nullable().optional().describe("that state's name in words, from the process definitions"),
        version: z.number().optional(),
        document: z.string().optional().describe('print: GET this for the PDF'),
        problem: bulkProblem.optional(),
      }),
    ),
  })
  .meta({ id: 'BulkOrdersResult' });

/** What each bulk action needs, as its single-order route does. */
const BULK_PERMISSION: Record<BulkAction, Permission> = {
  approve: 'tasks:act',
  assign: 'tasks:act',
  cancel: 'orders:write',
  print: 'fulfilment:read',
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
            { endsWork: true },
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

    app.post(
      '/orders::bulk',
      {
        schema: {
          tags: ['orders'],
          summary: `Approve, assign, cancel or print up to ${BULK_MAX} orders, each with its own outcome`,
          description:
            "Each order is done on its own: its own unit of work (a savepoint of the request's when an Idempotency-Key is sent), its own If-Match (`version`), its own outcome in request order — the state it reached, or the problem its single-order route would answer (409 NO_OPEN_TASK, TRANSITION_NOT_ALLOWED, 412 VERSION_MISMATCH, 404, NOTHING_TO_PRINT, 403 TASK_ROLE_REQUIRED…); a refused order does not stop the others. approve completes the order's open task that offers `approve` and assign claims its open task (or hands it to `assignee`), as POST /tasks/{id}/complete and /claim do (tasks:act); cancel sends the process event `cancel` with the reason, as POST /orders/{id}/events does (orders:write); print checks the document can be printed and gives its address (fulfilment:read). A bad request (unknown action, no reason for cancel, more than 500 orders, a malformed or repeated id) is a 400 naming the field and changes nothing.",
          headers: z.object({ 'idempotency-key': z.string().max(200).optional() }).passthrough(),
          body: bulkInput,
          response: { 200: bulkResult, ...errors },
        },
      },
      (request, reply) => {
        const body = request.body;
        return runOwnTransactionCommand(deps, request, reply, BULK_PERMISSION[body.action], async (s, ctx) => ({
          status: 200,
          body: await bulkOrders(
            deps.processes,
            s,
            {
              actor: ctx.principal.actor,
              roles: ctx.principal.roles,
              businessRoles: ctx.principal.businessRoles,
              memberId: ctx.principal.memberId,
              permissions: permissionsOf(ctx.principal.roles),
            },
            deps.clock.now(),
            body.action === 'cancel'
              ? { action: 'cancel', reason: body.reason }
              : body.action === 'approve'
                ? { action: 'approve', comment: body.comment }
                : body.action === 'assign'
                  ? { action: 'assign', assignee: body.assignee }
                  : { action: 'print', document: body.document },
            body.orders,
          ),
        }));
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
              total: z
                .number()
                .nullable()
                .describe(
                  'the matches of the filters, on the first page only (no cursor); when totalExact is false, at least this many match (the count stopped there, or a common search needle was not counted)',
                ),
              totalExact: z
                .boolean()
                .nullable()
                .describe(
                  'false when total is a lower bound (as many or more orders match); null with total on later pages',
                ),
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
