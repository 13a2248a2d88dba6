import { defaultRetentionDays, type RetentionDays, type RetentionKind } from '../../shared/retention.js';
import { newId } from '../../shared/ids.js';
import type { Conn } from '../../store/db.js';
import { scheduleTimer, type JobDefinition } from '../events/timers.js';
import { RETENTION_KEY, retentionDaysFor } from './retention-settings.js';
import { sweepExpired, type RetentionCounts } from './sweep-expired.js';
import '../../store/schema-events.js';

export const RETENTION_JOB = 'retention.sweep';
/** One live retention job per tenant, under RETENTION_KEY: it schedules its own next run. */
export { RETENTION_KEY };

export interface RetentionPolicy {
  /** Days per kind before tenant overrides (ORDO_RETENTION_DAYS over the built-in defaults). */
  days: RetentionDays;
  /** Rows deleted per run at most (ORDO_RETENTION_BATCH); a run that uses it all runs again at once. */
  batchSize: number;
  /** Pause between sweeps once nothing expired is left (ORDO_RETENTION_EVERY_MIN). */
  everyMs: number;
  /** Told what a run removed, when it removed anything (the entry points log it). */
  report?: ((tenantId: string, deleted: RetentionCounts) => void) | undefined;
}

export function defaultRetentionPolicy(): RetentionPolicy {
  return { days: defaultRetentionDays(), batchSize: 1_000, everyMs: 3_600_000 };
}

/** What the live retention job carries: the last run's deletions and the totals since it began. */
export interface RetentionPayload {
  last?: { at: string; deleted: RetentionCounts };
  totals?: RetentionCounts;
}

/**
 * The `retention.sweep` job: one per tenant, under its own key. A run deletes up to the batch of
 * expired rows in the jobs runner's transaction (so the locks it holds stay small and short),
 * then schedules itself — at once while it found a full batch, else after `everyMs`. The counts
 * of what went are kept in the next run's payload (`ordo retention status`) and totalled.
 */
export function retentionJob(policy: RetentionPolicy = defaultRetentionPolicy()): JobDefinition {
  return {
    kind: RETENTION_JOB,
    async run({ tx, job, now }) {
      const days = await retentionDaysFor(tx, policy.days);
      const swept = await sweepExpired(tx, days, now, policy.batchSize, job.id);
      const previous = job.payload as RetentionPayload;
      const totals: RetentionCounts = { ...(previous.totals ?? {}) };
      for (const [kind, count] of Object.entries(swept.deleted) as Array<[RetentionKind, number]>)
        totals[kind] = (totals[kind] ?? 0) + count;
      const payload: RetentionPayload = { last: { at: now.toISOString(), deleted: swept.deleted }, totals };
      await scheduleTimer(tx, {
        kind: RETENTION_JOB,
        key: RETENTION_KEY,
        runAt: swept.more ? now : new Date(now.getTime() + policy.everyMs),
        payload: payload as Record<string, unknown>,
      });
      if (Object.keys(swept.deleted).length > 0) policy.report?.(tx.tenantId, swept.deleted);
      // tenants made since the workers started get their first sweep here, within `everyMs`
      await ensureRetentionJobs(tx.conn, new Date(now.getTime() + policy.everyMs));
    },
  };
}

/**
 * Gives every tenant without a live retention job its first one, at `runAt`. The worker calls it
 * when it starts; each sweep calls it again for tenants made since. The live-key unique index
 * makes concurrent callers harmless.
 */
export async function ensureRetentionJobs(db: Conn, runAt: Date): Promise<number> {
  const missing = await db
    .selectFrom('tenants')
    .select('tenants.id')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('jobs')
            .select('jobs.id')
            .whereRef('jobs.tenant_id', '=', 'tenants.id')
            .where('jobs.key', '=', RETENTION_KEY)
            .where('jobs.status', '=', 'scheduled'),
        ),
      ),
    )
    .execute();
  if (missing.length === 0) return 0;
  const result = await db
    .insertInto('jobs')
    .values(
      missing.map((tenant) => ({
        tenant_id: tenant.id,
        id: newId(),
        kind: RETENTION_JOB,
        key: RETENTION_KEY,
        payload: JSON.stringify({}),
        run_at: runAt,
        max_attempts: 10,
        last_error: null,
        completed_at: null,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute();
  return result.length;
}
