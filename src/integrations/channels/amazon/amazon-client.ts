/**
 * SP-API over HTTP: the Login with Amazon access token (refresh_token grant, cached per refresh
 * token until a minute before expiry), calls with `x-amz-access-token`, Amazon's error messages,
 * the connection's settings and the paged items of an order.
 */
import { createHash } from 'node:crypto';
import { err, ok } from '../../../shared/result.js';
import { channelError, httpStatusError, parseJson, send, tryJson, type HttpResponse } from '../http.js';
import type { ChannelConnection, ChannelHttpOptions, ChannelResult } from '../types.js';
import { amazonErrors, amazonOrderItemsResponse, lwaToken } from './amazon-schemas.js';

export const AMAZON_DEFAULT_BASE_URL = 'https://sellingpartnerapi-eu.amazon.com';
export const AMAZON_DEFAULT_TOKEN_URL = 'https://api.amazon.com/auth/o2/token';

export function amazonMessages(res: HttpResponse): string[] {
  const parsed = amazonErrors.safeParse(tryJson(res));
  if (!parsed.success) return [];
  const messages = (parsed.data.errors ?? []).map((error) =>
    [error.code, error.message, error.details].filter(Boolean).join(': '),
  );
  if (parsed.data.error) messages.push([parsed.data.error, parsed.data.error_description].filter(Boolean).join(': '));
  return messages;
}

export function failed(res: HttpResponse, what: string, http: ChannelHttpOptions) {
  return err(httpStatusError(res, what, amazonMessages(res), http.now?.()));
}

export function setting(conn: ChannelConnection, key: string): string | undefined {
  const value = conn.settings[key];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

export function marketplaceIds(conn: ChannelConnection): string[] {
  const value = conn.settings.marketplaceIds ?? conn.settings.marketplaceId;
  if (Array.isArray(value)) return value.filter((id): id is string => typeof id === 'string' && id.length > 0);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean);
  return [];
}

/** Sends a raw (non-JSON) body through `send`, keeping its timeout and error classification. */
export function withRawBody(http: ChannelHttpOptions, body: string, contentType: string): ChannelHttpOptions {
  const base = http.fetch ?? fetch;
  const raw: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('content-type', contentType);
    return base(input, { ...init, headers, body });
  };
  return { ...http, fetch: raw };
}

export interface AmazonClient {
  call(
    conn: ChannelConnection,
    http: ChannelHttpOptions,
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    json?: unknown,
  ): Promise<ChannelResult<HttpResponse>>;
  /** All items of an order across pages; null when Amazon answers 404. */
  itemsOf(conn: ChannelConnection, http: ChannelHttpOptions, orderId: string): Promise<ChannelResult<unknown[] | null>>;
}

/** One per connector: its token cache is shared by the connector's connections. */
export function createAmazonClient(): AmazonClient {
  /** LWA tokens live an hour: kept per refresh token until a minute before expiry, dropped on 401/403. */
  const tokens = new Map<string, { token: string; expiresAt: number }>();

  async function accessToken(
    conn: ChannelConnection,
    http: ChannelHttpOptions,
  ): Promise<ChannelResult<{ token: string; cacheKey: string }>> {
    const { clientId, clientSecret, refreshToken } = conn.credentials;
    if (!clientId || !clientSecret || !refreshToken)
      return err(channelError('CHANNEL_AUTH_FAILED', 'amazon: clientId, clientSecret and refreshToken are required'));
    const tokenUrl = setting(conn, 'tokenUrl') ?? AMAZON_DEFAULT_TOKEN_URL;
    const cacheKey = createHash('sha256').update(`${tokenUrl}\n${clientId}\n${refreshToken}`).digest('hex');
    const now = (http.now?.() ?? new Date()).getTime();
    const cached = tokens.get(cacheKey);
    if (cached && cached.expiresAt > now) return ok({ token: cached.token, cacheKey });
    const res = await send(http, {
      method: 'POST',
      url: tokenUrl,
      form: {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
        client_secret: clientSecret,
      },
    });
    if (!res.ok) return res;
    if (res.value.status === 400 || res.value.status === 401 || res.value.status === 403) {
      const messages = amazonMessages(res.value);
      return err(
        channelError(
          'CHANNEL_AUTH_FAILED',
          `amazon: Login with Amazon refused the refresh token: ${messages.join('; ')}`,
          {
            httpStatus: res.value.status,
            channelMessages: messages,
          },
        ),
      );
    }
    if (res.value.status !== 200) return failed(res.value, 'amazon: Login with Amazon token', http);
    const token = parseJson(res.value, lwaToken, 'amazon: Login with Amazon token');
    if (!token.ok) return token;
    const lifetimeMs = (token.value.expires_in ?? 3600) * 1000;
    tokens.set(cacheKey, { token: token.value.access_token, expiresAt: now + lifetimeMs - 60_000 });
    return ok({ token: token.value.access_token, cacheKey });
  }

  async function call(
    conn: ChannelConnection,
    http: ChannelHttpOptions,
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    json?: unknown,
  ): Promise<ChannelResult<HttpResponse>> {
    const auth = await accessToken(conn, http);
    if (!auth.ok) return auth;
    const res = await send(http, {
      method,
      url: `${(conn.baseUrl || AMAZON_DEFAULT_BASE_URL).replace(/\/+$/, '')}${path}`,
      headers: { 'x-amz-access-token': auth.value.token },
      ...(json !== undefined ? { json } : {}),
    });
    // A refused token is not reused: the next call asks Login with Amazon for a new one.
    if (res.ok && (res.value.status === 401 || res.value.status === 403)) tokens.delete(auth.value.cacheKey);
    return res;
  }

  async function itemsOf(
    conn: ChannelConnection,
    http: ChannelHttpOptions,
    orderId: string,
  ): Promise<ChannelResult<unknown[] | null>> {
    const items: unknown[] = [];
    let nextToken: string | null | undefined;
    for (let page = 0; page < 50; page++) {
      const query = nextToken ? `?NextToken=${encodeURIComponent(nextToken)}` : '';
      const res = await call(conn, http, 'GET', `/orders/v0/orders/${encodeURIComponent(orderId)}/orderItems${query}`);
      if (!res.ok) return res;
      if (res.value.status === 404) return ok(null);
      if (res.value.status !== 200) return failed(res.value, `amazon: items of order ${orderId}`, http);
      const body = parseJson(res.value, amazonOrderItemsResponse, `amazon: items of order ${orderId}`);
      if (!body.ok) return body;
      items.push(...body.value.payload.OrderItems);
      nextToken = body.value.payload.NextToken;
      if (!nextToken) return ok(items);
    }
    return err(channelError('CHANNEL_BAD_RESPONSE', `amazon: items of order ${orderId} never stop paging`));
  }

  return { call, itemsOf };
}
