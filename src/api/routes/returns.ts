import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import {
  inspectionResult,
  queuedReceipts,
  reasonList,
  reasonView,
  receiptResult,
  resolvedReceipt,
  returnFiguresView,
  returnList,
  returnView,
  selfServiceCreated,
  selfServicePage,
  storeCreditView,
  queuedReceipt,
} from '../schemas/returns.js';
import {
  figuresQuery,
  inspectionInput,
  reasonInput,
  receiptInput,
  resolveReceiptInput,
  returnRequestInput,
  returnsQuery,
  unexpectedReceiptInput,
} from '../../app/returns/schemas.js';
import { requestReturn } from '../../app/returns/request-return.js';
import { requireParent } from '../../app/require-parent.js';
import { getReturnLabel } from '../../app/returns/return-label-document.js';
import { labelQuery } from '../schemas/fulfilment.js';
import { getReturn, listQueuedReceipts, listReturns } from '../../app/returns/return-view.js';
import { receiveReturn, receiveUnexpected } from '../../app/returns/receive-return.js';
import { inspectReturn } from '../../app/returns/inspect-return.js';
import { resolveReceipt } from '../../app/returns/resolve-receipt.js';
import { reasonCatalogue, saveReason } from '../../app/returns/reasons.js';
import { returnFigures } from '../../app/returns/return-figures.js';
import { customerStoreCredit } from '../../app/returns/store-credit.js';
import {
  requestSelfServiceReturn,
  selfServiceReturnLabel,
  selfServiceReturnPage,
} from '../../app/returns/self-service.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 422: problem };
const tags = ['returns'];

/**
 * Returns (issue 15): requests from the API, the console, the customer's self-service page and the
 * channels; receipts (also unexpected ones, queued for a person), inspection per unit, the reason
 * catalogue, figures, store credit. A return is a return order: its process events, tasks and
 * history are the order endpoints' (POST /orders/{returnId}/events, /tasks, /orders/{id}/history).
 */
export async function returnRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();
  const actions = deps.processes.actions;

  app.post(
    '/orders/:id/returns',
    {
      schema: {
        tags,
        summary: 'Request a return of delivered units (refund, exchange or store credit)',
        description:
          'Checked against the order (lines of this order, no more than shipped and not already on a return, returnable SKUs, a reason from the catalogue, a photo where the reason needs one), then run through the returns process, whose eligibility rules may refuse it (422 RETURN_NOT_ELIGIBLE naming each rule). A refused request keeps nothing.',
        params: idParams,
        body: returnRequestInput,
        response: { 201: returnView, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'returns:write', async (tx, ctx) => {
        const source = ctx.principal.actor.type === 'user' ? 'console' : (request.body.source ?? 'api');
        const created = await requestReturn(deps.processes, tx, ctx.principal.actor, now(), request.params.id, {
          ...request.body,
          source,
        });
        return { status: 201, body: await getReturn(actions, tx, created.returnId) };
      }),
  );

  app.get(
    '/orders/:id/returns',
    { schema: { tags, summary: "The order's returns", params: idParams, response: { 200: returnList, ...errors } } },
    async (request) => {
      const store = authorize(deps.db, request, 'returns:read').store;
      await requireParent(store, 'orders', request.params.id);
      return listReturns(store, { orderId: request.params.id, limit: 200 });
    },
  );

  app.get(
    '/returns',
    {
      schema: {
        tags,
        summary: 'The returns queue, newest first',
        querystring: returnsQuery,
        response: { 200: returnList, ...errors },
      },
    },
    async (request) => listReturns(authorize(deps.db, request, 'returns:read').store, request.query),
  );

  app.get(
    '/returns/figures',
    {
      schema: {
        tags,
        summary: 'Return rate by SKU, channel, reason and location; request-to-refund time; restock share',
        querystring: figuresQuery,
        response: { 200: returnFiguresView, ...errors },
      },
    },
    async (request) => returnFigures(authorize(deps.db, request, 'returns:read').store, now(), request.query),
  );

  app.get(
    '/returns/:id',
    {
      schema: {
        tags,
        summary: 'One return: lines, receipts, grades, money, process',
        params: idParams,
        response: { 200: returnView, ...errors },
      },
    },
    async (request) => getReturn(actions, authorize(deps.db, request, 'returns:read').store, request.params.id),
  );

  app.get(
    '/returns/:id/label',
    {
      schema: {
        tags,
        summary: "The return label as the carrier renders it (PDF or ZPL), for the customer's parcel",
        params: idParams,
        querystring: labelQuery,
        response: { 200: z.any().describe('application/pdf or application/zpl'), ...errors },
      },
    },
    async (request, reply) => {
      const store = authorize(deps.db, request, 'returns:read').store;
      const label = await getReturnLabel(store, deps.carriers, request.params.id, request.query.format);
      return reply
        .type(label.contentType)
        .header('content-disposition', `inline; filename="return-label-${request.params.id}.${label.format}"`)
        .send(label.data);
    },
  );

  app.post(
    '/returns/:id/receipts',
    {
      schema: {
        tags,
        summary: 'Units of the return arrived at a location (partial receipts allowed)',
        description:
          'Units the return does not expect (more than asked, another SKU) are kept as unexpected receipts queued for a person (GET /return-receipts), never refused at the door.',
        params: idParams,
        body: receiptInput,
        response: { 200: receiptResult, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'returns:write', async (tx, ctx) => {
        const result = await receiveReturn(
          deps.processes,
          tx,
          ctx.principal.actor,
          now(),
          request.params.id,
          request.body,
        );
        return { status: 200, body: { ...result, return: await getReturn(actions, tx, request.params.id) } };
      }),
  );

  app.post(
    '/returns/:id/inspections',
    {
      schema: {
        tags,
        summary: 'Grade received units: resell, refurbish or write-off (a grade per unit, with serial and note)',
        params: idParams,
        body: inspectionInput,
        response: { 200: inspectionResult, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'returns:write', async (tx, ctx) => {
        const result = await inspectReturn(
          deps.processes,
          tx,
          ctx.principal.actor,
          now(),
          request.params.id,
          request.body,
        );
        return { status: 200, body: { ...result, return: await getReturn(actions, tx, request.params.id) } };
      }),
  );

  app.post(
    '/return-receipts',
    {
      schema: {
        tags,
        summary: 'A parcel no return asked for: accepted and queued for a person',
        body: unexpectedReceiptInput,
        response: { 201: queuedReceipt, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'returns:write', async (tx, ctx) => ({
        status: 201,
        body: await receiveUnexpected(tx, ctx.principal.actor, now(), request.body),
      })),
  );

  app.get(
    '/return-receipts',
    {
      schema: {
        tags,
        summary: 'Unexpected receipts waiting for a person',
        response: { 200: queuedReceipts, ...errors },
      },
    },
    async (request) => listQueuedReceipts(authorize(deps.db, request, 'returns:read').store),
  );

  app.post(
    '/return-receipts/:id/resolve',
    {
      schema: {
        tags,
        summary: 'Settle a queued receipt: restock, write off, or match it to a return',
        params: idParams,
        body: resolveReceiptInput,
        response: { 200: resolvedReceipt, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'returns:write', async (tx, ctx) => ({
        status: 200,
        body: await resolveReceipt(deps.processes, tx, ctx.principal.actor, now(), request.params.id, request.body),
      })),
  );

  app.get(
    '/return-reasons',
    {
      schema: {
        tags,
        summary: "The tenant's return reasons (EN/PL/RU labels)",
        response: { 200: reasonList, ...errors },
      },
    },
    async (request) => ({ items: await reasonCatalogue(authorize(deps.db, request, 'returns:read').store) }),
  );

  app.put(
    '/return-reasons/:code',
    {
      schema: {
        tags,
        summary: 'Add or change a return reason (active: false keeps it on past returns only)',
        params: z.object({ code: z.string().regex(/^[a-z][a-z0-9_]{0,49}$/) }),
        body: reasonInput,
        response: { 200: reasonView, ...errors },
      },
    },
    async (request) =>
      saveReason(authorize(deps.db, request, 'reference:write').store, now(), request.params.code, request.body),
  );

  app.get(
    '/customers/:id/store-credit',
    {
      schema: {
        tags,
        summary: "A customer's store credit: balance per currency and its entries",
        params: idParams,
        response: { 200: storeCreditView, ...errors },
      },
    },
    async (request) => customerStoreCredit(authorize(deps.db, request, 'returns:read').store, request.params.id),
  );

  // The customer's self-service return page, reached from the public tracking page by its token.
  const tokenParams = z.object({ token: z.string().min(1).max(200) });
  app.get(
    '/self-service/returns/:token',
    {
      schema: {
        tags,
        summary: "The customer's return page: what can come back, the reasons, the returns made (no login)",
        security: [],
        params: tokenParams,
        response: { 200: selfServicePage, 400: problem, 404: problem },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return selfServiceReturnPage(deps.db, request.params.token);
    },
  );
  app.get(
    '/self-service/returns/:token/:number/label',
    {
      schema: {
        tags,
        summary: "The customer's return label (PDF), once the carrier issued it (no login)",
        security: [],
        params: z.object({ token: z.string().min(1).max(200), number: z.string().min(1).max(100) }),
        response: { 200: z.any().describe('application/pdf'), 400: problem, 404: problem, 409: problem },
      },
    },
    async (request, reply) => {
      const label = await selfServiceReturnLabel(deps.db, deps.carriers, request.params.token, request.params.number);
      return reply
        .type(label.contentType)
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="return-${request.params.number}.${label.format}"`)
        .send(label.data);
    },
  );
  app.post(
    '/self-service/returns/:token',
    {
      schema: {
        tags,
        summary: 'The customer requests a return on the self-service page (no login)',
        security: [],
        params: tokenParams,
        body: returnRequestInput,
        response: { 201: selfServiceCreated, 400: problem, 404: problem, 409: problem, 422: problem },
      },
    },
    async (request, reply) => {
      const created = await requestSelfServiceReturn(
        deps.processes,
        deps.db,
        request.params.token,
        now(),
        request.body,
      );
      return reply.code(201).send(created);
    },
  );
}
