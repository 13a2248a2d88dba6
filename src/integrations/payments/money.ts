/**
 * Exact conversions between Ordo's bigint minor units and the providers' wire formats. Never
 * through floats: 0.1 + 0.2 is not a price.
 */

/** ISO 4217 currencies whose minor unit is not 1/100 (the rest use 2 decimals). */
const EXPONENTS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

export const currencyExponent = (currency: string): number => EXPONENTS[currency.toUpperCase()] ?? 2;

/** 12345n RUB → "123.45"; 5n JPY → "5". */
export function minorToDecimal(amount: bigint, currency: string): string {
  const exp = currencyExponent(currency);
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  if (exp === 0) return `${neg ? '-' : ''}${abs}`;
  const unit = 10n ** BigInt(exp);
  return `${neg ? '-' : ''}${abs / unit}.${(abs % unit).toString().padStart(exp, '0')}`;
}

/**
 * "123.45" (or 123.45 as a JSON number, which some SDK samples carry) → 12345n. Returns null when the
 * text is not a plain decimal or has more decimals than the currency allows (no silent rounding).
 */
export function decimalToMinor(value: string | number, currency: string): bigint | null {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const exp = currencyExponent(currency);
  const frac = (match[3] ?? '').replace(/0+$/, '');
  if (frac.length > exp) return null;
  const minor = BigInt(match[2] ?? '0') * 10n ** BigInt(exp) + BigInt(frac.padEnd(exp, '0') || '0');
  return match[1] === '-' ? -minor : minor;
}

/** PayU sends minor units as strings ("200"). */
export function minorFromString(value: string): bigint | null {
  return /^-?\d+$/.test(value.trim()) ? BigInt(value.trim()) : null;
}

/** For providers whose JSON carries minor units as numbers (P24): refuse what a double cannot hold exactly. */
export function minorToSafeNumber(amount: bigint): number | null {
  return amount >= 0n && amount <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(amount) : null;
}
