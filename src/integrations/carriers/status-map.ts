import type { OrdoShipmentStatus, StatusMapping } from './types.js';

/** A total mapping from the carrier's published list; anything else is flagged, never guessed. */
export function statusMapper(
  table: Readonly<Record<string, OrdoShipmentStatus>>,
): (carrierStatus: string) => StatusMapping {
  return (carrierStatus) => {
    if (Object.hasOwn(table, carrierStatus)) return { status: table[carrierStatus] as OrdoShipmentStatus, known: true };
    return { status: 'unknown', known: false };
  };
}

/** Stable id for an event that the carrier sends without one: same event, same id. */
export const eventIdOf = (...parts: (string | number | null | undefined)[]): string =>
  parts.map((p) => String(p ?? '')).join(':');

/**
 * Carrier timestamps as ISO-8601 UTC. Accepts "2019-08-16 12:53:09 +0200" (ShipX webhooks),
 * "2023-11-28T07:44:45+0000" (CDEK) and zone-less DHL event times (taken as UTC). Null if unreadable.
 */
export function toIsoUtc(value: string): string | null {
  let text = value
    .trim()
    .replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})/, '$1T$2')
    .replace(/\s+([+-]\d{2}:?\d{2})$/, '$1');
  text = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += 'Z';
  const time = Date.parse(text);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
