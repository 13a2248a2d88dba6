/**
 * The one place where HTTP outcomes become CarrierErrors, so every adapter classifies
 * timeouts, outages and garbage the same way.
 */
import type { z } from 'zod';
import { err, ok } from '../../shared/result.js';
import { describeIssues } from '../describe-issues.js';
import { exchange, type Exchanged, type ExchangeRequest } from '../http-exchange.js';
import type { CarrierError, CarrierErrorCode, CarrierResult, HttpCarrierConfig } from './types.js';

export const DEFAULT_TIMEOUT_MS = 15_000;

export type HttpRequest = ExchangeRequest & { form?: Record<string, string> };
export type HttpResponse = Exchanged;

export function carrierError(
  code: CarrierErrorCode,
  message: string,
  extra: Partial<Omit<CarrierError, 'code' | 'message'>> = {},
): CarrierError {
  return {
    code,
    message,
    retryable: extra.retryable ?? (code === 'CARRIER_UNAVAILABLE' || code === 'CARRIER_TIMEOUT'),
    carrierMessages: extra.carrierMessages ?? [],
    ...(extra.httpStatus !== undefined ? { httpStatus: extra.httpStatus } : {}),
    ...(extra.outcomeUnknown ? { outcomeUnknown: true } : {}),
  };
}

/** Sends one request; network failures and timeouts come back as values, any HTTP status as a response. */
export async function send(config: HttpCarrierConfig, req: HttpRequest): Promise<CarrierResult<HttpResponse>> {
  const sent = await exchange(req, { timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS, fetch: config.fetch });
  if (sent.ok) return sent;
  return err(
    carrierError(sent.error.kind === 'timeout' ? 'CARRIER_TIMEOUT' : 'CARRIER_UNAVAILABLE', sent.error.message),
  );
}

/** A carrier's webhook body: JSON of the expected shape, or a non-retryable CARRIER_BAD_RESPONSE. */
export function parseWebhookJson<S extends z.ZodType>(
  body: string | Buffer,
  schema: S,
  carrier: string,
): CarrierResult<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString());
  } catch {
    return err(carrierError('CARRIER_BAD_RESPONSE', `${carrier} webhook body is not JSON`, { retryable: false }));
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return err(
      carrierError('CARRIER_BAD_RESPONSE', `${carrier} webhook has an unexpected shape`, { retryable: false }),
    );
  return ok(parsed.data);
}

/** Parses a JSON body; malformed JSON and shapes the schema rejects both become CARRIER_BAD_RESPONSE. */
export function parseJson<S extends z.ZodType>(res: HttpResponse, schema: S, what: string): CarrierResult<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(res.body.toString('utf8'));
  } catch {
    return err(
      carrierError(
        'CARRIER_BAD_RESPONSE',
        `${what}: the carrier answered HTTP ${res.status} with a body that is not JSON`,
        {
          retryable: true,
          httpStatus: res.status,
        },
      ),
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    return err(
      carrierError('CARRIER_BAD_RESPONSE', `${what}: unexpected response shape (${issues})`, {
        retryable: true,
        httpStatus: res.status,
      }),
    );
  }
  return ok(parsed.data);
}

/** Best-effort JSON read of an error body; never fails. */
export function tryJson(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Maps a non-success HTTP status to the error a caller can act on. */
export function httpStatusError(res: HttpResponse, what: string, carrierMessages: string[]): CarrierError {
  const status = res.status;
  const detail = carrierMessages.length ? `: ${carrierMessages.join('; ')}` : '';
  if (status === 401 || status === 403) {
    return carrierError('CARRIER_AUTH_FAILED', `${what}: credentials refused (HTTP ${status})${detail}`, {
      httpStatus: status,
      carrierMessages,
      retryable: false,
    });
  }
  if (status === 404) {
    return carrierError('CARRIER_NOT_FOUND', `${what}: not found at the carrier${detail}`, {
      httpStatus: status,
      carrierMessages,
    });
  }
  if (status === 408)
    return carrierError('CARRIER_TIMEOUT', `${what}: carrier timed out (HTTP 408)`, {
      httpStatus: status,
      carrierMessages,
    });
  if (status === 429 || status >= 500) {
    return carrierError('CARRIER_UNAVAILABLE', `${what}: carrier unavailable (HTTP ${status})${detail}`, {
      httpStatus: status,
      carrierMessages,
    });
  }
  return carrierError('CARRIER_REJECTED', `${what}: carrier rejected the request (HTTP ${status})${detail}`, {
    httpStatus: status,
    carrierMessages,
  });
}

export const basicAuth = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

export const joinUrl = (base: string, path: string): string => `${base.replace(/\/+$/, '')}${path}`;

/** "Jan Kowalski-Nowak" → first "Jan", last "Kowalski-Nowak"; a single word is the last name. */
export function splitName(name: string): { first: string; last: string } {
  const parts = name.trim().split(/\s+/);
  if (parts.length < 2) return { first: '', last: parts[0] ?? '' };
  return { first: parts.slice(0, -1).join(' '), last: parts[parts.length - 1] ?? '' };
}

/** A decimal money string ("129.99") as a JSON number without float drift in its text. */
export function decimalToNumber(amount: string): number {
  if (!/^\d+(\.\d{1,4})?$/.test(amount)) throw new Error(`not a decimal amount: ${amount}`);
  return Number(amount);
}
