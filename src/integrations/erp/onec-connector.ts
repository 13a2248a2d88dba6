/**
 * The 1C connection as a channel connector. 1C:Enterprise is the client in its exchange with a
 * site: it calls Ordo (checkauth, init, file, import, query, success at /api/v1/exchange/1c), so
 * this connector never polls, receives no webhooks and pushes nothing: shipments, cancellations
 * and stock reach 1C when it asks (`mode=query`). Being a connector lets a 1C exchange live where
 * the other channels do: sealed credentials (the login and password 1C sends with HTTP Basic),
 * settings and warehouse mappings, and the ingestion log with its error queue.
 */
import { ok } from '../../shared/result.js';
import type { ChannelConnector } from '../channels/types.js';

export const ONEC_EXCHANGE_PATH = '/api/v1/exchange/1c';

export function createOneCConnector(): ChannelConnector {
  return {
    kind: '1c',
    defaultBaseUrl: ONEC_EXCHANGE_PATH,
    requiredCredentials: ['login', 'password'],
    settingsHelp: {
      encoding: 'encoding of the orders Ordo answers 1C with: windows-1251 (default, what 1C expects) or utf-8',
      schemaVersion: 'ВерсияСхемы Ordo writes in its answers: 2.08 (default) or 2.10',
      xmlNamespace: 'true: write xmlns="urn:1C.ru:commerceml_2" on the answers (default false, as Bitrix)',
      schemaCheck:
        'strict (default): files declaring 2.08 or 2.10 are validated against that XSD; structural: only the parser checks',
      defaultLocation: 'Ordo location code for a plain Количество (no Склад named)',
      fileLimit: 'largest chunk 1C may send in one mode=file request, in bytes (default 10485760)',
      orderChannels: 'list of channel codes whose orders 1C pulls (default: every channel)',
      orderTypes: 'order types 1C pulls (default: ["sale", "service"]: not quotes, not return orders)',
      statusEvents: '1C order status → the process event Ordo feeds (e.g. {"Собран": "packed"})',
      priceLists: '1C price type (Ид or name) → Ordo price list code',
    },
    stockPush: null,
    async testConnection() {
      return ok({ detail: `1C calls Ordo: set "Адрес сайта" in 1C to <Ordo URL>${ONEC_EXCHANGE_PATH}` });
    },
    async confirmShipment() {
      // 1C reads shipments with its next mode=query
      return ok(undefined);
    },
    async cancel() {
      return ok(undefined);
    },
  };
}
