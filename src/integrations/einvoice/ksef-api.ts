/**
 * The KSeF 2.0 wire contract the adapter relies on: response shapes (zod, so a malformed answer
 * becomes KSEF_BAD_RESPONSE instead of a crash), the error values, and how KSeF's two error
 * body formats (ExceptionResponse and problem+json) and HTTP statuses map onto them.
 * Codes are local to this integration (not yet in src/shared/errors.ts).
 */
import { z } from 'zod';
import type { Result } from '../../shared/result.js';

export type KsefErrorCode =
  'KSEF_REJECTED' | 'KSEF_AUTH_FAILED' | 'KSEF_NOT_FOUND' | 'KSEF_UNAVAILABLE' | 'KSEF_TIMEOUT' | 'KSEF_BAD_RESPONSE';

export interface KsefError {
  code: KsefErrorCode;
  message: string;
  /** True when the same call may succeed later (timeouts, 5xx, 429). */
  retryable: boolean;
  /** KSeF's own messages (exception descriptions and details), as written. */
  details: string[];
  httpStatus?: number;
  /** The request may have been carried out (a send whose answer never came). */
  outcomeUnknown?: boolean;
}

export type KsefResult<T> = Result<T, KsefError>;

export const tokenInfo = z.object({ token: z.string().min(1), validUntil: z.string() });
export const statusInfo = z.object({
  code: z.number().int(),
  description: z.string(),
  details: z.array(z.string()).nullish(),
});
export const challengeResponse = z.object({ challenge: z.string().min(1), timestampMs: z.number().int() });
export const authInit = z.object({ referenceNumber: z.string().min(1), authenticationToken: tokenInfo });
export const authStatus = z.object({ status: statusInfo });
export const tokens = z.object({ accessToken: tokenInfo, refreshToken: tokenInfo });
export const certificates = z.array(
  z.object({
    certificate: z.string().min(1),
    publicKeyId: z.string().optional(),
    validFrom: z.string(),
    validTo: z.string(),
    usage: z.array(z.string()),
  }),
);
export const sessionOpened = z.object({ referenceNumber: z.string().min(1), validUntil: z.string() });
export const invoiceSent = z.object({ referenceNumber: z.string().min(1) });
export const invoiceStatus = z.object({
  referenceNumber: z.string(),
  invoiceHash: z.string(),
  invoiceNumber: z.string().nullish(),
  ksefNumber: z.string().nullish(),
  acquisitionDate: z.string().nullish(),
  status: statusInfo,
});
export const sessionInvoices = z.object({ invoices: z.array(invoiceStatus), continuationToken: z.string().nullish() });

export function ksefError(code: KsefErrorCode, message: string, extra: Partial<KsefError> = {}): KsefError {
  return {
    code,
    message,
    retryable: extra.retryable ?? (code === 'KSEF_UNAVAILABLE' || code === 'KSEF_TIMEOUT'),
    details: extra.details ?? [],
    ...(extra.httpStatus !== undefined ? { httpStatus: extra.httpStatus } : {}),
    ...(extra.outcomeUnknown ? { outcomeUnknown: true } : {}),
  };
}

export interface Res {
  status: number;
  contentType: string;
  body: Buffer;
}

/** KSeF's error messages from either error format (ExceptionResponse or problem+json). */
function messages(res: Res): string[] {
  try {
    const body = JSON.parse(res.body.toString('utf8')) as {
      exception?: { exceptionDetailList?: { exceptionDescription?: string; details?: string[] }[] };
      errors?: { description?: string; details?: string[] }[];
      detail?: string;
    };
    const list = body.exception?.exceptionDetailList ?? body.errors ?? [];
    const out = list.flatMap((e) => [
      ('exceptionDescription' in e ? e.exceptionDescription : (e as { description?: string }).description) ?? '',
      ...(e.details ?? []),
    ]);
    if (body.detail) out.push(body.detail);
    return out.filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

export function statusError(res: Res, what: string): KsefError {
  const details = messages(res);
  const why = details.length ? `: ${details.join('; ')}` : '';
  const status = res.status;
  if (status === 401 || status === 403)
    return ksefError('KSEF_AUTH_FAILED', `${what}: refused (HTTP ${status})${why}`, { httpStatus: status, details });
  if (status === 404) return ksefError('KSEF_NOT_FOUND', `${what}: not found${why}`, { httpStatus: status, details });
  if (status === 429 || status >= 500)
    return ksefError('KSEF_UNAVAILABLE', `${what}: KSeF unavailable (HTTP ${status})${why}`, {
      httpStatus: status,
      details,
    });
  return ksefError('KSEF_REJECTED', `${what}: rejected (HTTP ${status})${why}`, { httpStatus: status, details });
}
