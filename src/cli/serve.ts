import { paymentsFromConfig } from '../app/money/payments-from-config.js';
import { ksefFromConfig } from '../app/money/ksef-submission.js';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { openDatabase } from '../store/db.js';
import { migrateLogging } from '../store/migrate.js';
import { buildApp } from '../api/app.js';
import { systemClock } from '../shared/clock.js';
import { seedDemo } from '../app/demo/seed-demo.js';
import { describeConfig, type Config } from '../config.js';
import { startWorkerFromConfig } from '../worker/worker.js';
import { carriersFromConfig } from '../app/fulfilment/carriers-from-config.js';
import { compose } from '../compose.js';
import { channelsFromConfig } from '../app/channels/channels-from-config.js';
import { shutdownExactSolver, warmUpExactSolver, warmUpExactSolverOnFirstUse } from '../domain/sourcing/index.js';
import { exitOnSignals, sleep } from '../shared/shutdown.js';

/** How long after listening `serve` waits before warming the exact routing solver. */
const EXACT_WARMUP_DELAY_MS = 2_000;

/**
 * Runs the API (and the console and, unless ORDO_WORKER=off / `--no-worker`, a worker) in one
 * process: `ordo serve` / `npm start`. Several may run on one PostgreSQL behind a load balancer
 * (docs/production.md, "Running several nodes"). Nothing listens before migrations are applied;
 * on SIGTERM `/readyz` answers 503 (draining) for ORDO_DRAIN_DELAY_MS while requests are still
 * served, then the listener closes, requests in flight finish, the worker records its deliveries
 * in flight and hands back the rest, and the process exits — within ORDO_SHUTDOWN_TIMEOUT_MS, or
 * at once on a second signal.
 */
export async function serve(config: Config, opts: { demo: boolean }) {
  const log = pino({
    level: config.logging.level,
    base: { pid: process.pid, node: 'api', ...(config.worker.id ? { worker: config.worker.id } : {}) },
  });
  for (const warning of config.warnings) log.warn(warning);
  log.info({ config: describeConfig(config) }, 'configuration');
  const database = await openDatabase({ ...config.database, onFailover: (message) => log.warn(message) });
  log.info({ database: database.describe }, 'database opened');
  const applied = await migrateLogging(database, log);
  if (applied.length) log.info({ applied }, 'migrations applied');

  // carriers (issue 6): each is offered when its credentials are configured; the manual carrier always
  const carriers = carriersFromConfig(config.carriers, database);
  log.info({ carriers: [...carriers.keys()] }, 'carriers configured');
  const payments = paymentsFromConfig(config.payments);
  log.info({ payments: [...payments.keys()] }, 'payment providers configured');
  const ksef = ksefFromConfig(config.payments);
  log.info({ ksef: ksef ? ksef.baseUrl : 'not configured' }, 'KSeF sending');
  const channels = channelsFromConfig(config);
  log.info({ connectors: [...channels.connectors.keys()], secretsKey: channels.keySource }, 'channel connectors');
  const services = compose({
    retention: {
      ...config.retention,
      report: (tenantId, deleted) => log.info({ tenantId, deleted }, 'retention removed expired rows'),
    },
    clock: systemClock,
    carriers,
    payments,
    publicUrl: config.http.publicUrl,
    ksef,
    channels,
  });

  let seeded = null;
  if (opts.demo) {
    seeded = await seedDemo(services.processes, database.db, systemClock, { adminPassword: config.demo.password });
    if (seeded) log.info({ orders: seeded.orders }, 'demo data seeded');
  }

  let draining = false;
  const app = await buildApp(
    {
      db: database.db,
      readDb: database.readDb,
      dbKind: database.kind,
      clock: systemClock,
      ready: async () => true,
      draining: () => draining,
      carriers,
      processes: services.processes,
      inbound: services.inbound,
      payments: services.payments,
      channels,
      config,
    },
    { logger: log, console: { distDir: fileURLToPath(new URL('../../web/dist', import.meta.url)) } },
  );
  // outbox dispatcher, webhooks, broker sink and the jobs runner (process timers, tracking polls,
  // inbound events); ORDO_WORKER=off on API-only nodes, where separate workers run them. Started
  // before the server listens: its broker sinks are registered (event_sinks) before the first order
  // can write an event one of them takes (else written as fanned out: nobody wanted it then).
  const worker = await startWorkerFromConfig(database, services.jobs, config, log);
  const address = await app.listen({ port: config.http.port, host: config.http.host });
  const base = address.replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');

  const lines = [
    '',
    `  Ordo is running on ${database.describe}`,
    `  API        ${base}/api/v1   (OpenAPI: ${base}/api/v1/openapi.json, docs: ${base}/docs)`,
    `  Console    ${base}/`,
    `  Health     ${base}/healthz  ${base}/readyz  ${base}/metrics`,
  ];
  if (seeded) {
    lines.push(
      '',
      '  Demo tenant created. These credentials are shown ONCE:',
      `    console login   ${seeded.adminEmail}  /  ${seeded.adminPassword}`,
      `    admin API key   ${seeded.apiKey}`,
      '',
      `  Try:  curl -H "Authorization: Bearer ${seeded.apiKey}" ${base}/api/v1/orders?limit=5`,
    );
  } else if (opts.demo) {
    lines.push(
      '',
      '  Demo tenant already exists (credentials were printed on first start).',
      '  New key:  npx ordo create-api-key --tenant demo --name me --roles admin',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  // The exact routing solver (HiGHS, WASM in a worker thread) is compiled by V8 on first use:
  // warm it in the background so the orders routed by an exact strategy do not stall — a moment
  // after start, so its compilation and synthetic solves (a core for a few seconds) do not
  // compete with the first requests on a small machine, or (first-use, the embedded database's
  // default) after the first order that needs it, so a server that never solves exactly does
  // not hold its thread's memory (issue 19 item 6).
  const warmedUp = (e?: unknown) =>
    e ? log.warn({ err: e }, 'exact routing solver warm-up failed') : log.info('exact routing solver warmed up');
  if (config.routing.exactWarmup === 'first-use') warmUpExactSolverOnFirstUse(warmedUp);
  const warmUp =
    config.routing.exactWarmup === 'on'
      ? setTimeout(() => void warmUpExactSolver().then(() => warmedUp(), warmedUp), EXACT_WARMUP_DELAY_MS).unref()
      : null;

  exitOnSignals(log, config.http.drainDelayMs + config.http.shutdownTimeoutMs, async () => {
    draining = true;
    if (warmUp) clearTimeout(warmUp);
    if (config.http.drainDelayMs > 0) {
      log.info({ drainDelayMs: config.http.drainDelayMs }, 'draining: /readyz answers 503, requests are still served');
      await sleep(config.http.drainDelayMs);
    }
    // fastify's close: no new connections, 503 for requests arriving on kept-alive ones, and it
    // resolves once the requests in flight have answered; the worker meanwhile finishes its own
    await Promise.all([app.close(), worker?.stop()]);
    await shutdownExactSolver();
    await database.close();
  });
  return { app, database, seeded, address };
}
