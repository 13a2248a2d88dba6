/**
 * The one place where HTTP outcomes become PaymentProviderErrors, so every provider adapter
 * classifies timeouts, outages, lost responses and garbage the same way. The rule that matters
 * most for money: a request that changes state (anything but GET) whose answer we did not see is
 * `outcomeUnknown`, so the caller looks the payment up (`findPayment`) before doing anything else.
 */
import type { z } from 'zod';
import { err, ok } from '../../shared/result.js';
import { describeIssues } from '../describe-issues.js';
import { exchange, type Exchanged, type ExchangeRequest } from '../http-exchange.js';
import type { HttpPaymentConfig, PaymentProviderError, PaymentProviderErrorCode, ProviderResult } from './types.js';

export const DEFAULT_TIMEOUT_MS = 15_000;

export type HttpRequest = ExchangeRequest & { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; form?: [string, string][] };
export type HttpResponse = Exchanged;

export function providerError(
  code: PaymentProviderErrorCode,
  message: string,
  extra: Partial<Omit<PaymentProviderError, 'code' | 'message'>> = {},
): PaymentProviderError {
  return {
    code,
    message,
    retryable: extra.retryable ?? (code === 'PROVIDER_UNAVAILABLE' || code === 'PROVIDER_TIMEOUT'),
    providerMessages: extra.providerMessages ?? [],
    ...(extra.httpStatus !== undefined ? { httpStatus: extra.httpStatus } : {}),
    ...(extra.outcomeUnknown ? { outcomeUnknown: true } : {}),
  };
}

const changesState = (method: HttpRequest['method']): boolean => method !== 'GET';

/** Sends one request; network failures and timeouts come back as values, any HTTP status as a response. */
export async function send(config: HttpPaymentConfig, req: HttpRequest): Promise<ProviderResult<HttpResponse>> {
  const sent = await exchange(req, {
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: config.fetch,
    redirect: 'manual',
  });
  if (sent.ok) return sent;
  const failure = sent.error;
  if (failure.kind === 'timeout')
    return err(providerError('PROVIDER_TIMEOUT', failure.message, { outcomeUnknown: changesState(req.method) }));
  // Refused or unresolvable: the request never reached the provider, so nothing happened there.
  const neverSent = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'].includes(failure.code);
  return err(
    providerError('PROVIDER_UNAVAILABLE', failure.message, { outcomeUnknown: !neverSent && changesState(req.method) }),
  );
}

/** Best-effort JSON read of an error body; never fails. */
export function tryJson(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Parses a success body. Malformed JSON or a wrong shape after a state-changing call means the
 * provider may have acted but we cannot tell what it did: outcome unknown, retryable with the key.
 */
export function parseJson<S extends z.ZodType>(
  res: HttpResponse,
  schema: S,
  what: string,
  method: HttpRequest['method'],
): ProviderResult<z.infer<S>> {
  const extra = { retryable: true, httpStatus: res.status, outcomeUnknown: changesState(method) };
  let raw: unknown;
  try {
    raw = JSON.parse(res.body.toString('utf8'));
  } catch {
    return err(
      providerError('PROVIDER_BAD_RESPONSE', `${what}: HTTP ${res.status} with a body that is not JSON`, extra),
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues);
    return err(providerError('PROVIDER_BAD_RESPONSE', `${what}: unexpected response shape (${issues})`, extra));
  }
  return ok(parsed.data);
}

/** Maps a non-success HTTP status to the error a caller can act on. */
export function httpStatusError(
  res: HttpResponse,
  what: string,
  providerMessages: string[],
  method: HttpRequest['method'],
): PaymentProviderError {
  const status = res.status;
  const detail = providerMessages.length ? `: ${providerMessages.join('; ')}` : '';
  const base = { httpStatus: status, providerMessages };
  if (status === 401 || status === 403) {
    return providerError('PROVIDER_AUTH_FAILED', `${what}: credentials refused (HTTP ${status})${detail}`, {
      ...base,
      retryable: false,
    });
  }
  if (status === 404) return providerError('PROVIDER_NOT_FOUND', `${what}: not found at the provider${detail}`, base);
  if (status === 408) return providerError('PROVIDER_TIMEOUT', `${what}: provider timed out (HTTP 408)`, base);
  if (status === 429) {
    // Rate limiting happens before the request is processed.
    return providerError('PROVIDER_UNAVAILABLE', `${what}: rate limited (HTTP 429)${detail}`, base);
  }
  if (status >= 500) {
    // A 5xx after a POST may or may not have taken effect; the idempotency key makes the retry safe.
    return providerError('PROVIDER_UNAVAILABLE', `${what}: provider unavailable (HTTP ${status})${detail}`, {
      ...base,
      outcomeUnknown: changesState(method) && status !== 503,
    });
  }
  return providerError('PROVIDER_REJECTED', `${what}: provider refused the request (HTTP ${status})${detail}`, {
    ...base,
    retryable: false,
  });
}

export const basicAuth = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

export const joinUrl = (base: string, path: string): string => `${base.replace(/\/+$/, '')}${path}`;

/** Lower-cased single header value (Node gives string | string[]). */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [headerName, headerValue] of Object.entries(headers)) {
    if (headerName.toLowerCase() === want) return Array.isArray(headerValue) ? headerValue[0] : headerValue;
  }
  return undefined;
}
