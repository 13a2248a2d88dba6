import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, SESSION_COOKIE } from '../auth.js';
import { problem } from '../schemas/common.js';
import { AppError } from '../../shared/errors.js';
import { permissionsOf, type Permission } from '../../domain/identity/roles.js';
import { authenticateKey, authenticateSession, type Principal } from '../../app/identity/authenticate.js';
import { onOutboxWrite } from '../../app/events/emit-event.js';
import { listTasks } from '../../app/process/list-tasks.js';
import { attentionCounts, newestEventId, OutboxReader } from '../../app/events/live-stream.js';

/**
 * Live-stream settings. Module-level so a test can shorten the intervals; the defaults suit a
 * console (docs/console.md, "Live updates").
 */
export const liveStreamSettings = {
  /** Open streams per tenant on this node; one more is refused with 429 LIVE_STREAMS_LIMIT_REACHED. */
  maxPerTenant: 50,
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: 15_000,
  /** The session or key is checked again this often; a revoked one closes the stream. */
  recheckMs: 30_000,
  /** The outbox is read this often even without a wake-up (events committed by another node). */
  pollMs: 2_000,
  /**
   * Event ids are UUIDv7 made before commit, so a transaction that commits late can land an id
   * below one already sent. Each read looks back this far and skips ids it already sent.
   */
  lookbackMs: 10_000,
};

const open = new Map<string, number>();

/** Which permission lets a role see an event type (by its family); unknown families need events:read. */
const FAMILY_PERMISSION: Record<string, Permission> = {
  order: 'orders:read',
  stock: 'inventory:read',
  inventory: 'inventory:read',
  task: 'tasks:read',
  process: 'processes:read',
  fulfilment: 'fulfilment:read',
  shipment: 'fulfilment:read',
  package: 'fulfilment:read',
  payment: 'payments:read',
  invoice: 'payments:read',
  refund: 'payments:read',
  return: 'returns:read',
  channel: 'channels:read',
  company: 'companies:read',
  quote: 'companies:read',
  subscription: 'subscriptions:read',
};

export function maySee(permissions: Set<Permission>, type: string): boolean {
  const family = type.split('.')[0] ?? '';
  return permissions.has(FAMILY_PERMISSION[family] ?? 'events:read');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const streamQuery = z.object({
  lastEventId: z
    .string()
    .regex(UUID, 'an event id')
    .optional()
    .describe('Resume after this event (the Last-Event-ID header wins when both are sent)'),
});

const counts = z.object({
  inbox: z.number().int().describe('Open or claimed tasks the caller may act on'),
  exceptions: z.number().int().describe('Orders in an exception state'),
  attention: z
    .number()
    .int()
    .describe(
      'Orders needing attention: in an exception, with an overdue task, or stuck (no step for `stuckHours`); GET /orders?kpi=attention&stuckHours= lists them',
    ),
  stuckHours: z.number().int().describe('the hours without a step that make an order stuck in `attention`'),
});

/** Live updates for the console: server-sent events from the outbox, and navigation counts (issue 18). */
export async function liveRoutes(base: FastifyInstance, deps: Deps): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/events/stream',
    {
      schema: {
        tags: ['events'],
        summary: 'Live committed events of this tenant as server-sent events (never ends)',
        description:
          "text/event-stream. Each event: `id` (the event id), `event` (its type), `data` = {id, type, subject, time}; only types the caller's role may read. Resume with the Last-Event-ID header (or ?lastEventId=) to get every event after that one; without it the stream starts at now. A comment line is sent as a heartbeat; the session is checked again periodically and a revoked one ends the stream with an `event: closed`. At most a fixed number of open streams per tenant (429 LIVE_STREAMS_LIMIT_REACHED).",
        querystring: streamQuery,
        response: {
          200: z.any().describe('text/event-stream'),
          401: problem,
          403: problem,
          422: problem,
          429: problem,
        },
      },
    },
    async (request, reply) => {
      const ctx = authorize(deps.db, request, 'events:read');
      const header = request.headers['last-event-id'];
      const resume = (Array.isArray(header) ? header[0] : header) ?? request.query.lastEventId;
      if (resume !== undefined && !UUID.test(resume))
        throw new AppError('VALIDATION_FAILED', 'Last-Event-ID must be an event id', [
          { path: 'header:Last-Event-ID', message: 'not an event id' },
        ]);
      const tenant = ctx.principal.tenantId;
      const count = open.get(tenant) ?? 0;
      if (count >= liveStreamSettings.maxPerTenant)
        throw new AppError(
          'LIVE_STREAMS_LIMIT_REACHED',
          `this tenant has ${count} live streams open; the limit is ${liveStreamSettings.maxPerTenant}. Close a console tab or retry later`,
        );
      open.set(tenant, count + 1);

      const start = resume ?? (await newestEventId(ctx.store));
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(`retry: 3000\n\n`);

      let closed = false;
      let permissions = permissionsOf(ctx.principal.roles);
      const stream = new OutboxReader(ctx.store, start, () => liveStreamSettings.lookbackMs);
      let reading: Promise<void> | null = null;
      let again = false;
      const read = () => {
        if (closed) return;
        if (reading) {
          again = true;
          return;
        }
        reading = (async () => {
          do {
            again = false;
            try {
              for (const event of await stream.next()) {
                if (closed) return;
                if (!maySee(permissions, event.type)) continue;
                raw.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
              }
            } catch (error) {
              request.log.warn({ err: error }, 'live stream read failed; retrying at the next poll');
            }
          } while (again && !closed);
        })().finally(() => (reading = null));
      };
      const credential = credentialOf(request);
      const recheck = async () => {
        const principal = await reauthenticate(deps, credential).catch(() => undefined);
        if (principal === undefined) return; // the database did not answer: keep going, try later
        if (!principal || principal.tenantId !== tenant || !permissionsOf(principal.roles).has('events:read')) {
          raw.write(`event: closed\ndata: {"reason":"session ended"}\n\n`);
          finish();
          return;
        }
        permissions = permissionsOf(principal.roles);
      };
      const timers = [
        setInterval(read, liveStreamSettings.pollMs),
        setInterval(() => !closed && raw.write(`: heartbeat\n\n`), liveStreamSettings.heartbeatMs),
        setInterval(() => void recheck(), liveStreamSettings.recheckMs),
      ];
      const unhook = onOutboxWrite(() => setTimeout(read, 5));
      const finish = () => {
        if (closed) return;
        closed = true;
        for (const timer of timers) clearInterval(timer);
        unhook();
        const left = (open.get(tenant) ?? 1) - 1;
        if (left > 0) open.set(tenant, left);
        else open.delete(tenant);
        raw.end();
      };
      raw.on('close', finish);
      raw.on('error', finish);
      read();
    },
  );

  app.get(
    '/console/counts',
    {
      schema: {
        tags: ['events'],
        summary: 'Counts for the console navigation: my inbox, exceptions, orders needing attention',
        response: { 200: counts, 401: problem, 403: problem },
      },
    },
    async (request) => {
      const ctx = authorize(deps.db, request, 'orders:read');
      const now = deps.clock.now();
      const permissions = permissionsOf(ctx.principal.roles);
      const inbox = permissions.has('tasks:read')
        ? (
            await listTasks(
              ctx.store,
              now,
              { mine: true, limit: 999 },
              {
                actor: ctx.principal.actor,
                roles: ctx.principal.roles,
                businessRoles: ctx.principal.businessRoles,
                memberId: ctx.principal.memberId,
              },
            )
          ).items.length
        : 0;
      return { inbox, ...(await attentionCounts(ctx.store, now)) };
    },
  );
}

type Credential = { kind: 'key' | 'session'; token: string } | null;

function credentialOf(request: FastifyRequest): Credential {
  const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  if (bearer) return { kind: 'key', token: bearer[1]! };
  const token = (request.cookies as Record<string, string | undefined> | undefined)?.[SESSION_COOKIE];
  return token ? { kind: 'session', token } : null;
}

async function reauthenticate(deps: Deps, credential: Credential): Promise<Principal | null> {
  if (!credential) return null;
  return credential.kind === 'key'
    ? authenticateKey(deps.db, credential.token)
    : authenticateSession(deps.db, credential.token);
}
