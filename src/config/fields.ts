import { z } from 'zod';
import { parseRetentionDays, type RetentionDays } from '../shared/retention.js';
import { parsePostgresUrl } from '../shared/postgres-url.js';

/**
 * How a setting is described: its group in the docs, its place in Config, the processes that
 * read it, whether it is a secret; and the value types that turn a raw variable (a string or
 * unset) into a typed value or an issue. The settings themselves are in settings.ts.
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

export type Field<T> = z.ZodType<T, string | undefined>;

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

export function text(): { type: string; schema: Field<string | undefined> };
export function text(def: string): { type: string; schema: Field<string> };
export function text(def?: string) {
  return field('text', (v) => (v === undefined ? def : v.trim()));
}

/** Passwords, tokens: taken as given (spaces included), never printed. */
export const secretText = () => field('text', (v) => v);

export function int(opts: { min?: number; max?: number; what?: string }): {
  type: string;
  schema: Field<number | undefined>;
};
export function int(opts: { min?: number; max?: number; what?: string; def: number }): {
  type: string;
  schema: Field<number>;
};
export function int(opts: { min?: number; max?: number; what?: string; def?: number }) {
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
export const port = (def: number) => int({ min: 0, max: 65535, what: 'a port number', def });

const ON = /^(1|true|on|yes)$/i;
const OFF = /^(0|false|off|no)$/i;
export function flag(): { type: string; schema: Field<boolean | undefined> };
export function flag(def: boolean): { type: string; schema: Field<boolean> };
export function flag(def?: boolean) {
  return field('on/off', (value, fail) => {
    if (value === undefined) return def;
    const text = value.trim();
    if (ON.test(text)) return true;
    if (OFF.test(text)) return false;
    return fail('must be on or off (also true/false, yes/no, 1/0)');
  });
}

/** When the exact routing solver is warmed: at start, on its first use, or never (src/cli/serve.ts). */
export type ExactWarmup = 'on' | 'first-use' | 'off';

/** on/off (with flag()'s synonyms) or first-use; no value is undefined (the default depends on the database). */
export const exactWarmup = () =>
  field('on | first-use | off', (value, fail): ExactWarmup | undefined => {
    if (value === undefined) return undefined;
    const text = value.trim();
    if (ON.test(text)) return 'on';
    if (OFF.test(text)) return 'off';
    if (/^first-use$/i.test(text)) return 'first-use';
    return fail('must be on, first-use or off');
  });

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
export function postgresUrl() {
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
export const httpUrl = () => url(['http:', 'https:'], 'an http:// or https:// URL');

export function oneOf<const T extends string>(values: readonly T[], def: T) {
  return field(values.join(' | '), (value, fail) => {
    if (value === undefined) return def;
    const text = value.trim().toLowerCase();
    if (!(values as readonly string[]).includes(text)) fail(`must be one of ${values.join(', ')}`);
    return text as T;
  });
}

/** `kind=days,…` over the built-in retention defaults (src/shared/retention.ts). */
export const retentionDays = () =>
  field('kind=days,…', (value, fail): Partial<RetentionDays> => {
    if (value === undefined) return {};
    const parsed = parseRetentionDays(value);
    if ('error' in parsed) return fail(`must be kind=days pairs: ${parsed.error as string}`);
    return parsed;
  });

// ---- the settings ----

export const ALL = ['serve', 'worker', 'cli'] as const;
export const SERVE = ['serve'] as const;
export const SERVE_WORKER = ['serve', 'worker'] as const;

export function setting<T>(
  file: { type: string; schema: Field<T> },
  meta: Omit<SettingMeta, 'type'> & { type?: string },
): Field<T> {
  return file.schema.meta({ ...meta, type: meta.type ?? file.type }) as Field<T>;
}
