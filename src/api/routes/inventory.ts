import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import {
  adjustStockInput,
  availabilityQuery,
  channelAvailability,
  batchAvailabilityInput,
  feedQuery,
  holdInput,
  movementsQuery,
  pickInput,
  releaseInput,
  reservationOutcome,
  reserveInput,
  setStockInput,
  shipInput,
  skuAvailability,
  stockBucketsInput,
  stockBucketsResult,
  stockFigures,
  supplyInput,
  supplyPatch,
  syncInput,
  syncReport,
} from '../schemas/inventory.js';
import {
  availabilityFeed,
  getAvailability,
  getChannelAvailability,
  getSkuAvailability,
} from '../../app/inventory/availability.js';
import { adjustStock, setStock } from '../../app/inventory/update-stock.js';
import { syncStock } from '../../app/inventory/sync-stock.js';
import { reserveExistingOrder } from '../../app/inventory/reserve.js';
import { holdStock } from '../../app/inventory/hold-stock.js';
import { listOrderReservations, releaseHold, releaseOrderReservations } from '../../app/inventory/release.js';
import { pickOrderLineAt } from '../../app/inventory/pick-order-line-at.js';
import { shipOrderLinesFrom } from '../../app/inventory/ship-order-lines-from.js';
import { addSupply, availableToPromise, updateSupply } from '../../app/inventory/supply.js';
import { requireParent } from '../../app/require-parent.js';
import { listMovements } from '../../app/inventory/list-movements.js';
import { splitStockBuckets } from '../../app/inventory/split-stock-buckets.js';

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
const tags = ['inventory'];
const json = z.record(z.string(), z.unknown());
const skuParams = z.object({ sku: z.string().min(1).max(100) });

/** Inventory: stock figures, the ledger, reservations, availability, supply (issue 3). */
export async function inventoryRoutes(app: FastifyInstance, deps: Deps): Promise<void> {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  api.get(
    '/inventory/availability/:sku',
    {
      schema: {
        tags,
        summary: 'Availability of one SKU: in total, per location, and for a channel',
        params: skuParams,
        querystring: availabilityQuery,
        response: { 200: skuAvailability, ...errors },
      },
    },
    async (request) =>
      getSkuAvailability(authorize(deps.db, request, 'inventory:read').store, request.params.sku, {
        channel: request.query.channel,
        locations: request.query.location?.split(',').filter(Boolean),
      }),
  );

  api.get(
    '/inventory/availability/:sku/channels',
    {
      schema: {
        tags,
        summary: 'One SKU as each channel sees it: feeding locations, what is held back, the figure shown',
        params: skuParams,
        response: { 200: channelAvailability, ...errors },
      },
    },
    async (request) => getChannelAvailability(authorize(deps.db, request, 'inventory:read').store, request.params.sku),
  );

  api.post(
    '/inventory/availability::batch',
    {
      schema: {
        tags,
        summary: 'Availability of up to 1,000 SKUs in one call (read-only)',
        body: batchAvailabilityInput,
        response: { 200: z.object({ items: z.array(skuAvailability), unknown: z.array(z.string()) }), ...errors },
      },
    },
    async (request) => getAvailability(authorize(deps.db, request, 'inventory:read').store, request.body),
  );

  api.get(
    '/inventory/feed',
    {
      schema: {
        tags,
        summary: 'Changed-since availability feed for marketplace connectors',
        description:
          'Start without a cursor (everything), then pass nextCursor back. Delivery is at least once; figures are absolute.',
        querystring: feedQuery,
        response: {
          200: z.object({ items: z.array(skuAvailability), nextCursor: z.string(), more: z.boolean() }),
          ...errors,
        },
      },
    },
    async (request) => availabilityFeed(authorize(deps.db, request, 'inventory:read').store, request.query),
  );

  api.get(
    '/inventory/atp/:sku',
    {
      schema: {
        tags,
        summary: 'Available to promise: free stock now and on each inbound supply date',
        params: skuParams,
        response: { 200: json, ...errors },
      },
    },
    async (request) => availableToPromise(authorize(deps.db, request, 'inventory:read').store, request.params.sku),
  );

  api.get(
    '/inventory/movements',
    {
      schema: {
        tags,
        summary: 'The stock ledger, newest first',
        querystring: movementsQuery,
        response: { 200: json, ...errors },
      },
    },
    async (request) => listMovements(authorize(deps.db, request, 'inventory:read').store, request.query),
  );

  api.post(
    '/inventory/stock::set',
    {
      schema: {
        tags,
        summary: 'Set on hand and/or safety absolutely (compare-and-swap with expectedOnHand or expectedVersion)',
        body: setStockInput,
        response: { 200: stockFigures, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:write', async (tx, ctx) => ({
        status: 200,
        body: await setStock(tx, ctx.principal.actor, now(), request.body),
      })),
  );

  api.post(
    '/inventory/stock::adjust',
    {
      schema: {
        tags,
        summary: 'Apply a delta: receipt, return, write-off, adjustment or count correction',
        body: adjustStockInput,
        response: { 200: stockFigures, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:write', async (tx, ctx) => ({
        status: 200,
        body: await adjustStock(tx, ctx.principal.actor, now(), request.body),
      })),
  );

  api.post(
    '/inventory/stock::buckets',
    {
      schema: {
        tags,
        summary:
          "Split a hot SKU's free stock at one location into buckets for a flash sale, or merge them back (admins)",
        description:
          'Buyers of a bucketed SKU lock one bucket each instead of the one stock row; every figure stays exact. ' +
          'The same as `ordo stock-buckets SKU LOCATION COUNT` (docs/inventory.md "Hot SKUs").',
        body: stockBucketsInput,
        response: { 200: stockBucketsResult, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:buckets', async (tx) => ({
        status: 200,
        body: await splitStockBuckets(tx, request.body),
      })),
  );

  api.post(
    '/inventory/stock::sync',
    {
      schema: {
        tags,
        summary: 'Bulk snapshot of on hand (idempotent by syncId; bad rows reported, good rows applied once)',
        body: syncInput,
        response: { 200: syncReport, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:write', async (tx, ctx) => ({
        status: 200,
        body: await syncStock(tx, ctx.principal.actor, now(), request.body),
      })),
  );

  api.get(
    '/inventory/orders/:id/reservations',
    {
      schema: {
        tags,
        summary: "An order's reservations and backorders",
        params: idParams,
        response: { 200: json, ...errors },
      },
    },
    async (request) => listOrderReservations(authorize(deps.db, request, 'inventory:read').store, request.params.id),
  );

  api.post(
    '/inventory/orders/:id/reserve',
    {
      schema: {
        tags,
        summary: 'Reserve what an order does not hold yet (after a shortage, or when intake did not reserve)',
        params: idParams,
        body: reserveInput,
        response: { 200: reservationOutcome, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:write', async (tx, ctx) => ({
        status: 200,
        body: await reserveExistingOrder(tx, ctx.principal.actor, now(), request.params.id, {
          ...(request.body.expiresAt ? { expiresAt: new Date(request.body.expiresAt) } : {}),
          ...(request.body.allowPartial === undefined ? {} : { allowPartial: request.body.allowPartial }),
        }),
      })),
  );

  api.post(
    '/inventory/orders/:id/release',
    {
      schema: {
        tags,
        summary: "Release an order's reservations (all lines, or some)",
        params: idParams,
        body: releaseInput,
        response: { 200: json, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:write', async (tx, ctx) => {
        // the process engine releases for orders it knows; a caller naming an unknown order hears 404
        await requireParent(tx, 'orders', request.params.id);
        return {
          status: 200,
          body: await releaseOrderReservations(tx, ctx.principal.actor, now(), {
            orderId: request.params.id,
            ...request.body,
          }),
        };
      }),
  );

  api.post(
    '/inventory/orders/:id/pick',
    {
      schema: {
        tags,
        summary: 'Record a pick (serials captured, lots chosen first-expiry-first-out)',
        params: idParams,
        body: pickInput,
        response: { 200: json, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:write', async (tx, ctx) => ({
        status: 200,
        body: await pickOrderLineAt(tx, ctx.principal.actor, now(), request.params.id, request.body),
      })),
  );

  api.post(
    '/inventory/orders/:id/ship',
    {
      schema: {
        tags,
        summary: 'Ship: consume the reservations, capture serials and lots',
        params: idParams,
        body: shipInput,
        response: { 200: json, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:write', async (tx, ctx) => ({
        status: 200,
        body: await shipOrderLinesFrom(tx, ctx.principal.actor, now(), request.params.id, request.body),
      })),
  );

  api.post(
    '/inventory/holds',
    {
      schema: {
        tags,
        summary: 'Hold stock for a cart (all or nothing, expires)',
        body: holdInput,
        response: { 201: json, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:write', async (tx, ctx) => {
        return { status: 201, body: await holdStock(tx, ctx.principal.actor, now(), request.body) };
      }),
  );

  api.post(
    '/inventory/holds/:id/release',
    {
      schema: { tags, summary: 'Release a hold', params: idParams, response: { 200: json, ...errors } },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:write', async (tx, ctx) => ({
        status: 200,
        body: await releaseHold(tx, ctx.principal.actor, now(), request.params.id),
      })),
  );

  api.post(
    '/inventory/supply',
    {
      schema: {
        tags,
        summary: 'Add an inbound supply line (PO, transfer, production); backorder promises are recomputed',
        body: supplyInput,
        response: { 201: json, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'inventory:write', async (tx, ctx) => ({
        status: 201,
        body: await addSupply(tx, ctx.principal.actor, now(), request.body),
      })),
  );

  api.patch(
    '/inventory/supply/:id',
    {
      schema: {
        tags,
        summary: 'Change a supply line (date, quantity, received, status); promises are recomputed',
        params: idParams,
        body: supplyPatch,
        response: { 200: json, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'inventory:write');
      return updateSupply(ctx.store, ctx.principal.actor, now(), request.params.id, request.body);
    },
  );
}
