import pino from 'pino';
import { openDatabase } from '../store/db.js';
import { migrateToLatest } from '../store/migrate.js';
import { startWorkerFromEnv } from './worker.js';
import { carriersFromEnv } from '../app/fulfilment/carriers-from-env.js';
import { compose } from '../compose.js';
import { systemClock } from '../shared/clock.js';

/**
 * A worker process: `tsx src/worker/main.ts`. Environment: DATABASE_URL (PostgreSQL) or
 * ORDO_DATA_DIR (embedded; then it must be the only process on that folder), NATS_URL,
 * ORDO_WORKER_CONCURRENCY, ORDO_WEBHOOK_TIMEOUT_MS, ORDO_LEASE_MS, ORDO_RETRY_BASE_MS,
 * ORDO_MAX_ATTEMPTS, ORDO_POLL_MS, ORDO_WORKER_ID. SIGTERM/SIGINT stop it after deliveries in
 * flight are recorded; SIGKILL loses nothing either (leases expire, another worker retries).
 */
const env = process.env;
const log = pino({ level: env.LOG_LEVEL ?? 'info', base: { worker: env.ORDO_WORKER_ID ?? process.pid } });

const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.ORDO_DATA_DIR, poolSize: 8 });
await migrateToLatest(database.db);
// the composition root: process timers, carrier tracking polls and inbound events as jobs
const services = compose({ clock: systemClock, carriers: carriersFromEnv(env, database) });
const worker = await startWorkerFromEnv(database, services.jobs, { ...env, ORDO_WORKER: 'on' }, log);
log.info({ database: database.describe, worker: worker!.id }, 'worker started');
process.send?.({ ready: true });

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await worker!.stop();
  await database.close();
  log.info('worker stopped');
  process.exit(0);
};
process.on('SIGTERM', () => { void shutdown(); });
process.on('SIGINT', () => { void shutdown(); });
