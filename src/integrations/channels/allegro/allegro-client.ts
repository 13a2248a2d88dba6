/**
 * Allegro's REST API over HTTP: the bearer token and Allegro's media type on every call, its error
 * messages, and the fulfillment status of a checkout form (PROCESSING, SENT, CANCELLED).
 */
import { err, ok } from '../../../shared/result.js';
import { channelError, httpStatusError, send, tryJson, type HttpResponse } from '../http.js';
import type { ChannelConnection, ChannelHttpOptions, ChannelResult } from '../types.js';
import { allegroErrors } from './allegro-schemas.js';

export const ALLEGRO_DEFAULT_BASE_URL = 'https://api.allegro.pl';
export const ALLEGRO_MEDIA_TYPE = 'application/vnd.allegro.public.v1+json';

// --- HTTP -----------------------------------------------------------------------------------

function allegroMessages(res: HttpResponse): string[] {
  const parsed = allegroErrors.safeParse(tryJson(res));
  if (!parsed.success) return [];
  const messages = (parsed.data.errors ?? []).map((error) =>
    [error.code, error.userMessage ?? error.message, error.path ? `(${error.path})` : undefined]
      .filter(Boolean)
      .join(': '),
  );
  if (parsed.data.error) messages.push([parsed.data.error, parsed.data.error_description].filter(Boolean).join(': '));
  return messages;
}

function baseOf(conn: ChannelConnection): string {
  return (conn.baseUrl || ALLEGRO_DEFAULT_BASE_URL).replace(/\/+$/, '');
}

/**
 * `send` labels JSON bodies `application/json`; Allegro wants its own media type (415
 * otherwise), so the request goes through a fetch that relabels the body, keeping `send`'s
 * timeout and error classification.
 */
function withAllegroMediaType(http: ChannelHttpOptions): ChannelHttpOptions {
  const base = http.fetch ?? fetch;
  const relabel: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (headers.has('content-type')) headers.set('content-type', ALLEGRO_MEDIA_TYPE);
    return base(input, { ...init, headers });
  };
  return { ...http, fetch: relabel };
}

export function call(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  method: 'GET' | 'PUT' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<ChannelResult<HttpResponse>> {
  const token = conn.credentials.accessToken;
  if (!token)
    return Promise.resolve(err(channelError('CHANNEL_AUTH_FAILED', 'allegro: the connection has no accessToken')));
  return send(withAllegroMediaType(http), {
    method,
    url: `${baseOf(conn)}${path}`,
    headers: { authorization: `Bearer ${token}`, accept: ALLEGRO_MEDIA_TYPE },
    ...(body !== undefined ? { json: body } : {}),
  });
}

export function failed(res: HttpResponse, what: string, http: ChannelHttpOptions) {
  return err(httpStatusError(res, what, allegroMessages(res), http.now?.()));
}

export async function setFulfillment(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  checkoutFormId: string,
  status: 'PROCESSING' | 'SENT' | 'CANCELLED',
  revision: string | undefined,
  what: string,
): Promise<ChannelResult<void>> {
  const query = revision ? `?checkoutForm.revision=${encodeURIComponent(revision)}` : '';
  const res = await call(
    conn,
    http,
    'PUT',
    `/order/checkout-forms/${encodeURIComponent(checkoutFormId)}/fulfillment${query}`,
    { status },
  );
  if (!res.ok) return res;
  if (res.value.status !== 204 && res.value.status !== 200) return failed(res.value, what, http);
  return ok(undefined);
}
