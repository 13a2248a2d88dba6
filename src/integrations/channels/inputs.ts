/**
 * Reading what a connection and a webhook hand a connector, the same way in every connector:
 * a request header by name (any case), a list setting, an integer setting within bounds.
 */
import type { ChannelConnection, WebhookRequest } from './types.js';

/** The first value of a header, whatever the case of its name in the request. */
export function header(req: WebhookRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(req.headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** A list setting given as an array of strings or a comma-separated string; the fallback when neither. */
export function settingList(value: unknown, fallback: string[]): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'string' && value.trim()) return value.split(',').map((item) => item.trim());
  return fallback;
}

/** An integer setting from min to max; the fallback when it is missing, not an integer or out of range. */
export function intSetting(conn: ChannelConnection, key: string, fallback: number, min: number, max: number): number {
  const value = Number(conn.settings[key]);
  return Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}
