import { refuseInactiveTenant } from '../tenants/tenant-state.js';
import { AppError } from '../../shared/errors.js';
import { replayEdiIngestion } from '../edi/replay.js';
import { newId } from '../../shared/ids.js';
import { parseJsonChecked, unstorableError, unstorableText } from '../../shared/storable.js';
import type { Db } from '../../store/db.js';
import { scope, type TenantScope } from '../../store/tenant-scope.js';
import type { ChannelResult, PollPage, WebhookRequest } from '../../integrations/channels/types.js';
import { scheduleTimer, type JobDefinition } from '../events/timers.js';
import { asConnection, CHANNEL_POLL_JOB, connectorOf, getConnectionRow } from './connections.js';
import { ingestAll, ingestEvent, ingestUnreadable, type IngestDeps } from './ingest.js';
import { replayOneCEntry } from '../erp/replay.js';
import type { ChannelServices } from './services.js';
import type { IngestionStatus } from '../../store/schema-channels.js';
import '../../store/schema-channels.js';

export const MAX_CHANNEL_WEBHOOK_BYTES = 2 * 1024 * 1024;
/** Pages one poll run reads before it yields (the next run follows at once when more wait). */
const PAGES_PER_RUN = 10;

export class ChannelWebhookRejected extends AppError {
  constructor(readonly reason: string) {
    super('SIGNATURE_INVALID', `the channel's signature is missing or not valid: ${reason}`);
  }
}

/**
 * A native webhook from a shop or marketplace, addressed by the connection's secret path token
 * (the one lookup that crosses tenants). Verified with the channel's own scheme by its connector:
 * a bad signature is stored as rejected and answered 401 with nothing created; each event it
 * carries is applied once (the ingestion log dedupes redeliveries).
 */
export async function receiveChannelWebhook(
  deps: IngestDeps & { services: ChannelServices; db: Db },
  token: string,
  request: WebhookRequest,
) {
  const head = await deps.db
    .selectFrom('channel_connections')
    .select(['tenant_id', 'id'])
    .where('webhook_token', '=', token)
    .executeTakeFirst();
  if (!head) throw new AppError('NOT_FOUND', 'no channel connection has this webhook address');
  // a suspended or deleted tenant's webhooks are refused like its keys (docs/tenants.md)
  await refuseInactiveTenant(deps.db, head.tenant_id);
  const store = scope(deps.db, head.tenant_id);
  const row = await getConnectionRow(store, head.id);
  const connector = connectorOf(deps.services, row.kind);
  if (!connector.receiveWebhook) throw new AppError('NOT_FOUND', `${row.kind} sends no webhooks: it is polled`);
  const body = request.raw.toString('utf8');
  // refused as the API's own bodies are, before anything reads it: nested too deep, or NUL and
  // lone surrogates (in JSON escapes or, for other bodies, in the text)
  if (parseJsonChecked(body) === undefined) {
    const why = unstorableText(body);
    if (why) throw unstorableError({ path: '', message: why });
  }
  const outcome = connector.receiveWebhook(asConnection(row, deps.services), request, deps.services.http);
  const now = deps.clock.now();
  if (!outcome.ok) {
    await store
      .insertInto('channel_ingestions', {
        id: newId(),
        connection_id: row.id,
        via: 'webhook',
        dedupe_key: `rejected:${newId()}`,
        event_type: 'webhook',
        external_id: null,
        status: 'rejected',
        reason: outcome.reason.slice(0, 2000),
        payload: JSON.stringify({ request: { headers: safeHeaders(request.headers), body: body.slice(0, 65_536) } }),
        order_id: null,
        received_at: now,
        processed_at: now,
      })
      .execute();
    throw new ChannelWebhookRejected(outcome.reason);
  }
  if (row.status === 'paused') {
    // still logged: a paused connection loses nothing, its events wait in the error queue for replay
    for (const received of outcome.events)
      await ingestUnreadable(store, row, 'webhook', { ...received, reason: 'the connection is paused' }, now, {
        headers: safeHeaders(request.headers),
        body,
      });
    return { reply: outcome.reply, counts: { failed: outcome.events.length } };
  }
  const counts = await ingestAll(deps, store, row, 'webhook', outcome, {
    headers: safeHeaders(request.headers),
    body,
  });
  return { reply: outcome.reply, counts };
}

/** Headers kept in the log: the channel's own (topics, ids, signatures), not cookies or auth. */
function safeHeaders(headers: WebhookRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || /^(cookie|authorization|proxy-authorization)$/i.test(key)) continue;
    out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function noteFailure(store: TenantScope, id: string, now: Date, message: string) {
  await store
    .updateTable('channel_connections')
    .set((eb) => ({ last_error: message.slice(0, 2000), last_error_at: now, failures: eb('failures', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

/** Backoff after failures: the interval doubled per failure, at most an hour, or the channel's Retry-After. */
export function nextRunAfterFailure(everyMs: number, failures: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.max(retryAfterMs, 1000);
  return Math.min(everyMs * 2 ** Math.min(failures, 10), 3_600_000);
}

/**
 * One polling run of a connection: pages since the stored cursor, each page applied and its
 * cursor saved with it, so a crash re-reads what was not committed (harmless: dedupe keys). A channel error (429, 5xx, timeout) keeps the cursor, is noted on the connection
 * and backs the next run off; nothing is lost.
 */
export async function pollConnection(
  deps: IngestDeps & { services: ChannelServices },
  store: TenantScope,
  id: string,
  opts: { pages?: number } = {},
) {
  const row = await getConnectionRow(store, id);
  const connector = connectorOf(deps.services, row.kind);
  if (!connector.poll) return { pages: 0, counts: {}, more: false, error: null };
  const connection = asConnection(row, deps.services);
  let cursor = row.poll_cursor;
  const counts: Partial<Record<IngestionStatus | 'duplicate', number>> = {};
  let pages = 0;
  let more = true;
  while (more && pages < (opts.pages ?? PAGES_PER_RUN)) {
    const page: ChannelResult<PollPage> = await connector.poll(connection, cursor, deps.services.http);
    const now = deps.clock.now();
    if (!page.ok) {
      await noteFailure(store, id, now, `${page.error.code}: ${page.error.message}`);
      return { pages, counts, more: true, error: page.error };
    }
    pages++;
    const got = await ingestAll(deps, store, row, 'poll', page.value);
    for (const [key, count] of Object.entries(got))
      counts[key as IngestionStatus] = (counts[key as IngestionStatus] ?? 0) + count;
    cursor = page.value.cursor;
    more = page.value.more;
    await store
      .updateTable('channel_connections')
      .set({ poll_cursor: cursor, last_polled_at: now, failures: 0 })
      .where('id', '=', id)
      .execute();
  }
  return { pages, counts, more, error: null };
}

/** The durable polling chain of one connection; a paused or deleted connection ends it. */
export function channelPollJob(deps: IngestDeps & { services: ChannelServices }): JobDefinition {
  return {
    kind: CHANNEL_POLL_JOB,
    async run(ctx) {
      const id = String(ctx.job.payload.id);
      const row = await ctx.tx
        .selectFrom('channel_connections')
        .select(['status', 'poll_every_s', 'failures'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row || row.status === 'paused') return;
      // Inside the job's transaction (each event under its own savepoint): the cursor moves with what was applied.
      const result = await pollConnection(deps, ctx.tx, id);
      const every = row.poll_every_s * 1000;
      const wait = result.error
        ? nextRunAfterFailure(every, row.failures + 1, result.error.retryAfterMs)
        : result.more
          ? 0
          : every;
      await scheduleTimer(ctx.tx, {
        kind: CHANNEL_POLL_JOB,
        key: `channel-poll:${id}`,
        runAt: new Date(ctx.now.getTime() + wait),
        payload: { id },
      });
    },
  };
}

/**
 * Replays one entry of the error queue after its cause was fixed (a SKU mapped, a product
 * created). An event read before is applied again; a webhook the connector could not read is
 * read again from the stored request. A polled page that could not be read is re-read by
 * polling (reset the cursor), so it is refused here with that advice.
 */
export async function replayIngestion(
  deps: IngestDeps & { services: ChannelServices },
  store: TenantScope,
  connectionId: string,
  ingestionId: string,
) {
  const entry = await store
    .selectFrom('channel_ingestions')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .where('id', '=', ingestionId)
    .executeTakeFirst();
  if (!entry) throw new AppError('NOT_FOUND', `ingestion ${ingestionId} not found`);
  if (entry.status !== 'failed')
    throw new AppError('CONFLICT', `only failed ingestions are replayed; this one is ${entry.status}`);
  // EDI partners' orders (edifact, ubl connections) are mapped again by the EDI capability
  if ((entry.payload as { edi?: unknown }).edi)
    return { id: entry.id, ...(await replayEdiIngestion(deps, store, connectionId, entry)) };
  const row = await getConnectionRow(store, connectionId);
  // 1C's entries are order documents and files of its exchange, not channel events
  if (row.kind === '1c') return replayOneCEntry(deps, store, entry);
  const payload = entry.payload as {
    event?: import('../../integrations/channels/types.js').ChannelEvent;
    raw?: unknown;
    request?: { headers: Record<string, string>; body: string };
  };
  if (payload.event) {
    const result = await ingestEvent(
      deps,
      store,
      row,
      entry.via,
      { dedupeKey: entry.dedupe_key, event: payload.event, raw: payload.raw },
      entry.id,
    );
    return { id: entry.id, ...result };
  }
  if (payload.request) {
    const connector = connectorOf(deps.services, row.kind);
    const outcome = connector.receiveWebhook?.(
      asConnection(row, deps.services),
      { headers: payload.request.headers, raw: Buffer.from(payload.request.body, 'utf8') },
      deps.services.http,
    );
    if (!outcome?.ok) throw new AppError('CONFLICT', 'the stored webhook no longer verifies; it cannot be replayed');
    const still = outcome.unreadable.find((item) => item.dedupeKey === entry.dedupe_key);
    if (still) {
      await ingestUnreadable(store, row, entry.via, still, deps.clock.now());
      return { id: entry.id, outcome: 'failed' as const, orderId: null, reason: still.reason };
    }
    await store.deleteFrom('channel_ingestions').where('id', '=', entry.id).execute();
    let last: Awaited<ReturnType<typeof ingestEvent>> = { outcome: 'ignored', orderId: null, reason: null };
    for (const received of outcome.events) {
      const result = await ingestEvent(deps, store, row, 'replay', received);
      // the order's outcome speaks for the delivery (a webhook carries one order)
      if (result.outcome !== 'duplicate' || last.outcome === 'ignored') last = result;
    }
    return { id: entry.id, ...last };
  }
  throw new AppError(
    'CONFLICT',
    'this entry came from a polled page the connector could not read: poll again from an earlier cursor to re-read it',
  );
}

export async function listIngestions(
  store: TenantScope,
  connectionId: string,
  query: { status?: IngestionStatus | undefined; limit: number; before?: string | undefined },
) {
  let select = store
    .selectFrom('channel_ingestions')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .orderBy('id', 'desc')
    .limit(query.limit);
  if (query.status) select = select.where('status', '=', query.status);
  if (query.before) select = select.where('id', '<', query.before);
  const rows = await select.execute();
  return rows.map((row) => ({
    id: row.id,
    via: row.via,
    eventType: row.event_type,
    externalId: row.external_id,
    status: row.status,
    reason: row.reason,
    orderId: row.order_id,
    attempts: row.attempts,
    receivedAt: new Date(row.received_at).toISOString(),
    processedAt: row.processed_at ? new Date(row.processed_at).toISOString() : null,
    payload: row.payload,
  }));
}
