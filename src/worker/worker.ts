import pg from 'pg';
import type { Clock } from '../shared/clock.js';
import type { RetryPolicy } from '../domain/events/retry.js';
import { onOutboxWrite, OUTBOX_CHANNEL } from '../app/events/emit-event.js';
import type { JobRegistry } from '../app/events/timers.js';
import type { EventSink } from '../integrations/broker/sink.js';
import { natsSink } from '../integrations/broker/nats-sink.js';
import { emailSinksFromEnv } from '../integrations/email/email-sink.js';
import type { Db } from '../store/db.js';
import { Dispatcher, silentLogger, type Logger } from './dispatcher.js';
import { JobsRunner } from './jobs-runner.js';

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
  workerId?: string | undefined;
  logger?: Logger | undefined;
}

export interface Worker {
  readonly id: string;
  /** Check for work now (after a write the worker cannot hear about). */
  wake(): void;
  /** Stops claiming; waits for deliveries and jobs in flight; closes sinks it was given. */
  stop(): Promise<void>;
}

/**
 * Starts the outbox dispatcher and the jobs runner. The server calls this in-process by default;
 * production runs `src/worker/main.ts` as separate processes. Any number may run against one
 * database: everything is claimed with FOR UPDATE SKIP LOCKED.
 */
export function startWorker(opts: WorkerOptions): Worker {
  const log = opts.logger ?? silentLogger;
  const registry = opts.jobs;
  const dispatcher = new Dispatcher({ ...opts, logger: log }).start();
  const jobs = new JobsRunner({ db: opts.db, clock: opts.clock, registry, retry: opts.jobRetry, pollMs: opts.pollMs, logger: log }).start();
  const wake = () => { dispatcher.wake(); jobs.wake(); };
  const unhook = onOutboxWrite(wake);
  const listener = opts.listenUrl ? listen(opts.listenUrl, wake, log) : null;
  return {
    id: dispatcher.workerId,
    wake,
    async stop() {
      unhook();
      await listener?.close();
      await Promise.all([dispatcher.stop(), jobs.stop()]);
      await Promise.allSettled((opts.sinks ?? []).map((s) => s.close()));
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
    const c = new pg.Client({ connectionString: url });
    client = c;
    const again = () => {
      if (closed || client !== c) return;
      client = null;
      c.end().catch(() => {});
      retry = setTimeout(() => { void connect(); }, 1_000);
    };
    c.on('error', again);
    c.on('end', again);
    c.on('notification', onNotify);
    try {
      await c.connect();
      await c.query(`listen ${OUTBOX_CHANNEL}`);
      onNotify();
    } catch (e) {
      log.warn({ err: e }, 'outbox LISTEN connection failed; polling until it is back');
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

/** Broker sinks named by the environment: NATS_URL enables the JetStream sink (off by default). */
export async function sinksFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<EventSink[]> {
  const sinks: EventSink[] = [];
  if (env.NATS_URL) sinks.push(await natsSink({ url: env.NATS_URL, stream: env.NATS_STREAM, subjectPrefix: env.NATS_SUBJECT_PREFIX }));
  return sinks;
}

const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : undefined);

/**
 * The worker as configured by the environment — what the server calls at start-up (in-process
 * dispatcher, the default) and what `src/worker/main.ts` runs. ORDO_WORKER=off disables it in
 * the server when separate worker processes do the work. Returns null when disabled.
 */
export async function startWorkerFromEnv(
  database: { db: Db; kind: 'postgres' | 'pglite' }, jobs: JobRegistry, env: NodeJS.ProcessEnv = process.env, logger?: Logger,
): Promise<Worker | null> {
  if (/^(0|false|off|no)$/i.test(env.ORDO_WORKER ?? '')) return null;
  const baseMs = num(env.ORDO_RETRY_BASE_MS);
  const maxAttempts = num(env.ORDO_MAX_ATTEMPTS);
  return startWorker({
    db: database.db,
    jobs,
    listenUrl: database.kind === 'postgres' ? env.DATABASE_URL : undefined,
    // The e-mail sink joins when ORDO_SMTP_HOST is set (issue 6: customer notifications).
    sinks: [...await sinksFromEnv(env), ...emailSinksFromEnv(database.db, env)],
    concurrency: num(env.ORDO_WORKER_CONCURRENCY),
    deliveryTimeoutMs: num(env.ORDO_WEBHOOK_TIMEOUT_MS),
    leaseMs: num(env.ORDO_LEASE_MS),
    retry: { ...(baseMs ? { baseMs } : {}), ...(maxAttempts ? { maxAttempts } : {}) },
    pollMs: num(env.ORDO_POLL_MS),
    workerId: env.ORDO_WORKER_ID,
    logger,
  });
}
