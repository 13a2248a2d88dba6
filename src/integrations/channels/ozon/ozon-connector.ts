/**
 * Ozon Seller API, FBS/rFBS postings. One posting (отправление) is one Ordo order: externalId =
 * posting_number, the Ozon order id/number go along as displayNumber and line attributes.
 * Inbound by polling /v3/posting/fbs/list and by Ozon push notifications; Ozon signs nothing,
 * so pushes are checked against a shared token (see receiveWebhook).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ok } from '../../../shared/result.js';
import { parseJson } from '../http.js';
import type {
  ChannelConnection,
  ChannelConnector,
  ChannelHttpOptions,
  ChannelResult,
  PollPage,
  ReceivedEvent,
  UnreadableItem,
  WebhookOutcome,
  WebhookRequest,
} from '../types.js';
import { header, intSetting } from '../inputs.js';
import { ozonPostingPage, ozonPush, ozonPushPosting } from './ozon-schemas.js';
import { OZON_BASE_URL, call } from './ozon-client.js';
import { CANCELLED, iso, mapOzonPosting } from './ozon-order.js';
import {
  STOCK_BATCH,
  STOCK_RPM,
  prepareShipment,
  confirmShipment,
  cancel,
  pushStock,
  testConnection,
} from './ozon-outbound.js';

/** /v3/posting/fbs/list: limit 1…1000. */
const LIST_MAX_LIMIT = 1000;
const DEFAULT_WEBHOOK_HEADER = 'x-ordo-webhook-token';

// ---------------------------------------------------------------------------------------------
// Polling
// ---------------------------------------------------------------------------------------------

interface OzonCursor {
  since: string;
  to: string;
  offset: number;
}

function readCursor(text: string | null): OzonCursor | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<OzonCursor>;
    if (typeof value.since === 'string' && typeof value.to === 'string' && Number.isSafeInteger(value.offset)) {
      return value as OzonCursor;
    }
  } catch {
    // unreadable cursor: start a new window, dedupe keys absorb the overlap
  }
  return null;
}

export function ozonPostingEvents(
  conn: ChannelConnection,
  raw: unknown,
): { event?: ReceivedEvent; unreadable?: UnreadableItem } {
  const mapped = mapOzonPosting(conn, raw);
  if (!mapped.ok) {
    const pn = (raw as { posting_number?: unknown } | null)?.posting_number;
    return { unreadable: { dedupeKey: `ozon:unreadable:${String(pn)}`, reason: mapped.reason, raw } };
  }
  const { order, posting } = mapped;
  if (CANCELLED.has(posting.status)) {
    const reasonId = posting.cancellation?.cancel_reason_id;
    return {
      event: {
        dedupeKey: `cancel:${order.externalId}`,
        event: {
          type: 'cancelled',
          externalId: order.externalId,
          ...(reasonId ? { reason: String(reasonId) } : {}),
          ...(posting.cancellation?.cancel_reason ? { reasonText: posting.cancellation.cancel_reason } : {}),
        },
        raw,
      },
    };
  }
  return {
    event: { dedupeKey: `order:${order.externalId}:${order.externalVersion}`, event: { type: 'order', order }, raw },
  };
}

async function poll(
  conn: ChannelConnection,
  cursorText: string | null,
  http: ChannelHttpOptions,
): Promise<ChannelResult<PollPage>> {
  const now = http.now?.() ?? new Date();
  const lookbackDays = intSetting(conn, 'lookbackDays', 7, 1, 90);
  const cursor = readCursor(cursorText) ?? {
    since: new Date(now.getTime() - lookbackDays * 86_400_000).toISOString(),
    to: now.toISOString(),
    offset: 0,
  };
  const limit = intSetting(conn, 'pageSize', LIST_MAX_LIMIT, 1, LIST_MAX_LIMIT);
  const warehouses = Array.isArray(conn.settings.warehouseIds)
    ? conn.settings.warehouseIds.map(Number).filter((value) => Number.isSafeInteger(value))
    : [];
  const res = await call(
    conn,
    http,
    '/v3/posting/fbs/list',
    {
      dir: 'ASC',
      filter: { since: cursor.since, to: cursor.to, ...(warehouses.length ? { warehouse_id: warehouses } : {}) },
      limit,
      offset: cursor.offset,
      with: { analytics_data: true, financial_data: true, barcodes: false, translit: false },
    },
    'Ozon postings',
  );
  if (!res.ok) return res;
  const page = parseJson(res.value, ozonPostingPage, 'Ozon postings');
  if (!page.ok) return page;
  const events: ReceivedEvent[] = [];
  const unreadable: UnreadableItem[] = [];
  for (const raw of page.value.result.postings) {
    const read = ozonPostingEvents(conn, raw);
    if (read.event) events.push(read.event);
    if (read.unreadable) unreadable.push(read.unreadable);
  }
  if (page.value.result.has_next && page.value.result.postings.length > 0) {
    const next: OzonCursor = { ...cursor, offset: cursor.offset + page.value.result.postings.length };
    return ok({ events, unreadable, cursor: JSON.stringify(next), more: true });
  }
  // Window read: the next poll re-reads the last `lookbackDays` for status changes.
  return ok({ events, unreadable, cursor: null, more: false });
}

// ---------------------------------------------------------------------------------------------
// Push notifications
// ---------------------------------------------------------------------------------------------

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Ozon push notifications carry no signature and no auth header. The push URL registered at
 * Ozon must therefore carry a secret that reaches us as a header (default `X-Ordo-Webhook-Token`,
 * e.g. set by the reverse proxy from a `?token=` query or a path segment): it is compared in
 * constant time with `credentials.webhookSecret`. The token proves the sender knows the secret;
 * it does not protect the body, and Ozon offers nothing that would.
 */
function receiveWebhook(conn: ChannelConnection, req: WebhookRequest, http: ChannelHttpOptions): WebhookOutcome {
  const secret = conn.credentials.webhookSecret;
  if (!secret) return { ok: false, reason: 'no credentials.webhookSecret configured for Ozon pushes' };
  const headerName =
    typeof conn.settings.webhookTokenHeader === 'string' && conn.settings.webhookTokenHeader
      ? conn.settings.webhookTokenHeader
      : DEFAULT_WEBHOOK_HEADER;
  const token = header(req, headerName);
  if (!token) return { ok: false, reason: `missing ${headerName} header` };
  if (!timingSafeEqual(digest(token), digest(secret))) return { ok: false, reason: `wrong ${headerName}` };

  const text = req.raw.toString('utf8');
  const keyOfBody = `ozon:push:${createHash('sha256').update(req.raw).digest('hex').slice(0, 32)}`;
  const received = { result: true };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      ok: true,
      events: [],
      unreadable: [{ dedupeKey: keyOfBody, reason: 'push body is not JSON', raw: text }],
      reply: { status: 200, body: received },
    };
  }
  const kind = ozonPush.safeParse(body);
  if (!kind.success) {
    return {
      ok: true,
      events: [],
      unreadable: [{ dedupeKey: keyOfBody, reason: 'push without message_type', raw: body }],
      reply: { status: 200, body: received },
    };
  }
  const type = kind.data.message_type;
  if (type === 'TYPE_PING') {
    // Ozon checks the endpoint with a ping and expects { version, name, time } back.
    const name = typeof conn.settings.pushAppName === 'string' ? conn.settings.pushAppName : 'ordo';
    const version = typeof conn.settings.pushAppVersion === 'string' ? conn.settings.pushAppVersion : '1.0';
    const time = (http.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { ok: true, events: [], unreadable: [], reply: { status: 200, body: { version, name, time } } };
  }
  const handled = ['TYPE_NEW_POSTING', 'TYPE_POSTING_CANCELLED', 'TYPE_STATE_CHANGED', 'TYPE_CUTOFF_DATE_CHANGED'];
  if (!handled.includes(type)) {
    return {
      ok: true,
      events: [{ dedupeKey: `${keyOfBody}:ignored`, event: { type: 'ignored', reason: `Ozon ${type}` }, raw: body }],
      unreadable: [],
      reply: { status: 200, body: received },
    };
  }
  const parsed = ozonPushPosting.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: true,
      events: [],
      unreadable: [
        { dedupeKey: keyOfBody, reason: `${type}: ${issue?.path.join('.')} ${issue?.message ?? ''}`.trim(), raw: body },
      ],
      reply: { status: 200, body: received },
    };
  }
  const push = parsed.data;
  const pn = push.posting_number;
  let event: ReceivedEvent;
  switch (type) {
    case 'TYPE_NEW_POSTING':
      // Only ids arrive: the posting itself comes with the next poll (the push tells Ordo to poll now).
      event = {
        dedupeKey: `push:new:${pn}`,
        event: { type: 'status', externalId: pn, status: 'awaiting_packaging', ...atOf(push.in_process_at) },
        raw: body,
      };
      break;
    case 'TYPE_POSTING_CANCELLED':
      event = {
        dedupeKey: `cancel:${pn}`,
        event: {
          type: 'cancelled',
          externalId: pn,
          ...(push.reason?.id !== undefined ? { reason: String(push.reason.id) } : {}),
          ...(push.reason?.message ? { reasonText: push.reason.message } : {}),
          ...atOf(push.changed_state_date),
        },
        raw: body,
      };
      break;
    case 'TYPE_STATE_CHANGED':
      event = {
        dedupeKey: `push:state:${pn}:${push.new_state ?? ''}:${push.changed_state_date ?? ''}`,
        event: {
          type: 'status',
          externalId: pn,
          status: push.new_state ?? 'unknown',
          ...atOf(push.changed_state_date),
        },
        raw: body,
      };
      break;
    default:
      // TYPE_CUTOFF_DATE_CHANGED: the new ship-by. A status event records it at once (`at` = the new
      // cutoff); the posting, re-read by the next poll, carries the new shipment_date as a new version.
      event = {
        dedupeKey: `push:cutoff:${pn}:${push.new_cutoff_date ?? ''}`,
        event: { type: 'status', externalId: pn, status: 'cutoff_date_changed', ...atOf(push.new_cutoff_date) },
        raw: body,
      };
  }
  return { ok: true, events: [event], unreadable: [], reply: { status: 200, body: received } };
}

function atOf(text: string | undefined): { at?: string } {
  const at = iso(text);
  return at ? { at } : {};
}

export function createOzonConnector(): ChannelConnector {
  return {
    kind: 'ozon',
    defaultBaseUrl: OZON_BASE_URL,
    requiredCredentials: ['clientId', 'apiKey'],
    settingsHelp: {
      warehouseId: 'Ozon warehouse id for stock pushes when an item names none',
      warehouseIds: 'Poll only postings of these Ozon warehouses (default: all)',
      lookbackDays: 'Days of postings re-read each poll cycle for status changes (1–90, default 7)',
      pageSize: 'Postings per page (1–1000, default 1000)',
      cancelReasons: 'Ordo reason code → Ozon cancel_reason_id, e.g. {"out_of_stock": 352}',
      country: 'Country (ISO alpha-2) of buyer addresses when Ozon does not say (default RU)',
      webhookTokenHeader:
        'Header carrying the push token (default X-Ordo-Webhook-Token); the secret is credentials.webhookSecret',
      pushAppName: 'Name in the reply to Ozon TYPE_PING (default "ordo")',
      pushAppVersion: 'Version in the reply to Ozon TYPE_PING (default "1.0")',
    },
    stockPush: { batchSize: STOCK_BATCH, requestsPerMinute: STOCK_RPM },
    testConnection,
    receiveWebhook,
    poll,
    prepareShipment,
    confirmShipment,
    cancel,
    pushStock,
  };
}
