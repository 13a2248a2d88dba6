import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, ifMatch } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, problem, uuid } from '../schemas/common.js';
import {
  accuracy,
  accuracyQuery,
  cancelInput,
  createShipmentInput,
  fulfilmentListQuery,
  fulfilmentOrder,
  fulfilmentState,
  labelQuery,
  packInput,
  pickInput,
  rejectInput,
  shipInput,
  shipment,
  webhookOutcome,
  wrongItemInput,
} from '../schemas/fulfilment.js';
import { AppError } from '../../shared/errors.js';
import { loadFulfilmentView } from '../../app/fulfilment/common.js';
import { listFulfilmentOrders } from '../../app/fulfilment/list-fulfilment-orders.js';
import { acceptFulfilment } from '../../app/fulfilment/accept-fulfilment.js';
import { rejectFulfilment } from '../../app/fulfilment/reject-fulfilment.js';
import { startPicking } from '../../app/fulfilment/start-picking.js';
import { recordPick } from '../../app/fulfilment/record-pick.js';
import { packFulfilment } from '../../app/fulfilment/pack-fulfilment.js';
import { markReadyForPickup } from '../../app/fulfilment/mark-ready-for-pickup.js';
import { confirmCollected } from '../../app/fulfilment/confirm-collected.js';
import { recordWrongItem } from '../../app/fulfilment/record-wrong-item.js';
import { pickingAccuracy } from '../../app/fulfilment/picking-accuracy.js';
import { bookShipment, createShipment } from '../../app/fulfilment/create-shipment.js';
import { shipFulfilment } from '../../app/fulfilment/ship-fulfilment.js';
import { handOverShipment } from '../../app/fulfilment/hand-over-shipment.js';
import { cancelShipment } from '../../app/fulfilment/cancel-shipment.js';
import { cancelFulfilment, voidShipmentForCancel } from '../../app/fulfilment/cancel-fulfilment.js';
import { getShipmentLabel } from '../../app/fulfilment/get-shipment-label.js';
import { PRINT_MANY_MAX, printDocument, printDocuments } from '../../app/fulfilment/print-documents.js';
import { loadShipmentView } from '../../app/fulfilment/shipment-common.js';
import { listOrderShipments } from '../../app/fulfilment/list-order-shipments.js';
import { receiveTrackingWebhook } from '../../app/fulfilment/receive-tracking-webhook.js';
import type { FulfilmentState } from '../../domain/fulfilment/states.js';

const errors = {
  400: problem,
  401: problem,
  403: problem,
  404: problem,
  409: problem,
  412: problem,
  422: problem,
  502: problem,
  503: problem,
  504: problem,
};
const tags = ['fulfilment'];
const lineParams = z.object({ id: uuid, lineId: uuid });
const MULTI_TX =
  'The carrier is called between two transactions (the shipment row is committed first), so Idempotency-Key is not replayed here: retry a failed shipment with POST /shipments/{id}/retry; the shipment id is the carrier reference, so no second label is bought.';

/** Fulfilment orders, packages, shipments, labels and carrier tracking (issue 6). */
export async function fulfilmentRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();
  const read = (request: Parameters<typeof authorize>[1]) => authorize(deps.db, request, 'fulfilment:read').store;

  app.get(
    '/fulfilment-orders',
    {
      schema: {
        tags,
        summary: "A location's work queue (filter by location code, states, order)",
        querystring: fulfilmentListQuery,
        response: { 200: z.object({ items: z.array(fulfilmentOrder), nextCursor: z.string().nullable() }), ...errors },
      },
    },
    async (request) => {
      const states = request.query.state
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = states?.findIndex((s) => !fulfilmentState.safeParse(s).success) ?? -1;
      if (states && bad >= 0)
        throw new AppError('VALIDATION_FAILED', `unknown state ${states[bad]}`, [
          { path: 'query:state', message: `one of ${fulfilmentState.options.join(', ')}` },
        ]);
      return listFulfilmentOrders(read(request), { ...request.query, state: states as FulfilmentState[] | undefined });
    },
  );

  app.get(
    '/fulfilment-orders/:id',
    {
      schema: {
        tags,
        summary: 'One fulfilment order with its lines and packages',
        params: idParams,
        response: { 200: fulfilmentOrder, ...errors },
      },
    },
    async (request, reply) => {
      const fulfilmentView = await loadFulfilmentView(read(request), request.params.id);
      reply.header('ETag', `"${fulfilmentView.version}"`);
      return fulfilmentView;
    },
  );

  const step = (
    path: string,
    summary: string,
    run: (
      tx: Parameters<Parameters<typeof runCommand>[4]>[0],
      actor: Parameters<typeof acceptFulfilment>[1],
      id: string,
      body: any,
      version: number | null,
    ) => Promise<unknown>,
    body?: z.ZodType,
  ) =>
    app.post(
      path,
      {
        schema: {
          tags,
          summary,
          params: idParams,
          ...(body ? { body } : {}),
          response: { 200: fulfilmentOrder, ...errors },
        },
      },
      (request, reply) =>
        runCommand(deps, request, reply, 'fulfilment:write', async (tx, ctx) => ({
          status: 200,
          body: await run(tx, ctx.principal.actor, request.params.id, request.body, ifMatch(request)),
        })),
    );

  step('/fulfilment-orders/:id/accept', 'The location accepts the work', (tx, actor, id, _b, v) =>
    acceptFulfilment(tx, actor, now(), id, { expectedVersion: v }),
  );
  step(
    '/fulfilment-orders/:id/reject',
    'The location rejects the work: reservations there are released and the process hears short_pick',
    (tx, actor, id, b, v) =>
      rejectFulfilment(deps.processes, tx, actor, now(), id, {
        reason: b.reason,
        reroute: b.reroute,
        expectedVersion: v,
      }),
    rejectInput,
  );
  step('/fulfilment-orders/:id/start-picking', 'A picker starts', (tx, actor, id, _b, v) =>
    startPicking(tx, actor, now(), id, { expectedVersion: v }),
  );
  step(
    '/fulfilment-orders/:id/pick',
    'Record the pick of every line (serials and lots captured; fewer than asked is a short pick)',
    (tx, actor, id, b, v) => recordPick(deps.processes, tx, actor, now(), id, { lines: b.lines, expectedVersion: v }),
    pickInput,
  );
  step(
    '/fulfilment-orders/:id/pack',
    'Pack into one or more packages (weight in g, dimensions in mm)',
    (tx, actor, id, b, v) => packFulfilment(tx, actor, now(), id, { packages: b.packages, expectedVersion: v }),
    packInput,
  );
  step(
    '/fulfilment-orders/:id/ready-for-pickup',
    'A packed pickup order waits at the counter',
    (tx, actor, id, _b, v) => markReadyForPickup(deps.processes, tx, actor, now(), id, { expectedVersion: v }),
  );
  step('/fulfilment-orders/:id/collected', 'The customer collected it (stock consumed)', (tx, actor, id, _b, v) =>
    confirmCollected(deps.processes, tx, actor, now(), id, { expectedVersion: v }),
  );

  app.post(
    '/fulfilment-orders/:id/cancel',
    {
      schema: {
        tags,
        summary:
          'Cancel the work at the location: its shipment (not handed over) is cancelled, its reservations released, the WMS told',
        description:
          'Allowed from requested, accepted, picking, picked, packed and ready_for_pickup (If-Match honoured; 409 FULFILMENT_TRANSITION_NOT_ALLOWED from other states, ' +
          "409 SHIPMENT_ALREADY_HANDED_OVER once the parcel has left). A shipment booked at the carrier is cancelled there first; the carrier's refusal comes back as its error " +
          'and nothing changes. Then, in one transaction: the shipment is cancelled (fulfilment orders consolidated into it go back to packed without a shipment), the ' +
          "location's reservations for these lines are released, the fulfilment order becomes cancelled with the reason in its history, `fulfilment.cancelled` goes " +
          "to the outbox, and the order's process hears `short_pick` (data.cancelled = true), as after a rejection. Cancelling a cancelled fulfilment order returns it.",
        params: idParams,
        body: cancelInput,
        response: { 200: fulfilmentOrder, ...errors },
      },
    },
    async (request, reply) => {
      const store = authorize(deps.db, request, 'fulfilment:write').store;
      const version = ifMatch(request);
      const voided = await voidShipmentForCancel(store, deps.carriers, request.params.id, version);
      return runCommand(deps, request, reply, 'fulfilment:write', async (tx, ctx) => ({
        status: 200,
        body: await cancelFulfilment(deps.processes, tx, ctx.principal.actor, now(), request.params.id, {
          reason: request.body.reason,
          expectedVersion: version,
          voidedShipmentId: voided,
        }),
      }));
    },
  );

  app.post(
    '/fulfilment-orders/:id/ship',
    {
      schema: {
        tags,
        summary:
          'Book the shipment at the carrier and hand it over in one call (optionally consolidating other packed fulfilment orders of the order)',
        description: `A carrier failure answers 200 with the shipment in status failed (and its error); the fulfilment order stays packed. ${MULTI_TX}`,
        params: idParams,
        body: shipInput,
        response: { 200: shipment, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'fulfilment:write');
      return shipFulfilment(
        deps.processes,
        ctx.store,
        deps.carriers,
        ctx.principal.actor,
        deps.clock,
        request.params.id,
        request.body,
      );
    },
  );

  app.post(
    '/fulfilment-orders/:id/lines/:lineId/wrong-item',
    {
      schema: {
        tags,
        summary: 'Record units of a line returned as the wrong item (picking accuracy)',
        params: lineParams,
        body: wrongItemInput,
        response: {
          200: z.object({
            fulfilmentId: z.string(),
            lineId: z.string(),
            sku: z.string(),
            quantity: z.number(),
            picked: z.number(),
            wrongItem: z.number(),
          }),
          ...errors,
        },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'fulfilment:write', async (tx, ctx) => ({
        status: 200,
        body: await recordWrongItem(
          tx,
          ctx.principal.actor,
          now(),
          request.params.id,
          request.params.lineId,
          request.body,
        ),
      })),
  );

  app.get(
    '/fulfilment/accuracy',
    {
      schema: {
        tags,
        summary: 'Picking accuracy per location: ordered vs picked vs returned as wrong item',
        querystring: accuracyQuery,
        response: { 200: accuracy, ...errors },
      },
    },
    async (request) => pickingAccuracy(read(request), request.query),
  );

  app.post(
    '/shipments',
    {
      schema: {
        tags,
        summary: 'Book a shipment at the carrier for packed fulfilment orders (several = consolidation)',
        description: `201 with the shipment; a carrier failure is 201 with status failed and the carrier's messages in error. ${MULTI_TX}`,
        body: createShipmentInput,
        response: { 201: shipment, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'fulfilment:write');
      return reply
        .code(201)
        .send(
          await createShipment(deps.processes, ctx.store, deps.carriers, ctx.principal.actor, deps.clock, request.body),
        );
    },
  );

  app.get(
    '/shipments/:id',
    {
      schema: { tags, summary: 'One shipment', params: idParams, response: { 200: shipment, ...errors } },
    },
    async (request) => loadShipmentView(read(request), request.params.id),
  );

  app.get(
    '/orders/:id/shipments',
    {
      schema: {
        tags,
        summary: "An order's shipments",
        params: idParams,
        response: { 200: z.object({ items: z.array(shipment) }), ...errors },
      },
    },
    async (request) => listOrderShipments(read(request), request.params.id),
  );

  app.post(
    '/shipments/:id/retry',
    {
      schema: {
        tags,
        summary: 'Ask the carrier again for a pending or failed shipment (same reference: never a second label)',
        params: idParams,
        response: { 200: shipment, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'fulfilment:write');
      return bookShipment(deps.processes, ctx.store, deps.carriers, ctx.principal.actor, deps.clock, request.params.id);
    },
  );

  app.post(
    '/shipments/:id/hand-over',
    {
      schema: {
        tags,
        summary:
          'The parcels left with the carrier: fulfilment orders shipped, stock consumed, the process hears shipped',
        params: idParams,
        response: { 200: shipment, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'fulfilment:write', async (tx, ctx) => ({
        status: 200,
        body: await handOverShipment(deps.processes, tx, ctx.principal.actor, now(), request.params.id),
      })),
  );

  app.post(
    '/shipments/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a shipment not handed over yet (at the carrier, then here)',
        params: idParams,
        response: { 200: shipment, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'fulfilment:write');
      return cancelShipment(ctx.store, deps.carriers, ctx.principal.actor, deps.clock, request.params.id);
    },
  );

  app.get(
    '/orders/:id/documents/:kind',
    {
      schema: {
        tags,
        summary: "Print an order's packing slip, pick list or shipping label (PDF)",
        description:
          "Made from stored data by the shipping-document renderers; `fulfilmentOrderId` narrows it to one fulfilment order. The label is the carrier's, of the latest booked shipment. 409 NOTHING_TO_PRINT when there is nothing yet (no fulfilment order to pick, no booked shipment). Captions in `locale` (default: the user's language, else English).",
        params: z.object({ id: z.string(), kind: z.enum(['packing-slip', 'pick-list', 'label']) }),
        querystring: z.object({
          locale: z.enum(['en', 'pl', 'ru']).optional(),
          fulfilmentOrderId: z.string().optional(),
        }),
        response: { 200: z.any().describe('application/pdf'), ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'fulfilment:read');
      const userLocale = ctx.principal.locale;
      const locale =
        request.query.locale ?? (userLocale === 'pl' || userLocale === 'ru' ? userLocale : ('en' as const));
      const printed = await printDocument(ctx.store, deps.carriers, {
        orderId: request.params.id,
        kind: request.params.kind,
        locale,
        fulfilmentOrderId: request.query.fulfilmentOrderId,
      });
      return reply
        .type(printed.contentType)
        .header('content-disposition', `inline; filename="${printed.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
        .send(printed.data);
    },
  );

  app.post(
    '/orders::print',
    {
      schema: {
        tags,
        summary: "Several orders' packing slips or pick lists as ONE PDF, to print in one go",
        description:
          "The console's bulk print: each order's document starts on a new page and counts its own pages, in the order given. Every order must be printable: the first that is not answers its own 404 or 409 NOTHING_TO_PRINT naming it, and nothing is rendered (`POST /orders:bulk` with `action: print` tells which are printable first). Shipping labels are the carriers' PDFs: print them one by one with GET /orders/{id}/documents/label. Captions in `locale` (default: the user's language, else English).",
        body: z
          .object({
            orders: z
              .array(z.uuid())
              .min(1)
              .max(PRINT_MANY_MAX)
              .refine((ids) => new Set(ids).size === ids.length, 'an order is listed twice')
              .describe(`1 to ${PRINT_MANY_MAX} order ids, each once`),
            document: z.enum(['packing-slip', 'pick-list']),
            locale: z.enum(['en', 'pl', 'ru']).optional(),
          })
          .strict(),
        response: { 200: z.any().describe('application/pdf'), ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'fulfilment:read');
      const userLocale = ctx.principal.locale;
      const locale = request.body.locale ?? (userLocale === 'pl' || userLocale === 'ru' ? userLocale : ('en' as const));
      const printed = await printDocuments(ctx.store, {
        orderIds: request.body.orders,
        kind: request.body.document,
        locale,
      });
      return reply
        .type(printed.contentType)
        .header('content-disposition', `inline; filename="${printed.filename}"`)
        .send(printed.data);
    },
  );

  app.get(
    '/shipments/:id/label',
    {
      schema: {
        tags,
        summary:
          'The carrier label as PDF or ZPL (fetched from the carrier; 409 SHIPMENT_CANCELLED for a cancelled shipment)',
        params: idParams,
        querystring: labelQuery,
        response: { 200: z.any().describe('application/pdf or application/zpl'), ...errors },
      },
    },
    async (request, reply) => {
      const label = await getShipmentLabel(read(request), deps.carriers, request.params.id, request.query.format);
      return reply
        .type(label.contentType)
        .header('content-disposition', `inline; filename="label-${request.params.id}.${label.format}"`)
        .send(label.data);
    },
  );

  // Carriers sign (or don't) in their own ways; the body is kept raw for the adapter to read.
  await app.register(async (inbound) => {
    inbound.removeContentTypeParser('application/json');
    inbound.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    inbound.withTypeProvider<ZodTypeProvider>().post(
      '/carriers/:carrier/tracking',
      {
        bodyLimit: 1024 * 1024,
        schema: {
          tags,
          summary: 'Inbound carrier tracking webhook (InPost ShipX, CDEK, DHL, manual driver app)',
          security: [],
          description:
            'No API key: carriers cannot send one. When ORDO_CARRIER_WEBHOOK_TOKEN is set, the URL must carry ?token=<it>. Duplicates (same carrier event) are ignored; unknown statuses are stored and flagged; events for unknown shipments are counted, not refused.',
          params: z.object({ carrier: z.string().min(1).max(50) }),
          querystring: z.object({ token: z.string().max(200).optional() }),
          response: { 200: webhookOutcome, ...errors },
        },
      },
      async (request) => {
        const expected = deps.config?.carriers.webhookToken;
        if (expected && request.query.token !== expected)
          throw new AppError('UNAUTHENTICATED', 'the webhook URL token is missing or wrong');
        const body = Buffer.isBuffer(request.body)
          ? request.body
          : Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body ?? null));
        return receiveTrackingWebhook(deps.processes, deps.db, deps.carriers, deps.clock, request.params.carrier, {
          body,
          headers: request.headers,
        });
      },
    );
  });
}
