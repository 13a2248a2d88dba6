/**
 * Ozon Seller API over HTTP: the Client-Id and Api-Key headers on every POST, Ozon's error
 * messages.
 */
import { err } from '../../../shared/result.js';
import { httpStatusError, send, tryJson, type HttpResponse } from '../http.js';
import type { ChannelConnection, ChannelHttpOptions, ChannelResult } from '../types.js';
import { ozonError } from './ozon-schemas.js';

export const OZON_BASE_URL = 'https://api-seller.ozon.ru';

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

function ozonMessages(res: HttpResponse): string[] {
  const parsed = ozonError.safeParse(tryJson(res));
  if (!parsed.success || !parsed.data.message) return [];
  return [parsed.data.code !== undefined ? `${parsed.data.code}: ${parsed.data.message}` : parsed.data.message];
}

export async function call(
  conn: ChannelConnection,
  http: ChannelHttpOptions,
  path: string,
  body: unknown,
  what: string,
): Promise<ChannelResult<HttpResponse>> {
  const res = await send(http, {
    method: 'POST',
    url: new URL(path, conn.baseUrl || OZON_BASE_URL).toString(),
    headers: { 'client-id': conn.credentials.clientId ?? '', 'api-key': conn.credentials.apiKey ?? '' },
    json: body,
  });
  if (!res.ok) return res;
  if (res.value.status !== 200) return err(httpStatusError(res.value, what, ozonMessages(res.value), http.now?.()));
  return res;
}
