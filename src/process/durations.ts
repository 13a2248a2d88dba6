const RE = /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * Add an ISO 8601 duration to a UTC instant. Calendar parts (years, months, days) move
 * the UTC calendar date; time parts add exact milliseconds. A leading '-' subtracts.
 */
export function addDuration(at: Date, duration: string): Date {
  const m = RE.exec(duration);
  if (!m || duration === 'P' || duration.endsWith('T')) throw new RangeError(`not an ISO 8601 duration: ${duration}`);
  const sign = m[1] ? -1 : 1;
  const n = (i: number): number => (m[i] ? Number(m[i]) : 0) * sign;
  const d = new Date(at.getTime());
  if (m[2] || m[3]) d.setUTCFullYear(d.getUTCFullYear() + n(2), d.getUTCMonth() + n(3));
  if (m[4] || m[5]) d.setUTCDate(d.getUTCDate() + n(4) * 7 + n(5));
  return new Date(d.getTime() + (n(6) * 3600 + n(7) * 60 + n(8)) * 1000);
}
