import { AppError } from '../../shared/errors.js';
import { parseJsonChecked } from '../../shared/storable.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/clock.js';
import { isWebhookSecret, newWebhookSecret, verify } from '../../integrations/webhooks/signature.js';
import { scope, type TenantScope, transaction } from '../../store/tenant-scope.js';
import type { Db } from '../../store/db.js';
import { writeAudit, type Actor } from '../../store/history.js';
import type { InboundStatus } from '../../store/schema-events.js';
import { emitEvent } from './emit-event.js';
import { scheduleTimer, type JobContext, type JobDefinition } from './timers.js';

export const MAX_INBOUND_BYTES = 256 * 1024;
export const INBOUND_JOB = 'inbound.process';

/** What a capability does with one partner event type (WMS confirmation, tracking update …). */
export type InboundHandler = (
  ctx: JobContext & {
    inbound: { id: string; source: string; type: string; externalId: string; payload: Record<string, unknown> };
  },
) => Promise<void>;

/**
 * The partner event types this process handles, by type, built by the composition root from what
 * each capability offers; events of types without one are stored as 'unknown' and reported.
 */
export type InboundHandlers = ReadonlyMap<string, InboundHandler>;

export async function createInboundSource(
  store: TenantScope,
  actor: Actor,
  clock: Clock,
  input: { code: string; name: string; secret?: string | undefined },
) {
  if (input.secret !== undefined && !isWebhookSecret(input.secret)) {
    throw new AppError('VALIDATION_FAILED', 'the secret must be whsec_ followed by 24 to 64 base64-encoded bytes', [
      { path: '/secret', message: 'not a whsec_ secret' },
    ]);
  }
  const exists = await store
    .selectFrom('inbound_sources')
    .select('id')
    .where('code', '=', input.code)
    .executeTakeFirst();
  if (exists)
    throw new AppError('ALREADY_EXISTS', `inbound source ${input.code} exists`, [
      { path: '/code', message: 'already exists' },
    ]);
  const id = newId();
  const secret = input.secret ?? newWebhookSecret();
  const now = clock.now();
  await store
    .insertInto('inbound_sources', {
      id,
      code: input.code,
      name: input.name,
      secret,
      last_rejected_at: null,
      last_rejected_reason: null,
      created_at: now,
    })
    .execute();
  await writeAudit(store, actor, now, {
    entity: 'inbound_source',
    entityId: id,
    action: 'created',
    changes: { code: input.code },
  });
  return { id, code: input.code, name: input.name, secret, path: `/api/v1/inbound/${id}` };
}

export async function listInboundSources(store: TenantScope) {
  const rows = await store.selectFrom('inbound_sources').selectAll().orderBy('code').execute();
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    path: `/api/v1/inbound/${r.id}`,
    rejectedCount: r.rejected_count,
    lastRejectedAt: r.last_rejected_at ? new Date(r.last_rejected_at).toISOString() : null,
    lastRejectedReason: r.last_rejected_reason,
  }));
}

export async function listInboundEvents(
  store: TenantScope,
  filter: { status?: InboundStatus | undefined; limit: number },
) {
  let query = store
    .selectFrom('inbound_events')
    .innerJoin('inbound_sources', (j) =>
      j
        .onRef('inbound_sources.tenant_id', '=', 'inbound_events.tenant_id')
        .onRef('inbound_sources.id', '=', 'inbound_events.source_id'),
    )
    .select([
      'inbound_events.id',
      'inbound_sources.code',
      'inbound_events.external_id',
      'inbound_events.type',
      'inbound_events.status',
      'inbound_events.payload',
      'inbound_events.received_at',
      'inbound_events.processed_at',
      'inbound_events.error',
    ])
    .orderBy('inbound_events.id', 'desc')
    .limit(filter.limit);
  if (filter.status) query = query.where('inbound_events.status', '=', filter.status);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    source: r.code,
    externalId: r.external_id,
    type: r.type,
    status: r.status,
    payload: r.payload,
    receivedAt: new Date(r.received_at).toISOString(),
    processedAt: r.processed_at ? new Date(r.processed_at).toISOString() : null,
    error: r.error,
  }));
}

export class InboundRejected extends AppError {
  constructor(
    readonly reason: string,
    readonly tenantId: string | null,
  ) {
    super('SIGNATURE_INVALID', 'the webhook signature, timestamp or id header is missing or not valid for this source');
  }
}

/**
 * Accepts one partner event. Signed as Standard Webhooks with the source's secret; the
 * partner's webhook-id is the idempotency key (a redelivery is acknowledged, not stored twice);
 * an unknown type is stored as 'unknown' and listed, never dropped. The source id in the path
 * is the only lookup that crosses tenants, like an API key's.
 */
export async function receiveInbound(
  inboundHandlers: InboundHandlers,
  db: Db,
  clock: Clock,
  sourceId: string,
  headers: Record<string, string | string[] | undefined>,
  raw: Buffer,
) {
  const source = await db
    .selectFrom('inbound_sources')
    .select(['tenant_id', 'id', 'code', 'secret'])
    .where('id', '=', sourceId)
    .executeTakeFirst();
  if (!source) throw new InboundRejected('unknown source', null);
  const now = clock.now();
  const failure = verify([source.secret], headers, raw, Math.floor(now.getTime() / 1000));
  const store = scope(db, source.tenant_id);
  if (failure) {
    await store
      .updateTable('inbound_sources')
      .set((eb) => ({
        rejected_count: eb('rejected_count', '+', 1),
        last_rejected_at: now,
        last_rejected_reason: failure,
      }))
      .where('id', '=', source.id)
      .execute();
    throw new InboundRejected(failure, source.tenant_id);
  }
  // signed, yet still refused when it cannot be stored (NUL, lone surrogates, nesting)
  const parsed = parseJsonChecked(raw.toString('utf8'));
  if (!parsed) throw new AppError('MALFORMED_JSON', 'the body is not valid JSON');
  const body = parsed.value;
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    typeof (body as { type?: unknown }).type !== 'string'
  ) {
    throw new AppError('VALIDATION_FAILED', 'the body must be a JSON object with a string "type"', [
      { path: '/type', message: 'required' },
    ]);
  }
  const type = (body as { type: string }).type.slice(0, 200);
  const externalId = String(headers['webhook-id']).slice(0, 200);
  const known = inboundHandlers.has(type);
  return transaction(store, async (tx) => {
    const id = newId();
    const inserted = await tx
      .insertInto('inbound_events', {
        id,
        source_id: source.id,
        external_id: externalId,
        type,
        status: known ? 'received' : 'unknown',
        payload: JSON.stringify(body),
        received_at: now,
        processed_at: null,
        error: null,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'source_id', 'external_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const prior = await tx
        .selectFrom('inbound_events')
        .select(['id', 'status'])
        .where('source_id', '=', source.id)
        .where('external_id', '=', externalId)
        .executeTakeFirstOrThrow();
      return { id: prior.id, status: prior.status, duplicate: true };
    }
    if (known) await scheduleTimer(tx, { kind: INBOUND_JOB, runAt: now, payload: { inboundId: id }, maxAttempts: 10 });
    await emitEvent(tx, {
      type: 'inbound.received',
      subject: `inbound:${source.code}`,
      time: now,
      payload: { inboundId: id, source: source.code, type, externalId, known },
    });
    return { id, status: (known ? 'received' : 'unknown') as InboundStatus, duplicate: false };
  });
}

/** The job that runs the handler of a stored inbound event. */
export const inboundJob = (inboundHandlers: InboundHandlers): JobDefinition => ({
  kind: INBOUND_JOB,
  async run(ctx) {
    const inboundId = String(ctx.job.payload.inboundId);
    const row = await ctx.tx
      .selectFrom('inbound_events')
      .innerJoin('inbound_sources', (j) =>
        j
          .onRef('inbound_sources.tenant_id', '=', 'inbound_events.tenant_id')
          .onRef('inbound_sources.id', '=', 'inbound_events.source_id'),
      )
      .select([
        'inbound_events.id',
        'inbound_events.type',
        'inbound_events.external_id',
        'inbound_events.payload',
        'inbound_events.status',
        'inbound_sources.code',
      ])
      .where('inbound_events.id', '=', inboundId)
      .executeTakeFirst();
    if (!row || row.status === 'processed') return;
    const handler = inboundHandlers.get(row.type);
    if (!handler) {
      await ctx.tx.updateTable('inbound_events').set({ status: 'unknown' }).where('id', '=', inboundId).execute();
      return;
    }
    await handler({
      ...ctx,
      inbound: { id: row.id, source: row.code, type: row.type, externalId: row.external_id, payload: row.payload },
    });
    await ctx.tx
      .updateTable('inbound_events')
      .set({ status: 'processed', processed_at: ctx.now, error: null })
      .where('id', '=', inboundId)
      .execute();
  },
});
