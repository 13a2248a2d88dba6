/**
 * PayU notification signatures: header `OpenPayu-Signature: sender=…;signature=<hex>;algorithm=MD5;content=DOCUMENT`,
 * signature = hex(HASH(raw body + second key)) with the algorithm the header names.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  SHA1: 'sha1',
  'SHA-256': 'sha256',
  SHA256: 'sha256',
  'SHA-384': 'sha384',
  SHA384: 'sha384',
  'SHA-512': 'sha512',
  SHA512: 'sha512',
};

export function payuHash(algorithm: string, rawBody: string | Buffer, secondKey: string): string | null {
  const alg = ALGORITHMS[algorithm.toUpperCase()];
  if (!alg) return null;
  return createHash(alg)
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .update(secondKey, 'utf8')
    .digest('hex');
}

export function parsePayuSignatureHeader(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  return out;
}

export const payuSignatureHeader = (
  rawBody: string,
  secondKey: string,
  algorithm = 'MD5',
  sender = 'checkout',
): string =>
  `sender=${sender};signature=${payuHash(algorithm, rawBody, secondKey) ?? ''};algorithm=${algorithm};content=DOCUMENT`;

export function verifyPayuSignature(
  header: string | undefined,
  rawBody: string | Buffer,
  secondKey: string,
): { ok: true } | { ok: false; reason: string } {
  if (!header) return { ok: false, reason: 'no OpenPayu-Signature header' };
  const parts = parsePayuSignatureHeader(header);
  const given = parts.signature ?? '';
  const expected = payuHash(parts.algorithm ?? 'MD5', rawBody, secondKey);
  if (!expected) return { ok: false, reason: `unsupported algorithm ${parts.algorithm ?? ''}` };
  if (!/^[0-9a-f]+$/i.test(given) || given.length !== expected.length)
    return { ok: false, reason: 'signature does not match' };
  return timingSafeEqual(Buffer.from(given.toLowerCase(), 'hex'), Buffer.from(expected, 'hex'))
    ? { ok: true }
    : { ok: false, reason: 'signature does not match' };
}
