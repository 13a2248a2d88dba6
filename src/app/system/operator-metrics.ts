import { sql } from 'kysely';
import type { Db } from '../../store/db.js';
import { poolStats, type PoolStats } from '../../store/pool-stats.js';
import '../../store/schema-events.js';
import '../../store/schema-process.js';

/**
 * What an operator alerts on, read from the database (docs/observability.md): the outbox's
 * backlog and lag, dead letters, due and failed jobs, orders in an exception. Figures span every
 * tenant and every worker process. Each query reads a partial index of rows that are few when
 * all is well (pending, dead, failed, in exception), under a statement timeout.
 */
export interface OperatorFigures {
  /** Events not yet turned into deliveries, and the age of the oldest (seconds since it was written). */
  unfannedEvents: number;
  /** Deliveries pending or in flight; of those, due now (their time has come). */
  openDeliveries: number;
  dueDeliveries: number;
  /** Age of the oldest event not yet delivered everywhere (seconds; 0 when none). */
  outboxLagSeconds: number;
  /** Age of the oldest delivery whose attempt is due but not made (seconds): workers falling behind. */
  dueLagSeconds: number;
  deadLetters: Array<{ tenant: string; target: string; kind: 'webhook' | 'sink'; count: number }>;
  dueJobs: number;
  /** Age of the oldest due job (seconds past its run time). */
  jobLagSeconds: number;
  failedJobs: Array<{ kind: string; count: number }>;
  exceptions: Array<{ tenant: string; kind: string; count: number }>;
  pool: PoolStats | null;
}

/** UUIDv7 ids carry their creation time in the first 48 bits. */
function idTime(id: string | null | undefined): number | null {
  if (!id) return null;
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

const age = (now: Date, ms: number | null) => (ms === null ? 0 : Math.max(0, (now.getTime() - ms) / 1000));

export async function readOperatorFigures(db: Db, now: Date, timeoutMs = 2_000): Promise<OperatorFigures> {
  return db.transaction().execute(async (trx) => {
    // a scrape must never hold the database: each statement gives up after the timeout
    await sql.raw(`set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`).execute(trx);
    const { rows: outbox } = await sql<{
      unfanned: string;
      oldest_unfanned: string | null;
      open: string;
      due: string;
      oldest_open_event: string | null;
      oldest_due: Date | null;
    }>`select
        (select count(*) from events where not fanned_out) as unfanned,
        (select id from events where not fanned_out order by seq limit 1) as oldest_unfanned,
        (select count(*) from event_deliveries where status in ('pending', 'delivering')) as open,
        (select count(*) from event_deliveries where status in ('pending', 'delivering')
           and ((status = 'pending' and next_attempt_at <= ${now}) or (status = 'delivering' and lease_until <= ${now}))) as due,
        (select event_id from event_deliveries where status in ('pending', 'delivering') order by event_seq limit 1) as oldest_open_event,
        (select min(next_attempt_at) from event_deliveries where status = 'pending' and next_attempt_at <= ${now}) as oldest_due`.execute(
      trx,
    );
    const { rows: dead } = await sql<{ tenant: string; target: string; count: string }>`
      select t.slug as tenant, d.target, d.count from (
        select tenant_id, target, count(*) as count from event_deliveries where status = 'dead' group by tenant_id, target
      ) d join tenants t on t.id = d.tenant_id order by 1, 2`.execute(trx);
    const { rows: jobs } = await sql<{ due: string; oldest: Date | null }>`
      select count(*) as due, min(run_at) as oldest from jobs where status = 'scheduled' and run_at <= ${now}`.execute(
      trx,
    );
    const { rows: failedJobs } = await sql<{ kind: string; count: string }>`
      select kind, count(*) as count from jobs where status = 'failed' group by kind order by kind`.execute(trx);
    const { rows: exceptions } = await sql<{ tenant: string; kind: string; count: string }>`
      select t.slug as tenant, e.kind, e.count from (
        select tenant_id, exception_kind as kind, count(*) as count from order_processes
        where exception_kind is not null group by tenant_id, exception_kind
      ) e join tenants t on t.id = e.tenant_id order by 1, 2`.execute(trx);
    const head = outbox[0]!;
    const oldestUndelivered = [idTime(head.oldest_unfanned), idTime(head.oldest_open_event)].filter(
      (ms): ms is number => ms !== null,
    );
    return {
      unfannedEvents: Number(head.unfanned),
      openDeliveries: Number(head.open),
      dueDeliveries: Number(head.due),
      outboxLagSeconds: age(now, oldestUndelivered.length ? Math.min(...oldestUndelivered) : null),
      dueLagSeconds: age(now, head.oldest_due ? new Date(head.oldest_due).getTime() : null),
      deadLetters: dead.map((row) => ({
        tenant: row.tenant,
        target: row.target,
        kind: row.target.startsWith('sink:') ? ('sink' as const) : ('webhook' as const),
        count: Number(row.count),
      })),
      dueJobs: Number(jobs[0]!.due),
      jobLagSeconds: age(now, jobs[0]!.oldest ? new Date(jobs[0]!.oldest).getTime() : null),
      failedJobs: failedJobs.map((row) => ({ kind: row.kind, count: Number(row.count) })),
      exceptions: exceptions.map((row) => ({ tenant: row.tenant, kind: row.kind, count: Number(row.count) })),
      pool: poolStats(db),
    };
  });
}

/**
 * The figures for scrapes: read at most once per `ttlMs`, and one read at a time however many
 * scrapers ask (a scrape storm cannot overload the database). A failed read keeps the last figures
 * and is reported as `ok: false`.
 */
export class OperatorFiguresCache {
  private last: { at: number; figures: OperatorFigures | null; ok: boolean } = {
    at: -Infinity,
    figures: null,
    ok: false,
  };
  private reading: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
    private readonly ttlMs = 5_000,
  ) {}

  async get(): Promise<{ figures: OperatorFigures | null; ok: boolean }> {
    if (performance.now() - this.last.at >= this.ttlMs) {
      this.reading ??= readOperatorFigures(this.db, this.now())
        .then(
          (figures) => {
            this.last = { at: performance.now(), figures, ok: true };
          },
          () => {
            this.last = { at: performance.now(), figures: this.last.figures, ok: false };
          },
        )
        .finally(() => {
          this.reading = null;
        });
      await this.reading;
    }
    // the pool is read live: it costs nothing
    const figures = this.last.figures && { ...this.last.figures, pool: poolStats(this.db) };
    return { figures, ok: this.last.ok };
  }
}
