import { sql, type RawBuilder } from 'kysely';
import { RETENTION_KINDS, type RetentionDays, type RetentionKind } from '../../shared/retention.js';
import type { Work } from '../../store/tenant-scope.js';

/**
 * One statement per kind: delete at most `limit` expired rows of the tenant, oldest first, chosen
 * through the kind's partial index on its time column, and never a row something still needs.
 * Each answers how many rows went. The keys are collected into an array first (`= any(array(…))`)
 * so the delete itself is primary-key lookups: with `(tenant_id, id) in (select …)` PostgreSQL
 * chose a hash join over a scan of the whole table (bench/retention.ts).
 */
type Expired = (tenant: string, cutoff: Date, limit: number, jobId: string | null) => RawBuilder<{ n: number }>;

/**
 * The usual shape: the tenant's `limit` oldest rows of `table` by `time` before the cutoff that
 * `also` lets go, deleted by key.
 */
function oldest(
  table: string,
  key: string,
  time: string,
  also: (jobId: string | null) => RawBuilder<unknown>,
): Expired {
  const [tbl, id, at] = [sql.table(table), sql.ref(key), sql.ref(time)];
  return (tenant, cutoff, limit, jobId) => sql`
    with gone as (
      delete from ${tbl} where tenant_id = ${tenant} and ${id} = any(array(
        select ${id} from ${tbl}
        where tenant_id = ${tenant} and ${at} < ${cutoff} and ${also(jobId)}
        order by ${at} limit ${limit}))
      returning 1)
    select count(*)::int as n from gone`;
}

const EXPIRED: Record<RetentionKind, Expired> = {
  // A dead letter goes only once a later delivery of the same event to the same target succeeded
  // (a replay resolved it); attempts are deleted with their delivery (on delete cascade).
  deliveries: (tenant, cutoff, limit) => sql`
    with gone as (
      delete from event_deliveries where tenant_id = ${tenant} and id = any(array(
        select picked.id from (
          (select x.id, x.completed_at from event_deliveries x
            where x.tenant_id = ${tenant} and x.status = 'succeeded' and x.completed_at < ${cutoff}
            order by x.completed_at limit ${limit})
          union all
          (select x.id, x.completed_at from event_deliveries x
            where x.tenant_id = ${tenant} and x.status = 'dead' and x.completed_at < ${cutoff}
              and exists (select 1 from event_deliveries y where y.tenant_id = x.tenant_id and y.event_id = x.event_id
                and y.target = x.target and y.status = 'succeeded')
            order by x.completed_at limit ${limit})
        ) picked order by picked.completed_at limit ${limit}))
      returning 1)
    select count(*)::int as n from gone`,
  // An event stays while it is not fanned out, while any delivery of it is kept, and while a
  // channel or EDI connection's outbound cursor has not passed it.
  events: (tenant, cutoff, limit) => sql`
    with gone as (
      delete from events where tenant_id = ${tenant} and id = any(array(
        select x.id from events x
        where x.tenant_id = ${tenant} and x.time < ${cutoff} and x.fanned_out
          and not exists (select 1 from event_deliveries d where d.tenant_id = x.tenant_id and d.event_id = x.id)
          and not exists (select 1 from channel_connections c where c.tenant_id = x.tenant_id and c.outbound_seq < x.seq)
        order by x.time, x.id limit ${limit}))
      returning 1)
    select count(*)::int as n from gone`,
  notifications: oldest('notifications', 'id', 'created_at', () => sql`state in ('sent', 'failed')`),
  // Never a scheduled job; never the job running this sweep.
  jobs: oldest(
    'jobs',
    'id',
    'updated_at',
    (jobId) => sql`status in ('done', 'cancelled') and id is distinct from ${jobId}::uuid`,
  ),
  failedJobs: oldest('jobs', 'id', 'updated_at', () => sql`status = 'failed'`),
  // The error queue (failed, rejected, exception) stays until it is replayed or the kind is dropped by hand.
  ingestions: oldest('channel_ingestions', 'id', 'received_at', () => sql`status in ('created', 'updated', 'ignored')`),
  idempotencyKeys: oldest('idempotency_keys', 'key', 'created_at', () => sql`true`),
  inboundEvents: oldest('inbound_events', 'id', 'received_at', () => sql`status in ('processed', 'unknown')`),
  // Outbound messages not yet sent (generated, failed) stay: the EDI outbound job still owes them.
  ediMessages: oldest(
    'edi_messages',
    'id',
    'created_at',
    () => sql`not (direction = 'out' and status in ('generated', 'failed'))`,
  ),
  // Uploaded files go with their session (on delete cascade).
  erpSessions: oldest('erp_exchange_sessions', 'id', 'expires_at', () => sql`true`),
};

export type RetentionCounts = Partial<Record<RetentionKind, number>>;

export interface SweepResult {
  deleted: RetentionCounts;
  /** The budget was used up: more expired rows may be left, run again soon. */
  more: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Deletes up to `budget` expired rows of one tenant, kind after kind, inside the caller's
 * transaction. The budget keeps each run (and the locks it holds) small; the job runs again at
 * once while a run used it all.
 */
export async function sweepExpired(
  work: Work,
  days: RetentionDays,
  now: Date,
  budget: number,
  jobId: string | null = null,
): Promise<SweepResult> {
  const deleted: RetentionCounts = {};
  let left = budget;
  for (const kind of Object.keys(RETENTION_KINDS) as RetentionKind[]) {
    if (left <= 0) break;
    const keep = days[kind];
    if (keep <= 0) continue;
    const cutoff = new Date(now.getTime() - keep * DAY_MS);
    const { rows } = await EXPIRED[kind](work.tenantId, cutoff, left, jobId).execute(work.conn);
    const count = Number(rows[0]?.n ?? 0);
    if (count > 0) deleted[kind] = count;
    left -= count;
  }
  return { deleted, more: left <= 0 };
}
