import { paymentsFromConfig } from '../app/money/payments-from-config.js';
import { ksefFromConfig } from '../app/money/ksef-submission.js';
import { createServer, type Server } from 'node:http';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { openDatabase } from '../store/db.js';
import { migrateLogging } from '../store/migrate.js';
import { startWorkerFromConfig } from './worker.js';
import { carriersFromConfig } from '../app/fulfilment/carriers-from-config.js';
import { compose } from '../compose.js';
import { channelsFromConfig } from '../app/channels/channels-from-config.js';
import { systemClock } from '../shared/clock.js';
import { checkDatabase } from '../app/system/check-database.js';
import { exitOnSignals } from '../shared/shutdown.js';
import { describeConfig, loadConfigOrExit, type Config } from '../config.js';

/**
 * A worker process: `ordo worker` (or `node dist/worker/main.js`; `tsx src/worker/main.ts` in
 * development). Configuration (src/config.ts, the settings marked `worker` in README.md):
 * DATABASE_URL (PostgreSQL) or ORDO_DATA_DIR (embedded; then it must be the only process on that
 * folder), NATS_URL, SMTP, carriers and the ORDO_WORKER_* / ORDO_*_MS tuning. SIGTERM/SIGINT stop
 * it after deliveries and jobs in flight are recorded (claimed but unstarted deliveries are handed
 * back), within ORDO_SHUTDOWN_TIMEOUT_MS; SIGKILL loses nothing either (a job's transaction rolls
 * back, a delivery's lease expires, another worker retries). With ORDO_WORKER_HEALTH_PORT it
 * answers /healthz and /readyz (503 until started and once stopping).
 */
export async function runWorker(config: Config): Promise<void> {
  const log = pino({
    level: config.logging.level,
    base: { pid: process.pid, node: 'worker', worker: config.worker.id ?? process.pid },
  });
  for (const warning of config.warnings) log.warn(warning);
  log.info({ config: describeConfig(config) }, 'configuration');

  let state: 'starting' | 'ready' | 'stopping' = 'starting';
  const database = await openDatabase({ ...config.database, poolSize: 8, onFailover: (message) => log.warn(message) });
  const health = config.worker.healthPort === undefined ? null : await healthEndpoint(config, () => state, database);
  await migrateLogging(database, log);
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
  const worker = (await startWorkerFromConfig(
    database,
    services.jobs,
    { ...config, worker: { ...config.worker, enabled: true } },
    log,
  ))!;
  state = 'ready';
  log.info({ database: database.describe, worker: worker.id }, 'worker started');
  process.send?.({ ready: true, worker: worker.id });

  exitOnSignals(log, config.http.shutdownTimeoutMs, async () => {
    state = 'stopping';
    await worker.stop();
    await database.close();
    await new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()));
  });
}

/** /healthz (the process is alive) and /readyz (started, not stopping, database reachable). */
async function healthEndpoint(
  config: Config,
  state: () => string,
  database: Awaited<ReturnType<typeof openDatabase>>,
): Promise<Server> {
  const server = createServer((request, response) => {
    const answer = (status: number, body: object) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const path = (request.url ?? '').split('?')[0];
    if (path === '/healthz') return answer(200, { status: 'ok' });
    if (path !== '/readyz') return answer(404, { status: 'not found' });
    if (state() !== 'ready') return answer(503, { status: state() });
    checkDatabase(database.db).then(
      () => answer(200, { status: 'ready', database: database.kind }),
      (error: Error) => answer(503, { status: 'unavailable', reason: error.message }),
    );
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.worker.healthPort, config.http.host, () => resolve());
  });
  return server;
}

// `node dist/worker/main.js` / `tsx src/worker/main.ts`: run as a process of its own
const entry = process.argv[1];
const isEntry = (() => {
  try {
    return Boolean(entry) && realpathSync(entry!) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (isEntry) await runWorker(loadConfigOrExit(process.env));
