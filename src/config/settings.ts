import { z } from 'zod';
import { parseRetentionDays, type RetentionDays } from '../shared/retention.js';
import { parsePostgresUrl } from '../shared/postgres-url.js';

/**
 * The settings: one zod field per environment variable, with its type, default, meaning, the
 * processes that read it and whether it is a secret (see src/config.ts).
 */

export type ProcessKind = 'serve' | 'worker' | 'cli';

export const GROUPS = {
  database: 'Database',
  http: 'HTTP server',
  logging: 'Logging',
  observability: 'Traces and metrics',
  worker: 'Event worker',
  webhooks: 'Webhooks',
  retention: 'Retention',
  broker: 'Broker (NATS JetStream)',
  smtp: 'E-mail (SMTP)',
  carriers: 'Carriers',
  payments: 'Payments and e-invoices',
  channels: 'Sales channels',
  routing: 'Routing',
  tenants: 'Tenants (limits of new tenants)',
  demo: 'Demo data',
} as const;
export type Group = keyof typeof GROUPS;

export interface SettingMeta {
  group: Group;
  /** Where the value lands in Config (dotted), e.g. `worker.pollMs`. */
  path: string;
  /** For the docs: integer, port, on/off, URL, text, one of … */
  type: string;
  /** For the docs: the default as a user reads it ('—' when unset means off / absent). */
  default: string;
  description: string;
  processes: readonly ProcessKind[];
  /** Never printed: not in errors, not in describeConfig(). */
  secret?: boolean;
}

// ---- value types: each turns the raw string (or undefined) into a typed value or an issue ----

/** Unset and blank (only spaces) both mean "not set". */
const present = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v);

type Field<T> = z.ZodType<T, string | undefined>;

function field<T>(
  type: string,
  parse: (value: string | undefined, fail: (message: string) => never) => T,
): { type: string; schema: Field<T> } {
  class Invalid extends Error {}
  const schema = z
    .string()
    .optional()
    .transform((raw, ctx) => {
      try {
        return parse(present(raw), (message) => {
          throw new Invalid(message);
        });
      } catch (error) {
        if (!(error instanceof Invalid)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    });
  return { type, schema: schema as unknown as Field<T> };
}

function text(): { type: string; schema: Field<string | undefined> };
function text(def: string): { type: string; schema: Field<string> };
function text(def?: string) {
  return field('text', (v) => (v === undefined ? def : v.trim()));
}

/** Passwords, tokens: taken as given (spaces included), never printed. */
const secretText = () => field('text', (v) => v);

function int(opts: { min?: number; max?: number; what?: string }): { type: string; schema: Field<number | undefined> };
function int(opts: { min?: number; max?: number; what?: string; def: number }): { type: string; schema: Field<number> };
function int(opts: { min?: number; max?: number; what?: string; def?: number }) {
  const min = opts.min ?? 1;
  const what = opts.what ?? (min === 1 ? 'a positive integer' : `an integer ≥ ${min}`);
  return field(opts.what === 'a port number' ? 'port' : 'integer', (value, fail) => {
    if (value === undefined) return opts.def;
    const currentNaN = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(currentNaN) || currentNaN < min || (opts.max !== undefined && currentNaN > opts.max))
      fail(`must be ${what}`);
    return currentNaN;
  });
}
const port = (def: number) => int({ min: 0, max: 65535, what: 'a port number', def });

const ON = /^(1|true|on|yes)$/i;
const OFF = /^(0|false|off|no)$/i;
function flag(): { type: string; schema: Field<boolean | undefined> };
function flag(def: boolean): { type: string; schema: Field<boolean> };
function flag(def?: boolean) {
  return field('on/off', (value, fail) => {
    if (value === undefined) return def;
    const text = value.trim();
    if (ON.test(text)) return true;
    if (OFF.test(text)) return false;
    return fail('must be on or off (also true/false, yes/no, 1/0)');
  });
}

function url(protocols: readonly string[], what: string) {
  return field('URL', (value, fail) => {
    if (value === undefined) return undefined;
    const text = value.trim();
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return fail(`must be ${what}`);
    }
    if (!protocols.includes(url.protocol)) fail(`must be ${what}`);
    return text;
  });
}
/** A postgres:// URL with one host or several (libpq's multi-host form, which WHATWG URL refuses). */
function postgresUrl() {
  return field('URL', (value, fail) => {
    if (value === undefined) return undefined;
    try {
      parsePostgresUrl(value);
    } catch (error) {
      const why = (error as Error).message;
      return fail(`must be a postgres:// or postgresql:// URL${why.startsWith('not a') ? '' : ` (${why})`}`);
    }
    return value.trim();
  });
}
const httpUrl = () => url(['http:', 'https:'], 'an http:// or https:// URL');

function oneOf<const T extends string>(values: readonly T[], def: T) {
  return field(values.join(' | '), (value, fail) => {
    if (value === undefined) return def;
    const text = value.trim().toLowerCase();
    if (!(values as readonly string[]).includes(text)) fail(`must be one of ${values.join(', ')}`);
    return text as T;
  });
}

/** `kind=days,…` over the built-in retention defaults (src/shared/retention.ts). */
const retentionDays = () =>
  field('kind=days,…', (value, fail): Partial<RetentionDays> => {
    if (value === undefined) return {};
    const parsed = parseRetentionDays(value);
    if ('error' in parsed) return fail(`must be kind=days pairs: ${parsed.error as string}`);
    return parsed;
  });

// ---- the settings ----

const ALL = ['serve', 'worker', 'cli'] as const;
const SERVE = ['serve'] as const;
const SERVE_WORKER = ['serve', 'worker'] as const;

function setting<T>(
  file: { type: string; schema: Field<T> },
  meta: Omit<SettingMeta, 'type'> & { type?: string },
): Field<T> {
  return file.schema.meta({ ...meta, type: meta.type ?? file.type }) as Field<T>;
}

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
      '`postgres://…` to use PostgreSQL (production); unset = embedded PGlite. Several hosts (`postgres://h1:5432,h2:5432/db`, as pg_auto_failover or Patroni print it) = whichever is the read-write primary, followed across a failover (docs/failover.md). Its password is never logged',
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
      'name each SQL text so PostgreSQL plans it once per connection; `off` behind a transaction-mode pooler (PgBouncer before 1.21)',
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

  // carriers
  ORDO_CARRIER_MANUAL: setting(flag(true), {
    group: 'carriers',
    path: 'carriers.manual',
    default: '`on`',
    processes: SERVE_WORKER,
    description: 'offer the manual carrier (own fleet)',
  }),
  ORDO_CARRIER_TIMEOUT_MS: setting(int({}), {
    group: 'carriers',
    path: 'carriers.timeoutMs',
    default: '`15000`',
    processes: SERVE_WORKER,
    description: 'a carrier API call that takes longer fails (ms)',
  }),
  ORDO_CARRIER_WEBHOOK_TOKEN: setting(secretText(), {
    group: 'carriers',
    path: 'carriers.webhookToken',
    default: '—',
    processes: SERVE,
    secret: true,
    description: 'when set, carrier tracking webhooks must carry `?token=<it>`',
  }),
  INPOST_TOKEN: setting(secretText(), {
    group: 'carriers',
    path: 'carriers.inpost.token',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'InPost ShipX API token; InPost is offered when it and `INPOST_ORGANIZATION_ID` are set',
  }),
  INPOST_ORGANIZATION_ID: setting(text(), {
    group: 'carriers',
    path: 'carriers.inpost.organizationId',
    default: '—',
    processes: SERVE_WORKER,
    description: 'InPost ShipX organization id',
  }),
  INPOST_BASE_URL: setting(httpUrl(), {
    group: 'carriers',
    path: 'carriers.inpost.baseUrl',
    default: '`https://api-shipx-pl.easypack24.net`',
    processes: SERVE_WORKER,
    description: 'InPost ShipX API (sandbox: `https://sandbox-api-shipx-pl.easypack24.net`)',
  }),
  INPOST_SERVICE: setting(text(), {
    group: 'carriers',
    path: 'carriers.inpost.service',
    default: '`inpost_courier_standard`',
    processes: SERVE_WORKER,
    description: 'InPost service when the shipment names none',
  }),
  DHL_API_KEY: setting(secretText(), {
    group: 'carriers',
    path: 'carriers.dhl.apiKey',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description:
      'DHL Parcel DE API key; DHL is offered when it, `DHL_USERNAME`, `DHL_PASSWORD` and `DHL_BILLING_NUMBER` are set',
  }),
  DHL_USERNAME: setting(text(), {
    group: 'carriers',
    path: 'carriers.dhl.username',
    default: '—',
    processes: SERVE_WORKER,
    description: 'DHL Parcel DE user',
  }),
  DHL_PASSWORD: setting(secretText(), {
    group: 'carriers',
    path: 'carriers.dhl.password',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'DHL Parcel DE password',
  }),
  DHL_BILLING_NUMBER: setting(text(), {
    group: 'carriers',
    path: 'carriers.dhl.billingNumber',
    default: '—',
    processes: SERVE_WORKER,
    description: 'DHL billing number (14-digit EKP + procedure + participation)',
  }),
  DHL_BASE_URL: setting(httpUrl(), {
    group: 'carriers',
    path: 'carriers.dhl.baseUrl',
    default: '`https://api-eu.dhl.com/parcel/de/shipping/v2`',
    processes: SERVE_WORKER,
    description: 'DHL Parcel DE shipping API (sandbox: `https://api-sandbox.dhl.com/parcel/de/shipping/v2`)',
  }),
  DHL_TRACKING_URL: setting(httpUrl(), {
    group: 'carriers',
    path: 'carriers.dhl.trackingUrl',
    default: '`https://api-eu.dhl.com/track`',
    processes: SERVE_WORKER,
    description: 'DHL tracking API',
  }),
  DHL_PRODUCT: setting(text(), {
    group: 'carriers',
    path: 'carriers.dhl.product',
    default: '`V01PAK`',
    processes: SERVE_WORKER,
    description: 'DHL product code when the shipment names none',
  }),
  CDEK_CLIENT_ID: setting(text(), {
    group: 'carriers',
    path: 'carriers.cdek.clientId',
    default: '—',
    processes: SERVE_WORKER,
    description: 'CDEK v2 client id; CDEK is offered when it and `CDEK_CLIENT_SECRET` are set',
  }),
  CDEK_CLIENT_SECRET: setting(secretText(), {
    group: 'carriers',
    path: 'carriers.cdek.clientSecret',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'CDEK v2 client secret',
  }),
  CDEK_BASE_URL: setting(httpUrl(), {
    group: 'carriers',
    path: 'carriers.cdek.baseUrl',
    default: '`https://api.cdek.ru`',
    processes: SERVE_WORKER,
    description: 'CDEK API (test: `https://api.edu.cdek.ru`)',
  }),
  CDEK_TARIFF: setting(int({}), {
    group: 'carriers',
    path: 'carriers.cdek.tariff',
    default: '`139`',
    processes: SERVE_WORKER,
    description: 'CDEK tariff code when the shipment names none',
  }),

  // channels (issue 16): shop and marketplace connections
  ORDO_SECRETS_KEY: setting(secretText(), {
    group: 'channels',
    path: 'channels.secretsKey',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description:
      'base64 of 32 random bytes (`openssl rand -base64 32`) sealing channel credentials at rest (AES-256-GCM); unset = a key file `secrets.key` in `ORDO_DATA_DIR`, made on first start. Every API and worker node needs the same key',
  }),
  ORDO_CHANNEL_TIMEOUT_MS: setting(int({ min: 100 }), {
    group: 'channels',
    path: 'channels.timeoutMs',
    default: '`15000`',
    processes: SERVE_WORKER,
    description: 'per-request timeout of calls to shops and marketplaces',
  }),

  // payments (issue 14): a provider is offered when its credentials are set
  ORDO_PAYMENT_TIMEOUT_MS: setting(int({ min: 100 }), {
    group: 'payments',
    path: 'payments.timeoutMs',
    default: '`15000`',
    processes: SERVE_WORKER,
    description: 'per-request timeout of payment provider calls',
  }),
  STRIPE_SECRET_KEY: setting(secretText(), {
    group: 'payments',
    path: 'payments.stripe.secretKey',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'Stripe secret key; Stripe is offered when it and `STRIPE_WEBHOOK_SECRET` are set',
  }),
  STRIPE_WEBHOOK_SECRET: setting(secretText(), {
    group: 'payments',
    path: 'payments.stripe.webhookSecret',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'Stripe webhook signing secret (whsec_…)',
  }),
  STRIPE_BASE_URL: setting(httpUrl(), {
    group: 'payments',
    path: 'payments.stripe.baseUrl',
    default: '`https://api.stripe.com`',
    processes: SERVE_WORKER,
    description: 'Stripe API root (a local or mock server in tests)',
  }),
  PAYU_POS_ID: setting(text(), {
    group: 'payments',
    path: 'payments.payu.posId',
    default: '—',
    processes: SERVE_WORKER,
    description: 'PayU POS id; PayU is offered when it, `PAYU_CLIENT_SECRET` and `PAYU_SECOND_KEY` are set',
  }),
  PAYU_CLIENT_SECRET: setting(secretText(), {
    group: 'payments',
    path: 'payments.payu.clientSecret',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'PayU OAuth client secret',
  }),
  PAYU_SECOND_KEY: setting(secretText(), {
    group: 'payments',
    path: 'payments.payu.secondKey',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'PayU second key (MD5), verifies notifications',
  }),
  PAYU_BASE_URL: setting(httpUrl(), {
    group: 'payments',
    path: 'payments.payu.baseUrl',
    default: '`https://secure.payu.com`',
    processes: SERVE_WORKER,
    description: 'PayU API (sandbox: `https://secure.snd.payu.com`)',
  }),
  P24_MERCHANT_ID: setting(text(), {
    group: 'payments',
    path: 'payments.przelewy24.merchantId',
    default: '—',
    processes: SERVE_WORKER,
    description: 'Przelewy24 merchant id; P24 is offered when it, `P24_REPORT_KEY` and `P24_CRC` are set',
  }),
  P24_REPORT_KEY: setting(secretText(), {
    group: 'payments',
    path: 'payments.przelewy24.reportKey',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'Przelewy24 API (report) key',
  }),
  P24_CRC: setting(secretText(), {
    group: 'payments',
    path: 'payments.przelewy24.crc',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'Przelewy24 CRC key for signatures',
  }),
  P24_BASE_URL: setting(httpUrl(), {
    group: 'payments',
    path: 'payments.przelewy24.baseUrl',
    default: '`https://secure.przelewy24.pl`',
    processes: SERVE_WORKER,
    description: 'Przelewy24 API (sandbox: `https://sandbox.przelewy24.pl`)',
  }),
  YOOKASSA_SHOP_ID: setting(text(), {
    group: 'payments',
    path: 'payments.yookassa.shopId',
    default: '—',
    processes: SERVE_WORKER,
    description: 'YooKassa shop id; YooKassa is offered when it and `YOOKASSA_SECRET_KEY` are set',
  }),
  YOOKASSA_SECRET_KEY: setting(secretText(), {
    group: 'payments',
    path: 'payments.yookassa.secretKey',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: 'YooKassa secret key',
  }),
  YOOKASSA_BASE_URL: setting(httpUrl(), {
    group: 'payments',
    path: 'payments.yookassa.baseUrl',
    default: '`https://api.yookassa.ru/v3`',
    processes: SERVE_WORKER,
    description: 'YooKassa API',
  }),

  ORDO_KSEF_URL: setting(httpUrl(), {
    group: 'payments',
    path: 'payments.ksef.url',
    default: '—',
    processes: SERVE_WORKER,
    description:
      'KSeF 2.0 API root with its version (test: `https://api-test.ksef.mf.gov.pl/v2`, production: `https://api.ksef.mf.gov.pl/v2`); invoices of sellers with `ksef: true` are sent when it and `ORDO_KSEF_TOKEN` are set',
  }),
  ORDO_KSEF_TOKEN: setting(secretText(), {
    group: 'payments',
    path: 'payments.ksef.token',
    default: '—',
    processes: SERVE_WORKER,
    secret: true,
    description: "a KSeF token generated in KSeF for the sellers' NIP context (permission to issue invoices)",
  }),
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
  ORDO_EXACT_WARMUP: setting(flag(true), {
    group: 'routing',
    path: 'routing.exactWarmup',
    default: '`on`',
    processes: SERVE,
    description:
      'compile the exact routing solver (HiGHS) in the background 2 s after start (not during the first requests), so the first exact plans do not stall',
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
