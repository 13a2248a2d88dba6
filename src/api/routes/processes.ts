import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, etag, ifMatch } from '../auth.js';
import { permissionsOf } from '../../domain/identity/roles.js';
import { runCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import { order } from '../schemas/order.js';
import {
  definitionChange,
  definitionSource,
  operationList,
  definitionVersion,
  keyParams,
  migrationInput,
  migrationPreview,
  migrationResult,
  orderEventInput,
  processSummary,
  selectionRules,
  selectionRulesView,
  simulateInput,
  simulationResult,
  validationResult,
  versionParams,
  processName,
} from '../schemas/process.js';
import { orderAfterEvent } from '../../app/orders/get-order.js';
import { saveDraft } from '../../app/process/save-draft.js';
import { validateSource } from '../../app/process/validate-source.js';
import { listOperations } from '../../app/process/list-operations.js';
import { publishDefinition } from '../../app/process/publish-definition.js';
import { retireDefinition } from '../../app/process/retire-definition.js';
import { getVersion, listProcesses, listVersions } from '../../app/process/list-definitions.js';
import { definitionHistory } from '../../app/process/definition-history.js';
import { simulateProcess } from '../../app/process/simulate-process.js';
import { applyOrderMigration, previewOrderMigration } from '../../app/process/migrate-orders.js';
import { getSelectionRules, saveSelectionRules } from '../../app/process/selection-rules.js';
import { processVocabulary } from '../../app/process/process-words.js';

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
const tags = ['processes'];

/** Process definitions (versions, validation, publishing, simulation, migration), selection rules and order events (issue 4). */
export async function processRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  const now = () => deps.clock.now();

  app.post(
    '/orders/:id/events',
    {
      schema: {
        tags: ['orders', 'processes'],
        summary: "Send an event to the order's process (If-Match honoured)",
        description:
          "Applies the event on the process version the order started with, under the order's row lock. A disallowed event is 409 TRANSITION_NOT_ALLOWED with `allowed` listing the events the order accepts now. An event the definition gives to a system, carrier, payment, timer or integration (`source`) is raised by API keys holding orders:integrate (integration, admin); anyone else gets 403 EVENT_NOT_MANUAL, unless they hold orders:override and send a `reason` (else 422 REASON_REQUIRED at /reason): the override is written to the history with the reason.",
        params: idParams,
        body: orderEventInput,
        response: { 200: order, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'orders:write', async (tx, ctx) => {
        const body = request.body;
        const sent = await deps.processes.send(
          tx,
          ctx.principal.actor,
          now(),
          request.params.id,
          {
            name: body.name,
            actor: { id: ctx.principal.actor.id ?? ctx.principal.actor.type, roles: ctx.principal.roles },
            ...(body.data ? { data: body.data } : {}),
            ...(body.taskId ? { taskId: body.taskId } : {}),
            ...(body.comment ? { comment: body.comment } : {}),
            ...(body.reason?.trim() ? { reason: body.reason.trim() } : {}),
          },
          {
            expectedVersion: ifMatch(request),
            withLines: true,
            caller: {
              actor: ctx.principal.actor,
              permissions: permissionsOf(ctx.principal.roles),
              reason: body.reason,
            },
          },
        );
        // The order as saved comes with the statement saving it, sent ahead with the commit: the
        // answer is made after it. Open tasks are read in the transaction, so it waits for them.
        if (sent!.saved.snapshot.tasks.length)
          return { status: 200, body: await orderAfterEvent(tx, await sent!.result) };
        const answer = sent!.result.then((applied) => orderAfterEvent(ctx.store, applied));
        answer.catch(() => {}); // a refusal fails the unit of work, which reports it
        return { status: 200, body: answer };
      }),
  );

  app.get(
    '/processes/operations',
    {
      schema: {
        tags,
        summary:
          "The actions a definition may name: operations Ordo runs, external ones it requests, and the engine's own",
        description:
          'An action that is not listed is refused at publish unless the definition declares it under `external:`. An external action is requested as an `action.requested` event; the state that runs it waits for `results.succeeded` or `results.failed`.',
        response: { 200: operationList, ...errors },
      },
    },
    async (request) => {
      authorize(deps.db, request, 'processes:read');
      return listOperations(deps.processes.actions);
    },
  );

  const wordsOf = z.record(z.string(), z.record(z.string(), z.string()));
  app.get(
    '/processes/words',
    {
      schema: {
        tags,
        summary: 'The states and events of every published (then retired) process in words (EN/PL/RU labels)',
        description:
          "For lists that show orders of many processes (the console's orders list, customer page, returns): `states.<code>` and `events.<code>` are the first labels a definition gives that code; a code no definition labels is absent (the console then uses its own words). `processes.<key>` is each process's name (title and labels) from its newest published, else retired, version.",
        response: {
          200: z.object({ states: wordsOf, events: wordsOf, processes: z.record(z.string(), processName) }),
          ...errors,
        },
      },
    },
    async (request) => processVocabulary(authorize(deps.db, request, 'orders:read').store),
  );

  app.get(
    '/processes',
    {
      schema: {
        tags,
        summary: 'Processes of this tenant with their current and draft versions',
        response: { 200: z.object({ items: z.array(processSummary) }), ...errors },
      },
    },
    async (request) => listProcesses(authorize(deps.db, request, 'processes:read').store),
  );

  app.post(
    '/processes',
    {
      schema: {
        tags,
        summary: 'Save a definition as the draft of its process (creates the next version, or edits the draft)',
        description:
          'Validated on save: any problem → 422 PROCESS_DEFINITION_INVALID with `problems` (path, line, column, code, message); nothing is stored.',
        body: definitionSource,
        response: { 201: definitionVersion, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'processes:write', async (tx, ctx) => ({
        status: 201,
        body: await saveDraft(deps.processes.actions, tx, ctx.principal.actor, now(), request.body.source),
      })),
  );

  app.post(
    '/processes::validate',
    {
      schema: {
        tags,
        summary: 'Validate a definition without storing it',
        body: definitionSource,
        response: { 200: validationResult, ...errors },
      },
    },
    async (request) => {
      authorize(deps.db, request, 'processes:read');
      return validateSource(deps.processes.actions, request.body.source);
    },
  );

  app.get(
    '/processes/:key',
    {
      schema: {
        tags,
        summary: 'The versions of a process',
        params: keyParams,
        response: { 200: z.object({ key: z.string(), items: z.array(definitionVersion) }), ...errors },
      },
    },
    async (request) => listVersions(authorize(deps.db, request, 'processes:read').store, request.params.key),
  );

  app.put(
    '/processes/:key/draft',
    {
      schema: {
        tags,
        summary: 'Save the draft of this process (validated; 422 with every problem)',
        params: keyParams,
        body: definitionSource,
        response: { 200: definitionVersion, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'processes:write');
      return saveDraft(
        deps.processes.actions,
        ctx.store,
        ctx.principal.actor,
        now(),
        request.body.source,
        request.params.key,
      );
    },
  );

  app.get(
    '/processes/:key/versions/:version',
    {
      schema: {
        tags,
        summary: 'One version with its text',
        params: versionParams,
        response: { 200: definitionVersion, ...errors },
      },
    },
    async (request) =>
      getVersion(authorize(deps.db, request, 'processes:read').store, request.params.key, request.params.version),
  );

  app.post(
    '/processes/:key/versions/:version/publish',
    {
      schema: {
        tags,
        summary: 'Publish a draft: new orders start on it; running orders stay on their version',
        params: versionParams,
        response: { 200: definitionVersion, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'processes:write', async (tx, ctx) => ({
        status: 200,
        body: await publishDefinition(
          deps.processes.actions,
          tx,
          ctx.principal.actor,
          now(),
          request.params.key,
          request.params.version,
        ),
      })),
  );

  app.post(
    '/processes/:key/versions/:version/retire',
    {
      schema: {
        tags,
        summary: 'Retire a version: no new order starts on it; running orders finish on it',
        params: versionParams,
        response: { 200: definitionVersion, ...errors },
      },
    },
    (request, reply) =>
      runCommand(deps, request, reply, 'processes:write', async (tx, ctx) => ({
        status: 200,
        body: await retireDefinition(tx, ctx.principal.actor, now(), request.params.key, request.params.version),
      })),
  );

  app.get(
    '/processes/:key/history',
    {
      schema: {
        tags,
        summary: "Every change to the process's definitions: who, when, what, with the text diff",
        params: keyParams,
        response: { 200: z.object({ key: z.string(), items: z.array(definitionChange) }), ...errors },
      },
    },
    async (request) => definitionHistory(authorize(deps.db, request, 'processes:read').store, request.params.key),
  );

  app.post(
    '/processes/:key/simulate',
    {
      schema: {
        tags,
        summary:
          'Simulate a draft (stored or inline) against orders, compared with the current version; writes nothing',
        params: keyParams,
        body: simulateInput,
        response: { 200: simulationResult, ...errors },
      },
    },
    async (request) =>
      simulateProcess(
        deps.processes.actions,
        authorize(deps.db, request, 'processes:read').store,
        now(),
        request.params.key,
        request.body,
      ),
  );

  app.post(
    '/processes/:key/migrations/preview',
    {
      schema: {
        tags,
        summary: 'Preview moving running orders to a published version: per order, the target state and problems',
        params: keyParams,
        body: migrationInput,
        response: { 200: migrationPreview, ...errors },
      },
    },
    async (request) =>
      previewOrderMigration(
        deps.processes.ops,
        authorize(deps.db, request, 'processes:read').store,
        request.params.key,
        request.body,
      ),
  );

  app.post(
    '/processes/:key/migrations/apply',
    {
      schema: {
        tags,
        summary: 'Move running orders to a published version (each order in its own transaction, with history)',
        params: keyParams,
        body: migrationInput,
        response: { 200: migrationResult, ...errors },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'processes:write');
      return applyOrderMigration(
        deps.processes.ops,
        ctx.store,
        ctx.principal.actor,
        now(),
        request.params.key,
        request.body,
      );
    },
  );

  app.get(
    '/process-selection-rules',
    {
      schema: {
        tags,
        summary: "The rules that choose an order's process (first match wins; else the channel's process)",
        response: { 200: selectionRulesView, ...errors },
      },
    },
    async (request, reply) => {
      const selectionRules = await getSelectionRules(authorize(deps.db, request, 'processes:read').store);
      etag(reply, selectionRules.version);
      return selectionRules;
    },
  );

  app.put(
    '/process-selection-rules',
    {
      schema: {
        tags,
        summary: 'Replace the selection rules (validated; If-Match honoured)',
        body: selectionRules,
        response: { 200: selectionRulesView, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'processes:write');
      const rules = await saveSelectionRules(
        ctx.store,
        ctx.principal.actor,
        now(),
        request.body.rules,
        ifMatch(request),
      );
      etag(reply, rules.version);
      return rules;
    },
  );
}
