/**
 * The zone the console shows times and calendar days in (issue 18: "in the user's language and
 * time zone"): the user's own (`GET /me` → `timeZone`, set in the user menu or by an admin), else
 * the browser's. One module-level value, set when the current user loads, read by the formatters
 * (format.ts) and by every request that passes `tz=`.
 */
let chosen: string | null = null;

/** The browser's own IANA zone. */
export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Adopts the signed-in user's zone (null or unknown to this browser: the browser's). */
export function setUserTimeZone(zone: string | null | undefined): void {
  if (!zone) {
    chosen = null;
    return;
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    chosen = zone;
  } catch {
    chosen = null;
  }
}

/** The IANA zones this browser knows, for the picker (a short list when Intl cannot enumerate them). */
export function knownZones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  try {
    if (supported) return supported('timeZone');
  } catch {
    /* an older browser: the short list below */
  }
  return ['UTC', 'Europe/London', 'Europe/Warsaw', 'Europe/Moscow', 'Asia/Vladivostok', 'America/New_York'];
}

/** The zone to format and count days in: the user's when set, else the browser's. */
export const userZone = (): string => chosen ?? browserZone();

/** The wall-clock parts of an instant in a zone. */
export function zonedParts(at: Date, zone = userZone()) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** The instant a wall-clock time in a zone names (the later one when a clock change repeats it). */
export function zonedInstant(year: number, month: number, day: number, hour = 0, zone = userZone()): Date {
  const wall = Date.UTC(year, month - 1, day, hour);
  let guess = wall;
  // two passes settle the zone's offset at that instant (and across a clock change)
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(new Date(guess), zone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    guess += wall - shown;
  }
  return new Date(guess);
}

/** Today in the user's zone as YYYY-MM-DD, `days` earlier when given. */
export function zonedDay(daysBefore = 0, now = new Date()): string {
  const p = zonedParts(now);
  const date = new Date(Date.UTC(p.year, p.month - 1, p.day - daysBefore));
  return date.toISOString().slice(0, 10);
}
