import { sql } from 'kysely';
import { newId } from '../../shared/ids.js';
import { isWork, type TenantScope, type Work } from '../../store/tenant-scope.js';
import '../../store/schema-events.js';

/**
 * Durable timers and jobs: a row in `jobs`, written in the caller's transaction, run by a worker
 * once `runAt` has passed. The handler runs inside the transaction that marks the job done, so
 * its database effects happen exactly once; a failure rolls them back and the job is retried
 * with backoff. Used for due dates, escalations, reservation expiry and inbound processing.
 */
export interface TimerSpec {
  /** Handler name, e.g. 'reservation.expire'. */
  kind: string;
  runAt: Date;
  payload?: Record<string, unknown>;
  /** At most one live timer per key: scheduling the same key again moves it. */
  key?: string;
  maxAttempts?: number;
  /**
   * Inside a unit of work, write the (keyed) timer with its closing statement instead of at once:
   * one statement less. Only for a timer nothing in the same transaction reads back; the id
   * returned is the new row's, while an upsert that moves a live timer keeps that timer's id.
   */
  defer?: boolean;
}

export async function scheduleTimer(tx: TenantScope, spec: TimerSpec): Promise<string> {
  const row = {
    id: newId(),
    kind: spec.kind,
    key: spec.key ?? null,
    payload: JSON.stringify(spec.payload ?? {}),
    run_at: spec.runAt,
    max_attempts: spec.maxAttempts ?? 10,
    last_error: null,
    completed_at: null,
  };
  if (spec.defer && spec.key !== undefined && isWork(tx)) {
    tx.work.deferJob({ ...row, tenant_id: tx.tenantId, key: spec.key });
    return row.id;
  }
  const query =
    spec.key === undefined
      ? tx.insertInto('jobs', row)
      : tx.insertInto('jobs', row).onConflict((oc) =>
          oc
            .columns(['tenant_id', 'key'])
            .where('key', 'is not', null)
            // A literal, not a parameter: a prepared statement's generic plan must still match the partial unique index.
            .where(sql<boolean>`status = 'scheduled'`)
            .doUpdateSet({
              kind: spec.kind,
              payload: row.payload,
              run_at: spec.runAt,
              attempts: 0,
              max_attempts: row.max_attempts,
              last_error: null,
              updated_at: sql`now()`,
            }),
        );
  const result = await query.returning('id').executeTakeFirstOrThrow();
  // one due soon wakes the workers when the transaction commits (unit-of-work.ts, JOB_WAKE_HORIZON_MS)
  if (isWork(tx)) tx.work.jobScheduled(spec.runAt);
  return result.id;
}

/**
 * Cancels a live timer by key or id; false when there was none (already ran or cancelled). With
 * `defer` (a keyed timer inside a unit of work) the cancel is done by the closing statement and
 * answers null: for timers only ever scheduled with `defer` too (process timers), so no immediate
 * write of the key comes between.
 */
export async function cancelTimer(
  tx: TenantScope,
  by: { key: string; defer?: boolean } | { id: string },
): Promise<boolean | null> {
  if ('key' in by && by.defer && isWork(tx)) {
    tx.work.deferCancel(tx.tenantId, by.key);
    return null;
  }
  let query = tx
    .updateTable('jobs')
    .set({ status: 'cancelled', updated_at: sql`now()` })
    .where('status', '=', 'scheduled');
  query = 'key' in by ? query.where('key', '=', by.key) : query.where('id', '=', by.id);
  const row = await query.executeTakeFirst();
  return Number(row.numUpdatedRows) > 0;
}

export interface JobContext {
  /** The tenant's scope inside the job's transaction: write here, and it commits with the job. */
  tx: Work;
  job: { id: string; kind: string; key: string | null; payload: Record<string, unknown>; attempts: number };
  now: Date;
}

/**
 * What a job's run answers: nothing when it is done, or `{ retryAt }` when it could not run yet
 * for a reason that is no failure (its order is busy): it is scheduled again and no attempt is spent.
 */
export type JobResult = void | { retryAt: Date };
export type JobHandler = (ctx: JobContext) => Promise<JobResult>;

/** A kind of job and what runs it; capabilities define theirs, the composition root lists them. */
export interface JobDefinition {
  kind: string;
  run: JobHandler;
}

/** The job kinds one process runs, built by the composition root (nothing registers itself). */
export class JobRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  constructor(jobs: readonly JobDefinition[] = []) {
    for (const job of jobs) {
      if (this.handlers.has(job.kind)) throw new Error(`a job handler for ${job.kind} is already defined`);
      this.handlers.set(job.kind, job.run);
    }
  }

  get(kind: string): JobHandler | undefined {
    return this.handlers.get(kind);
  }

  kinds(): string[] {
    return [...this.handlers.keys()];
  }
}
