import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256 keyed with the base64-decoded
 * secret (after its `whsec_` prefix), sent as `v1,<base64>`; several space-separated
 * signatures are allowed, which is how a rotated secret keeps verifying during the overlap.
 */
export const SECRET_PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function isWebhookSecret(text: string): boolean {
  if (!text.startsWith(SECRET_PREFIX)) return false;
  const key = Buffer.from(text.slice(SECRET_PREFIX.length), 'base64');
  return key.length >= 24 && key.length <= 64;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** One `v1,<base64>` signature. */
export function sign(secret: string, msgId: string, timestampSec: number, body: string | Buffer): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${msgId}.${timestampSec}.`).update(body).digest('base64');
  return `v1,${mac}`;
}

/** The headers of one delivery; every secret given adds a signature (current first). */
export function signedHeaders(
  secrets: readonly string[],
  msgId: string,
  timestampSec: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': secrets.map((s) => sign(s, msgId, timestampSec, body)).join(' '),
  };
}

export type VerifyFailure =
  'missing-headers' | 'bad-timestamp' | 'timestamp-out-of-tolerance' | 'no-matching-signature';

/**
 * Verifies a received message against any of the secrets; tolerance guards against replays of
 * old captured requests. Returns null when valid, else the reason (for the log, not the caller).
 */
export function verify(
  secrets: readonly string[],
  headers: Record<string, string | string[] | undefined>,
  body: string | Buffer,
  nowSec: number,
  toleranceSec = 300,
): VerifyFailure | null {
  const hash = (name: string) => {
    const header = headers[name];
    return Array.isArray(header) ? header[0] : header;
  };
  const id = hash('webhook-id');
  const ts = hash('webhook-timestamp');
  const sig = hash('webhook-signature');
  if (!id || !ts || !sig) return 'missing-headers';
  if (!/^\d{1,12}$/.test(ts)) return 'bad-timestamp';
  const time = Number(ts);
  if (Math.abs(nowSec - time) > toleranceSec) return 'timestamp-out-of-tolerance';
  const offered = sig
    .split(' ')
    .filter((p) => p.startsWith('v1,'))
    .map((p) => Buffer.from(p.slice(3), 'base64'));
  for (const secret of secrets) {
    const expected = Buffer.from(sign(secret, id, time, body).slice(3), 'base64');
    if (offered.some((o) => o.length === expected.length && timingSafeEqual(o, expected))) return null;
  }
  return 'no-matching-signature';
}
