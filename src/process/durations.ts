import { Temporal } from 'temporal-polyfill';

/**
 * ISO 8601 durations: the one parser and the one arithmetic for process timers, task due
 * dates and escalations. The arithmetic is Temporal's (temporal-polyfill, imported as a
 * ponyfill: no globals are patched), so month ends clamp (2026-01-31 + P1M = 2026-02-28)
 * instead of overflowing into the next month.
 *
 * The accepted grammar is the process format's, stricter than Temporal's own: upper-case
 * designators, whole numbers except seconds (a '.' fraction of up to 9 digits), no '+' sign,
 * no ',' decimal mark. The patterns below are the text the definition schema publishes.
 */
export const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
/** The same with an optional leading '-' (a shift of a deadline, e.g. -PT2H). */
export const SIGNED_ISO_DURATION = /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

const EPOCH = Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO('UTC');
const cache = new Map<string, Temporal.Duration>();
const CACHE_MAX = 512;

/**
 * Parse an ISO 8601 duration; a leading '-' is accepted only when `signed`. Throws a
 * RangeError naming the text when it is not one, or when it is too large to add to a date.
 */
export function parseDuration(text: string, options: { signed?: boolean } = {}): Temporal.Duration {
  if (!(options.signed ? SIGNED_ISO_DURATION : ISO_DURATION).test(text))
    throw new RangeError(`not an ISO 8601 duration: ${text}`);
  const hit = cache.get(text);
  if (hit) return hit;
  let date: Temporal.Duration;
  try {
    date = Temporal.Duration.from(text);
    EPOCH.add(date); // within the range of dates Temporal (and Date) can represent
  } catch {
    throw new RangeError(`not an ISO 8601 duration in range: ${text}`);
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(text, date);
  return date;
}

/** Whether `text` is an ISO 8601 duration the process format accepts (see parseDuration). */
export function isDuration(text: string, options: { signed?: boolean } = {}): boolean {
  try {
    parseDuration(text, options);
    return true;
  } catch {
    return false;
  }
}

const DAY_MS = 86_400_000;
const dateParts = new WeakMap<Temporal.Duration, Temporal.Duration>();

/** The calendar parts alone (a PlainDate would fold time parts into days); kept per parsed duration. */
function datePart(date: Temporal.Duration): Temporal.Duration {
  let datePart = dateParts.get(date);
  if (!datePart)
    dateParts.set(
      date,
      (datePart = Temporal.Duration.from({
        years: date.years,
        months: date.months,
        weeks: date.weeks,
        days: date.days,
      })),
    );
  return datePart;
}

/** Exact milliseconds of the duration's time parts (hours, minutes, seconds and fractions). */
function timeMs(date: Temporal.Duration): number {
  return (
    date.hours * 3_600_000 +
    date.minutes * 60_000 +
    date.seconds * 1000 +
    date.milliseconds +
    (date.microseconds * 1000 + date.nanoseconds) / 1e6
  );
}

/**
 * Add an ISO 8601 duration to an instant; a leading '-' subtracts. Calendar parts (years,
 * months, weeks, days) move the calendar date in `timeZone` (an IANA zone; UTC by default)
 * and keep the local time of day, so P1D across a DST change is 23 or 25 hours and a month
 * end clamps to the last day of the shorter month; time parts (hours, minutes, seconds) then
 * add exact time. Dates carry milliseconds: finer fractions of a second are dropped.
 */
export function addDuration(at: Date, duration: string, timeZone?: string): Date {
  const value = parseDuration(duration, { signed: true });
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('addDuration: not a valid date');
  let out: number;
  if (value.years === 0 && value.months === 0 && value.weeks === 0 && value.days === 0) {
    out = Math.floor(ms + timeMs(value));
  } else if (timeZone !== undefined && timeZone !== 'UTC') {
    out = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).add(value).epochMilliseconds;
  } else {
    // UTC: the calendar date moves as a plain date (a UTC day is always 24 hours), which is
    // the same as a ZonedDateTime in UTC and an order of magnitude cheaper.
    const dayStart = Math.floor(ms / DAY_MS) * DAY_MS;
    const day = new Date(dayStart);
    const moved = new Temporal.PlainDate(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()).add(
      datePart(value),
    );
    const date = new Date(0);
    date.setUTCFullYear(moved.year, moved.month - 1, moved.day); // not Date.UTC: it reads years 0–99 as 19xx
    out = Math.floor(date.getTime() + (ms - dayStart) + timeMs(value));
  }
  const result = new Date(out);
  if (!Number.isFinite(result.getTime()))
    throw new RangeError(`addDuration: ${at.toISOString()} + ${duration} is out of range`);
  return result;
}
