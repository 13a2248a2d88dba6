/**
 * The one place where HTTP outcomes become ChannelErrors, so every connector classifies
 * timeouts, outages, 429s and garbage the same way.
 */
import type { z } from 'zod';
import { err, ok } from '../../shared/result.js';
import { describeIssues } from '../describe-issues.js';
import { exchange, type Exchanged, type ExchangeRequest } from '../http-exchange.js';
import type { ChannelError, ChannelErrorCode, ChannelHttpOptions, ChannelResult } from './types.js';

export const DEFAULT_TIMEOUT_MS = 15_000;

export type HttpRequest = ExchangeRequest & { form?: Record<string, string> };
export type HttpResponse = Exchanged;

export function channelError(
  code: ChannelErrorCode,
  message: string,
  extra: Partial<Omit<ChannelError, 'code' | 'message'>> = {},
): ChannelError {
  return {
    code,
    message,
    retryable:
      extra.retryable ??
      (code === 'CHANNEL_UNAVAILABLE' || code === 'CHANNEL_TIMEOUT' || code === 'CHANNEL_RATE_LIMITED'),
    channelMessages: extra.channelMessages ?? [],
    ...(extra.httpStatus !== undefined ? { httpStatus: extra.httpStatus } : {}),
    ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}),
  };
}

/** Sends one request; network failures and timeouts come back as values, any HTTP status as a response. */
export async function send(options: ChannelHttpOptions, req: HttpRequest): Promise<ChannelResult<HttpResponse>> {
  // marketplaces deduplicate what a connector sends (ids, idempotent PUTs), so an idle reset is resent
  const sent = await exchange(req, {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: options.fetch,
    resendOnIdleReset: true,
  });
  if (sent.ok) return sent;
  return err(
    channelError(sent.error.kind === 'timeout' ? 'CHANNEL_TIMEOUT' : 'CHANNEL_UNAVAILABLE', sent.error.message),
  );
}

/** The answer's body is not JSON: retryable, the channel may answer properly next time. */
export function notJsonError(res: HttpResponse, what: string): ChannelError {
  return channelError(
    'CHANNEL_BAD_RESPONSE',
    `${what}: the channel answered HTTP ${res.status} with a body that is not JSON`,
    {
      retryable: true,
      httpStatus: res.status,
    },
  );
}

/** Parses a JSON body; malformed JSON and shapes the schema rejects both become CHANNEL_BAD_RESPONSE. */
export function parseJson<S extends z.ZodType>(res: HttpResponse, schema: S, what: string): ChannelResult<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(res.body.toString('utf8'));
  } catch {
    return err(notJsonError(res, what));
  }
  return checkShape(schema, raw, what, res.status);
}

/** The channel answered with a body of an unexpected shape: retryable, like a body that is not JSON. */
export function badShapeError(what: string, status: number, detail: string): ChannelError {
  return channelError('CHANNEL_BAD_RESPONSE', `${what}: unexpected response shape (${detail})`, {
    retryable: true,
    httpStatus: status,
  });
}

/** Checks an already parsed body against the schema; a mismatch is CHANNEL_BAD_RESPONSE naming its issues. */
export function checkShape<S extends z.ZodType>(
  schema: S,
  body: unknown,
  what: string,
  status: number,
): ChannelResult<z.infer<S>> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) return err(badShapeError(what, status, describeIssues(parsed.error.issues)));
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

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(res: HttpResponse, now: Date = new Date()): number | undefined {
  const value = res.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Maps a non-success HTTP status to the error a caller can act on. */
export function httpStatusError(res: HttpResponse, what: string, channelMessages: string[], now?: Date): ChannelError {
  const status = res.status;
  const detail = channelMessages.length ? `: ${channelMessages.join('; ')}` : '';
  if (status === 401 || status === 403)
    return channelError('CHANNEL_AUTH_FAILED', `${what}: credentials refused (HTTP ${status})${detail}`, {
      httpStatus: status,
      channelMessages,
    });
  if (status === 429) {
    const after = retryAfterMs(res, now);
    return channelError('CHANNEL_RATE_LIMITED', `${what}: rate limited (HTTP 429)${detail}`, {
      httpStatus: status,
      channelMessages,
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    });
  }
  if (status >= 500)
    return channelError('CHANNEL_UNAVAILABLE', `${what}: the channel failed (HTTP ${status})${detail}`, {
      httpStatus: status,
      channelMessages,
    });
  return channelError('CHANNEL_REJECTED', `${what}: refused (HTTP ${status})${detail}`, {
    httpStatus: status,
    channelMessages,
  });
}
