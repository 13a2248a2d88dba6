/**
 * Retention throughput on PostgreSQL (creates and drops its own database).
 *
 *   npx tsx bench/retention.ts        (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test;
 *                                      BENCH_ROWS=200000, ORDO_RETENTION_BATCH=1000)
 *
 * Seeds BENCH_ROWS expired rows (half webhook deliveries with one attempt each, a quarter finished
 * jobs, a quarter idempotency keys) and 10% of that number of recent ones, then runs the real
 * `retention.sweep` job through the jobs runner until it is idle. Prints rows deleted per second,
 * the longest single run (the longest any lock is held) and, as the baseline, the same rows
 * deleted by one unbatched DELETE per table — faster, but holding its locks for the whole time.
 */
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/store/db.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createTenant } from '../src/app/identity/create-tenant.js';
import { JobRegistry } from '../src/app/events/timers.js';
import { JobsRunner } from '../src/worker/jobs-runner.js';
import { ensureRetentionJobs, retentionJob } from '../src/app/retention/retention-job.js';
import { defaultRetentionDays } from '../src/shared/retention.js';
import { fmt, percentile, scratchDatabase } from './lib.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const BATCH = Number(process.env.ORDO_RETENTION_BATCH ?? 1_000);
const OLD = `now() - interval '200 days'`;

async function seed(database: Database, tenantId: string) {
  const db = database.db;
  const deliveries = Math.floor(ROWS / 2);
  const jobs = Math.floor(ROWS / 4);
  const keys = ROWS - deliveries - jobs;
  const recent = Math.floor(ROWS / 10);
  await sql`insert into events (tenant_id, id, type, subject, time, schema_version, payload, fanned_out)
    values (${tenantId}, gen_random_uuid(), 'order.accepted', 'bench', now(), 1, '{}', true)`.execute(db);
  const event = await db.selectFrom('events').select('id').where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
  const deliveryRows = (count: number, age: string) =>
    sql.raw(`insert into event_deliveries (tenant_id, id, target, event_id, event_seq, event_type, subject, status, attempts, next_attempt_at, completed_at)
      select '${tenantId}', gen_random_uuid(), 'sink:bench', '${event.id}', 1, 'order.accepted', 'bench', 'succeeded', 1, now(), ${age} from generate_series(1, ${count})`);
  await deliveryRows(deliveries, OLD).execute(db);
  await deliveryRows(recent, 'now()').execute(db);
  await sql
    .raw(
      `insert into delivery_attempts (tenant_id, delivery_id, attempt, started_at, latency_ms, outcome)
      select tenant_id, id, 1, completed_at, 20, 'succeeded' from event_deliveries where tenant_id = '${tenantId}'`,
    )
    .execute(db);
  await sql
    .raw(
      `insert into jobs (tenant_id, id, kind, run_at, status, updated_at, completed_at)
      select '${tenantId}', gen_random_uuid(), 'bench', ${OLD}, 'done', ${OLD}, ${OLD} from generate_series(1, ${jobs})`,
    )
    .execute(db);
  await sql
    .raw(
      `insert into idempotency_keys (tenant_id, key, request_hash, created_at)
      select '${tenantId}', 'k-' || g, 'h', ${OLD} from generate_series(1, ${keys}) g`,
    )
    .execute(db);
  await sql`analyze`.execute(db);
}

async function fresh() {
  const scratch = await scratchDatabase();
  const database = await openDatabase({ url: scratch.url, poolSize: 4 });
  await migrateToLatest(database.db);
  const tenant = await createTenant(database.db, {
    slug: 'bench',
    name: 'Bench',
    admin: { email: 'bench@example.pl', name: 'Bench', password: 'correct horse battery staple' },
  });
  await seed(database, tenant.tenantId);
  return { database, tenantId: tenant.tenantId, drop: scratch.drop };
}

async function main() {
  console.log(
    `retention: ${ROWS} expired rows (+${ROWS / 2} cascaded attempts), ${ROWS / 10} recent rows, batch ${BATCH}`,
  );

  // the job, as the worker runs it
  {
    const { database, drop } = await fresh();
    const runner = new JobsRunner({
      db: database.db,
      registry: new JobRegistry([retentionJob({ days: defaultRetentionDays(), batchSize: BATCH, everyMs: 3_600_000 })]),
    });
    await ensureRetentionJobs(database.db, new Date());
    const durations: number[] = [];
    const started = performance.now();
    for (;;) {
      const runStarted = performance.now();
      const ran = await runner.runDue();
      if (ran === 0) break;
      durations.push(performance.now() - runStarted);
    }
    const seconds = (performance.now() - started) / 1000;
    const left = await sql<{
      n: number;
    }>`select (select count(*) from event_deliveries)::int + (select count(*) from jobs where kind = 'bench')::int
      + (select count(*) from idempotency_keys)::int as n`.execute(database.db);
    durations.sort((a, b) => a - b);
    console.log(
      `retention job: ${ROWS} rows in ${fmt(seconds, 2)} s = ${fmt(ROWS / seconds, 0)} rows/s; ${durations.length} runs, ` +
        `run p50 ${fmt(percentile(durations, 50))} ms, p99 ${fmt(percentile(durations, 99))} ms, longest ${fmt(durations.at(-1)!)} ms; ${left.rows[0]!.n} recent rows kept`,
    );
    await database.close();
    await drop();
    (globalThis as { jobRate?: number }).jobRate = ROWS / seconds;
    (globalThis as { longest?: number }).longest = durations.at(-1)!;
  }

  // baseline: one DELETE per table, unbatched
  {
    const { database, tenantId, drop } = await fresh();
    const started = performance.now();
    const timings: string[] = [];
    for (const statement of [
      `delete from event_deliveries where tenant_id = '${tenantId}' and status = 'succeeded' and completed_at < now() - interval '30 days'`,
      `delete from jobs where tenant_id = '${tenantId}' and status = 'done' and updated_at < now() - interval '30 days'`,
      `delete from idempotency_keys where tenant_id = '${tenantId}' and created_at < now() - interval '7 days'`,
    ]) {
      const one = performance.now();
      await sql.raw(statement).execute(database.db);
      timings.push(fmt(performance.now() - one, 0));
    }
    const seconds = (performance.now() - started) / 1000;
    const jobRate = (globalThis as { jobRate?: number }).jobRate!;
    console.log(
      `baseline, one unbatched DELETE per table: ${fmt(ROWS / seconds, 0)} rows/s, statements of ${timings.join(' / ')} ms ` +
        `(each holds its row locks throughout); job/baseline = ${fmt(jobRate / (ROWS / seconds), 2)}`,
    );
    await database.close();
    await drop();
  }
}

await main();
