import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runOwnTransactionCommand } from '../command.js';
import { code, problem, uuid } from '../schemas/common.js';
import { priceListHistoryView, priceListList, priceListView, priceQuoteView } from '../schemas/pricing.js';
import {
  priceEntriesInput,
  priceListInput,
  priceListPatch,
  priceListQuery,
  priceQuoteInput,
} from '../../app/pricing/schemas.js';
import {
  createPriceList,
  getPriceList,
  listPriceLists,
  priceListHistory,
  setPriceEntries,
  updatePriceList,
} from '../../app/pricing/price-lists.js';
import { resolvePrices } from '../../app/pricing/resolve-prices.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 412: problem, 422: problem };
const tags = ['prices'];
const idOrCode = z.object({ id: z.union([uuid, code]).describe('the price list id or code') });

/**
 * Price lists (issue 17, docs/pricing.md): versioned lists with quantity breaks, floors and
 * validity; every change says who and why. Intake prices orders without prices from them.
 */
export async function pricingRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  app.post(
    '/price-lists',
    {
      schema: {
        tags,
        summary: 'Create a price list with its entries',
        description:
          'Entries are checked as a whole: every SKU known, amounts exact in the list currency, floors not above prices; any fault names its entry and nothing is stored.',
        body: priceListInput,
        response: { 201: priceListView, ...errors },
      },
    },
    (request, reply) =>
      runOwnTransactionCommand(deps, request, reply, 'prices:write', async (s, ctx) => ({
        status: 201,
        body: await createPriceList(s, ctx.principal.actor, now(), request.body),
      })),
  );

  app.get(
    '/price-lists',
    {
      schema: {
        tags,
        summary: 'List price lists',
        querystring: priceListQuery,
        response: { 200: priceListList, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'reference:read');
      return listPriceLists(ctx.store, request.query);
    },
  );

  app.get(
    '/price-lists/:id',
    {
      schema: {
        tags,
        summary: 'A price list and its entries',
        params: idOrCode,
        response: { 200: priceListView, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'reference:read');
      const list = await getPriceList(ctx.store, request.params.id);
      etag(reply, list.version);
      return list;
    },
  );

  app.patch(
    '/price-lists/:id',
    {
      schema: {
        tags,
        summary: "Change a price list's fields (If-Match honoured; a reason is required)",
        params: idOrCode,
        body: priceListPatch,
        response: { 200: priceListView, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'prices:write');
      const list = await updatePriceList(
        ctx.store,
        ctx.principal.actor,
        now(),
        request.params.id,
        ifMatch(request),
        request.body,
      );
      etag(reply, list.version);
      return list;
    },
  );

  app.put(
    '/price-lists/:id/entries',
    {
      schema: {
        tags,
        summary: "Replace or merge a price list's entries (If-Match honoured; a reason is required)",
        description: 'One new version; its history row lists each price added, changed or removed.',
        params: idOrCode,
        body: priceEntriesInput,
        response: { 200: priceListView, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'prices:write');
      const list = await setPriceEntries(
        ctx.store,
        ctx.principal.actor,
        now(),
        request.params.id,
        ifMatch(request),
        request.body,
      );
      etag(reply, list.version);
      return list;
    },
  );

  app.get(
    '/price-lists/:id/history',
    {
      schema: {
        tags,
        summary: "A price list's versions: who changed what, when and why",
        params: idOrCode,
        response: { 200: priceListHistoryView, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'reference:read');
      return priceListHistory(ctx.store, request.params.id);
    },
  );

  app.post(
    '/prices:resolve',
    {
      schema: {
        tags,
        summary: 'The prices intake would give these lines (list and rule per line)',
        body: priceQuoteInput,
        response: { 200: priceQuoteView, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'orders:read');
      return resolvePrices(ctx.store, now(), request.body);
    },
  );
}
