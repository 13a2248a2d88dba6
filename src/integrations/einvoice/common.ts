/**
 * What every statutory format shares: amounts written as exact decimal strings from bigint minor
 * units (never through a float, so 0.1 + 0.2 can never leak into a tax document), dates, and
 * the refusal a format gives for a document it cannot carry.
 */
import type { Result } from '../../shared/result.js';

/**
 * Refusals are values: a proforma is never sent to KSeF, a zw line without its legal basis
 * cannot be written. Codes are local to the e-invoice integration.
 */
export interface EInvoiceError {
  code: 'EINVOICE_UNSUPPORTED' | 'EINVOICE_INVALID_INPUT';
  message: string;
}

export type EInvoiceResult<T> = Result<T, EInvoiceError>;

/** ISO 4217 currencies whose minor unit is not 1/100 (the others Ordo trades in all have 2). */
const MINOR_DIGITS: Record<string, number> = { JPY: 0, KRW: 0, HUF: 2, ISK: 0, CLP: 0, BHD: 3, KWD: 3, OMR: 3 };

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency.toUpperCase()] ?? 2;
}

/**
 * Minor units to a major-unit decimal string with exactly `digits` fraction digits:
 * 12345n → "123.45", -5n → "-0.05". Pure integer arithmetic.
 */
export function formatMinor(amount: bigint, digits = 2): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  if (digits === 0) return `${negative ? '-' : ''}${abs}`;
  const scale = 10n ** BigInt(digits);
  const whole = abs / scale;
  const frac = (abs % scale).toString().padStart(digits, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

/** Amount of a document in its currency's major units. */
export function money(amount: bigint, currency: string): string {
  return formatMinor(amount, minorDigits(currency));
}

/** "2026-12-01" → "01.12.2026" (the Russian formats' ДатаТип). */
export function dottedDate(iso: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) throw new Error(`not an ISO date: ${iso}`);
  return `${match[3]}.${match[2]}.${match[1]}`;
}

export function isIsoDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

/** Sum of bigints (Array.reduce with a bigint seed, named for readability). */
export function sum(values: readonly bigint[]): bigint {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}
