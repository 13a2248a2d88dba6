import { paymentsFromConfig } from '../app/money/payments-from-config.js';
import { ksefFromConfig } from '../app/money/ksef-submission.js';
import pino from 'pino';
import { openDatabase } from '../store/db.js';
import { migrateToLatest } from '../store/migrate.js';
import { startWorkerFromConfig } from './worker.js';
import { carriersFromConfig } from '../app/fulfilment/carriers-from-config.js';
import { compose } from '../compose.js';
import { channelsFromConfig } from '../app/channels/channels-from-config.js';
import { systemClock } from '../shared/clock.js';
import { describeConfig, loadConfigOrExit } from '../config.js';

/**
 * A worker process: `tsx src/worker/main.ts`. Configuration (src/config.ts, the settings marked
 * `worker` in README.md): DATABASE_URL (PostgreSQL) or ORDO_DATA_DIR (embedded; then it must be
 * the only process on that folder), NATS_URL, SMTP, carriers and the ORDO_WORKER_* / ORDO_*_MS
 * tuning. SIGTERM/SIGINT stop it after deliveries in flight are recorded; SIGKILL loses nothing
 * either (leases expire, another worker retries).
 */
const config = loadConfigOrExit(process.env);
const log = pino({ level: config.logging.level, base: { worker: config.worker.id ?? process.pid } });
for (const warning of config.warnings) log.warn(warning);
log.info({ config: describeConfig(config) }, 'configuration');

const database = await openDatabase({ ...config.database, poolSize: 8 });
await migrateToLatest(database.db);
// the composition root: process timers, carrier tracking polls and inbound events as jobs
// channel polling, outbound and stock pushes need the same credentials key as the API nodes
const services = compose({
  retention: {
    ...config.retention,
    report: (tenantId, deleted) => log.info({ tenantId, deleted }, 'retention removed expired rows'),
  },
  clock: systemClock,
  carriers: carriersFromConfig(config.carriers, database),
  payments: paymentsFromConfig(config.payments),
  publicUrl: config.http.publicUrl,
  ksef: ksefFromConfig(config.payments),
  channels: channelsFromConfig(config),
});
const worker = await startWorkerFromConfig(
  database,
  services.jobs,
  { ...config, worker: { ...config.worker, enabled: true } },
  log,
);
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
process.on('SIGTERM', () => {
  void shutdown();
});
process.on('SIGINT', () => {
  void shutdown();
});
