/**
 * One HTTP request/response exchange for every outbound integration (carriers, channels,
 * payment providers): the body encoding, the timeout that also covers reading the body, and the
 * two ways a request can fail before any HTTP status is seen. Each family's http.ts turns those
 * into its own errors (CARRIER_*, CHANNEL_*, PROVIDER_*) with its own rules on what is retryable
 * and what may have happened at the other end.
 */
import { err, ok, type Result } from '../shared/result.js';

export interface ExchangeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  /** Objects are sent as UTF-8 JSON. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded; pairs keep their order and may repeat. */
  form?: Record<string, string> | [string, string][];
}

export interface ExchangeOptions {
  timeoutMs: number;
  fetch?: typeof fetch;
  /** 'manual' keeps a 3xx as the answer (PayU answers a created order with 302 + JSON). */
  redirect?: 'follow' | 'manual' | 'error';
  /**
   * A kept-alive socket the server closed while idle resets before the request is read: send
   * again once on a fresh one. Only where sending twice is harmless or the other end deduplicates.
   */
  resendOnIdleReset?: boolean;
}

export interface Exchanged {
  status: number;
  contentType: string;
  headers: Headers;
  body: Buffer;
}

export type ExchangeFailure =
  | { kind: 'timeout'; host: string; message: string }
  /** `code` is the socket error (ECONNREFUSED, ENOTFOUND…), '' when there is none. */
  | { kind: 'unreachable'; host: string; code: string; message: string };

/** Sends one request; network failures and timeouts come back as values, any HTTP status as a response. */
export async function exchange(
  req: ExchangeRequest,
  options: ExchangeOptions,
): Promise<Result<Exchanged, ExchangeFailure>> {
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
  const host = new URL(req.url).host;
  try {
    // The signal also covers reading the body, so a server that stalls mid-body times out too.
    const once = () =>
      doFetch(req.url, {
        method: req.method,
        headers,
        body,
        ...(options.redirect ? { redirect: options.redirect } : {}),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    const res = await once().catch((error: unknown) => {
      if (options.resendOnIdleReset && isIdleReset(error)) return once();
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
    if (name === 'TimeoutError' || name === 'AbortError')
      return err({ kind: 'timeout', host, message: `no answer from ${host} within ${options.timeoutMs} ms` });
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? '';
    return err({
      kind: 'unreachable',
      host,
      code,
      message: `cannot reach ${host}: ${code || cause?.message || String(error)}`,
    });
  }
}

function isIdleReset(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET';
}
