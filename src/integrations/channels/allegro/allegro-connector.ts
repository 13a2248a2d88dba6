/**
 * Allegro (https://api.allegro.pl): a polled marketplace. Orders come from the order events
 * journal (GET /order/events, cursor = the last event id); each READY_FOR_PROCESSING or
 * BUYER_MODIFIED event is resolved by reading its checkout form (GET /order/checkout-forms/{id}).
 * Outbound: fulfillment status (PROCESSING to acknowledge, SENT after the parcel number,
 * CANCELLED), parcel numbers (POST …/shipments) and stock through the batch quantity command.
 *
 * Auth: `Authorization: Bearer <accessToken>` with Allegro's media type
 * `application/vnd.allegro.public.v1+json` in Accept and Content-Type. The connector does not
 * refresh tokens: Allegro rotates the refresh token on every refresh, so the refresh belongs to
 * whoever stores the connection (see docs/channels/allegro.md).
 */
import { createHash, randomUUID } from 'node:crypto';
import { err, ok } from '../../../shared/result.js';
import { channelError, parseJson, tryJson } from '../http.js';
import type {
  Cancellation,
  ChannelConnector,
  ChannelOrderRef,
  ChannelResult,
  PollPage,
  ReceivedEvent,
  ShipmentConfirmation,
  StockItem,
  StockPushOutcome,
  UnreadableItem,
} from '../types.js';
import {
  allegroCommandReport,
  allegroCommandTasks,
  allegroMe,
  allegroOrderEvent,
  allegroOrderEvents,
} from './allegro-schemas.js';
import { ALLEGRO_DEFAULT_BASE_URL, call, failed, setFulfillment } from './allegro-client.js';
import { allegroOrderKey, readAllegroCheckoutForm, revisionOf } from './allegro-order.js';

/** Event types the poll asks for. FILLED_IN (not paid yet, may still change) is read and ignored. */
export const ALLEGRO_EVENT_TYPES = [
  'FILLED_IN',
  'READY_FOR_PROCESSING',
  'BUYER_MODIFIED',
  'BUYER_CANCELLED',
  'AUTO_CANCELLED',
] as const;
/** GET /order/events: `limit` is 1..1000 (spec: OrderEventsList, parameter `limit`). */
export const ALLEGRO_EVENTS_LIMIT = 1000;
/** "up to 1000 offers per command" (Allegro docs, offer-quantity-change-commands). */
export const ALLEGRO_QUANTITY_COMMAND_MAX_OFFERS = 1000;

/** Allegro's carrier dictionary (CheckoutFormAddWaybillRequest.carrierId), by Ordo carrier code. */
const CARRIER_IDS: Record<string, string> = {
  inpost: 'INPOST',
  dpd: 'DPD',
  dhl: 'DHL',
  ups: 'UPS',
  gls: 'GLS',
  fedex: 'FEDEX',
  poczta_polska: 'POCZTA_POLSKA',
  pocztex: 'POCZTA_POLSKA',
  ruch: 'RUCH',
  orlen: 'ORLEN',
  orlen_paczka: 'ORLEN',
  allegro: 'ALLEGRO',
  allegro_one: 'ALLEGRO',
  db_schenker: 'DB_SCHENKER',
  raben: 'RABEN',
  geis: 'GEIS',
  tnt: 'TNT_EXPRESS',
  x_press: 'X_PRESS_COURIERS',
  rhenus: 'RHENUS_LOGISTICS',
};

export function allegroCarrierId(carrier: string): { carrierId: string; carrierName?: string } {
  const key = carrier
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  const known = CARRIER_IDS[key];
  if (known) return { carrierId: known };
  // OTHER needs a name, at most 30 characters (spec).
  return { carrierId: 'OTHER', carrierName: carrier.trim().slice(0, 30) };
}

export function createAllegroConnector(): ChannelConnector {
  return {
    kind: 'allegro',
    defaultBaseUrl: ALLEGRO_DEFAULT_BASE_URL,
    requiredCredentials: ['accessToken'],
    settingsHelp: {
      marketplaceId: 'Allegro marketplace the account sells on when a checkout form does not say (default allegro-pl)',
    },
    // One quantity command takes up to 1000 offers; one command is sent per distinct quantity in
    // the batch, each followed by one read of its tasks. Allegro publishes no per-minute figure for
    // the command; 60 batches a minute stays far below the per-client limit (docs/channels/allegro.md).
    stockPush: { batchSize: ALLEGRO_QUANTITY_COMMAND_MAX_OFFERS, requestsPerMinute: 60 },

    async testConnection(conn, http) {
      const res = await call(conn, http, 'GET', '/me');
      if (!res.ok) return res;
      if (res.value.status !== 200) return failed(res.value, 'allegro: GET /me', http);
      const me = parseJson(res.value, allegroMe, 'allegro: GET /me');
      if (!me.ok) return me;
      return ok({ detail: `Allegro account ${me.value.login} (id ${me.value.id})` });
    },

    async poll(conn, cursor, http): Promise<ChannelResult<PollPage>> {
      const query = new URLSearchParams();
      if (cursor) query.set('from', cursor);
      for (const type of ALLEGRO_EVENT_TYPES) query.append('type', type);
      query.set('limit', String(ALLEGRO_EVENTS_LIMIT));
      const res = await call(conn, http, 'GET', `/order/events?${query.toString()}`);
      if (!res.ok) return res;
      if (res.value.status !== 200) return failed(res.value, 'allegro: GET /order/events', http);
      const page = parseJson(res.value, allegroOrderEvents, 'allegro: GET /order/events');
      if (!page.ok) return page;

      const events: ReceivedEvent[] = [];
      const unreadable: UnreadableItem[] = [];
      // One fact once per page (a READY_FOR_PROCESSING re-read as CANCELLED and the BUYER_CANCELLED event agree).
      const add = (received: ReceivedEvent) => {
        if (!events.some((known) => known.dedupeKey === received.dedupeKey)) events.push(received);
      };
      let lastId: string | null = cursor;
      // Forms read during this page, so several events of one order cost one request.
      const forms = new Map<
        string,
        ChannelResult<{ raw: unknown; read: ReturnType<typeof readAllegroCheckoutForm> }>
      >();

      for (const rawEvent of page.value.events) {
        const parsed = allegroOrderEvent.safeParse(rawEvent);
        const rawId = (rawEvent as { id?: unknown } | null)?.id;
        if (!parsed.success) {
          if (typeof rawId === 'string' && rawId) lastId = rawId;
          unreadable.push({
            dedupeKey: `event:${typeof rawId === 'string' && rawId ? rawId : JSON.stringify(rawEvent).slice(0, 80)}`,
            reason: `order event does not match Allegro's format (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`,
            raw: rawEvent,
          });
          continue;
        }
        const event = parsed.data;
        // An empty id (the spec's example has one) cannot be resumed from: the cursor stays.
        if (event.id) lastId = event.id;
        const formId = event.order.checkoutForm?.id;
        if (!formId) {
          unreadable.push({
            dedupeKey: `event:${event.id}`,
            reason: `${event.type} event without checkoutForm.id`,
            raw: event,
          });
          continue;
        }
        switch (event.type) {
          case 'BUYER_CANCELLED':
          case 'AUTO_CANCELLED':
            add({
              dedupeKey: `cancel:${formId}`,
              event: { type: 'cancelled', externalId: formId, reason: event.type, at: event.occurredAt },
              raw: event,
            });
            break;
          case 'READY_FOR_PROCESSING':
          case 'BUYER_MODIFIED': {
            let fetched = forms.get(formId);
            if (!fetched) {
              const formRes = await call(conn, http, 'GET', `/order/checkout-forms/${encodeURIComponent(formId)}`);
              if (!formRes.ok) return formRes;
              if (formRes.value.status === 404) {
                fetched = ok({ raw: null, read: { ok: false, reason: 'checkout form not found (HTTP 404)' } });
              } else if (formRes.value.status !== 200) {
                return failed(formRes.value, `allegro: GET /order/checkout-forms/${formId}`, http);
              } else {
                const body = tryJson(formRes.value);
                if (body === undefined)
                  return err(
                    channelError('CHANNEL_BAD_RESPONSE', `allegro: checkout form ${formId} is not JSON`, {
                      httpStatus: 200,
                    }),
                  );
                fetched = ok({ raw: body, read: readAllegroCheckoutForm(body, conn) });
              }
              forms.set(formId, fetched);
            }
            if (!fetched.ok) return fetched;
            const { raw, read } = fetched.value;
            if (!read.ok) {
              // Keyed by the form's content: the same bad form read again (another event, another poll) is one item.
              const digest = createHash('sha256')
                .update(JSON.stringify(raw ?? null))
                .digest('hex')
                .slice(0, 16);
              const dedupeKey = `order:${formId}:unreadable:${digest}`;
              if (!unreadable.some((known) => known.dedupeKey === dedupeKey))
                unreadable.push({ dedupeKey, reason: `checkout form ${formId}: ${read.reason}`, raw: raw ?? event });
              break;
            }
            add({ dedupeKey: allegroOrderKey(read.order), event: { type: 'order', order: read.order }, raw });
            if (read.order.channelStatus === 'CANCELLED')
              add({
                dedupeKey: `cancel:${formId}`,
                event: { type: 'cancelled', externalId: formId, reason: 'CANCELLED', at: event.occurredAt },
                raw,
              });
            break;
          }
          default:
            events.push({
              dedupeKey: `event:${event.id}`,
              event: {
                type: 'ignored',
                reason: `${event.type}: the buyer has not paid yet; the order comes with READY_FOR_PROCESSING`,
              },
              raw: event,
            });
        }
      }
      return ok({
        events,
        unreadable,
        cursor: lastId,
        more: page.value.events.length >= ALLEGRO_EVENTS_LIMIT,
      });
    },

    acknowledge(conn, order: ChannelOrderRef, http) {
      return setFulfillment(
        conn,
        http,
        order.externalId,
        'PROCESSING',
        revisionOf(order),
        'allegro: set fulfillment PROCESSING',
      );
    },

    async confirmShipment(conn, shipment: ShipmentConfirmation, http) {
      if (shipment.trackingNumber) {
        const carrier = allegroCarrierId(shipment.carrier);
        const res = await call(
          conn,
          http,
          'POST',
          `/order/checkout-forms/${encodeURIComponent(shipment.externalId)}/shipments`,
          {
            ...carrier,
            waybill: shipment.trackingNumber,
            // Service lines ("<lineId>:<service>") are not Allegro line items.
            lineItems: shipment.lines
              .filter((line) => !line.externalLineId.includes(':'))
              .map((line) => ({ id: line.externalLineId })),
          },
        );
        if (!res.ok) return res;
        if (res.value.status !== 201 && res.value.status !== 200)
          return failed(res.value, 'allegro: add parcel tracking number', http);
      }
      return setFulfillment(conn, http, shipment.externalId, 'SENT', undefined, 'allegro: set fulfillment SENT');
    },

    /**
     * Allegro's seller cancellation is the fulfillment status CANCELLED: the endpoint takes no
     * reason, so the reason code stays in Ordo. The refund is a separate step at Allegro.
     */
    cancel(conn, cancellation: Cancellation, http) {
      return setFulfillment(
        conn,
        http,
        cancellation.externalId,
        'CANCELLED',
        undefined,
        'allegro: set fulfillment CANCELLED',
      );
    },

    async pushStock(conn, items: StockItem[], http): Promise<ChannelResult<StockPushOutcome>> {
      if (items.length > ALLEGRO_QUANTITY_COMMAND_MAX_OFFERS)
        throw new RangeError(`allegro: at most ${ALLEGRO_QUANTITY_COMMAND_MAX_OFFERS} offers per batch`);
      // A command sets one quantity (changeType FIXED) for all its offers: one command per quantity.
      const byQuantity = new Map<number, string[]>();
      for (const item of items) {
        const quantity = Math.max(0, Math.trunc(item.quantity));
        byQuantity.set(quantity, [...(byQuantity.get(quantity) ?? []), item.offerId]);
      }
      let accepted = 0;
      const refused: StockPushOutcome['refused'] = [];
      for (const [quantity, offerIds] of byQuantity) {
        const commandId = randomUUID();
        const put = await call(conn, http, 'PUT', `/sale/offer-quantity-change-commands/${commandId}`, {
          modification: { changeType: 'FIXED', value: quantity },
          offerCriteria: [{ type: 'CONTAINS_OFFERS', offers: offerIds.map((id) => ({ id })) }],
        });
        if (!put.ok) return put;
        if (put.value.status !== 201 && put.value.status !== 200)
          return failed(put.value, 'allegro: offer quantity change command', http);
        const report = parseJson(put.value, allegroCommandReport, 'allegro: offer quantity change command');
        if (!report.ok) return report;
        const tasks = await call(
          conn,
          http,
          'GET',
          `/sale/offer-quantity-change-commands/${commandId}/tasks?limit=1000`,
        );
        if (!tasks.ok) return tasks;
        if (tasks.value.status !== 200) return failed(tasks.value, 'allegro: quantity command tasks', http);
        const list = parseJson(tasks.value, allegroCommandTasks, 'allegro: quantity command tasks');
        if (!list.ok) return list;
        const failedIds = new Set<string>();
        for (const task of list.value.tasks) {
          if (task.status !== 'FAIL') continue;
          failedIds.add(task.offer.id);
          const reasons = (task.errors ?? []).map((error) => error.userMessage ?? error.message).filter(Boolean);
          refused.push({ offerId: task.offer.id, reason: reasons.join('; ') || task.message || 'refused by Allegro' });
        }
        // Tasks still NEW are queued at Allegro: counted as accepted (the command is asynchronous).
        accepted += offerIds.filter((id) => !failedIds.has(id)).length;
      }
      return ok({ accepted, refused });
    },
  };
}
