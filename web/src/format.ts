import { userZone, zonedInstant } from './time-zone';

/**
 * Locale-aware formatting with Intl. Money arrives as exact decimal strings; Intl.NumberFormat
 * formats the string itself (Intl.NumberFormat v3), so no digit passes through a float.
 */
type Fmt = { format(v: number | bigint | string): string };

const cache = new Map<string, Fmt>();
function nf(locale: string, opts: Intl.NumberFormatOptions): Fmt {
  const key = `${locale}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, opts) as unknown as Fmt;
    cache.set(key, f);
  }
  return f;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

export function formatMoney(amount: string | null | undefined, currency: string, locale: string): string {
  if (amount === null || amount === undefined || amount === '') return '—';
  if (!DECIMAL.test(amount)) return `${amount} ${currency}`;
  const digits = amount.split('.')[1]?.length ?? 0;
  try {
    const f = nf(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: Math.max(digits, 2),
    });
    return f.format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

export function formatNumber(n: number | string, locale: string, opts: Intl.NumberFormatOptions = {}): string {
  return nf(locale, opts).format(n);
}

/** An instant as date and time in the user's zone (their own when set, else the browser's). */
export function formatDateTime(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: userZone() }).format(
    new Date(iso),
  );
}

export function formatDate(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: userZone() }).format(new Date(iso));
}

/** "2026-11-23" (a UTC day from the reports API) as a short local label, without shifting the day. */
export function formatDay(day: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );
}

/** A duration in the largest sensible unit, spelled by Intl ("3,5 godziny", "2 дня"). */
export function formatDuration(seconds: number, locale: string): string {
  const units: [Intl.NumberFormatOptions['unit'], number][] = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  const [unit, size] = units.find(([, s]) => seconds >= s) ?? units[3]!;
  return nf(locale, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 1 }).format(seconds / size);
}

/** A calendar date (from an <input type=date>) → RFC 3339 instant at its midnight in the user's zone. */
export function localDayStart(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return zonedInstant(y!, m ?? 1, d ?? 1).toISOString();
}

/** The instant after the given day ends in the user's zone: an exclusive upper bound. */
export function localDayEnd(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return zonedInstant(y!, m ?? 1, (d ?? 1) + 1).toISOString();
}
