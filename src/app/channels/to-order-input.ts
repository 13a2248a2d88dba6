/**
 * A connector's canonical channel order as Ordo's order input (POST /api/v1/orders): pure, so
 * the channel connection framework calls it on every received order and tests call it directly.
 * Every field the channel sent is carried: lines (product and service), seller SKUs mapped to
 * Ordo SKUs, shipping lines, order and shipping discounts, payments, a masked or missing buyer,
 * a third-party pickup point, marketplace fields; channel ids with no field of their own go in
 * `attributes.channel`. The result is checked with the same schema the API uses, so anything the
 * API would refuse comes back as problems with JSON-pointer paths instead.
 */
import type { ChannelAddress, ChannelOrder } from '../../integrations/channels/types.js';
import { MARKETPLACE_DELIVERS, orderInput, type OrderInput } from '../orders/schemas.js';

export interface OrderMapping {
  /** The channel code the orders belong to. */
  channel: string;
  /** The Ordo SKU for a channel offer (and the seller's SKU when the channel sends one), or undefined. */
  sku(offerId: string, sellerSku: string | undefined): string | undefined;
  /** The Ordo location code for a channel warehouse, or undefined. */
  location(channelWarehouseId: string): string | undefined;
}

export interface OrderInputProblem {
  /** JSON pointer into the order input (or, for SKUs and warehouses, the channel order field at fault). */
  path: string;
  reason: string;
}

export type ToOrderInputResult = { ok: true; value: OrderInput } | { ok: false; problems: OrderInputProblem[] };

/** Drops undefined and empty-string fields, so optional schema fields stay absent. */
function defined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined && field !== ''),
  ) as Partial<T>;
}

function address(value: Partial<ChannelAddress> | undefined) {
  if (!value) return undefined;
  return defined({
    name: value.name,
    company: value.company,
    line1: value.line1,
    line2: value.line2,
    city: value.city,
    postalCode: value.postalCode,
    region: value.region,
    country: value.country,
    phone: value.phone,
    email: value.email,
  });
}

const DELIVERY_METHODS = { ship: 'ship', pickup_point: 'pickup_point', store: 'pickup' } as const;

export function toOrderInput(order: ChannelOrder, mapping: OrderMapping): ToOrderInputResult {
  const problems: OrderInputProblem[] = [];

  const lines = order.lines.map((line, index) => {
    const sku = mapping.sku(line.offerId, line.sellerSku);
    if (sku === undefined)
      problems.push({
        path: `/lines/${index}/offerId`,
        reason: `no Ordo SKU for offer ${line.offerId}${line.sellerSku ? ` (seller SKU ${line.sellerSku})` : ''}`,
      });
    return defined({
      id: line.externalLineId,
      kind: line.kind,
      sku: sku ?? '',
      name: line.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      discount: line.discount,
      taxRate: line.taxRate,
      attributes: {
        ...(line.attributes ?? {}),
        offerId: line.offerId,
        ...(line.sellerSku !== undefined ? { sellerSku: line.sellerSku } : {}),
      },
    });
  });

  const delivery = order.delivery;
  // FBS: the buyer's pickup point is the marketplace's business; the seller ships to the marketplace
  const marketplaceHandOver =
    delivery.method === 'pickup_point' &&
    !delivery.pickupPoint &&
    MARKETPLACE_DELIVERS.has(order.marketplace?.fulfilmentModel ?? '');
  const warehouseId = delivery.channelWarehouseId;
  const location = warehouseId === undefined ? undefined : mapping.location(warehouseId);
  if (warehouseId !== undefined && location === undefined && delivery.method === 'store')
    problems.push({
      path: '/delivery/channelWarehouseId',
      reason: `no Ordo location for channel warehouse ${warehouseId}`,
    });
  if (delivery.method === 'store' && warehouseId === undefined)
    problems.push({
      path: '/delivery/channelWarehouseId',
      reason: 'a store pickup names the store (channel warehouse)',
    });

  const customer = order.customer
    ? defined({
        externalId: order.customer.externalId,
        masked: order.customer.masked,
        name: order.customer.name?.trim(),
        email: order.customer.email,
        phone: order.customer.phone,
      })
    : undefined;

  const channelIds = defined({
    externalVersion: order.externalVersion,
    status: order.channelStatus,
    warehouseId,
    // the Ordo location the channel says the order ships from (routing may use it)
    location: delivery.method === 'store' ? undefined : location,
  });

  const candidate = defined({
    channel: mapping.channel,
    externalId: order.externalId,
    displayNumber: order.displayNumber,
    customer: customer && Object.keys(customer).length > 0 ? customer : undefined,
    currency: order.currency,
    pricesIncludeTax: order.pricesIncludeTax,
    placedAt: order.placedAt,
    lines,
    shippingLines: order.shippingLines.length ? order.shippingLines.map((l) => defined({ ...l })) : undefined,
    discounts: order.discounts.length ? order.discounts.map((d) => defined({ ...d })) : undefined,
    payments: order.payments.length ? order.payments.map((p) => defined({ ...p })) : undefined,
    marketplace: order.marketplace ? defined({ ...order.marketplace }) : undefined,
    shippingAddress: address(order.shippingAddress),
    billingAddress: address(order.billingAddress),
    delivery: defined({
      method: marketplaceHandOver ? 'ship' : DELIVERY_METHODS[delivery.method],
      pickupLocation: delivery.method === 'store' ? location : undefined,
      pickupPoint: delivery.pickupPoint
        ? defined({
            provider: delivery.pickupPoint.provider,
            id: delivery.pickupPoint.id,
            name: delivery.pickupPoint.name,
            address: address(delivery.pickupPoint.address),
          })
        : undefined,
      carrier: delivery.carrier,
      service: delivery.service,
    }),
    notes: order.notes,
    attributes: Object.keys(channelIds).length ? { channel: channelIds } : undefined,
  });

  const parsed = orderInput.safeParse(candidate);
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const path = `/${issue.path.map(String).join('/')}`;
      // an unmapped SKU is already reported against the offer
      if (/^\/lines\/\d+\/sku$/.test(path) && problems.some((p) => p.path === path.replace(/sku$/, 'offerId')))
        continue;
      problems.push({ path, reason: issue.message });
    }
  if (problems.length || !parsed.success) return { ok: false, problems };
  return { ok: true, value: parsed.data };
}
