import { z } from 'zod';
import {
  ALL,
  SERVE,
  SERVE_WORKER,
  exactWarmup,
  flag,
  httpUrl,
  int,
  oneOf,
  port,
  postgresUrl,
  retentionDays,
  secretText,
  setting,
  text,
} from './fields.js';
import { integrationSettings } from './settings-integrations.js';
import type { SettingMeta } from './fields.js';

/**
 * The settings: one zod field per environment variable, with its type, default, meaning, the
 * processes that read it and whether it is a secret (see src/config.ts). The value types and
 * the groups are in fields.ts; carriers, channels and payments in settings-integrations.ts.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** One field per environment variable, in the order of the documentation. */
export const configSchema = z.object({
  // database
  DATABASE_URL: setting(postgresUrl(), {
    group: 'database',
    path: 'database.url',
    default: '—',
    processes: ALL,
    secret: true,
    description:
      '`postgres://…` to use PostgreSQL (production); unset = embedded PGlite. Several hosts (`postgres://h1:5432,h2:5432/db`, as pg_auto_failover or Patroni print it) = whichever is the read-write primary, followed across a failover (docs/failover.md). Sessions run with `jit=off` unless the URL gives `options=`. Its password is never logged',
  }),
  ORDO_DATABASE_READ_URL: setting(postgresUrl(), {
    group: 'database',
    path: 'database.readUrl',
    default: '—',
    processes: SERVE,
    secret: true,
    description:
      'PostgreSQL read replica(s) for order lists, search and reports (may lag by the replication delay); the primary is used while it is down. Several hosts with `target_session_attrs=prefer-standby` or `standby` pick a standby',
  }),
  ORDO_FAILOVER_WAIT_MS: setting(int({ min: 0, max: 120_000, def: 5_000 }), {
    group: 'database',
    path: 'database.failoverWaitMs',
    default: '`5000`',
    processes: ALL,
    description:
      'multi-host DATABASE_URL: how long a request waits for a new primary during a failover before it is answered 503 with Retry-After',
  }),
  ORDO_DATA_DIR: setting(text('./data'), {
    group: 'database',
    path: 'database.dataDir',
    default: '`./data`',
    processes: ALL,
    description: 'folder of the embedded database (locked by one process at a time); `memory://` for a throw-away one',
  }),
  DATABASE_POOL_SIZE: setting(int({ def: 16 }), {
    group: 'database',
    path: 'database.poolSize',
    default: '`16`',
    processes: SERVE,
    description: 'PostgreSQL connections of the server process (a separate worker process opens 8)',
  }),
  ORDO_PREPARE: setting(flag(true), {
    group: 'database',
    path: 'database.prepare',
    default: '`on`',
    processes: ALL,
    description:
      'name each SQL text so the database (PostgreSQL or the embedded PGlite) plans it once per connection; `off` behind a transaction-mode pooler (PgBouncer before 1.21)',
  }),
  ORDO_PIPELINE: setting(flag(true), {
    group: 'database',
    path: 'database.pipeline',
    default: '`on`',
    processes: ALL,
    description:
      "send `begin` with a transaction's first statement and its last statement with `commit` (pg pipeline mode); `off` waits for each reply",
  }),

  // http
  PORT: setting(port(3000), {
    group: 'http',
    path: 'http.port',
    default: '`3000`',
    processes: SERVE,
    description: 'TCP port the server listens on',
  }),
  HOST: setting(text('127.0.0.1'), {
    group: 'http',
    path: 'http.host',
    default: '`127.0.0.1`',
    processes: SERVE_WORKER,
    description: "address the server (and a worker's health endpoint) listens on (`0.0.0.0` for every interface)",
  }),
  ORDO_PUBLIC_URL: setting(httpUrl(), {
    group: 'http',
    path: 'http.publicUrl',
    default: '—',
    processes: ALL,
    description:
      'public base URL of this server: tracking links in e-mails (`<url>/track/<token>`); webhook subscriptions may not point at it',
  }),

  ORDO_DRAIN_DELAY_MS: setting(int({ min: 0, def: 0 }), {
    group: 'http',
    path: 'http.drainDelayMs',
    default: '`0`',
    processes: SERVE,
    description:
      "after SIGTERM, `/readyz` answers 503 for this long while requests are still served, then the listener closes (ms; a load balancer's health-check interval × its failure threshold)",
  }),
  ORDO_SHUTDOWN_TIMEOUT_MS: setting(int({ def: 30_000 }), {
    group: 'http',
    path: 'http.shutdownTimeoutMs',
    default: '`30000`',
    processes: SERVE_WORKER,
    description:
      'after the listener closes, requests, deliveries and jobs in flight get this long to finish; then the process exits anyway (a second SIGTERM exits at once)',
  }),

  // logging
  LOG_LEVEL: setting(oneOf(LOG_LEVELS, 'info'), {
    group: 'logging',
    path: 'logging.level',
    default: '`info`',
    processes: SERVE_WORKER,
    description: 'pino level; logs are JSON lines on stdout',
  }),

  // observability (docs/observability.md)
  ORDO_TRACING: setting(oneOf(['off', 'otlp', 'console'] as const, 'off'), {
    group: 'observability',
    path: 'observability.tracing',
    default: '`off`',
    processes: SERVE_WORKER,
    description:
      'OpenTelemetry traces: `otlp` sends them over OTLP/HTTP (endpoint, headers, sampling and service name from the standard `OTEL_*` variables), `console` prints them; `off` loads nothing',
  }),
  ORDO_METRICS_TOKEN: setting(secretText(), {
    group: 'observability',
    path: 'observability.metricsToken',
    default: '—',
    processes: SERVE,
    secret: true,
    description:
      '`/metrics` then answers only `Authorization: Bearer <token>`; unset = open, like `/healthz` (keep it off the public network)',
  }),

  // worker
  ORDO_WORKER: setting(flag(true), {
    group: 'worker',
    path: 'worker.enabled',
    default: '`on`',
    processes: SERVE,
    description:
      'run the outbox dispatcher and jobs in the server; `off` on API-only nodes (also `ordo serve --no-worker`), with workers run by `ordo worker`',
  }),
  ORDO_WORKER_HEALTH_PORT: setting(int({ min: 0, max: 65535, what: 'a port number' }), {
    group: 'worker',
    path: 'worker.healthPort',
    default: '—',
    processes: ['worker'],
    description:
      'a worker process answers `/healthz` and `/readyz` (503 while starting or stopping) on this port (`HOST`); unset = no endpoint',
  }),
  ORDO_WORKER_ID: setting(text(), {
    group: 'worker',
    path: 'worker.id',
    default: '`<host>:<pid>`',
    processes: SERVE_WORKER,
    description: 'name of this worker in leases and logs',
  }),
  ORDO_WORKER_CONCURRENCY: setting(int({}), {
    group: 'worker',
    path: 'worker.concurrency',
    default: '`16`',
    processes: SERVE_WORKER,
    description: 'deliveries in flight per worker',
  }),
  ORDO_POLL_MS: setting(int({}), {
    group: 'worker',
    path: 'worker.pollMs',
    default: '`250` (outbox), `500` (jobs)',
    processes: SERVE_WORKER,
    description: 'how often an idle worker looks for work it was not woken for (ms)',
  }),
  ORDO_POLL_MAX_MS: setting(int({}), {
    group: 'worker',
    path: 'worker.maxPollMs',
    default: '`2000`',
    processes: SERVE_WORKER,
    description:
      'an idle worker looks for work less and less often, up to this (ms); a commit that wrote events someone receives, or a job due within a minute, wakes it at once, and it never sleeps past the next scheduled timer',
  }),
  ORDO_WEBHOOK_TIMEOUT_MS: setting(int({}), {
    group: 'worker',
    path: 'worker.deliveryTimeoutMs',
    default: '`10000`',
    processes: SERVE_WORKER,
    description: 'a webhook or broker delivery that takes longer fails and is retried (ms)',
  }),
  ORDO_LEASE_MS: setting(int({}), {
    group: 'worker',
    path: 'worker.leaseMs',
    default: '`60000`',
    processes: SERVE_WORKER,
    description:
      'a claimed delivery returns to the queue after this long if its worker died (ms; at least twice the delivery timeout)',
  }),
  ORDO_RETRY_BASE_MS: setting(int({}), {
    group: 'worker',
    path: 'worker.retryBaseMs',
    default: '`5000`',
    processes: SERVE_WORKER,
    description: 'first retry delay of a failed delivery; doubles with jitter up to 6 h (ms)',
  }),
  ORDO_MAX_ATTEMPTS: setting(int({}), {
    group: 'worker',
    path: 'worker.maxAttempts',
    default: '`12`',
    processes: SERVE_WORKER,
    description: 'attempts before a delivery is dead-lettered',
  }),

  // webhooks
  ORDO_WEBHOOKS_ALLOW_PRIVATE: setting(flag(false), {
    group: 'webhooks',
    path: 'webhooks.allowPrivate',
    default: '`off`',
    processes: SERVE_WORKER,
    description:
      'allow webhook endpoints on loopback/private addresses (on-premise, tests); when off, a name that resolves to one is refused as the worker connects',
  }),

  // retention (issue 20): the `retention.sweep` job, one per tenant (docs/retention.md)
  ORDO_RETENTION_DAYS: setting(retentionDays(), {
    group: 'retention',
    path: 'retention.days',
    default:
      '`deliveries=30,events=90,notifications=90,jobs=30,failedJobs=90,ingestions=90,idempotencyKeys=7,inboundEvents=30,ediMessages=365,erpSessions=7`',
    processes: SERVE_WORKER,
    description:
      'days each kind of record is kept, over the defaults (`0` = forever); a tenant may override each (`ordo retention set`)',
  }),
  ORDO_RETENTION_BATCH: setting(int({ max: 100_000, def: 1000 }), {
    group: 'retention',
    path: 'retention.batchSize',
    default: '`1000`',
    processes: SERVE_WORKER,
    description: 'rows one retention run deletes at most (one short transaction); a full run runs again at once',
  }),
  ORDO_RETENTION_EVERY_MIN: setting(int({ max: 10_080, def: 60 }), {
    group: 'retention',
    path: 'retention.everyMs',
    default: '`60`',
    processes: SERVE_WORKER,
    description: 'minutes between retention sweeps of a tenant once nothing expired is left',
  }),

  // broker
  NATS_URL: setting(text(), {
    group: 'broker',
    path: 'broker.natsUrl',
    default: '—',
    processes: SERVE_WORKER,
    description: 'publish every event as a CloudEvent to NATS JetStream (`nats://host:4222`); unset = no broker',
  }),
  NATS_STREAM: setting(text('ORDO_EVENTS'), {
    group: 'broker',
    path: 'broker.stream',
    default: '`ORDO_EVENTS`',
    processes: SERVE_WORKER,
    description: 'JetStream stream (created when missing)',
  }),
  NATS_SUBJECT_PREFIX: setting(text('ordo.events'), {
    group: 'broker',
    path: 'broker.subjectPrefix',
    default: '`ordo.events`',
    processes: SERVE_WORKER,
    description: 'subjects are `<prefix>.<tenant>.<event type>`',
  }),

  // smtp
  ORDO_SMTP_HOST: setting(text(), {
    group: 'smtp',
    path: 'smtp.host',
    default: '—',
    processes: SERVE_WORKER,
    description: 'SMTP server for customer e-mails; unset = notifications stay queued',
  }),
  ORDO_SMTP_PORT: setting(port(587), {
    group: 'smtp',
    path: 'smtp.port',
    default: '`587`',
    processes: SERVE_WORKER,
    description: 'SMTP port (465 implies TLS from the first byte)',
  }),
  ORDO_SMTP_SECURE: setting(flag(), {
    group: 'smtp',
    path: 'smtp.secure',
    default: '`on` for port 465, else `off`',
    processes: SERVE_WORKER,
    description: 'TLS from the first byte; `off` = STARTTLS when the server offers it',
  }),
  ORDO_SMTP_USER: setting(text(), {
    group: 'smtp',
    path: 'smtp.user',
    default: '—',
    processes: SERVE_WORKER,
    description: 'SMTP login (user name); unset = no authentication',
  }),
  ORDO_SMTP_PASS: setting(secretText(), {
    group: 'smtp',
    path: 'smtp.pass',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'SMTP password',
  }),
  ORDO_SMTP_FROM: setting(text('Ordo <no-reply@localhost>'), {
    group: 'smtp',
    path: 'smtp.from',
    default: '`Ordo <no-reply@localhost>`',
    processes: SERVE_WORKER,
    description: 'the From address, e.g. `Sklep <sklep@example.pl>`',
  }),
  ORDO_SMTP_TIMEOUT_MS: setting(int({ def: 10_000 }), {
    group: 'smtp',
    path: 'smtp.timeoutMs',
    default: '`10000`',
    processes: SERVE_WORKER,
    description: 'give up on a connection or a silent server after this long; the outbox retries (ms)',
  }),
  ORDO_SMTP_ALLOW_UNVERIFIED_TLS: setting(flag(false), {
    group: 'smtp',
    path: 'smtp.allowUnverifiedTls',
    default: '`off`',
    processes: SERVE_WORKER,
    description: 'accept a server certificate that does not verify (a local relay on-premise)',
  }),

  ...integrationSettings,

  // data-subject requests (docs/privacy.md)
  ORDO_PRIVACY_INVOICE_RETENTION_YEARS: setting(int({ min: 0, max: 50, def: 5, what: 'an integer from 0 to 50' }), {
    group: 'payments',
    path: 'privacy.invoiceRetentionYears',
    default: '`5`',
    processes: ['serve', 'cli'],
    description:
      "years after the end of an invoice's calendar year during which erasing a customer keeps the invoice's buyer (name, tax id, address) for tax and accounting law (docs/privacy.md)",
  }),
  // routing
  ORDO_EXACT_WARMUP: setting(exactWarmup(), {
    group: 'routing',
    path: 'routing.exactWarmup',
    default: '`on` on PostgreSQL, `first-use` on the embedded database',
    processes: SERVE,
    description:
      'when the exact routing solver (HiGHS) is compiled: `on` in the background 2 s after start (not during the first requests), `first-use` right after the first order that needs it (its thread, ~30 MB, is not started until then), `off` never; once compiled, the exact plans do not stall',
  }),

  // tenants (docs/tenants.md): what a tenant created by `ordo tenant create` or the platform API gets
  ORDO_TENANT_RPS: setting(int({}), {
    group: 'tenants',
    path: 'tenants.requestsPerSecond',
    default: '— (no limit)',
    processes: ['serve', 'cli'],
    description:
      "a new tenant's API requests per second (token bucket, enforced by each API node on its own; 429 with `Retry-After`)",
  }),
  ORDO_TENANT_ORDERS_PER_DAY: setting(int({ min: 0 }), {
    group: 'tenants',
    path: 'tenants.ordersPerDay',
    default: '— (no limit)',
    processes: ['serve', 'cli'],
    description: "a new tenant's orders per UTC day, checked at intake (429 with `Retry-After` until midnight)",
  }),
  ORDO_TENANT_STORAGE_BYTES: setting(int({ min: 0 }), {
    group: 'tenants',
    path: 'tenants.storageBytes',
    default: '— (no limit)',
    processes: ['serve', 'cli'],
    description:
      "a new tenant's storage in bytes, measured hourly by a job; intake and imports are refused above it (429)",
  }),

  // demo
  ORDO_DEMO_PASSWORD: setting(secretText(), {
    group: 'demo',
    path: 'demo.password',
    default: 'random',
    processes: ['serve', 'cli'],
    secret: true,
    description: 'the demo admin password on first start (`ordo serve --demo`, `ordo seed-demo`)',
  }),
});

export type Settings = z.output<typeof configSchema>;
export type SettingName = keyof Settings;

/** The settings with their documentation, in schema order. */
export function settingsTable(): Array<SettingMeta & { name: SettingName }> {
  return (Object.keys(configSchema.shape) as SettingName[]).map((name) => ({
    name,
    ...(configSchema.shape[name].meta() as unknown as SettingMeta),
  }));
}
