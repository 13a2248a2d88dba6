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
import { formatMoney, parseMoney } from '../../../shared/money.js';
import { err, ok } from '../../../shared/result.js';
import { channelError, httpStatusError, parseJson, send, tryJson, type HttpResponse } from '../http.js';
import type {
  Cancellation,
  ChannelAddress,
  ChannelConnection,
  ChannelConnector,
  ChannelHttpOptions,
  ChannelOrder,
  ChannelOrderLine,
  ChannelOrderRef,
  ChannelPayment,
  ChannelResult,
  PollPage,
  ReceivedEvent,
  ShipmentConfirmation,
  StockItem,
  StockPushOutcome,
  UnreadableItem,
} from '../types.js';
import {
  allegroCheckoutForm,
  allegroCommandReport,
  allegroCommandTasks,
  allegroErrors,
  allegroMe,
  allegroOrderEvent,
  allegroOrderEvents,
  type AllegroCheckoutForm,
  type AllegroPayment,
  type AllegroPrice,
} from './allegro-schemas.js';

export const ALLEGRO_DEFAULT_BASE_URL = 'https://api.allegro.pl';
export const ALLEGRO_MEDIA_TYPE = 'application/vnd.allegro.public.v1+json';

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

/** Pickup point provider from the delivery method's name ("Allegro Paczkomaty InPost", "Allegro One Box …"). */
export function allegroPickupProvider(methodName: string | null | undefined): string {
  const name = (methodName ?? '').toLowerCase();
  if (/paczkomat|inpost/.test(name)) return 'inpost';
  if (/one box|one punkt|allegro one/.test(name)) return 'allegro_one';
  if (/orlen|ruch/.test(name)) return 'orlen_paczka';
  if (/dpd/.test(name)) return 'dpd';
  if (/dhl/.test(name)) return 'dhl';
  if (/ups/.test(name)) return 'ups';
  if (/gls/.test(name)) return 'gls';
  if (/poczt|pocztex/.test(name)) return 'poczta_polska';
  return methodName?.trim() || 'allegro';
}

// --- money: exact string arithmetic through minor units ------------------------------------

type Money = { units: bigint; currency: string };

function money(price: AllegroPrice, where: string): Money {
  const units = parseMoney(price.amount, price.currency);
  if (typeof units === 'string') throw new UnreadableOrder(`${where}: ${price.amount} ${price.currency} (${units})`);
  return { units, currency: price.currency };
}

/** A checkout form Ordo cannot read: becomes an `unreadable` item, never a thrown error out of the connector. */
class UnreadableOrder extends Error {}

function sameCurrency(value: Money, currency: string, where: string): Money {
  if (value.currency !== currency)
    throw new UnreadableOrder(`${where} is in ${value.currency}, the order in ${currency}`);
  return value;
}

// --- mapping --------------------------------------------------------------------------------

function joinName(...parts: (string | null | undefined)[]): string {
  return parts
    .filter((part): part is string => !!part && part.trim().length > 0)
    .join(' ')
    .trim();
}

function paymentMethod(type: string): ChannelPayment['method'] {
  switch (type) {
    case 'CASH_ON_DELIVERY':
      return 'cash_on_delivery';
    case 'WIRE_TRANSFER':
    case 'SPLIT_PAYMENT':
      return 'bank_transfer';
    case 'ONLINE':
      // Paid online through Allegro's own checkout (PayU / P24 / Allegro Finance).
      return 'marketplace';
    default:
      return 'other';
  }
}

function toPayment(payment: AllegroPayment, currency: string, totalToPay: string): ChannelPayment | null {
  const method = paymentMethod(payment.type);
  if (method === 'cash_on_delivery') {
    // Collected by the carrier: nothing is paid yet; the amount due is what the buyer pays.
    const amount = payment.paidAmount?.amount ?? totalToPay;
    return {
      method,
      amount,
      status: 'pending',
      ...(payment.provider ? { provider: payment.provider } : {}),
      reference: payment.id,
    };
  }
  if (!payment.paidAmount) return null;
  sameCurrency(money(payment.paidAmount, 'payment'), currency, 'payment');
  return {
    method,
    amount: payment.paidAmount.amount,
    status: payment.finishedAt ? 'paid' : 'pending',
    ...(payment.provider ? { provider: payment.provider } : {}),
    reference: payment.id,
  };
}

/**
 * One checkout form as a canonical order. Line prices: Allegro's `originalPrice` is the unit
 * price before discounts and `price` what the buyer paid per unit; the difference times the
 * quantity is the line's discount (coupons, multipacks and wholesale prices are already spread
 * per line by Allegro, which names the kinds in `discounts[]` without amounts).
 */
export function mapAllegroCheckoutForm(
  form: AllegroCheckoutForm,
  conn?: Pick<ChannelConnection, 'settings'>,
): ChannelOrder {
  const currency = form.summary.totalToPay.currency;
  money(form.summary.totalToPay, 'summary.totalToPay');

  const lines: ChannelOrderLine[] = [];
  for (const item of form.lineItems) {
    const paid = sameCurrency(money(item.price, `line ${item.id} price`), currency, `line ${item.id}`);
    const original = item.originalPrice
      ? sameCurrency(money(item.originalPrice, `line ${item.id} originalPrice`), currency, `line ${item.id}`)
      : paid;
    const perUnitOff = original.units - paid.units;
    const unitPrice = perUnitOff >= 0n ? original : paid;
    const discount = perUnitOff > 0n ? perUnitOff * BigInt(item.quantity) : 0n;
    const sku = item.offer.external?.id ?? undefined;
    lines.push({
      externalLineId: item.id,
      kind: 'product',
      offerId: item.offer.id,
      ...(sku ? { sellerSku: sku } : {}),
      name: item.offer.name,
      quantity: item.quantity,
      unitPrice: formatMoney(unitPrice.units, currency),
      ...(discount > 0n ? { discount: formatMoney(discount, currency) } : {}),
      ...(item.tax?.rate ? { taxRate: item.tax.rate } : {}),
      attributes: {
        paidUnitPrice: item.price.amount,
        ...(item.originalPrice ? { originalUnitPrice: item.originalPrice.amount } : {}),
        ...(item.boughtAt ? { boughtAt: item.boughtAt } : {}),
      },
    });
    // Additional services (carry-in, assembly …) the buyer chose for this line: service lines, no stock.
    for (const service of item.selectedAdditionalServices ?? []) {
      sameCurrency(
        money(service.price, `service ${service.definitionId}`),
        currency,
        `service ${service.definitionId}`,
      );
      lines.push({
        externalLineId: `${item.id}:${service.definitionId}`,
        kind: 'service',
        offerId: `service:${service.definitionId}`,
        name: service.name ?? service.definitionId,
        quantity: service.quantity,
        unitPrice: service.price.amount,
        attributes: { additionalServiceOf: item.id, definitionId: service.definitionId },
      });
    }
  }

  const delivery = form.delivery ?? undefined;
  const shippingLines: ChannelOrder['shippingLines'] = [];
  if (delivery?.method || delivery?.cost) {
    if (delivery.cost) sameCurrency(money(delivery.cost, 'delivery.cost'), currency, 'delivery.cost');
    shippingLines.push({
      ...(delivery.method?.id ? { code: delivery.method.id } : {}),
      ...(delivery.method?.name ? { title: delivery.method.name } : {}),
      carrier: allegroPickupProvider(delivery.method?.name),
      amount: delivery.cost?.amount ?? formatMoney(0n, currency),
    });
  }

  const payments: ChannelPayment[] = [];
  for (const payment of [...(form.payment ? [form.payment] : []), ...(form.surcharges ?? [])]) {
    const mapped = toPayment(payment, currency, form.summary.totalToPay.amount);
    if (mapped) payments.push(mapped);
  }

  const deliveryAddress = delivery?.address;
  const shippingAddress: ChannelAddress | undefined =
    deliveryAddress?.street && deliveryAddress.city && deliveryAddress.countryCode
      ? {
          name: joinName(deliveryAddress.firstName, deliveryAddress.lastName),
          ...(deliveryAddress.companyName ? { company: deliveryAddress.companyName } : {}),
          line1: deliveryAddress.street,
          city: deliveryAddress.city,
          ...(deliveryAddress.zipCode ? { postalCode: deliveryAddress.zipCode } : {}),
          country: deliveryAddress.countryCode,
          ...(deliveryAddress.phoneNumber ? { phone: deliveryAddress.phoneNumber } : {}),
        }
      : undefined;

  const invoice = form.invoice?.required ? form.invoice.address : undefined;
  const billingAddress: ChannelAddress | undefined =
    invoice?.street && invoice.city && invoice.countryCode
      ? {
          name:
            joinName(invoice.naturalPerson?.firstName, invoice.naturalPerson?.lastName) ||
            invoice.company?.name ||
            joinName(form.buyer.firstName, form.buyer.lastName),
          ...(invoice.company?.name ? { company: invoice.company.name } : {}),
          line1: invoice.street,
          city: invoice.city,
          ...(invoice.zipCode ? { postalCode: invoice.zipCode } : {}),
          country: invoice.countryCode,
        }
      : undefined;

  const point = delivery?.pickupPoint;
  const provider = allegroPickupProvider(delivery?.method?.name);
  const placedAt =
    form.lineItems
      .map((item) => item.boughtAt)
      .filter((at): at is string => !!at)
      .sort()[0] ??
    form.updatedAt ??
    undefined;
  if (!placedAt) throw new UnreadableOrder('no boughtAt on any line and no updatedAt');

  const shipBy = delivery?.time?.dispatch?.to ?? undefined;
  const deliverBy = delivery?.time?.guaranteed?.to ?? delivery?.time?.to ?? undefined;
  const settingMarketplace = typeof conn?.settings.marketplaceId === 'string' ? conn.settings.marketplaceId : undefined;
  const marketplaceId = form.marketplace?.id ?? settingMarketplace ?? 'allegro-pl';

  // ChannelOrder has no order-level attributes: the facts that have no canonical field ride on
  // the first line (see docs/channels/allegro.md).
  const orderFacts: Record<string, unknown> = {
    buyerLogin: form.buyer.login,
    buyerGuest: form.buyer.guest,
    ...(form.revision ? { revision: form.revision } : {}),
    ...(form.fulfillment?.status ? { fulfillmentStatus: form.fulfillment.status } : {}),
    ...(form.discounts?.length ? { discountTypes: form.discounts.map((discount) => discount.type) } : {}),
    ...(invoice?.company?.taxId ? { buyerTaxId: invoice.company.taxId } : {}),
    ...(form.invoice ? { invoiceRequired: form.invoice.required } : {}),
    totalToPay: form.summary.totalToPay.amount,
    ...(delivery?.smart !== undefined && delivery.smart !== null ? { smart: delivery.smart } : {}),
  };
  const first = lines[0]!;
  first.attributes = { ...first.attributes, order: orderFacts };

  const email = form.buyer.email;
  return {
    externalId: form.id,
    ...(form.revision || form.updatedAt ? { externalVersion: form.revision ?? form.updatedAt! } : {}),
    currency,
    // Allegro prices are gross (VAT included).
    pricesIncludeTax: true,
    placedAt: new Date(placedAt).toISOString(),
    customer: {
      externalId: form.buyer.id,
      name: joinName(form.buyer.firstName, form.buyer.lastName) || form.buyer.login,
      email,
      ...(form.buyer.phoneNumber ? { phone: form.buyer.phoneNumber } : {}),
      // Allegro hands out a relay alias (…@allegromail.pl) instead of the buyer's own address.
      masked: /@allegromail\.(pl|com)$/i.test(email),
    },
    lines,
    shippingLines,
    // No amounts at Allegro: the discounts are already in each line's price (see above).
    discounts: [],
    payments,
    ...(shippingAddress ? { shippingAddress } : {}),
    ...(billingAddress ? { billingAddress } : {}),
    delivery: {
      method: point ? 'pickup_point' : 'ship',
      ...(point
        ? {
            pickupPoint: {
              provider,
              id: point.id,
              ...(point.name ? { name: point.name } : {}),
              ...(point.address
                ? {
                    address: {
                      ...(point.address.street ? { line1: point.address.street } : {}),
                      ...(point.address.city ? { city: point.address.city } : {}),
                      ...(point.address.zipCode ? { postalCode: point.address.zipCode } : {}),
                      ...(point.address.countryCode ? { country: point.address.countryCode } : {}),
                    },
                  }
                : {}),
            },
          }
        : {}),
      ...(delivery?.method ? { carrier: provider } : {}),
      ...(delivery?.method?.name ? { service: delivery.method.name } : {}),
    },
    marketplace: {
      marketplaceId,
      ...(shipBy ? { shipBy: new Date(shipBy).toISOString() } : {}),
      ...(deliverBy ? { deliverBy: new Date(deliverBy).toISOString() } : {}),
    },
    ...(form.messageToSeller ? { notes: form.messageToSeller } : {}),
    channelStatus: form.status,
  };
}

/** Reads one checkout form body; bad data is an unreadable reason, never a throw. */
export function readAllegroCheckoutForm(
  raw: unknown,
  conn?: Pick<ChannelConnection, 'settings'>,
): { ok: true; order: ChannelOrder } | { ok: false; reason: string } {
  const parsed = allegroCheckoutForm.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: `checkout form does not match Allegro's format (${issues})` };
  }
  try {
    return { ok: true, order: mapAllegroCheckoutForm(parsed.data, conn) };
  } catch (error) {
    if (error instanceof UnreadableOrder) return { ok: false, reason: error.message };
    throw error;
  }
}

/**
 * Dedupe key of an order read from the journal: `order:<checkoutFormId>:<revision>` (revision,
 * else updatedAt). The key names the state of the form, not the event: an overlapping poll
 * re-reads the same form and gets the same key, READY_FOR_PROCESSING and a later BUYER_MODIFIED
 * that resolve to the same form collapse into one, and a changed form has a new revision.
 */
export function allegroOrderKey(order: ChannelOrder): string {
  return `order:${order.externalId}:${order.externalVersion ?? order.placedAt}`;
}

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

function call(
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

function failed(res: HttpResponse, what: string, http: ChannelHttpOptions) {
  return err(httpStatusError(res, what, allegroMessages(res), http.now?.()));
}

async function setFulfillment(
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

/** The revision stored with the order: `attributes.revision`, or the first line's `order.revision` as mapped. */
function revisionOf(ref: { attributes?: Record<string, unknown> }): string | undefined {
  const nested = ref.attributes?.order;
  const value =
    ref.attributes?.revision ??
    (nested && typeof nested === 'object' ? (nested as Record<string, unknown>).revision : undefined);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
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
