/**
 * The one place where HTTP outcomes become ChannelErrors, so every connector classifies
 * timeouts, outages, 429s and garbage the same way.
 */
import type { z } from 'zod';
import { err, ok } from '../../shared/result.js';
import type { ChannelError, ChannelErrorCode, ChannelHttpOptions, ChannelResult } from './types.js';

export const DEFAULT_TIMEOUT_MS = 15_000;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  /** Objects are sent as UTF-8 JSON. */
  json?: unknown;
  form?: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  contentType: string;
  headers: Headers;
  body: Buffer;
}

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
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | undefined;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json; charset=utf-8';
    body = JSON.stringify(req.json);
  } else if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  }
  try {
    // The signal also covers reading the body, so a server that stalls mid-body times out too.
    const once = () => doFetch(req.url, { method: req.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    // A kept-alive socket the server closed while idle resets before the request is read: sent
    // again once on a fresh one (any other failure is the caller's to judge).
    const res = await once().catch((error: unknown) => {
      if (isIdleReset(error)) return once();
      throw error;
    });
    const buf = Buffer.from(await res.arrayBuffer());
    return ok({
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      headers: res.headers,
      body: buf,
    });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return err(channelError('CHANNEL_TIMEOUT', `no answer from ${new URL(req.url).host} within ${timeoutMs} ms`));
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return err(
      channelError(
        'CHANNEL_UNAVAILABLE',
        `cannot reach ${new URL(req.url).host}: ${cause?.code ?? cause?.message ?? String(error)}`,
      ),
    );
  }
}

function isIdleReset(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET';
}

/** Parses a JSON body; malformed JSON and shapes the schema rejects both become CHANNEL_BAD_RESPONSE. */
export function parseJson<S extends z.ZodType>(res: HttpResponse, schema: S, what: string): ChannelResult<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(res.body.toString('utf8'));
  } catch {
    return err(
      channelError(
        'CHANNEL_BAD_RESPONSE',
        `${what}: the channel answered HTTP ${res.status} with a body that is not JSON`,
        {
          retryable: true,
          httpStatus: res.status,
        },
      ),
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return err(
      channelError('CHANNEL_BAD_RESPONSE', `${what}: unexpected response shape (${issues})`, {
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
