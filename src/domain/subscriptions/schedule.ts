import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';
import type { FieldError } from '../../shared/errors.js';

/**
 * A subscription's schedule: an RFC 5545 RRULE (a subset: FREQ DAILY/WEEKLY/MONTHLY/YEARLY,
 * INTERVAL, BYDAY, BYMONTHDAY, COUNT, UNTIL) from a local start (wall-clock date and time) in an
 * IANA time zone. Occurrences are evaluated in that zone by rrule-temporal, so a 09:00
 * Europe/Warsaw delivery stays 09:00 local across the DST changes (08:00Z in winter, 07:00Z in
 * summer). A BYMONTHDAY the month does not have (31 in April) produces no occurrence that month,
 * as RFC 5545 says; use BYMONTHDAY=-1 for "the last day of every month".
 */
export interface Schedule {
  /** e.g. "FREQ=WEEKLY;BYDAY=FR;COUNT=3" (no "RRULE:" prefix, no DTSTART). */
  rrule: string;
  /** The first occurrence's local date and time, "2027-03-19T09:00" or "2027-03-19T09:00:00". */
  start: string;
  /** IANA zone, e.g. "Europe/Warsaw". */
  timeZone: string;
}

export const FREQUENCIES = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
const PARTS = new Set(['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'COUNT', 'UNTIL']);
const WEEKDAY = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/;
const LOCAL_START = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
const UNTIL = /^\d{8}(T\d{6}Z)?$/;
/** More occurrences than one schedule is ever asked for (rrule-temporal's own caps are lower). */
const MAX_ITERATIONS = 200_000;

function parts(rrule: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of rrule.replace(/^RRULE:/i, '').split(';')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    out.set((eq < 0 ? part : part.slice(0, eq)).toUpperCase(), eq < 0 ? '' : part.slice(eq + 1).toUpperCase());
  }
  return out;
}

/** Every problem of a schedule, with the field at fault under `at` ("/schedule"); none = it can be evaluated. */
export function checkSchedule(schedule: Schedule, at = '/schedule'): FieldError[] {
  const errors: FieldError[] = [];
  const rule = `${at}/rrule`;
  if (!isTimeZone(schedule.timeZone))
    errors.push({ path: `${at}/timeZone`, message: `${schedule.timeZone} is not an IANA time zone` });
  if (!LOCAL_START.test(schedule.start) || !plainDateTime(schedule.start))
    errors.push({ path: `${at}/start`, message: 'must be a local date and time, e.g. 2027-03-19T09:00' });
  const given = parts(schedule.rrule);
  for (const key of given.keys())
    if (!PARTS.has(key))
      errors.push({
        path: rule,
        message: `${key} is not supported (use FREQ, INTERVAL, BYDAY, BYMONTHDAY, COUNT, UNTIL)`,
      });
  const freq = given.get('FREQ');
  if (!freq || !(FREQUENCIES as readonly string[]).includes(freq))
    errors.push({ path: rule, message: 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY' });
  const int = (key: string, min: number, max: number) => {
    const value = given.get(key);
    if (value === undefined) return;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
      errors.push({ path: rule, message: `${key} must be a whole number from ${min} to ${max}` });
  };
  int('INTERVAL', 1, 1000);
  int('COUNT', 1, 10_000);
  if (given.has('COUNT') && given.has('UNTIL'))
    errors.push({ path: rule, message: 'COUNT and UNTIL cannot both be given' });
  const until = given.get('UNTIL');
  if (until !== undefined && !UNTIL.test(until))
    errors.push({ path: rule, message: 'UNTIL must be a UTC date-time (20271231T230000Z) or a date (20271231)' });
  const byDay = given.get('BYDAY');
  if (byDay !== undefined && !byDay.split(',').every((d) => WEEKDAY.test(d)))
    errors.push({ path: rule, message: 'BYDAY must list weekdays: MO,TU,WE,TH,FR,SA,SU (optionally 1MO, -1FR)' });
  const byMonthDay = given.get('BYMONTHDAY');
  if (
    byMonthDay !== undefined &&
    !byMonthDay.split(',').every((d) => /^-?\d{1,2}$/.test(d) && Number(d) !== 0 && Math.abs(Number(d)) <= 31)
  )
    errors.push({ path: rule, message: 'BYMONTHDAY must list days 1..31 or -31..-1' });
  if (errors.length === 0) {
    try {
      ruleOf(schedule);
    } catch (error) {
      errors.push({ path: rule, message: (error as Error).message });
    }
  }
  return errors;
}

function isTimeZone(zone: string): boolean {
  try {
    Temporal.Now.zonedDateTimeISO(zone);
    return zone.length > 0;
  } catch {
    return false;
  }
}

function plainDateTime(text: string): Temporal.PlainDateTime | null {
  try {
    return Temporal.PlainDateTime.from(text, { overflow: 'reject' });
  } catch {
    return null;
  }
}

function ruleOf(schedule: Schedule): RRuleTemporal {
  const rrule = schedule.rrule.replace(/^RRULE:/i, '').toUpperCase();
  // a local time the DST change skips (02:30 on the March Sunday) is the same time after it
  const dtstart = plainDateTime(schedule.start)!.toZonedDateTime(schedule.timeZone, { disambiguation: 'compatible' });
  return new RRuleTemporal({ rruleString: rrule, dtstart, maxIterations: MAX_ITERATIONS });
}

const instant = (z: { epochMilliseconds: number }) => new Date(z.epochMilliseconds);

/** The first occurrence strictly after `after` (or at or after it, `inclusive`); null when the schedule has ended. */
export function nextOccurrence(schedule: Schedule, after: Date, inclusive = false): Date | null {
  const next = ruleOf(schedule).next(after, inclusive);
  return next ? instant(next) : null;
}

/** The first occurrence of the schedule (its start, or the first date its rule allows from it). */
export function firstOccurrence(schedule: Schedule): Date | null {
  return nextOccurrence(schedule, new Date(-8_640_000_000_000_000), true);
}

/**
 * Occurrences strictly after `after` up to `until` inclusive, at most `limit` (the earliest ones).
 */
export function occurrencesBetween(schedule: Schedule, after: Date, until: Date, limit: number): Date[] {
  const out: Date[] = [];
  let cursor = after;
  while (out.length < limit) {
    const next = nextOccurrence(schedule, cursor);
    if (!next || next > until) break;
    out.push(next);
    cursor = next;
  }
  return out;
}

/** Whether `at` is exactly one of the schedule's occurrences. */
export function isOccurrence(schedule: Schedule, at: Date): boolean {
  const next = nextOccurrence(schedule, at, true);
  return next !== null && next.getTime() === at.getTime();
}

/** The first `limit` occurrences (for previews and tests). */
export function firstOccurrences(schedule: Schedule, limit: number): Date[] {
  const first = firstOccurrence(schedule);
  if (!first || limit < 1) return [];
  return [first, ...occurrencesBetween(schedule, first, new Date(8_640_000_000_000_000), limit - 1)];
}

/** The local wall-clock time of an instant in a zone, "2027-03-26T09:00:00" (for views and tests). */
export function localTime(at: Date, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(timeZone).toPlainDateTime().toString();
}
