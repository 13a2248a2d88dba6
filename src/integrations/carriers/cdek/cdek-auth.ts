/**
 * CDEK OAuth 2.0 client credentials: one cached token, refreshed shortly before expiry and
 * once more when an API call answers 401 (tokens can be revoked early).
 */
import { err, ok } from '../../../shared/result.js';
import { carrierError, joinUrl, parseJson, send, tryJson, type HttpRequest, type HttpResponse } from '../http.js';
import type { CarrierResult, HttpCarrierConfig } from '../types.js';
import { cdekErrorBody, cdekToken } from './cdek-schemas.js';

export interface CdekAuthConfig {
  clientId: string;
  clientSecret: string;
  /** Refresh this long before the token's stated expiry (default 60 s). */
  refreshMarginMs?: number;
  /** Milliseconds since epoch; injectable so expiry is testable. */
  now?: () => number;
}

export interface CdekSession {
  /** Sends with a bearer token; on 401 refreshes the token and retries once. */
  call(req: Omit<HttpRequest, 'url'> & { path: string }): Promise<CarrierResult<HttpResponse>>;
  /** How many tokens were fetched (for tests and metrics). */
  tokensFetched(): number;
}

export function createCdekSession(http: HttpCarrierConfig, auth: CdekAuthConfig): CdekSession {
  const now = auth.now ?? Date.now;
  const margin = auth.refreshMarginMs ?? 60_000;
  let cached: { token: string; expiresAt: number } | null = null;
  // Concurrent callers share one token request instead of stampeding the auth endpoint.
  let inFlight: Promise<CarrierResult<string>> | null = null;
  let fetched = 0;

  async function fetchToken(): Promise<CarrierResult<string>> {
    const res = await send(http, {
      method: 'POST',
      url: joinUrl(http.baseUrl, '/v2/oauth/token'),
      form: { grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret },
    });
    if (!res.ok) return res;
    if (res.value.status !== 200) {
      const body = cdekErrorBody.safeParse(tryJson(res.value));
      const msgs =
        body.success && body.data.error ? [`${body.data.error}: ${body.data.error_description ?? ''}`.trim()] : [];
      const retryable = res.value.status >= 500 || res.value.status === 429;
      return err(
        carrierError(
          retryable ? 'CARRIER_UNAVAILABLE' : 'CARRIER_AUTH_FAILED',
          `CDEK token request failed (HTTP ${res.value.status})`,
          {
            httpStatus: res.value.status,
            carrierMessages: msgs,
            retryable,
          },
        ),
      );
    }
    const carrierResult = parseJson(res.value, cdekToken, 'CDEK token');
    if (!carrierResult.ok) return carrierResult;
    fetched += 1;
    cached = { token: carrierResult.value.access_token, expiresAt: now() + carrierResult.value.expires_in * 1000 };
    return ok(carrierResult.value.access_token);
  }

  function token(): Promise<CarrierResult<string>> {
    if (cached && now() < cached.expiresAt - margin) return Promise.resolve(ok(cached.token));
    inFlight ??= fetchToken().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  async function once(req: Omit<HttpRequest, 'url'> & { path: string }) {
    const carrierResult = await token();
    if (!carrierResult.ok) return carrierResult;
    return send(http, {
      ...req,
      url: joinUrl(http.baseUrl, req.path),
      headers: { authorization: `Bearer ${carrierResult.value}`, ...req.headers },
    });
  }

  return {
    async call(req) {
      const first = await once(req);
      if (!first.ok || first.value.status !== 401) return first;
      cached = null;
      return once(req);
    },
    tokensFetched: () => fetched,
  };
}
