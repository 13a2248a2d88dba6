/**
 * Money is exact: amounts are bigint counts of a currency's minor unit (grosz, kopek, cent).
 * On the wire they are decimal strings ("1234.50"); floats never touch an amount.
 * Currency codes and their minor-unit exponents come from ICU's ISO 4217 data built into Node.
 */

const supported = new Set<string>(
  (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf('currency'),
);
const exponentCache = new Map<string, number>();

export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && supported.has(code);
}

/** Number of decimal places of the currency's minor unit (PLN 2, JPY 0, KWD 3). */
export function minorUnits(currency: string): number {
  let item = exponentCache.get(currency);
  if (item === undefined) {
    if (!isCurrency(currency)) throw new RangeError(`unknown currency ${currency}`);
    item = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    exponentCache.set(currency, item);
  }
  return item;
}

const DECIMAL = /^(-)?(\d{1,18})(?:\.(\d{1,18}))?$/;

export type ParseMoneyError = 'NOT_A_DECIMAL' | 'TOO_MANY_DECIMALS' | 'UNKNOWN_CURRENCY';

/** "12.5" PLN → 1250n. Refuses more decimals than the currency has: never rounds silently. */
export function parseMoney(text: string, currency: string): bigint | ParseMoneyError {
  if (!isCurrency(currency)) return 'UNKNOWN_CURRENCY';
  const match = DECIMAL.exec(text);
  if (!match) return 'NOT_A_DECIMAL';
  const exp = minorUnits(currency);
  const frac = match[3] ?? '';
  if (frac.length > exp) return 'TOO_MANY_DECIMALS';
  const units = BigInt(match[2]!) * 10n ** BigInt(exp) + BigInt(frac.padEnd(exp, '0') || '0');
  return match[1] ? -units : units;
}

/** 1250n PLN → "12.50". */
export function formatMoney(units: bigint, currency: string): string {
  const exp = minorUnits(currency);
  const neg = units < 0n;
  const abs = neg ? -units : units;
  if (exp === 0) return (neg ? '-' : '') + abs.toString();
  const text = abs.toString().padStart(exp + 1, '0');
  return `${neg ? '-' : ''}${text.slice(0, -exp)}.${text.slice(-exp)}`;
}

/**
 * A decimal rate such as a tax percentage ("23", "8.5", "0") as a fraction num/den,
 * exact, without floats.
 */
export function parseRate(text: string): { num: bigint; den: bigint } | null {
  const match = /^(\d{1,6})(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) return null;
  const frac = match[2] ?? '';
  const den = 10n ** BigInt(frac.length);
  return { num: BigInt(match[1]!) * den + BigInt(frac || '0'), den };
}

/** Divides with rounding half away from zero (the commercial rounding of VAT laws in PL and RU). */
export function divRound(count: bigint, date: bigint): bigint {
  if (date <= 0n) throw new RangeError('divisor must be positive');
  const neg = count < 0n;
  const currentCount = neg ? -count : count;
  const query = (currentCount * 2n + date) / (2n * date);
  return neg ? -query : query;
}

/** amount × percent / 100, rounded half away from zero. */
export function percentOf(amount: bigint, rate: { num: bigint; den: bigint }): bigint {
  return divRound(amount * rate.num, rate.den * 100n);
}
