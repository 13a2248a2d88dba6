import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { runCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import {
  cycleList,
  retryResult,
  subscriptionHistory,
  subscriptionList,
  subscriptionView,
} from '../schemas/subscriptions.js';
import {
  cancelInput,
  pauseInput,
  resumeInput,
  retryInput,
  skipInput,
  subscriptionInput,
  subscriptionsQuery,
  subscriptionUpdate,
} from '../../app/subscriptions/schemas.js';
import { createSubscription } from '../../app/subscriptions/create-subscription.js';
import { updateSubscription } from '../../app/subscriptions/update-subscription.js';
import {
  cancelSubscription,
  pauseSubscription,
  resumeSubscription,
  skipCycle,
} from '../../app/subscriptions/subscription-commands.js';
import {
  getSubscription,
  listCycles,
  listSubscriptionHistory,
  listSubscriptions,
} from '../../app/subscriptions/subscription-view.js';
import { retryCycle } from '../../app/subscriptions/run-cycles.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 412: problem, 422: problem };
const tags = ['subscriptions'];

/**
 * Subscriptions and recurring orders (issue 17, docs/subscriptions.md): a schedule (RRULE in the
 * tenant's zone) that creates a real order each cycle through the `subscription.cycle` job;
 * skip, pause, resume, cancel; each cycle's outcome. Commands honour If-Match (the ETag is the
 * subscription's version).
 */
export async function subscriptionRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  app.post(
    '/subscriptions',
    {
      schema: {
        tags,
        summary: 'Create a subscription: lines, delivery, payment terms and a schedule (RRULE)',
        body: subscriptionInput,
        response: { 201: subscriptionView, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'subscriptions:write', async (tx, ctx) => ({
        status: 201,
        body: await createSubscription(tx, ctx.principal.actor, now(), request.body),
      })),
  );

  app.get(
    '/subscriptions',
    {
      schema: {
        tags,
        summary: 'Subscriptions, newest first (filters: state, customer)',
        querystring: subscriptionsQuery,
        response: { 200: subscriptionList, ...errors },
      },
    },
    async (request) => listSubscriptions(authorize(deps.db, request, 'subscriptions:read').store, request.query),
  );

  app.get(
    '/subscriptions/:id',
    { schema: { tags, summary: 'One subscription', params: idParams, response: { 200: subscriptionView, ...errors } } },
    async (request, reply) => {
      const view = await getSubscription(authorize(deps.db, request, 'subscriptions:read').store, request.params.id);
      etag(reply, view.version);
      return view;
    },
  );

  app.patch(
    '/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'Change lines, schedule, cycles, delivery or terms (If-Match honoured); later cycles use them',
        params: idParams,
        body: subscriptionUpdate,
        response: { 200: subscriptionView, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'subscriptions:write');
      const view = await updateSubscription(
        ctx.store,
        ctx.principal.actor,
        now(),
        request.params.id,
        request.body,
        ifMatch(request),
      );
      etag(reply, view.version);
      return view;
    },
  );

  app.get(
    '/subscriptions/:id/cycles',
    {
      schema: {
        tags,
        summary: "Each cycle: date, outcome (created, failed, skipped, missed) and its order's number and state",
        params: idParams,
        response: { 200: cycleList, ...errors },
      },
    },
    async (request) => listCycles(authorize(deps.db, request, 'subscriptions:read').store, request.params.id),
  );

  app.get(
    '/subscriptions/:id/history',
    {
      schema: {
        tags,
        summary: 'Who changed what and why',
        params: idParams,
        response: { 200: subscriptionHistory, ...errors },
      },
    },
    async (request) =>
      listSubscriptionHistory(authorize(deps.db, request, 'subscriptions:read').store, request.params.id),
  );

  type Tx = Parameters<typeof skipCycle>[0];
  type Who = Parameters<typeof skipCycle>[1];
  const command = <B>(
    path: string,
    summary: string,
    body: ZodType<B>,
    run: (tx: Tx, actor: Who, id: string, input: B, version: number | null) => Promise<unknown>,
  ) =>
    app.post(
      `/subscriptions/:id(^[0-9a-fA-F-]{36})::${path}`,
      { schema: { tags, summary, params: idParams, body, response: { 200: subscriptionView, ...errors } } },
      (request, reply) =>
        runCommand(deps, request, reply, 'subscriptions:write', async (tx, ctx) => ({
          status: 200,
          body: (await run(tx, ctx.principal.actor, request.params.id, request.body as B, ifMatch(request))) as object,
        })),
    );

  command(
    'skip',
    'Skip the next cycle, or the occurrence `at` (no order; not counted towards cyclesTotal)',
    skipInput,
    (tx, actor, id, input, version) => skipCycle(tx, actor, now(), id, input, version),
  );
  command('pause', 'Pause: no cycles until resumed (or until `until`)', pauseInput, (tx, actor, id, input, version) =>
    pauseSubscription(tx, actor, now(), id, input, version),
  );
  command(
    'resume',
    'Resume: the next cycle is the first occurrence from now (cycles that fell in the pause are not made up)',
    resumeInput,
    (tx, actor, id, input, version) => resumeSubscription(tx, actor, now(), id, input, version),
  );
  command(
    'cancel',
    'Cancel with a reason; orders already created stay as they are',
    cancelInput,
    (tx, actor, id, input, version) => cancelSubscription(tx, actor, now(), id, input, version),
  );

  app.post(
    '/subscriptions/:id(^[0-9a-fA-F-]{36})::retry',
    {
      schema: {
        tags,
        summary: "Try a failed cycle's order again after fixing its cause (clears the exception on success)",
        params: idParams,
        body: retryInput,
        response: { 200: retryResult, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'subscriptions:write', async (tx, ctx) => {
        const cycle = await retryCycle(
          deps.processes,
          tx,
          ctx.principal.actor,
          now(),
          request.params.id,
          request.body,
          ifMatch(request),
        );
        return { status: 200, body: { cycle, subscription: await getSubscription(tx, request.params.id) } };
      }),
  );
}
