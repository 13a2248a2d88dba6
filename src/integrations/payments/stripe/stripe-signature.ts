/**
 * Stripe webhook signatures (docs.stripe.com/webhooks/signatures): header
 * `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, v1 = HMAC-SHA256(secret, "<t>.<raw body>"),
 * accepted when any v1 matches and |now − t| ≤ tolerance. v0 entries are ignored, as the SDKs do.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const STRIPE_TOLERANCE_SECONDS = 300;

export function stripeSign(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}.`, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

export const stripeSignatureHeader = (secret: string, timestamp: number, rawBody: string | Buffer): string =>
  `t=${timestamp},v1=${stripeSign(secret, timestamp, rawBody)}`;

export type StripeSignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

export function verifyStripeSignature(
  secret: string,
  header: string | undefined,
  rawBody: string | Buffer,
  nowSeconds: number,
  toleranceSeconds = STRIPE_TOLERANCE_SECONDS,
): StripeSignatureCheck {
  if (!header) return { ok: false, reason: 'no Stripe-Signature header' };
  let timestamp: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) v1.push(value.toLowerCase());
  }
  if (timestamp === undefined) return { ok: false, reason: 'Stripe-Signature has no timestamp' };
  if (v1.length === 0) return { ok: false, reason: 'Stripe-Signature has no v1 signature' };
  const expected = Buffer.from(stripeSign(secret, timestamp, rawBody), 'hex');
  const match = v1.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
  if (!match) return { ok: false, reason: 'no v1 signature matches the body' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) {
    return { ok: false, reason: `timestamp outside the ${toleranceSeconds} s tolerance` };
  }
  return { ok: true, timestamp };
}
