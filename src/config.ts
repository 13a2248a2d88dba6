/**
 * Every setting of Ordo, read from the environment once at start (12-factor) and validated in
 * one place. `configSchema` is the single description of the settings: one zod field per
 * variable, with its type, default, meaning, the processes that read it and whether it is a
 * secret. Entry points call `loadConfig()` and pass the typed groups down explicitly; nothing
 * else in src/ reads `process.env`. README.md's configuration table is generated from the schema
 * (`npm run config:docs`) and a test keeps the two equal.
 */

export * from './config/settings.js';
export { GROUPS, type Group, type ProcessKind, type SettingMeta } from './config/fields.js';
import type { SettingMeta } from './config/fields.js';
import { configSchema, settingsTable, type SettingName, type Settings } from './config/settings.js';
import { defaultRetentionDays } from './shared/retention.js';
export { configDocs, CONFIG_DOCS_END, CONFIG_DOCS_START, withConfigDocs } from './config/docs.js';

// ---- the typed, nested configuration ----

function nest(value: Settings) {
  const smtpPort = value.ORDO_SMTP_PORT;
  return {
    database: {
      url: value.DATABASE_URL,
      readUrl: value.ORDO_DATABASE_READ_URL,
      failoverWaitMs: value.ORDO_FAILOVER_WAIT_MS,
      dataDir: value.ORDO_DATA_DIR,
      poolSize: value.DATABASE_POOL_SIZE,
      prepare: value.ORDO_PREPARE,
      pipeline: value.ORDO_PIPELINE,
    },
    http: {
      port: value.PORT,
      host: value.HOST,
      publicUrl: value.ORDO_PUBLIC_URL,
      drainDelayMs: value.ORDO_DRAIN_DELAY_MS,
      shutdownTimeoutMs: value.ORDO_SHUTDOWN_TIMEOUT_MS,
    },
    logging: { level: value.LOG_LEVEL },
    observability: { tracing: value.ORDO_TRACING, metricsToken: value.ORDO_METRICS_TOKEN },
    worker: {
      enabled: value.ORDO_WORKER,
      id: value.ORDO_WORKER_ID,
      healthPort: value.ORDO_WORKER_HEALTH_PORT,
      concurrency: value.ORDO_WORKER_CONCURRENCY,
      pollMs: value.ORDO_POLL_MS,
      maxPollMs: value.ORDO_POLL_MAX_MS,
      deliveryTimeoutMs: value.ORDO_WEBHOOK_TIMEOUT_MS,
      leaseMs: value.ORDO_LEASE_MS,
      retryBaseMs: value.ORDO_RETRY_BASE_MS,
      maxAttempts: value.ORDO_MAX_ATTEMPTS,
    },
    webhooks: { allowPrivate: value.ORDO_WEBHOOKS_ALLOW_PRIVATE },
    retention: {
      days: { ...defaultRetentionDays(), ...value.ORDO_RETENTION_DAYS },
      batchSize: value.ORDO_RETENTION_BATCH,
      everyMs: value.ORDO_RETENTION_EVERY_MIN * 60_000,
    },
    broker: { natsUrl: value.NATS_URL, stream: value.NATS_STREAM, subjectPrefix: value.NATS_SUBJECT_PREFIX },
    smtp: {
      host: value.ORDO_SMTP_HOST,
      port: smtpPort,
      secure: value.ORDO_SMTP_SECURE ?? smtpPort === 465,
      user: value.ORDO_SMTP_USER,
      pass: value.ORDO_SMTP_PASS,
      from: value.ORDO_SMTP_FROM,
      timeoutMs: value.ORDO_SMTP_TIMEOUT_MS,
      allowUnverifiedTls: value.ORDO_SMTP_ALLOW_UNVERIFIED_TLS,
    },
    carriers: {
      manual: value.ORDO_CARRIER_MANUAL,
      timeoutMs: value.ORDO_CARRIER_TIMEOUT_MS,
      webhookToken: value.ORDO_CARRIER_WEBHOOK_TOKEN,
      inpost: {
        token: value.INPOST_TOKEN,
        organizationId: value.INPOST_ORGANIZATION_ID,
        baseUrl: value.INPOST_BASE_URL,
        service: value.INPOST_SERVICE,
      },
      dhl: {
        apiKey: value.DHL_API_KEY,
        username: value.DHL_USERNAME,
        password: value.DHL_PASSWORD,
        billingNumber: value.DHL_BILLING_NUMBER,
        baseUrl: value.DHL_BASE_URL,
        trackingUrl: value.DHL_TRACKING_URL,
        product: value.DHL_PRODUCT,
      },
      cdek: {
        clientId: value.CDEK_CLIENT_ID,
        clientSecret: value.CDEK_CLIENT_SECRET,
        baseUrl: value.CDEK_BASE_URL,
        tariff: value.CDEK_TARIFF,
      },
    },
    payments: {
      timeoutMs: value.ORDO_PAYMENT_TIMEOUT_MS,
      stripe: {
        secretKey: value.STRIPE_SECRET_KEY,
        webhookSecret: value.STRIPE_WEBHOOK_SECRET,
        baseUrl: value.STRIPE_BASE_URL,
      },
      payu: {
        posId: value.PAYU_POS_ID,
        clientSecret: value.PAYU_CLIENT_SECRET,
        secondKey: value.PAYU_SECOND_KEY,
        baseUrl: value.PAYU_BASE_URL,
      },
      przelewy24: {
        merchantId: value.P24_MERCHANT_ID,
        reportKey: value.P24_REPORT_KEY,
        crc: value.P24_CRC,
        baseUrl: value.P24_BASE_URL,
      },
      yookassa: {
        shopId: value.YOOKASSA_SHOP_ID,
        secretKey: value.YOOKASSA_SECRET_KEY,
        baseUrl: value.YOOKASSA_BASE_URL,
      },
      ksef: { url: value.ORDO_KSEF_URL, token: value.ORDO_KSEF_TOKEN },
    },
    channels: { secretsKey: value.ORDO_SECRETS_KEY, timeoutMs: value.ORDO_CHANNEL_TIMEOUT_MS },
    routing: { exactWarmup: value.ORDO_EXACT_WARMUP ?? (value.DATABASE_URL ? 'on' : 'first-use') },
    privacy: { invoiceRetentionYears: value.ORDO_PRIVACY_INVOICE_RETENTION_YEARS },
    tenants: {
      requestsPerSecond: value.ORDO_TENANT_RPS ?? null,
      ordersPerDay: value.ORDO_TENANT_ORDERS_PER_DAY ?? null,
      storageBytes: value.ORDO_TENANT_STORAGE_BYTES ?? null,
    },
    demo: { password: value.ORDO_DEMO_PASSWORD },
  };
}

type Nested = ReturnType<typeof nest>;

/** Every setting at its default (what tests and library callers get when they pass no config). */
export function defaultConfig(): Config {
  return loadConfig({});
}

/** The validated configuration, in groups; built once by loadConfig() and passed down. */
export type Config = Nested & {
  /** Things worth a log line at start (unknown ORDO_ variables, half-configured carriers). */
  readonly warnings: readonly string[];
};
export type DatabaseConfig = Config['database'];
export type WorkerConfig = Config['worker'];
export type BrokerConfig = Config['broker'];
export type RetentionConfig = Config['retention'];
export type SmtpSettings = Config['smtp'];
export type CarrierSettings = Config['carriers'];
export type PaymentSettings = Config['payments'];

/** Every bad variable at once, one per line; secret values are never quoted. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses and checks every setting; throws one ConfigError listing every bad variable
 * (`ORDO_POLL_MS must be a positive integer, not "abc"`). Unknown ORDO_ variables and carriers
 * with only part of their credentials become `config.warnings` (the entry point logs them).
 */
export function loadConfig(env: Env = process.env): Config {
  const names = Object.keys(configSchema.shape) as SettingName[];
  const input: Record<string, string | undefined> = {};
  for (const name of names) input[name] = env[name];
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const meta = configSchema.shape;
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      const raw = env[name];
      const secret = name in meta && (meta[name as SettingName].meta() as unknown as SettingMeta).secret;
      return `${name} ${issue.message}, not ${secret ? 'the value given (not shown: a secret)' : JSON.stringify(raw)}`;
    });
    throw new ConfigError(problems);
  }
  const config = nest(parsed.data);
  return { ...config, warnings: [...unknownVariables(env, names), ...halfConfiguredCarriers(parsed.data)] };
}

/** loadConfig for a process's entry point: a bad configuration prints its one error and exits 1 (no stack trace). */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return process.exit(1);
  }
}

/** ORDO_ variables no setting knows: usually a typo, named with the nearest known names. */
function unknownVariables(env: Env, names: readonly string[]): string[] {
  const known = new Set(names);
  const out: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('ORDO_') || known.has(name)) continue;
    const scored = names
      .map((k) => ({ k, d: distance(name, k) }))
      .filter((x) => x.d <= Math.max(3, Math.floor(name.length / 3)));
    const best = Math.min(...scored.map((x) => x.d));
    const near = scored
      .filter((x) => x.d === best)
      .map((x) => x.k)
      .sort()
      .slice(0, 3);
    out.push(
      `${name} is not a known setting and is ignored${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`,
    );
  }
  return out;
}

/** Levenshtein distance (names are short). */
function distance(left: string, right: string): number {
  let prev = Array.from({ length: right.length + 1 }, (_, j) => j);
  for (let leftIndex = 1; leftIndex <= left.length; leftIndex++) {
    const cur = [leftIndex];
    for (let rightIndex = 1; rightIndex <= right.length; rightIndex++)
      cur[rightIndex] = Math.min(
        prev[rightIndex]! + 1,
        cur[rightIndex - 1]! + 1,
        prev[rightIndex - 1]! + (left[leftIndex - 1] === right[rightIndex - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[right.length]!;
}

function halfConfiguredCarriers(value: Settings): string[] {
  const groups: Array<[string, SettingName[]]> = [
    ['InPost', ['INPOST_TOKEN', 'INPOST_ORGANIZATION_ID']],
    ['DHL Parcel DE', ['DHL_API_KEY', 'DHL_USERNAME', 'DHL_PASSWORD', 'DHL_BILLING_NUMBER']],
    ['CDEK', ['CDEK_CLIENT_ID', 'CDEK_CLIENT_SECRET']],
    ['Stripe', ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']],
    ['PayU', ['PAYU_POS_ID', 'PAYU_CLIENT_SECRET', 'PAYU_SECOND_KEY']],
    ['Przelewy24', ['P24_MERCHANT_ID', 'P24_REPORT_KEY', 'P24_CRC']],
    ['YooKassa', ['YOOKASSA_SHOP_ID', 'YOOKASSA_SECRET_KEY']],
    ['KSeF sending', ['ORDO_KSEF_URL', 'ORDO_KSEF_TOKEN']],
  ];
  const out: string[] = [];
  for (const [carrier, required] of groups) {
    const missing = required.filter((n) => value[n] === undefined);
    if (missing.length > 0 && missing.length < required.length)
      out.push(`${carrier} is not offered: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`);
  }
  return out;
}

// ---- printing ----

const REDACTED = '[redacted]';

/** A URL's password replaced (postgres://ordo:***@db/ordo); a value that is not such a URL as is. */
function maskUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password && !/pass/i.test(url.search)) return value;
    if (url.password) url.password = '***';
    if (/pass/i.test(url.search)) url.search = '***';
    return url.toString();
  } catch {
    // a multi-host postgres:// URL (h1:5432,h2:5432), which URL refuses: mask by hand
    return value.replace(/^([a-z]+:\/\/[^:@/]*):[^@]*@/i, '$1:***@').replace(/\?.*pass.*$/i, '?***');
  }
}

/**
 * The configuration for the startup log: secrets are replaced by "[redacted]" (a URL keeps its
 * host, its password is masked), other values shown as configured; unset values are left out.
 */
export function describeConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of settingsTable()) {
    const value = getPath(config, item.path);
    if (value === undefined) continue;
    const shown =
      typeof value !== 'string' ? value : item.secret && item.type !== 'URL' ? REDACTED : maskUrlPassword(value);
    setPath(out, item.path, shown);
  }
  return out;
}

function getPath(obj: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let currentObj = obj;
  for (const key of keys.slice(0, -1)) currentObj = (currentObj[key] ??= {}) as Record<string, unknown>;
  currentObj[keys[keys.length - 1]!] = value;
}
