import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import {
  newStrategy,
  orderRoutes,
  planRequest,
  planResponse,
  rateTable,
  rateTableParams,
  rateTableUpload,
  simulateRequest,
  simulateResponse,
  strategyBody,
  strategyKeyParams,
  strategyList,
  strategyVersion,
  strategyVersionParams,
} from '../schemas/routing.js';
import { saveStrategyDraft } from '../../app/sourcing/save-strategy-draft.js';
import { publishStrategy } from '../../app/sourcing/publish-strategy.js';
import { retireStrategy } from '../../app/sourcing/retire-strategy.js';
import { getStrategyVersion, listStrategies, listStrategyVersions } from '../../app/sourcing/list-strategies.js';
import { uploadRateTable } from '../../app/sourcing/upload-rate-table.js';
import { listRateTables } from '../../app/sourcing/load-rates.js';
import { getRateTable } from '../../app/sourcing/get-rate-table.js';
import { planOrder } from '../../app/sourcing/plan-order.js';
import { simulateRouting } from '../../app/sourcing/simulate-routing.js';
import { listOrderRoutes } from '../../app/sourcing/list-order-routes.js';

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
const tags = ['routing'];

/** Routing strategies, rate tables, dry-run plans and simulation (issue 5). */
export async function routingRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  app.get(
    '/routing/strategies',
    {
      schema: {
        tags,
        summary: 'Routing strategies with their current and draft versions (the defaults are created on first look)',
        response: { 200: strategyList, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'routing:read');
      return listStrategies(ctx.store, now());
    },
  );

  app.post(
    '/routing/strategies',
    {
      schema: {
        tags,
        summary: 'Save a strategy as the draft of its key (creates the next version, or edits the draft)',
        description:
          'Validated on save: any problem → 422 ROUTING_STRATEGY_INVALID with `errors[].path` naming the field or step (e.g. /steps/1/when); nothing is stored.',
        body: newStrategy,
        response: { 201: strategyVersion, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'routing:write', async (tx, ctx) => ({
        status: 201,
        body: await saveStrategyDraft(tx, ctx.principal.actor, now(), request.body.key, request.body),
      })),
  );

  app.put(
    '/routing/strategies/:key/draft',
    {
      schema: {
        tags,
        summary: 'Save the draft of this strategy (validated; 422 with every problem)',
        params: strategyKeyParams,
        body: strategyBody,
        response: { 200: strategyVersion, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'routing:write');
      return saveStrategyDraft(ctx.store, ctx.principal.actor, now(), request.params.key, request.body);
    },
  );

  app.get(
    '/routing/strategies/:key',
    {
      schema: {
        tags,
        summary: 'The versions of a strategy, newest first',
        params: strategyKeyParams,
        response: { 200: z.object({ key: z.string(), items: z.array(strategyVersion) }), ...errors },
      },
    },
    async (request) => listStrategyVersions(authorize(deps.db, request, 'routing:read').store, request.params.key),
  );

  app.get(
    '/routing/strategies/:key/versions/:version',
    {
      schema: {
        tags,
        summary: 'One version of a strategy with its document',
        params: strategyVersionParams,
        response: { 200: strategyVersion, ...errors },
      },
    },
    async (request) =>
      getStrategyVersion(authorize(deps.db, request, 'routing:read').store, request.params.key, request.params.version),
  );

  app.post(
    '/routing/strategies/:key/versions/:version/publish',
    {
      schema: {
        tags,
        summary: 'Publish a draft: routing uses it from now on (validated again)',
        params: strategyVersionParams,
        response: { 200: strategyVersion, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'routing:write', async (tx, ctx) => ({
        status: 200,
        body: await publishStrategy(tx, ctx.principal.actor, now(), request.params.key, request.params.version),
      })),
  );

  app.post(
    '/routing/strategies/:key/versions/:version/retire',
    {
      schema: {
        tags,
        summary: 'Retire a version (or drop a draft): routing no longer uses it',
        params: strategyVersionParams,
        response: { 200: strategyVersion, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'routing:write', async (tx, ctx) => ({
        status: 200,
        body: await retireStrategy(tx, ctx.principal.actor, now(), request.params.key, request.params.version),
      })),
  );

  app.get(
    '/routing/rate-tables',
    {
      schema: {
        tags,
        summary: 'Rate tables (carrier service × zone) used to price and time shipments',
        response: { 200: z.object({ items: z.array(rateTable) }), ...errors },
      },
    },
    async (request) => listRateTables(authorize(deps.db, request, 'routing:read').store),
  );

  app.get(
    '/routing/rate-tables/:name',
    {
      schema: {
        tags,
        summary: 'One rate table with its CSV',
        params: rateTableParams,
        response: { 200: rateTable, ...errors },
      },
    },
    async (request) => {
      return getRateTable(authorize(deps.db, request, 'routing:read').store, request.params.name);
    },
  );

  app.put(
    '/routing/rate-tables/:name',
    {
      schema: {
        tags,
        summary: 'Upload (or replace) a rate table from CSV',
        description:
          'Every bad cell is reported at once: 422 RATE_TABLE_INVALID with `errors[].path` = /csv/line/<n>/<column>; nothing is stored.',
        params: rateTableParams,
        body: rateTableUpload,
        response: { 200: rateTable, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'routing:write');
      return uploadRateTable(ctx.store, ctx.principal.actor, now(), { name: request.params.name, ...request.body });
    },
  );

  app.post(
    '/routing/plan',
    {
      schema: {
        tags,
        summary: 'Dry run: the plan for a stored or draft order, without reserving anything',
        description:
          "A stored order's own reservations count where they are held, as when it is routed. Nothing is reserved, stored or emitted.",
        body: planRequest,
        response: { 200: planResponse, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'routing:read');
      return planOrder(ctx.store, now(), request.body);
    },
  );

  app.post(
    '/routing/simulate',
    {
      schema: {
        tags,
        summary:
          'Run a strategy over stored orders and compare cost, splits and distance with the published one (writes nothing)',
        body: simulateRequest,
        response: { 200: simulateResponse, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'routing:read');
      return simulateRouting(ctx.store, now(), request.body);
    },
  );

  app.get(
    '/orders/:id/routes',
    {
      schema: {
        tags: ['orders', 'routing'],
        summary: 'Every routing attempt of an order with its plan',
        params: idParams,
        response: { 200: orderRoutes, ...errors },
      },
    },
    async (request) => listOrderRoutes(authorize(deps.db, request, 'routing:read').store, request.params.id),
  );
}
