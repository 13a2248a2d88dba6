/**
 * The sales-channel API as the console reads it (issue 16): connections, the connectors this
 * installation has, offer → SKU mappings and the ingestion log. The shapes come from the OpenAPI
 * document (clients/typescript/src/schema.d.ts); only the members it leaves open (mappings) are
 * narrowed here to what src/app/channels/schemas.ts accepts.
 */
import { ApiError, type Me, type ResponseOf, type Schemas } from './api';

export type ChannelKind = Schemas['ChannelKind'];
export type Ingestion = Schemas['ChannelIngestion'];
export type IngestionStatus = Ingestion['status'];
export type Offer = ResponseOf<'/api/v1/channel-connections/{id}/offers'>['items'][number];
export type TestAnswer = ResponseOf<'/api/v1/channel-connections/{id}/test', 'post'>;
export type PollAnswer = ResponseOf<'/api/v1/channel-connections/{id}/poll', 'post'>;
export type StockAnswer = ResponseOf<'/api/v1/channel-connections/{id}/stock-sync', 'post'>;
export type ReplayAnswer = ResponseOf<'/api/v1/channel-connections/{id}/ingestions/{ingestionId}/replay', 'post'>;
export type ConnectionCreate = Schemas['ChannelConnectionCreate'];
export type ConnectionChange = Schemas['ChannelConnectionChange'];

export interface Mappings {
  /** channel warehouse id → Ordo location code */
  locations?: Record<string, string>;
  /** Ordo cancellation reason → the channel's reason code ('default' for the rest) */
  cancelReasons?: Record<string, string>;
  /** channel status → what Ordo does ('cancel' | 'ignore') */
  statuses?: Record<string, 'cancel' | 'ignore'>;
}
export type Connection = Omit<Schemas['ChannelConnection'], 'mappings'> & { mappings: Mappings };

/** The log's outcomes, in the order the filter offers them (failed first: it is the error queue). */
export const INGESTION_STATUSES: IngestionStatus[] = [
  'failed',
  'exception',
  'rejected',
  'created',
  'updated',
  'ignored',
];

/** channels:write is held by these roles (src/domain/identity/roles.ts); GET /me answers roles. */
export function canWriteChannels(me: Me | undefined) {
  return Boolean(me?.roles.some((r) => ['admin', 'operator', 'integration'].includes(r)));
}

/** The page says "not for your role" (403) or "not set up here" (404 on the list) instead of an error. */
export const channelsForbidden = (e: unknown) => e instanceof ApiError && e.status === 403;

/**
 * A setting typed in a text box, as the connector reads it: true/false and plain numbers become
 * JSON values (queryStringAuth, initialSyncDays), a JSON list or object is parsed, the rest stays text.
 */
export function settingValue(text: string): unknown {
  const v = text.trim();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(v) && v.length < 16) return Number(v);
  if (/^[[{]/.test(v))
    try {
      return JSON.parse(v) as unknown;
    } catch {
      /* text after all */
    }
  return text;
}

/** A stored setting back in a text box. */
export function settingText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Pasted `offerId,sku` lines (a header line, blank lines and `;` or tab separators allowed).
 * Lines without both parts are returned apart so the page can name them.
 */
export function parseOffersCsv(text: string): { offers: { offerId: string; sku: string }[]; bad: number[] } {
  const offers: { offerId: string; sku: string }[] = [];
  const bad: number[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    const [offerId = '', sku = '', ...rest] = line.split(/[,;\t]/).map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
    if (index === 0 && /^offer/i.test(offerId) && /^sku$/i.test(sku)) return;
    if (!offerId || !sku || rest.some((r) => r !== '')) bad.push(index + 1);
    else offers.push({ offerId, sku });
  });
  return { offers, bad };
}

/** The webhook address the channel is given: the console's own origin and the connection's secret path. */
export const webhookUrl = (c: Pick<Connection, 'webhookPath'>) => `${window.location.origin}${c.webhookPath}`;
