import pg from 'pg';
import { primaryUrl } from '../store/failover-pool.js';
import type { Clock } from '../shared/clock.js';
import type { RetryPolicy } from '../domain/events/retry.js';
import { onOutboxWrite, OUTBOX_CHANNEL } from '../app/events/emit-event.js';
import type { JobRegistry } from '../app/events/timers.js';
import type { EventSink } from '../integrations/broker/sink.js';
import { natsSink } from '../integrations/broker/nats-sink.js';
import { emailSinks } from '../integrations/email/email-sink.js';
import type { BrokerConfig, Config } from '../config.js';
import type { Db } from '../store/db.js';
import type { Committed } from '../store/unit-of-work.js';
import { Dispatcher, silentLogger, type Logger } from './dispatcher.js';
import { runningTracing, startTracing } from '../integrations/telemetry/tracing-sdk.js';
import { JobsRunner } from './jobs-runner.js';
import { ensureRetentionJobs, RETENTION_JOB } from '../app/retention/retention-job.js';
import { registerSinks } from '../app/events/event-sinks.js';

/** Wakes closer together than this are served by one look. */
const WAKE_COALESCE_MS = 5;

export interface WorkerOptions {
  db: Db;
  /** postgres://… : LISTEN for outbox writes from other processes (polling covers the rest). */
  listenUrl?: string | undefined;
  clock?: Clock | undefined;
  sinks?: readonly EventSink[] | undefined;
  /** The job kinds this worker runs (the composition root's registry). */
  jobs: JobRegistry;
  retry?: Partial<RetryPolicy> | undefined;
  jobRetry?: Partial<RetryPolicy> | undefined;
  deliveryTimeoutMs?: number | undefined;
  leaseMs?: number | undefined;
  concurrency?: number | undefined;
  pollMs?: number | undefined;
  /** ORDO_POLL_MAX_MS: the longest an idle worker sleeps between looks (it is woken on commits). */
  maxPollMs?: number | undefined;
  workerId?: string | undefined;
  logger?: Logger | undefined;
  /** Webhooks may reach loopback and private addresses (ORDO_WEBHOOKS_ALLOW_PRIVATE); off by default. */
  allowPrivateTargets?: boolean | undefined;
  /** Give every tenant its `retention.sweep` job at start (the configured worker does; tests opt in). */
  scheduleRetention?: boolean | undefined;
}

export interface Worker {
  readonly id: string;
  /** Check for work now (after a write the worker cannot hear about). */
  wake(): void;
  /** Stops claiming; waits for deliveries and jobs in flight; closes sinks it was given. */
  stop(): Promise<void>;
}

/**
 * Starts the outbox dispatcher and the jobs runner, once its broker sinks are registered. The
 * server calls this in-process by default; production runs `src/worker/main.ts` as separate
 * processes. Any number may run against one database: everything is claimed with FOR UPDATE SKIP LOCKED.
 */
export async function startWorker(opts: WorkerOptions): Promise<Worker> {
  await registerSinks(opts.db, opts.sinks ?? []);
  const log = opts.logger ?? silentLogger;
  const registry = opts.jobs;
  const dispatcher = new Dispatcher({ ...opts, logger: log }).start();
  const jobs = new JobsRunner({
    db: opts.db,
    clock: opts.clock,
    registry,
    retry: opts.jobRetry,
    pollMs: opts.pollMs,
    maxPollMs: opts.maxPollMs,
    logger: log,
  }).start();
  // Wakes within a few milliseconds are one: under load every commit wakes the worker, and one
  // look (a fan-out statement, a timer check) then serves the orders of that moment together.
  let waking: NodeJS.Timeout | null = null;
  const wake = (committed: Committed = { forWorker: true }) => {
    // events nobody receives were written fanned out: no look is needed for them
    if (!committed.forWorker) return;
    waking ??= setTimeout(() => {
      waking = null;
      dispatcher.wake();
      jobs.wake();
    }, WAKE_COALESCE_MS);
  };
  // every tenant's retention sweep exists (tenants made later get theirs from the next sweep)
  if (opts.scheduleRetention && registry.get(RETENTION_JOB))
    ensureRetentionJobs(opts.db, (opts.clock ?? { now: () => new Date() }).now()).then(
      (made) => made > 0 && jobs.wake(),
      (error: unknown) => log.warn({ err: error }, 'could not schedule the retention sweeps'),
    );
  const unhook = onOutboxWrite(wake);
  const listener = opts.listenUrl ? listen(opts.listenUrl, () => wake(), log) : null;
  return {
    id: dispatcher.workerId,
    wake: () => wake(),
    async stop() {
      unhook();
      if (waking) clearTimeout(waking);
      await listener?.close();
      await Promise.all([dispatcher.stop(), jobs.stop()]);
      await Promise.allSettled((opts.sinks ?? []).map((s) => s.close()));
      // spans of the last deliveries leave before the process does
      await (await runningTracing())?.flush();
    },
  };
}

/** A dedicated connection that LISTENs and reconnects after a database restart. */
function listen(url: string, onNotify: () => void, log: Logger) {
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  const connect = async () => {
    if (closed) return;
    let target: string;
    try {
      // a multi-host DATABASE_URL (failover): LISTEN on the host that is primary now
      target = await primaryUrl(url);
    } catch (error) {
      log.warn({ err: error }, 'outbox LISTEN: no primary found; polling until there is one');
      retry = setTimeout(() => void connect(), 1_000);
      return;
    }
    if (closed) return;
    const newClient = new pg.Client({ connectionString: target });
    client = newClient;
    const again = () => {
      if (closed || client !== newClient) return;
      client = null;
      newClient.end().catch(() => {});
      retry = setTimeout(() => {
        void connect();
      }, 1_000);
    };
    newClient.on('error', again);
    newClient.on('end', again);
    newClient.on('notification', onNotify);
    try {
      await newClient.connect();
      await newClient.query(`listen ${OUTBOX_CHANNEL}`);
      onNotify();
    } catch (error) {
      log.warn({ err: error }, 'outbox LISTEN connection failed; polling until it is back');
      again();
    }
  };
  void connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}

/** Broker sinks of the configuration: NATS_URL enables the JetStream sink (off by default). */
export async function brokerSinks(broker: BrokerConfig): Promise<EventSink[]> {
  const sinks: EventSink[] = [];
  if (broker.natsUrl)
    sinks.push(await natsSink({ url: broker.natsUrl, stream: broker.stream, subjectPrefix: broker.subjectPrefix }));
  return sinks;
}

/**
 * The worker as configured (src/config.ts, group worker) — what the server calls at start-up
 * (in-process dispatcher, the default) and what `src/worker/main.ts` runs. ORDO_WORKER=off
 * disables it in the server when separate worker processes do the work. Returns null when disabled.
 */
export async function startWorkerFromConfig(
  database: { db: Db; kind: 'postgres' | 'pglite' },
  jobs: JobRegistry,
  config: Pick<Config, 'database' | 'worker' | 'broker' | 'smtp' | 'webhooks'> & Partial<Pick<Config, 'observability'>>,
  logger?: Logger,
): Promise<Worker | null> {
  const worker = config.worker;
  if (!worker.enabled) return null;
  // OpenTelemetry (ORDO_TRACING): shared with the server's when the worker runs in it
  await startTracing(config.observability?.tracing ?? 'off');
  return startWorker({
    db: database.db,
    jobs,
    listenUrl: database.kind === 'postgres' ? config.database.url : undefined,
    // The e-mail sink joins when ORDO_SMTP_HOST is set (issue 6: customer notifications).
    sinks: [...(await brokerSinks(config.broker)), ...emailSinks(database.db, config.smtp)],
    concurrency: worker.concurrency,
    deliveryTimeoutMs: worker.deliveryTimeoutMs,
    leaseMs: worker.leaseMs,
    retry: {
      ...(worker.retryBaseMs ? { baseMs: worker.retryBaseMs } : {}),
      ...(worker.maxAttempts ? { maxAttempts: worker.maxAttempts } : {}),
    },
    pollMs: worker.pollMs,
    maxPollMs: worker.maxPollMs,
    workerId: worker.id,
    logger,
    allowPrivateTargets: config.webhooks.allowPrivate,
    scheduleRetention: true,
  });
}
