import { sql } from 'kysely';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import { inSpan, markSpanFailed } from '../shared/tracing.js';
import { jobRuns } from '../shared/metrics.js';
import { defaultRetry, retryDelayMs, type RetryPolicy } from '../domain/events/retry.js';
import type { JobRegistry } from '../app/events/timers.js';
import { atomically, inWork } from '../store/tenant-scope.js';
import { UnitOfWork } from '../store/unit-of-work.js';
import type { Db } from '../store/db.js';
import type { Logger } from './dispatcher.js';
import { DEFAULT_MAX_POLL_MS, silentLogger } from './dispatcher.js';
import { WakeLoop } from './wake-loop.js';

export interface JobsRunnerOptions {
  db: Db;
  clock?: Clock | undefined;
  registry: JobRegistry;
  retry?: Partial<RetryPolicy> | undefined;
  batchSize?: number | undefined;
  pollMs?: number | undefined;
  /** An idle runner polls less and less often, up to this; never past the next job's time. */
  maxPollMs?: number | undefined;
  logger?: Logger | undefined;
}

/**
 * Runs due jobs. A batch is claimed with FOR UPDATE SKIP LOCKED and each handler runs under a
 * savepoint of that same transaction: the handler's writes and the job's 'done' commit together,
 * so a crash leaves the job scheduled (and its effects absent), never half-done.
 */
export class JobsRunner {
  private readonly loop: WakeLoop;
  private readonly clock: Clock;
  private readonly registry: JobRegistry;
  private readonly retry: RetryPolicy;
  private readonly log: Logger;

  constructor(private readonly opts: JobsRunnerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.registry = opts.registry;
    this.retry = { ...defaultRetry, baseMs: 1_000, ...(opts.retry ?? {}) };
    this.log = opts.logger ?? silentLogger;
    this.loop = new WakeLoop(
      () => this.step(),
      opts.pollMs ?? 500,
      (e) => this.log.error({ err: e }, 'jobs runner step failed'),
      opts.maxPollMs ?? DEFAULT_MAX_POLL_MS,
    );
  }

  start(): this {
    this.loop.start();
    return this;
  }
  wake(): void {
    this.loop.wake();
  }
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * One look: the earliest scheduled job's time (one statement, no transaction), and a batch only
   * when one is due; otherwise how long until the next, so the loop sleeps no longer than that.
   */
  private async step(): Promise<boolean | number> {
    const { rows } = await sql<{ at: Date | string | null }>`
      select min(run_at) as at from jobs where status = 'scheduled'`.execute(this.opts.db);
    const at = rows[0]?.at;
    if (at === null || at === undefined) return false;
    const dueInMs = new Date(at).getTime() - this.clock.now().getTime();
    if (dueInMs > 0) return dueInMs;
    return (await this.runDue()) > 0;
  }

  /** Runs one batch of due jobs; returns how many ran (succeeded or failed). */
  async runDue(): Promise<number> {
    const now = this.clock.now();
    return UnitOfWork.run(this.opts.db, async (work) => {
      const trx = work.trx;
      const { rows } = await sql<{
        tenant_id: string;
        id: string;
        kind: string;
        key: string | null;
        payload: Record<string, unknown>;
        attempts: number;
        max_attempts: number;
      }>`
        select tenant_id, id, kind, key, payload, attempts, max_attempts from jobs
        where status = 'scheduled' and run_at <= ${now} order by run_at, id limit ${this.opts.batchSize ?? 20} for update skip locked`.execute(
        trx,
      );
      for (const job of rows) {
        const orderId = job.payload?.orderId;
        jobRuns.inc({
          kind: job.kind,
          outcome: await inSpan(
            `ordo.job ${job.kind}`,
            {
              'ordo.tenant_id': job.tenant_id,
              'ordo.job.id': job.id,
              'ordo.job.kind': job.kind,
              'ordo.job.attempt': job.attempts + 1,
              'ordo.order_id': typeof orderId === 'string' ? orderId : undefined,
            },
            () => this.runOne(work, job, now),
          ),
        });
      }
      return rows.length;
    });
  }

  /** Runs one claimed job under a savepoint of the batch's unit of work; returns its outcome. */
  private async runOne(
    work: UnitOfWork,
    job: {
      tenant_id: string;
      id: string;
      kind: string;
      key: string | null;
      payload: Record<string, unknown>;
      attempts: number;
      max_attempts: number;
    },
    now: Date,
  ): Promise<'done' | 'deferred' | 'retry' | 'failed'> {
    const tx = inWork(work, job.tenant_id);
    const attempts = job.attempts + 1;
    try {
      // The row leaves the live set before its handler runs (invisible to others until this
      // transaction commits): a job that schedules its next run under its own key (channel
      // polling, subscription cycles) then makes a new live row instead of moving this one,
      // which the line after the handler would mark done and so end the chain.
      if (job.key !== null) await tx.updateTable('jobs').set({ status: 'done' }).where('id', '=', job.id).execute();
      const handler = this.registry.get(job.kind);
      if (!handler) throw new Error(`no handler is defined for job kind ${job.kind}`);
      const jobResult = await atomically(tx, (inner) =>
        handler({
          tx: inner,
          job: { id: job.id, kind: job.kind, key: job.key, payload: job.payload, attempts },
          now,
        }),
      );
      if (jobResult) {
        // Not run yet, for no fault of its own (its order is busy): again later, no attempt spent.
        await tx
          .updateTable('jobs')
          .set({ status: 'scheduled', run_at: jobResult.retryAt, updated_at: now })
          .where('id', '=', job.id)
          .execute();
        return 'deferred';
      }
      await tx
        .updateTable('jobs')
        .set({ status: 'done', attempts, completed_at: now, updated_at: now, last_error: null })
        .where('id', '=', job.id)
        .execute();
      return 'done';
    } catch (error) {
      const failed = attempts >= job.max_attempts;
      const message = (error as Error).message ?? String(error);
      await tx
        .updateTable('jobs')
        .set({
          status: failed ? 'failed' : 'scheduled',
          attempts,
          last_error: message.slice(0, 2000),
          updated_at: now,
          run_at: failed ? now : new Date(now.getTime() + retryDelayMs(this.retry, attempts)),
        })
        .where('id', '=', job.id)
        .execute();
      this.log.warn({ jobId: job.id, kind: job.kind, attempt: attempts, failed, error: message }, 'job failed');
      markSpanFailed(message);
      return failed ? 'failed' : 'retry';
    }
  }
}
