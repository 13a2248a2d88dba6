/**
 * Rate tables: what a shipment costs and how long it takes, per carrier service and zone.
 * A zone is either a distance band or a pair of countries; one table holds both, and for a
 * given carrier service the most specific matching row wins (both countries > one > none).
 */
import { parse } from 'csv-parse/sync';
import { parseMoney } from '../../shared/money.js';
import { err, ok, type Result } from '../../shared/result.js';

/** 'delivery' rows price parcels to customers; 'transfer' rows price moves between locations. */
export type RateMode = 'delivery' | 'transfer';

export interface RateRow {
  carrier: string;
  service: string;
  mode: RateMode;
  zone: string;
  /** ISO 3166-1 alpha-2; absent = any country. */
  originCountry?: string;
  destinationCountry?: string;
  /** Distance band [minKm, maxKm). */
  minKm: number;
  maxKm: number;
  /** Per shipment, minor units. */
  base: bigint;
  /** Per unit shipped, minor units. */
  perUnit: bigint;
  transitDays: number;
}

export interface RateTable {
  currency: string;
  rows: RateRow[];
}

export interface RateQuote {
  carrier: string;
  service: string;
  zone: string;
  base: bigint;
  perUnit: bigint;
  transitDays: number;
}

function specificity(rate: RateRow): number {
  return (rate.originCountry ? 1 : 0) + (rate.destinationCountry ? 1 : 0);
}

interface LegRow {
  row: RateRow;
  /** Same number for rows of the same carrier service within one leg. */
  service: number;
  base: number;
  perUnit: number;
}

/** Rows that can serve a (mode, origin, destination), most specific first; cached per table. */
const legCache = new WeakMap<RateTable, Map<string, LegRow[]>>();

function rowsFor(table: RateTable, mode: RateMode, origin: string, destination: string): LegRow[] {
  let byLeg = legCache.get(table);
  if (!byLeg) {
    byLeg = new Map();
    legCache.set(table, byLeg);
  }
  const key = `${mode}|${origin}|${destination}`;
  let rows = byLeg.get(key);
  if (!rows) {
    const ids = new Map<string, number>();
    rows = table.rows
      .filter(
        (r) =>
          r.mode === mode &&
          (!r.originCountry || r.originCountry === origin) &&
          (!r.destinationCountry || r.destinationCountry === destination),
      )
      .sort((a, b) => specificity(b) - specificity(a))
      .map((row) => {
        const key = `${row.carrier}/${row.service}`;
        if (!ids.has(key)) ids.set(key, ids.size);
        return { row, service: ids.get(key)!, base: Number(row.base), perUnit: Number(row.perUnit) };
      });
    byLeg.set(key, rows);
  }
  return rows;
}

const allowed = (r: RateRow, services?: readonly string[]): boolean =>
  !services || services.length === 0 || services.includes(r.service) || services.includes(`${r.carrier}/${r.service}`);

const toQuote = (r: RateRow): RateQuote => ({
  carrier: r.carrier,
  service: r.service,
  zone: r.zone,
  base: r.base,
  perUnit: r.perUnit,
  transitDays: r.transitDays,
});

/** Every carrier service that can carry this leg, each with its most specific matching row. */
export function quoteRates(
  table: RateTable,
  mode: RateMode,
  originCountry: string,
  destinationCountry: string,
  distanceKm: number,
  services?: readonly string[],
): RateQuote[] {
  const out: RateQuote[] = [];
  const seen = new Set<number>();
  for (const leg of rowsFor(table, mode, originCountry, destinationCountry)) {
    if (
      distanceKm < leg.row.minKm ||
      distanceKm >= leg.row.maxKm ||
      seen.has(leg.service) ||
      !allowed(leg.row, services)
    )
      continue;
    seen.add(leg.service);
    out.push(toQuote(leg.row));
  }
  return out;
}

/**
 * The quote with the lowest `score(base, perUnit, transitDays)` (ties: fewer days), or null.
 * Routing asks this for every candidate location of every order, so it allocates only the
 * winner and works on numbers.
 */
export function bestQuote(
  table: RateTable,
  mode: RateMode,
  originCountry: string,
  destinationCountry: string,
  distanceKm: number,
  services: readonly string[] | undefined,
  score: (base: number, perUnit: number, transitDays: number) => number,
): RateQuote | null {
  let best: LegRow | null = null;
  let bestScore = Infinity;
  let seen = 0; // bit set of services answered (a leg has few services; beyond 31, no dedup shortcut)
  for (const leg of rowsFor(table, mode, originCountry, destinationCountry)) {
    if (distanceKm < leg.row.minKm || distanceKm >= leg.row.maxKm) continue;
    if (leg.service < 31) {
      const bit = 1 << leg.service;
      if (seen & bit) continue;
      seen |= bit;
    }
    if (!allowed(leg.row, services)) continue;
    const sc = score(leg.base, leg.perUnit, leg.row.transitDays);
    if (sc < bestScore || (sc === bestScore && best && leg.row.transitDays < best.row.transitDays)) {
      best = leg;
      bestScore = sc;
    }
  }
  return best ? toQuote(best.row) : null;
}

export interface RateCsvError {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  column?: string;
  message: string;
}

const REQUIRED = ['carrier', 'service', 'zone', 'base', 'transit_days'] as const;
const COUNTRY = /^[A-Z]{2}$/;

/**
 * Reads a rate table from CSV with the header
 * `carrier,service,mode,zone,origin_country,destination_country,min_km,max_km,base,per_unit,transit_days`
 * (mode, countries, km bounds and per_unit optional). Amounts are decimals in `currency`.
 * Every bad row is reported, not just the first, so a whole file can be fixed in one pass.
 */
export function parseRateCsv(text: string, currency: string): Result<RateTable, RateCsvError[]> {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
      bom: true,
    }) as typeof records;
  } catch (error) {
    const currentError = error as { lines?: number; message: string };
    return err([{ line: currentError.lines ?? 0, message: currentError.message }]);
  }
  const errors: RateCsvError[] = [];
  const rows: RateRow[] = [];
  if (records.length > 0) {
    const cols = Object.keys(records[0]!.record);
    for (const item of REQUIRED)
      if (!cols.includes(item)) errors.push({ line: 1, column: item, message: `missing column "${item}"` });
    if (errors.length > 0) return err(errors);
  }
  for (const { record, info } of records) {
    const line = info.lines;
    const rowErrors: RateCsvError[] = [];
    const bad = (column: string, message: string) => rowErrors.push({ line, column, message });
    const text = (c: string) => (record[c] ?? '').trim();
    for (const item of ['carrier', 'service', 'zone']) if (!text(item)) bad(item, `${item} is empty`);
    const mode = text('mode') || 'delivery';
    if (mode !== 'delivery' && mode !== 'transfer') bad('mode', `mode must be "delivery" or "transfer", got "${mode}"`);
    const country = (code: string): string | undefined => {
      const value = text(code).toUpperCase();
      if (!value) return undefined;
      if (!COUNTRY.test(value)) bad(code, `${code} must be a two-letter country code, got "${text(code)}"`);
      return value;
    };
    const originCountry = country('origin_country');
    const destinationCountry = country('destination_country');
    const km = (code: string, dflt: number): number => {
      const value = text(code);
      if (!value) return dflt;
      const count = Number(value);
      if (!Number.isFinite(count) || count < 0) bad(code, `${code} must be a non-negative number, got "${value}"`);
      return count;
    };
    const minKm = km('min_km', 0);
    const maxKm = km('max_km', Number.POSITIVE_INFINITY);
    if (maxKm <= minKm) bad('max_km', `max_km (${maxKm}) must be greater than min_km (${minKm})`);
    const money = (code: string, required: boolean): bigint => {
      const value = text(code);
      if (!value) {
        if (required) bad(code, `${code} is empty`);
        return 0n;
      }
      const money = parseMoney(value, currency);
      if (typeof money !== 'bigint') {
        bad(code, `${code} "${value}" is not an amount in ${currency} (${money})`);
        return 0n;
      }
      if (money < 0n) bad(code, `${code} must not be negative`);
      return money;
    };
    const base = money('base', true);
    const perUnit = money('per_unit', false);
    const daysText = text('transit_days');
    const transitDays = Number(daysText);
    if (!/^\d{1,3}$/.test(daysText))
      bad('transit_days', `transit_days must be a whole number of days, got "${daysText}"`);
    if (rowErrors.length > 0) {
      errors.push(...rowErrors);
      continue;
    }
    const row: RateRow = {
      carrier: text('carrier'),
      service: text('service'),
      mode: mode as RateMode,
      zone: text('zone'),
      minKm,
      maxKm,
      base,
      perUnit,
      transitDays,
    };
    if (originCountry) row.originCountry = originCountry;
    if (destinationCountry) row.destinationCountry = destinationCountry;
    rows.push(row);
  }
  return errors.length > 0 ? err(errors) : ok({ currency, rows });
}
