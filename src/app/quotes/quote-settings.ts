import { Temporal } from 'temporal-polyfill';
import { AppError } from '../../shared/errors.js';

/** A channel's quote rules, from `channels.settings.quotes` (docs/quotes.md). */
export interface QuoteSettings {
  /** Reserve a quote's lines until validUntil (a soft hold the sales order takes over); default false. */
  softHold: boolean;
  /** Days a quote is valid when it names no validUntil; default 30. */
  validityDays: number;
  /** The zone a date-only validUntil and the default validity are read in; default UTC. */
  timeZone: string;
}

export const DEFAULT_VALIDITY_DAYS = 30;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The channel's quote settings; a value of the wrong type reads as its default. */
export function quoteSettings(settings: Record<string, unknown> | null | undefined): QuoteSettings {
  const quotes = (settings?.quotes ?? {}) as Record<string, unknown>;
  const days = quotes.validityDays;
  const zone = quotes.timeZone;
  return {
    softHold: quotes.softHold === true,
    validityDays:
      typeof days === 'number' && Number.isInteger(days) && days >= 1 && days <= 366 ? days : DEFAULT_VALIDITY_DAYS,
    timeZone: typeof zone === 'string' && isTimeZone(zone) ? zone : 'UTC',
  };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The instant a quote lapses. An instant with an offset is taken as it is; a date (YYYY-MM-DD)
 * means "valid through that day" in the quote's zone, so it lapses at the next local midnight;
 * none means `validityDays` from today's local date, through that day. Accepting at or after the
 * instant is refused (QUOTE_EXPIRED). It must lie in the future.
 */
export function resolveValidUntil(
  given: string | undefined,
  zone: string,
  validityDays: number,
  now: Date,
  path = '/validUntil',
): Date {
  let at: Date;
  if (given === undefined) {
    const today = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(zone).toPlainDate();
    at = endOfDay(today.add({ days: validityDays }), zone);
  } else if (DATE_ONLY.test(given)) {
    let date: Temporal.PlainDate;
    try {
      date = Temporal.PlainDate.from(given, { overflow: 'reject' });
    } catch {
      throw new AppError('VALIDATION_FAILED', 'validUntil is not a date', [{ path, message: 'not a calendar date' }]);
    }
    at = endOfDay(date, zone);
  } else {
    at = new Date(given);
  }
  if (!(at.getTime() > now.getTime()))
    throw new AppError('VALIDATION_FAILED', 'validUntil must lie in the future', [
      { path, message: `must be after ${now.toISOString()}` },
    ]);
  return at;
}

/** The first instant after `date` in `zone` (the next local midnight, or the zone's first time that day). */
function endOfDay(date: Temporal.PlainDate, zone: string): Date {
  return new Date(date.add({ days: 1 }).toZonedDateTime({ timeZone: zone }).epochMilliseconds);
}
