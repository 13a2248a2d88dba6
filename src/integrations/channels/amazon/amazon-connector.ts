/**
 * Amazon Selling Partner API (Orders v0, Listings Items 2021-08-01, Feeds 2021-06-30,
 * Sellers v1). Orders are polled (GET /orders/v0/orders by LastUpdatedAfter, then each order's
 * items); ORDER_CHANGE notifications reach Ordo through a relay (SQS/EventBridge → HTTPS POST
 * with a shared secret header) and only say *that* something changed: buyer cancellation
 * requests and status changes. Seller cancellation goes through the order acknowledgement feed.
 *
 * Auth: a Login with Amazon access token (refresh_token grant at `settings.tokenUrl`, default
 * https://api.amazon.com/auth/o2/token) in `x-amz-access-token`. SP-API stopped requiring AWS
 * SigV4 signing in 2023, so no AWS keys are needed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { err, ok } from '../../../shared/result.js';
import { describeIssues } from '../../describe-issues.js';
import { channelError, parseJson, send } from '../http.js';
import type {
  Cancellation,
  ChannelConnector,
  ChannelResult,
  PollPage,
  ReceivedEvent,
  ShipmentConfirmation,
  StockItem,
  StockPushOutcome,
  UnreadableItem,
  WebhookOutcome,
  WebhookRequest,
} from '../types.js';
import { header } from '../inputs.js';
import {
  AMAZON_DEFAULT_BASE_URL,
  amazonMessages,
  createAmazonClient,
  failed,
  marketplaceIds,
  setting,
  withRawBody,
} from './amazon-client.js';
import { readOrderChangeNotification } from './amazon-notifications.js';
import { amazonOrderKey, buyerCancelRequest, iso, readAmazonOrder } from './amazon-order.js';
import {
  AMAZON_CANCEL_REASONS,
  amazonCarrier,
  amazonPackageReference,
  orderAcknowledgementFeed,
} from './amazon-outbound.js';
import {
  amazonFeed,
  amazonFeedDocument,
  amazonListingsSubmission,
  amazonOrder,
  amazonOrderItem,
  amazonOrdersResponse,
  amazonParticipations,
} from './amazon-schemas.js';

export const AMAZON_RELAY_SECRET_HEADER = 'x-ordo-relay-secret';
/** The first poll looks this far back when the connection sets no `initialLookbackDays`. */
const DEFAULT_LOOKBACK_DAYS = 7;

interface PollCursor {
  after: string;
  next?: string;
  seen?: string;
}

function readCursor(cursor: string | null, now: Date, lookbackDays: number): PollCursor {
  if (cursor) {
    try {
      const parsed = JSON.parse(cursor) as Partial<PollCursor>;
      if (typeof parsed.after === 'string' && !Number.isNaN(Date.parse(parsed.after))) return parsed as PollCursor;
    } catch {
      // an ISO time alone is accepted too
    }
    if (!Number.isNaN(Date.parse(cursor))) return { after: new Date(cursor).toISOString() };
  }
  return { after: new Date(now.getTime() - lookbackDays * 86_400_000).toISOString() };
}

const later = (left: string | undefined, right: string | undefined): string | undefined =>
  !left ? right : !right ? left : Date.parse(right) > Date.parse(left) ? right : left;

export function createAmazonConnector(): ChannelConnector {
  const { call, itemsOf } = createAmazonClient();

  return {
    kind: 'amazon',
    defaultBaseUrl: AMAZON_DEFAULT_BASE_URL,
    requiredCredentials: ['clientId', 'clientSecret', 'refreshToken'],
    settingsHelp: {
      marketplaceIds:
        'Amazon marketplace ids to read orders from (e.g. A1PA6795UKMFR9 for amazon.de); the first is used for shipment confirmations, feeds and stock',
      sellerId: 'Merchant token (seller id): needed for stock (Listings Items) and cancellation feeds',
      tokenUrl: 'Login with Amazon token endpoint (default https://api.amazon.com/auth/o2/token)',
      initialLookbackDays: 'How far back the first poll reads orders (default 7)',
      pageSize: 'Orders per page, 1–100 (default 100)',
    },
    // Listings Items patchListingsItem: one SKU per request, 5 requests per second (burst 5)
    // (SP-API Listings Items API v2021-08-01 usage plan).
    stockPush: { batchSize: 1, requestsPerMinute: 300 },

    async testConnection(conn, http) {
      const res = await call(conn, http, 'GET', '/sellers/v1/marketplaceParticipations');
      if (!res.ok) return res;
      if (res.value.status !== 200) return failed(res.value, 'amazon: marketplace participations', http);
      const body = parseJson(res.value, amazonParticipations, 'amazon: marketplace participations');
      if (!body.ok) return body;
      const ids = body.value.payload
        .filter((entry) => entry.participation?.isParticipating !== false)
        .map((entry) => entry.marketplace.id);
      return ok({ detail: `Amazon seller participating in ${ids.join(', ') || 'no marketplace'}` });
    },

    receiveWebhook(conn, req: WebhookRequest): WebhookOutcome {
      const secret = conn.credentials.webhookSecret;
      if (!secret) return { ok: false, reason: 'amazon: the connection has no webhookSecret for the relay' };
      const given = header(req, AMAZON_RELAY_SECRET_HEADER);
      if (!given) return { ok: false, reason: `amazon: ${AMAZON_RELAY_SECRET_HEADER} header missing` };
      const expected = createHash('sha256').update(secret).digest();
      const actual = createHash('sha256').update(given).digest();
      if (!timingSafeEqual(expected, actual))
        return { ok: false, reason: `amazon: ${AMAZON_RELAY_SECRET_HEADER} does not match` };
      let body: unknown;
      try {
        body = JSON.parse(req.raw.toString('utf8'));
      } catch {
        return {
          ok: true,
          events: [],
          unreadable: [
            {
              dedupeKey: `notification:${createHash('sha256').update(req.raw).digest('hex').slice(0, 32)}`,
              reason: 'relay body is not JSON',
              raw: req.raw.toString('utf8'),
            },
          ],
        };
      }
      return { ok: true, ...readOrderChangeNotification(body) };
    },

    async poll(conn, cursor, http): Promise<ChannelResult<PollPage>> {
      const markets = marketplaceIds(conn);
      if (markets.length === 0)
        return err(channelError('CHANNEL_REJECTED', 'amazon: settings.marketplaceIds is empty', { retryable: false }));
      const lookback = Number(conn.settings.initialLookbackDays ?? DEFAULT_LOOKBACK_DAYS);
      const state = readCursor(
        cursor,
        http.now?.() ?? new Date(),
        Number.isFinite(lookback) ? lookback : DEFAULT_LOOKBACK_DAYS,
      );
      const query = new URLSearchParams({ MarketplaceIds: markets.join(','), LastUpdatedAfter: state.after });
      const pageSize = Number(conn.settings.pageSize ?? 100);
      query.set(
        'MaxResultsPerPage',
        String(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 100 ? pageSize : 100),
      );
      if (state.next) query.set('NextToken', state.next);
      const res = await call(conn, http, 'GET', `/orders/v0/orders?${query.toString()}`);
      if (!res.ok) return res;
      if (res.value.status !== 200) return failed(res.value, 'amazon: getOrders', http);
      const page = parseJson(res.value, amazonOrdersResponse, 'amazon: getOrders');
      if (!page.ok) return page;

      const events: ReceivedEvent[] = [];
      const unreadable: UnreadableItem[] = [];
      let seen = state.seen;
      for (const rawOrder of page.value.payload.Orders) {
        const head = amazonOrder.safeParse(rawOrder);
        if (!head.success) {
          const id = (rawOrder as { AmazonOrderId?: unknown } | null)?.AmazonOrderId;
          unreadable.push({
            dedupeKey: `order:${typeof id === 'string' ? id : 'unknown'}:${createHash('sha256')
              .update(JSON.stringify(rawOrder ?? null))
              .digest('hex')
              .slice(0, 16)}`,
            reason: `order does not match Amazon's format (${describeIssues(head.error.issues)})`,
            raw: rawOrder,
          });
          continue;
        }
        const order = head.data;
        seen = later(seen, iso(order.LastUpdateDate));
        const key = amazonOrderKey(order.AmazonOrderId, order.LastUpdateDate);
        if (order.OrderStatus === 'Canceled') {
          events.push({
            dedupeKey: `cancel:${order.AmazonOrderId}`,
            event: {
              type: 'cancelled',
              externalId: order.AmazonOrderId,
              reason: 'Canceled',
              at: iso(order.LastUpdateDate) ?? order.LastUpdateDate,
            },
            raw: rawOrder,
          });
          continue;
        }
        if (order.OrderStatus === 'Pending' || order.OrderStatus === 'PendingAvailability') {
          events.push({
            dedupeKey: key,
            event: {
              type: 'ignored',
              reason: `${order.OrderStatus}: Amazon has not authorised the payment yet; the order comes in once it is Unshipped`,
            },
            raw: rawOrder,
          });
          continue;
        }
        const items = await itemsOf(conn, http, order.AmazonOrderId);
        if (!items.ok) return items;
        if (items.value === null) {
          unreadable.push({
            dedupeKey: key,
            reason: `items of order ${order.AmazonOrderId} not found (HTTP 404)`,
            raw: rawOrder,
          });
          continue;
        }
        const read = readAmazonOrder(rawOrder, items.value);
        const raw = { order: rawOrder, items: items.value };
        if (!read.ok) {
          unreadable.push({ dedupeKey: key, reason: `order ${order.AmazonOrderId}: ${read.reason}`, raw });
          continue;
        }
        events.push({ dedupeKey: key, event: { type: 'order', order: read.order }, raw });
        const parsedItems = items.value.flatMap((item) => {
          const parsed = amazonOrderItem.safeParse(item);
          return parsed.success ? [parsed.data] : [];
        });
        const request = buyerCancelRequest(parsedItems);
        if (request && (order.OrderStatus === 'Unshipped' || order.OrderStatus === 'PartiallyShipped'))
          events.push({
            dedupeKey: `buyer-cancel:${order.AmazonOrderId}`,
            event: { type: 'cancelled', externalId: order.AmazonOrderId, reason: 'BuyerRequestedCancel', ...request },
            raw,
          });
      }
      const nextToken = page.value.payload.NextToken;
      const next: PollCursor = nextToken
        ? { after: state.after, next: nextToken, ...(seen ? { seen } : {}) }
        : // LastUpdatedAfter is inclusive: the last order is read again next time, harmless by its key.
          { after: seen ?? state.after };
      return ok({ events, unreadable, cursor: JSON.stringify(next), more: !!nextToken });
    },

    async confirmShipment(conn, shipment: ShipmentConfirmation, http) {
      const marketplaceId = marketplaceIds(conn)[0];
      if (!marketplaceId)
        return err(channelError('CHANNEL_REJECTED', 'amazon: settings.marketplaceIds is empty', { retryable: false }));
      if (!shipment.trackingNumber)
        return err(
          channelError(
            'CHANNEL_REJECTED',
            'amazon: a shipment confirmation needs a tracking number (packageDetail.trackingNumber is required)',
            {
              retryable: false,
            },
          ),
        );
      const res = await call(
        conn,
        http,
        'POST',
        `/orders/v0/orders/${encodeURIComponent(shipment.externalId)}/shipmentConfirmation`,
        {
          marketplaceId,
          packageDetail: {
            packageReferenceId: amazonPackageReference(shipment.trackingNumber),
            ...amazonCarrier(shipment.carrier),
            trackingNumber: shipment.trackingNumber,
            shipDate: new Date(shipment.shippedAt).toISOString(),
            orderItems: shipment.lines.map((line) => ({ orderItemId: line.externalLineId, quantity: line.quantity })),
          },
        },
      );
      if (!res.ok) return res;
      if (res.value.status !== 204 && res.value.status !== 200)
        return failed(res.value, 'amazon: confirm shipment', http);
      return ok(undefined);
    },

    /**
     * Orders v0 has no seller cancel: the cancellation is an OrderAcknowledgement feed with
     * StatusCode Failure and a CancelReason per item (POST_ORDER_ACKNOWLEDGEMENT_DATA): create a
     * feed document, upload the XML to its pre-signed URL, create the feed. Amazon processes the
     * feed asynchronously; success here means the feed was accepted for processing.
     */
    async cancel(conn, cancellation: Cancellation, http) {
      if (!(AMAZON_CANCEL_REASONS as readonly string[]).includes(cancellation.reasonCode))
        return err(
          channelError(
            'CHANNEL_REJECTED',
            `amazon: cancel reason ${cancellation.reasonCode} is not one of Amazon's (${AMAZON_CANCEL_REASONS.join(', ')})`,
            { retryable: false },
          ),
        );
      const sellerId = setting(conn, 'sellerId');
      const marketplaceId = marketplaceIds(conn)[0];
      if (!sellerId || !marketplaceId)
        return err(
          channelError(
            'CHANNEL_REJECTED',
            'amazon: cancellation feeds need settings.sellerId and settings.marketplaceIds',
            {
              retryable: false,
            },
          ),
        );
      const contentType = 'text/xml; charset=UTF-8';
      const created = await call(conn, http, 'POST', '/feeds/2021-06-30/documents', { contentType });
      if (!created.ok) return created;
      if (created.value.status !== 201 && created.value.status !== 200)
        return failed(created.value, 'amazon: create feed document', http);
      const document = parseJson(created.value, amazonFeedDocument, 'amazon: create feed document');
      if (!document.ok) return document;
      const xml = orderAcknowledgementFeed(sellerId, cancellation);
      // The pre-signed URL carries its own authorisation: no access token on the upload.
      const upload = await send(withRawBody(http, xml, contentType), {
        method: 'PUT',
        url: document.value.url,
        json: xml,
      });
      if (!upload.ok) return upload;
      if (upload.value.status !== 200) return failed(upload.value, 'amazon: upload feed document', http);
      const feed = await call(conn, http, 'POST', '/feeds/2021-06-30/feeds', {
        feedType: 'POST_ORDER_ACKNOWLEDGEMENT_DATA',
        marketplaceIds: [marketplaceId],
        inputFeedDocumentId: document.value.feedDocumentId,
      });
      if (!feed.ok) return feed;
      if (feed.value.status !== 202 && feed.value.status !== 200)
        return failed(feed.value, 'amazon: create feed', http);
      const accepted = parseJson(feed.value, amazonFeed, 'amazon: create feed');
      if (!accepted.ok) return accepted;
      return ok(undefined);
    },

    async pushStock(conn, items: StockItem[], http): Promise<ChannelResult<StockPushOutcome>> {
      if (items.length > 1) throw new RangeError('amazon: Listings Items takes one SKU per request (batchSize 1)');
      const item = items[0];
      if (!item) return ok({ accepted: 0, refused: [] });
      const sellerId = setting(conn, 'sellerId');
      const marketplaceId = marketplaceIds(conn)[0];
      if (!sellerId || !marketplaceId)
        return err(
          channelError('CHANNEL_REJECTED', 'amazon: stock needs settings.sellerId and settings.marketplaceIds', {
            retryable: false,
          }),
        );
      const sku = item.sellerSku || item.offerId;
      const res = await call(
        conn,
        http,
        'PATCH',
        `/listings/2021-08-01/items/${encodeURIComponent(sellerId)}/${encodeURIComponent(sku)}?marketplaceIds=${encodeURIComponent(marketplaceId)}`,
        {
          productType: 'PRODUCT',
          patches: [
            {
              op: 'replace',
              path: '/attributes/fulfillment_availability',
              value: [{ fulfillment_channel_code: 'DEFAULT', quantity: Math.max(0, Math.trunc(item.quantity)) }],
            },
          ],
        },
      );
      if (!res.ok) return res;
      if (res.value.status === 404)
        return ok({
          accepted: 0,
          refused: [{ offerId: item.offerId, reason: amazonMessages(res.value).join('; ') || 'SKU not found' }],
        });
      if (res.value.status !== 200) return failed(res.value, `amazon: stock of ${sku}`, http);
      const submission = parseJson(res.value, amazonListingsSubmission, `amazon: stock of ${sku}`);
      if (!submission.ok) return submission;
      if (submission.value.status === 'ACCEPTED') return ok({ accepted: 1, refused: [] });
      const reason = (submission.value.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`).join('; ');
      return ok({ accepted: 0, refused: [{ offerId: item.offerId, reason: reason || submission.value.status }] });
    },
  };
}
