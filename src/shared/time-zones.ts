/**
 * An IANA time zone name (`Europe/Warsaw`, `UTC`) as Intl spells it, or null for anything else.
 * Offsets such as `+01:00` are refused: PostgreSQL reads them as POSIX zones, with the sign the
 * other way round, so a day cut by `at time zone` would move the wrong way.
 */
export function ianaZone(zone: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone) || zone.length > 64) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
