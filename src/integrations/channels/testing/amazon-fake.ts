/**
 * A local Selling Partner API: Login with Amazon (refresh_token grant), Orders v0 (getOrders by
 * LastUpdatedAfter with NextToken pages, getOrderItems with NextToken pages, confirmShipment),
 * Feeds 2021-06-30 (document, pre-signed upload, feed: order acknowledgement XML is read and the
 * cancellation applied), Listings Items 2021-08-01 PATCH (fulfillment_availability) and Sellers
 * v1, with SP-API error bodies (`{errors: [{code, message, details}]}`) and the
 * `x-amz-access-token` check. Orders are built from the sandbox fixtures with the id replaced.
 */
import { readFileSync } from 'node:fs';
import { startFakeServer, type FakeChannelServer, type FakeReply, type RecordedRequest } from './fake-http.js';

const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/amazon/${name}`, import.meta.url), 'utf8'));

export function amazonSampleOrder(): Record<string, any> {
  return structuredClone(fixture('getOrders_200_0.json').response.payload.Orders[0]);
}
export function amazonSampleItems(): Record<string, any>[] {
  return structuredClone(fixture('getOrderItems_200_0.json').response.payload.OrderItems);
}

export interface AmazonFake extends FakeChannelServer {
  addOrder(
    orderId: string,
    changes?: (order: Record<string, any>, items: Record<string, any>[]) => void,
  ): { order: Record<string, any>; items: Record<string, any>[] };
  /** Amazon cancels (or the buyer's request is granted): status Canceled, a new LastUpdateDate. */
  cancelOrder(orderId: string): void;
  orders: Map<string, { order: Record<string, any>; items: Record<string, any>[] }>;
  shipments: { orderId: string; marketplaceId: string; packageDetail: Record<string, any> }[];
  cancellations: { orderId: string; reasonCode: string; itemIds: string[]; xml: string }[];
  feeds: { feedId: string; feedType: string; marketplaceIds: string[]; documentId: string }[];
  stock: Map<string, number>;
  knownSkus: string[];
  tokenRequests: number;
}

const spError = (status: number, code: string, message: string, details?: string): FakeReply => ({
  status,
  json: { errors: [{ code, message, ...(details ? { details } : {}) }] },
});

export async function startAmazonFake(opts: {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  sellerId: string;
  marketplaceId: string;
  skus?: string[];
  itemsPageSize?: number;
}): Promise<AmazonFake> {
  const orders = new Map<string, { order: Record<string, any>; items: Record<string, any>[] }>();
  const shipments: AmazonFake['shipments'] = [];
  const cancellations: AmazonFake['cancellations'] = [];
  const feeds: AmazonFake['feeds'] = [];
  const documents = new Map<string, string | null>();
  const issued = new Set<string>();
  const pageTokens = new Map<string, { after: string; offset: number; markets: string[] }>();
  const itemTokens = new Map<string, { orderId: string; offset: number }>();
  const knownSkus = [
    ...new Set([...(opts.skus ?? []), ...amazonSampleItems().map((item) => item.SellerSKU as string)]),
  ];
  const stock = new Map<string, number>(knownSkus.map((sku) => [sku, 0]));
  let counter = 0;
  let clock = Date.now();
  const tick = () => new Date((clock += 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let baseUrl = '';
  let tokenRequests = 0;

  function authorised(req: RecordedRequest): boolean {
    const token = req.headers['x-amz-access-token'];
    return typeof token === 'string' && issued.has(token);
  }

  function token(req: RecordedRequest): FakeReply {
    tokenRequests++;
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'refresh_token')
      return {
        status: 400,
        json: { error: 'unsupported_grant_type', error_description: 'grant_type must be refresh_token' },
      };
    if (form.get('client_id') !== opts.clientId || form.get('client_secret') !== opts.clientSecret)
      return { status: 401, json: { error: 'invalid_client', error_description: 'Client authentication failed' } };
    if (form.get('refresh_token') !== opts.refreshToken)
      return {
        status: 400,
        json: {
          error: 'invalid_grant',
          error_description: 'The request has an invalid grant parameter : refresh_token',
        },
      };
    const access = `Atza|fake-${++counter}`;
    issued.add(access);
    return {
      status: 200,
      json: { access_token: access, refresh_token: opts.refreshToken, token_type: 'bearer', expires_in: 3600 },
    };
  }

  function getOrders(req: RecordedRequest): FakeReply {
    const markets = (req.query.get('MarketplaceIds') ?? '').split(',').filter(Boolean);
    if (markets.length === 0) return spError(400, 'InvalidInput', 'Missing required MarketplaceIds');
    const size = Number(req.query.get('MaxResultsPerPage') ?? '100');
    if (!Number.isInteger(size) || size < 1 || size > 100)
      return spError(400, 'InvalidInput', 'MaxResultsPerPage must be between 1 and 100');
    let after = req.query.get('LastUpdatedAfter');
    let offset = 0;
    const next = req.query.get('NextToken');
    if (next) {
      const saved = pageTokens.get(next);
      if (!saved) return spError(400, 'InvalidInput', 'Invalid NextToken');
      after = saved.after;
      offset = saved.offset;
    }
    if (!after || Number.isNaN(Date.parse(after)))
      return spError(400, 'InvalidInput', 'Either CreatedAfter or LastUpdatedAfter must be set');
    const matching = [...orders.values()]
      .map((entry) => entry.order)
      .filter(
        (order) => markets.includes(order.MarketplaceId) && Date.parse(order.LastUpdateDate) >= Date.parse(after!),
      )
      .sort((left, right) => Date.parse(left.LastUpdateDate) - Date.parse(right.LastUpdateDate));
    const page = matching.slice(offset, offset + size);
    const payload: Record<string, unknown> = { Orders: page, LastUpdatedBefore: tick() };
    if (offset + size < matching.length) {
      const nextToken = Buffer.from(`orders-${++counter}`).toString('base64');
      pageTokens.set(nextToken, { after, offset: offset + size, markets });
      payload.NextToken = nextToken;
    }
    return { status: 200, json: { payload } };
  }

  function getItems(orderId: string, req: RecordedRequest): FakeReply {
    const entry = orders.get(orderId);
    if (!entry) return spError(404, 'NotFound', `Order ${orderId} not found`);
    const size = opts.itemsPageSize ?? 100;
    let offset = 0;
    const next = req.query.get('NextToken');
    if (next) {
      const saved = itemTokens.get(next);
      if (!saved || saved.orderId !== orderId) return spError(400, 'InvalidInput', 'Invalid NextToken');
      offset = saved.offset;
    }
    const payload: Record<string, unknown> = {
      AmazonOrderId: orderId,
      OrderItems: entry.items.slice(offset, offset + size),
    };
    if (offset + size < entry.items.length) {
      const nextToken = `items-${++counter}`;
      itemTokens.set(nextToken, { orderId, offset: offset + size });
      payload.NextToken = nextToken;
    }
    return { status: 200, json: { payload } };
  }

  function confirm(orderId: string, req: RecordedRequest): FakeReply {
    const entry = orders.get(orderId);
    if (!entry) return spError(404, 'NotFound', `Order ${orderId} not found`);
    const body = JSON.parse(req.body) as { marketplaceId?: string; packageDetail?: Record<string, any> };
    const pkg = body.packageDetail;
    if (!body.marketplaceId || body.marketplaceId !== entry.order.MarketplaceId)
      return spError(400, 'InvalidInput', 'Invalid Input', 'marketplaceId');
    if (!pkg || !/^[1-9]\d*$/.test(String(pkg.packageReferenceId ?? '')) || !pkg.carrierCode || !pkg.trackingNumber)
      return spError(400, 'InvalidInput', 'Invalid Input', 'packageDetail');
    if (pkg.carrierCode === 'Other' && !pkg.carrierName)
      return spError(400, 'InvalidInput', 'carrierName is required for Other');
    if (typeof pkg.shipDate !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(pkg.shipDate))
      return spError(400, 'InvalidInput', 'Invalid Input', 'shipDate');
    const ids = new Set(entry.items.map((item) => item.OrderItemId));
    const items = (pkg.orderItems ?? []) as { orderItemId?: string; quantity?: number }[];
    if (items.length === 0 || items.some((item) => !ids.has(item.orderItemId) || !Number.isInteger(item.quantity)))
      return spError(400, 'InvalidInput', 'Invalid Input', 'orderItems');
    shipments.push({ orderId, marketplaceId: body.marketplaceId, packageDetail: pkg });
    entry.order.OrderStatus = 'Shipped';
    entry.order.LastUpdateDate = tick();
    return { status: 204 };
  }

  function createFeed(req: RecordedRequest): FakeReply {
    const body = JSON.parse(req.body) as { feedType?: string; marketplaceIds?: string[]; inputFeedDocumentId?: string };
    if (body.feedType !== 'POST_ORDER_ACKNOWLEDGEMENT_DATA')
      return spError(400, 'InvalidInput', `Unsupported feedType ${body.feedType}`);
    const xml = documents.get(body.inputFeedDocumentId ?? '');
    if (!xml) return spError(400, 'InvalidInput', 'inputFeedDocumentId has no uploaded content');
    const orderId = /<AmazonOrderID>([^<]+)<\/AmazonOrderID>/.exec(xml)?.[1];
    const status = /<StatusCode>([^<]+)<\/StatusCode>/.exec(xml)?.[1];
    const reasons = [...xml.matchAll(/<CancelReason>([^<]+)<\/CancelReason>/g)].map((match) => match[1]!);
    const itemIds = [...xml.matchAll(/<AmazonOrderItemCode>([^<]+)<\/AmazonOrderItemCode>/g)].map((match) => match[1]!);
    const feedId = String(50_000_000 + ++counter);
    feeds.push({
      feedId,
      feedType: body.feedType,
      marketplaceIds: body.marketplaceIds ?? [],
      documentId: body.inputFeedDocumentId!,
    });
    // Amazon processes the feed later; the fake applies it at once.
    if (orderId && status === 'Failure') {
      cancellations.push({ orderId, reasonCode: reasons[0] ?? '', itemIds, xml });
      const entry = orders.get(orderId);
      if (entry) {
        entry.order.OrderStatus = 'Canceled';
        entry.order.LastUpdateDate = tick();
      }
    }
    return { status: 202, json: { feedId } };
  }

  function patchListing(sellerId: string, sku: string, req: RecordedRequest): FakeReply {
    if (sellerId !== opts.sellerId) return spError(403, 'Unauthorized', 'Access to requested resource is denied.');
    if (!req.query.get('marketplaceIds')) return spError(400, 'InvalidInput', 'marketplaceIds is required');
    const body = JSON.parse(req.body) as {
      productType?: string;
      patches?: { op: string; path: string; value: any[] }[];
    };
    const patch = body.patches?.find((candidate) => candidate.path === '/attributes/fulfillment_availability');
    const quantity = patch?.value?.[0]?.quantity;
    if (!body.productType || !patch || !Number.isInteger(quantity) || quantity < 0)
      return spError(400, 'InvalidInput', 'Invalid patch');
    if (!stock.has(sku))
      return {
        status: 200,
        json: {
          sku,
          status: 'INVALID',
          submissionId: `sub-${++counter}`,
          issues: [
            { code: '4000001', message: `SKU ${sku} is not in the catalogue of this seller`, severity: 'ERROR' },
          ],
        },
      };
    stock.set(sku, quantity);
    return { status: 200, json: { sku, status: 'ACCEPTED', submissionId: `sub-${++counter}`, issues: [] } };
  }

  function route(req: RecordedRequest): FakeReply {
    if (req.path === '/auth/o2/token' && req.method === 'POST') return token(req);
    const upload = /^\/feed-uploads\/([^/]+)$/.exec(req.path);
    if (upload && req.method === 'PUT') {
      // Pre-signed S3 URL: authorised by its query, and the content type must be the one declared.
      if (!req.query.get('X-Amz-Signature'))
        return { status: 403, body: '<Error><Code>AccessDenied</Code></Error>', contentType: 'application/xml' };
      if (!documents.has(upload[1]!))
        return { status: 404, body: '<Error><Code>NoSuchKey</Code></Error>', contentType: 'application/xml' };
      if (req.headers['content-type'] !== 'text/xml; charset=UTF-8')
        return {
          status: 403,
          body: '<Error><Code>SignatureDoesNotMatch</Code></Error>',
          contentType: 'application/xml',
        };
      documents.set(upload[1]!, req.body);
      return { status: 200, body: '' };
    }
    if (!authorised(req))
      return spError(
        403,
        'Unauthorized',
        'Access to requested resource is denied.',
        'The access token you provided is revoked, malformed or invalid.',
      );
    if (req.method === 'GET' && req.path === '/sellers/v1/marketplaceParticipations')
      return {
        status: 200,
        json: {
          payload: [
            {
              marketplace: {
                id: opts.marketplaceId,
                name: 'Amazon',
                countryCode: 'US',
                defaultCurrencyCode: 'USD',
                domainName: 'www.amazon.com',
              },
              participation: { isParticipating: true, hasSuspendedListings: false },
            },
          ],
        },
      };
    if (req.method === 'GET' && req.path === '/orders/v0/orders') return getOrders(req);
    const items = /^\/orders\/v0\/orders\/([^/]+)\/orderItems$/.exec(req.path);
    if (items && req.method === 'GET') return getItems(decodeURIComponent(items[1]!), req);
    const confirmation = /^\/orders\/v0\/orders\/([^/]+)\/shipmentConfirmation$/.exec(req.path);
    if (confirmation && req.method === 'POST') return confirm(decodeURIComponent(confirmation[1]!), req);
    if (req.method === 'POST' && req.path === '/feeds/2021-06-30/documents') {
      const body = JSON.parse(req.body) as { contentType?: string };
      if (!body.contentType) return spError(400, 'InvalidInput', 'contentType is required');
      const id = `amzn1.tortuga.4.eu.${++counter}`;
      documents.set(id, null);
      return {
        status: 201,
        json: { feedDocumentId: id, url: `${baseUrl}/feed-uploads/${id}?X-Amz-Signature=fake${counter}` },
      };
    }
    if (req.method === 'POST' && req.path === '/feeds/2021-06-30/feeds') return createFeed(req);
    const listing = /^\/listings\/2021-08-01\/items\/([^/]+)\/([^/]+)$/.exec(req.path);
    if (listing && req.method === 'PATCH')
      return patchListing(decodeURIComponent(listing[1]!), decodeURIComponent(listing[2]!), req);
    return spError(404, 'NotFound', `No route ${req.method} ${req.path}`);
  }

  const server = await startFakeServer({
    isAuthPath: (path) => path === '/auth/o2/token',
    route,
    rejection: () => spError(400, 'InvalidInput', 'Invalid Input'),
    unauthorized: () =>
      spError(
        403,
        'Unauthorized',
        'Access to requested resource is denied.',
        'The access token you provided is revoked, malformed or invalid.',
      ),
  });
  baseUrl = server.url;

  return {
    ...server,
    orders,
    shipments,
    cancellations,
    feeds,
    stock,
    knownSkus,
    get tokenRequests() {
      return tokenRequests;
    },
    addOrder(orderId, changes) {
      const order = amazonSampleOrder();
      const items = amazonSampleItems();
      order.AmazonOrderId = orderId;
      order.MarketplaceId = opts.marketplaceId;
      order.PurchaseDate = tick();
      order.LastUpdateDate = tick();
      // A fresh order: nobody has asked to cancel it yet.
      for (const item of items) item.BuyerRequestedCancel = { IsBuyerRequestedCancel: 'false', BuyerCancelReason: '' };
      changes?.(order, items);
      orders.set(orderId, { order, items });
      return { order, items };
    },
    cancelOrder(orderId) {
      const entry = orders.get(orderId);
      if (!entry) throw new Error(`no order ${orderId}`);
      entry.order.OrderStatus = 'Canceled';
      entry.order.LastUpdateDate = tick();
    },
  };
}
