/**
 * One interface for every sales channel (shop or marketplace). A connector translates between
 * the channel's own published format and Ordo's canonical channel order; it keeps no state:
 * the connection (credentials, settings, mappings, polling cursor) is stored by Ordo and handed
 * in on every call. Expected failures (refusals, outages, 429, timeouts, garbage) are values;
 * only bugs throw.
 */
import type { Result } from '../../shared/result.js';

export const CHANNEL_KINDS = ['shopify', 'woocommerce', 'wildberries', 'ozon', 'allegro', 'amazon', '1c'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export type ChannelErrorCode =
  /** the channel refused the request (4xx with its messages); the same request will not succeed */
  | 'CHANNEL_REJECTED'
  /** our credentials were refused (401/403 after any token refresh) */
  | 'CHANNEL_AUTH_FAILED'
  /** 5xx, connection refused or reset */
  | 'CHANNEL_UNAVAILABLE'
  /** 429: `retryAfterMs` says when to try again when the channel told us */
  | 'CHANNEL_RATE_LIMITED'
  | 'CHANNEL_TIMEOUT'
  /** malformed JSON or a body that does not match the published format */
  | 'CHANNEL_BAD_RESPONSE'
  /** the channel does not offer this (e.g. no acknowledge step at Shopify) */
  | 'CHANNEL_UNSUPPORTED';

export interface ChannelError {
  code: ChannelErrorCode;
  message: string;
  /** True when the same call may succeed later (timeouts, 5xx, 429). */
  retryable: boolean;
  /** Set for 429 when the channel sent Retry-After or an equivalent header. */
  retryAfterMs?: number;
  /** Messages exactly as the channel wrote them. */
  channelMessages: string[];
  httpStatus?: number;
}

export type ChannelResult<T> = Result<T, ChannelError>;

/** A stored channel connection as a connector sees it (credentials already decrypted). */
export interface ChannelConnection {
  id: string;
  /** Tenant-chosen code, e.g. "allegro-main"; the `channel` of the orders it makes. */
  code: string;
  kind: ChannelKind;
  /** API base URL; each connector documents its production default. Tests point it at a local server. */
  baseUrl: string;
  /** Secrets as the channel names them: accessToken, apiKey, clientId, clientSecret, webhookSecret, refreshToken … */
  credentials: Readonly<Record<string, string>>;
  /** Non-secret settings: shop domain, marketplace id, warehouse ids, seller id … each connector documents its keys. */
  settings: Readonly<Record<string, unknown>>;
}

/** Passed to every network call; tests inject a fetch and a short timeout. */
export interface ChannelHttpOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Now, for signatures and polling windows; defaults to the real clock. */
  now?: () => Date;
}

// ---------------------------------------------------------------------------------------------
// The canonical channel order: everything a channel sends, in one shape. Money is an exact
// decimal string in major units of `currency` ("129.99"), never a float; times are ISO 8601 UTC;
// every channel id is kept as the channel's string.
// ---------------------------------------------------------------------------------------------

export interface ChannelAddress {
  name: string;
  company?: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode?: string;
  region?: string;
  /** ISO 3166-1 alpha-2 */
  country: string;
  phone?: string;
  email?: string;
}

export interface ChannelOrderLine {
  /** The channel's own line id (Shopify line_items[].id, Allegro lineItems[].id …), as a string. */
  externalLineId: string;
  /** 'product' lines hold stock; 'service' lines (assembly, carry-in, warranty) never do. */
  kind: 'product' | 'service';
  /** The channel's offer / listing / article id (WB nmId or article, Ozon offer_id, Allegro offer.id, ASIN/SellerSKU). */
  offerId: string;
  /** The seller's SKU when the channel sends one; may be Unicode ("УТ-0001365"). Mapping falls back to it. */
  sellerSku?: string;
  name: string;
  quantity: number;
  /** Price per unit before the line's own discount, as charged to the buyer. */
  unitPrice: string;
  /** Discount on this line only (not order-level discounts, those go in `discounts`). */
  discount?: string;
  /** Percentage string ("23") when the channel says it. */
  taxRate?: string;
  attributes?: Record<string, unknown>;
}

export interface ChannelShippingLine {
  /** Channel's id or code of the shipping method. */
  code?: string;
  title?: string;
  carrier?: string;
  amount: string;
  discount?: string;
  taxRate?: string;
}

export interface ChannelDiscount {
  /** 'order' discounts are spread over product lines, 'shipping' discounts over shipping lines. */
  target: 'order' | 'shipping';
  amount: string;
  code?: string;
  title?: string;
}

export interface ChannelPayment {
  method: 'card' | 'gift_card' | 'marketplace' | 'cash_on_delivery' | 'bank_transfer' | 'wallet' | 'other';
  amount: string;
  status: 'paid' | 'authorized' | 'pending';
  /** Payment provider or gateway as the channel names it ("shopify_payments", "PAYU", "Allegro Finance"). */
  provider?: string;
  reference?: string;
}

/** A third-party pickup point or parcel locker (InPost Paczkomat, Ozon/WB ПВЗ, Allegro One Box). */
export interface ChannelPickupPoint {
  provider: string;
  id: string;
  name?: string;
  address?: Partial<ChannelAddress>;
}

export interface ChannelOrder {
  /** The channel's order id as a string (Shopify id, WB id, Ozon posting_number, Allegro checkout form id, AmazonOrderId). */
  externalId: string;
  /** A version that grows with each change at the channel (updated_at, revision), used to ignore stale updates. */
  externalVersion?: string;
  /** Order number people see in the channel when it differs from the id (Shopify "#1001"). */
  displayNumber?: string;
  currency: string;
  pricesIncludeTax: boolean;
  placedAt: string;
  /** Absent or `masked` where the marketplace hides the buyer (WB, Ozon FBS, Amazon without PII role). */
  customer?: {
    externalId?: string;
    name?: string;
    email?: string;
    phone?: string;
    masked?: boolean;
  };
  lines: ChannelOrderLine[];
  shippingLines: ChannelShippingLine[];
  discounts: ChannelDiscount[];
  payments: ChannelPayment[];
  shippingAddress?: ChannelAddress;
  billingAddress?: ChannelAddress;
  delivery: {
    /** 'ship' to an address, 'pickup_point' to a third-party point or locker, 'store' pickup at our own store. */
    method: 'ship' | 'pickup_point' | 'store';
    pickupPoint?: ChannelPickupPoint;
    /** Channel warehouse / location id the order is to ship from (mapped to an Ordo location). */
    channelWarehouseId?: string;
    carrier?: string;
    service?: string;
  };
  marketplace?: {
    /** FBS/DBS/rFBS (seller ships), FBO/FBA (marketplace ships: informational only), MFN, SELF */
    fulfilmentModel?: 'FBS' | 'FBO' | 'DBS' | 'RFBS' | 'FBA' | 'MFN' | 'SELF';
    /** Latest time the seller must hand the parcel over (ship-by / cutoff). */
    shipBy?: string;
    deliverBy?: string;
    /** Marketplace commission on the whole order when the channel reports it. */
    commission?: string;
    /** Marketplace id / site (Amazon MarketplaceId, Allegro marketplace) */
    marketplaceId?: string;
  };
  notes?: string;
  /** Channel status as the channel says it, for the ingestion log and status mapping. */
  channelStatus?: string;
}

/** What one webhook delivery or one poll page tells Ordo. */
export type ChannelEvent =
  /** A new order, or a changed one (same externalId, newer externalVersion). */
  | { type: 'order'; order: ChannelOrder }
  /** The buyer or the marketplace cancelled. `reason` is the channel's own reason code. */
  | { type: 'cancelled'; externalId: string; reason?: string; reasonText?: string; at?: string }
  /** Status changed at the channel (delivered, returned …): recorded, mapped where the connection says. */
  | { type: 'status'; externalId: string; status: string; at?: string }
  /** Known but irrelevant to orders (ping, chat message, price index): logged as ignored. */
  | { type: 'ignored'; reason: string };

/** Every event carries the key Ordo dedupes it by and the piece of the payload it came from. */
export interface ReceivedEvent {
  /**
   * Stable for the same fact: a redelivery or an overlapping poll yields the same key
   * (e.g. `order:<id>:<version>`, `cancel:<id>`, the channel's event id).
   */
  dedupeKey: string;
  event: ChannelEvent;
  /** The part of the raw payload this event was read from (one order of a page), kept in the ingestion log. */
  raw: unknown;
}

/**
 * A payload Ordo could not read as an event: kept in the error queue with the reason and
 * replayed after the mapping or the connector is fixed. Never a thrown error.
 */
export interface UnreadableItem {
  dedupeKey: string;
  reason: string;
  raw: unknown;
}

export interface WebhookRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body exactly as received: signatures are computed over these bytes. */
  raw: Buffer;
}

export type WebhookOutcome =
  /** Signature checked and body read. Some webhooks must be answered with a body (Ozon's ping). */
  | { ok: true; events: ReceivedEvent[]; unreadable: UnreadableItem[]; reply?: { status: number; body: unknown } }
  /** Signature missing or wrong: answered 401, stored as rejected, nothing created. */
  | { ok: false; reason: string };

export interface PollPage {
  events: ReceivedEvent[];
  unreadable: UnreadableItem[];
  /** Stored and handed back on the next poll. Overlap is fine: dedupe keys make it harmless. */
  cursor: string | null;
  /** True when another page is waiting now (poll again without the interval). */
  more: boolean;
}

export interface StockItem {
  offerId: string;
  sellerSku: string;
  /** Channel warehouse id where the channel keeps stock per warehouse (WB, Ozon, Shopify location). */
  channelWarehouseId?: string;
  /** Units the channel may sell; never negative. */
  quantity: number;
}

export interface StockPushOutcome {
  /** Offers the channel accepted. */
  accepted: number;
  /** Offers the channel refused with its reason (unknown offer, archived …); not retried. */
  refused: { offerId: string; reason: string }[];
}

export interface ShipmentConfirmation {
  externalId: string;
  /** Lines shipped, by the channel's line id; all lines when the whole order ships. */
  lines: { externalLineId: string; offerId: string; quantity: number }[];
  carrier: string;
  trackingNumber: string | null;
  trackingUrl?: string;
  shippedAt: string;
}

export interface Cancellation {
  externalId: string;
  /** The channel's own reason code, mapped from Ordo's by the connection. */
  reasonCode: string;
  reasonText?: string;
  lines?: { externalLineId: string; offerId: string; quantity: number }[];
}

export interface ChannelConnector {
  readonly kind: ChannelKind;
  /** Production API base URL. */
  readonly defaultBaseUrl: string;
  /** Credentials the connection must carry (checked when it is saved). */
  readonly requiredCredentials: readonly string[];
  /** Settings keys the connector reads, with a one-line meaning each (shown in the console). */
  readonly settingsHelp: Readonly<Record<string, string>>;
  /** Published limits for stock updates: items per request and requests per minute. */
  readonly stockPush: { batchSize: number; requestsPerMinute: number } | null;

  /** Checks credentials with the cheapest authenticated call (the console's "Test connection"). */
  testConnection(conn: ChannelConnection, http: ChannelHttpOptions): Promise<ChannelResult<{ detail: string }>>;

  /** Native webhook: verify with the channel's own scheme, then read. Absent when the channel has none. */
  receiveWebhook?(conn: ChannelConnection, req: WebhookRequest, http: ChannelHttpOptions): WebhookOutcome;

  /** One page of new and changed orders since `cursor` (null = first poll: the connector picks a sane window). */
  poll?(conn: ChannelConnection, cursor: string | null, http: ChannelHttpOptions): Promise<ChannelResult<PollPage>>;

  /** Acknowledge / accept a new order where the marketplace asks for it (WB supplies, Allegro fulfillment status). */
  acknowledge?(conn: ChannelConnection, order: ChannelOrderRef, http: ChannelHttpOptions): Promise<ChannelResult<void>>;

  /** Pack / label step where the marketplace owns the label (Ozon ship, WB stickers). Returns the label when there is one. */
  prepareShipment?(
    conn: ChannelConnection,
    order: ChannelOrderRef,
    http: ChannelHttpOptions,
  ): Promise<ChannelResult<{ trackingNumber: string | null; label?: { contentType: string; data: Buffer } }>>;

  confirmShipment(
    conn: ChannelConnection,
    shipment: ShipmentConfirmation,
    http: ChannelHttpOptions,
  ): Promise<ChannelResult<void>>;

  cancel(conn: ChannelConnection, cancellation: Cancellation, http: ChannelHttpOptions): Promise<ChannelResult<void>>;

  /** One batch, at most `stockPush.batchSize` items; the caller batches, paces and backs off. */
  pushStock?(
    conn: ChannelConnection,
    items: StockItem[],
    http: ChannelHttpOptions,
  ): Promise<ChannelResult<StockPushOutcome>>;
}

export interface ChannelOrderRef {
  externalId: string;
  lines: { externalLineId: string; offerId: string; quantity: number }[];
  /** What the connector needs beyond the id (Ozon posting number parts, WB supply id) as stored from the order. */
  attributes?: Record<string, unknown>;
}
