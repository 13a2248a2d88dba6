/**
 * Amazon orders read into Ordo's canonical order: an order with its items mapped (money exact to
 * the minor unit, shipping summed over items, payments from the execution detail), the parsing
 * of raw JSON with readable reasons, the dedupe key of an order state and the buyer's cancel request.
 */
import { formatMoney, parseMoney } from '../../../shared/money.js';
import { describeIssues } from '../../describe-issues.js';
import type { ChannelAddress, ChannelOrder, ChannelOrderLine, ChannelPayment } from '../types.js';
import {
  amazonOrder,
  amazonOrderItem,
  type AmazonMoney,
  type AmazonOrder,
  type AmazonOrderItem,
} from './amazon-schemas.js';

/** Marketplaces whose prices exclude sales tax (US, Canada); elsewhere Amazon prices include VAT/GST. */
const TAX_EXCLUSIVE_MARKETPLACES = new Set(['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2']);

class UnreadableOrder extends Error {}

function units(value: AmazonMoney, currency: string, where: string): bigint {
  if (value.CurrencyCode !== currency)
    throw new UnreadableOrder(`${where} is in ${value.CurrencyCode}, the order in ${currency}`);
  const parsed = parseMoney(value.Amount, currency);
  if (typeof parsed === 'string') throw new UnreadableOrder(`${where}: ${value.Amount} ${currency} (${parsed})`);
  return parsed;
}

const abs = (value: bigint) => (value < 0n ? -value : value);

export function iso(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

export function truthy(value: string | boolean | null | undefined): boolean {
  return value === true || value === 'true';
}

function executionMethod(method: string): ChannelPayment['method'] {
  if (method === 'COD') return 'cash_on_delivery';
  if (method === 'GC') return 'gift_card';
  return 'other';
}

/**
 * An order and its items as a canonical order. `ItemPrice` is the price of the whole quantity:
 * the unit price is ItemPrice / quantity when that divides to the currency's minor unit; when it
 * does not, the unit price is rounded up to the next minor unit and the few minor units over
 * the total become part of the line's discount, so unit × quantity − discount is exactly
 * ItemPrice − PromotionDiscount. Shipping prices (per item at Amazon) add up to one shipping
 * line, shipping discounts to one shipping discount.
 */
export function mapAmazonOrder(order: AmazonOrder, items: AmazonOrderItem[]): ChannelOrder {
  const currency = order.OrderTotal?.CurrencyCode ?? items.find((item) => item.ItemPrice)?.ItemPrice?.CurrencyCode;
  if (!currency) throw new UnreadableOrder('neither OrderTotal nor any ItemPrice names a currency');
  if (order.OrderTotal) units(order.OrderTotal, currency, 'OrderTotal');

  const lines: ChannelOrderLine[] = [];
  let shipping = 0n;
  let shippingDiscount = 0n;
  let anyShipping = false;
  const shippingPromotions = new Set<string>();
  for (const item of items) {
    if (item.ShippingPrice) {
      shipping += units(item.ShippingPrice, currency, `item ${item.OrderItemId} ShippingPrice`);
      anyShipping = true;
    }
    if (item.ShippingDiscount) {
      const off = abs(units(item.ShippingDiscount, currency, `item ${item.OrderItemId} ShippingDiscount`));
      if (off > 0n) for (const id of item.PromotionIds ?? []) shippingPromotions.add(id);
      shippingDiscount += off;
    }
    // A line whose whole quantity was cancelled has nothing to ship.
    if (item.QuantityOrdered === 0) continue;
    if (!item.ItemPrice) throw new UnreadableOrder(`item ${item.OrderItemId} has no ItemPrice`);
    const total = units(item.ItemPrice, currency, `item ${item.OrderItemId} ItemPrice`);
    const quantity = BigInt(item.QuantityOrdered);
    const unit = (total + quantity - 1n) / quantity;
    const rounding = unit * quantity - total;
    const promotion = item.PromotionDiscount
      ? abs(units(item.PromotionDiscount, currency, `item ${item.OrderItemId} PromotionDiscount`))
      : 0n;
    const discount = promotion + rounding;
    lines.push({
      externalLineId: item.OrderItemId,
      kind: 'product',
      offerId: item.ASIN,
      ...(item.SellerSKU ? { sellerSku: item.SellerSKU } : {}),
      name: item.Title ?? item.SellerSKU ?? item.ASIN,
      quantity: item.QuantityOrdered,
      unitPrice: formatMoney(unit, currency),
      ...(discount > 0n ? { discount: formatMoney(discount, currency) } : {}),
      attributes: {
        asin: item.ASIN,
        itemPriceTotal: item.ItemPrice.Amount,
        ...(rounding > 0n ? { roundingInDiscount: formatMoney(rounding, currency) } : {}),
        ...(item.ItemTax ? { itemTax: item.ItemTax.Amount } : {}),
        ...(item.ShippingTax ? { shippingTax: item.ShippingTax.Amount } : {}),
        ...(item.PromotionIds?.length ? { promotionIds: item.PromotionIds } : {}),
        ...(item.ConditionId ? { condition: item.ConditionId } : {}),
        ...(item.IsGift !== undefined && item.IsGift !== null ? { isGift: truthy(item.IsGift) } : {}),
      },
    });
  }
  if (lines.length === 0) throw new UnreadableOrder('no item with a quantity ordered');

  const payments: ChannelPayment[] = [];
  const execution = (order.PaymentExecutionDetail ?? []).filter((detail) => detail.Payment.CurrencyCode === currency);
  if (execution.length > 0) {
    for (const detail of execution) {
      units(detail.Payment, currency, 'PaymentExecutionDetail');
      const method = executionMethod(detail.PaymentMethod);
      payments.push({
        method,
        amount: detail.Payment.Amount,
        status: method === 'cash_on_delivery' ? 'pending' : 'paid',
        provider: detail.PaymentMethod,
      });
    }
  } else if (order.OrderTotal) {
    const cod = order.PaymentMethod === 'COD';
    payments.push({
      method: cod ? 'cash_on_delivery' : 'marketplace',
      amount: order.OrderTotal.Amount,
      status: cod ? 'pending' : 'paid',
      provider: 'Amazon',
      reference: order.AmazonOrderId,
    });
  }

  const address = order.ShippingAddress;
  const shippingAddress: ChannelAddress | undefined =
    address?.City && address.CountryCode
      ? {
          // Without the PII role Amazon leaves out the name and street: kept empty, never invented.
          name: address.Name ?? '',
          ...(address.CompanyName ? { company: address.CompanyName } : {}),
          line1: address.AddressLine1 ?? '',
          ...(address.AddressLine2 || address.AddressLine3
            ? { line2: [address.AddressLine2, address.AddressLine3].filter(Boolean).join(', ') }
            : {}),
          city: address.City,
          ...(address.PostalCode ? { postalCode: address.PostalCode } : {}),
          ...(address.StateOrRegion ? { region: address.StateOrRegion } : {}),
          country: address.CountryCode,
          ...(address.Phone ? { phone: address.Phone } : {}),
        }
      : undefined;

  const first = lines[0]!;
  // ChannelOrder has no order-level attributes: they ride on the first line (docs/channels/amazon.md).
  first.attributes = {
    ...first.attributes,
    order: {
      fulfillmentChannel: order.FulfillmentChannel ?? null,
      isBusinessOrder: order.IsBusinessOrder ?? false,
      isPrime: order.IsPrime ?? false,
      ...(order.IsPremiumOrder !== undefined && order.IsPremiumOrder !== null
        ? { isPremiumOrder: order.IsPremiumOrder }
        : {}),
      ...(order.SalesChannel ? { salesChannel: order.SalesChannel } : {}),
      ...(order.OrderType ? { orderType: order.OrderType } : {}),
      ...(order.IsReplacementOrder !== undefined && order.IsReplacementOrder !== null
        ? { isReplacementOrder: truthy(order.IsReplacementOrder) }
        : {}),
      ...(order.PaymentMethodDetails?.length ? { paymentMethodDetails: order.PaymentMethodDetails } : {}),
      ...(order.IsAccessPointOrder ? { isAccessPointOrder: true } : {}),
      ...(order.OrderTotal ? { orderTotal: order.OrderTotal.Amount } : {}),
    },
  };

  const afn = order.FulfillmentChannel === 'AFN';
  const buyer = order.BuyerInfo;
  const shipBy = iso(order.LatestShipDate);
  const deliverBy = iso(order.LatestDeliveryDate);
  return {
    externalId: order.AmazonOrderId,
    externalVersion: order.LastUpdateDate,
    currency,
    pricesIncludeTax: !TAX_EXCLUSIVE_MARKETPLACES.has(order.MarketplaceId ?? ''),
    placedAt: iso(order.PurchaseDate) ?? order.PurchaseDate,
    // Amazon never shows the buyer's own address: the e-mail (with the PII role) is a relay alias.
    customer: {
      ...(buyer?.BuyerName ? { name: buyer.BuyerName } : {}),
      ...(buyer?.BuyerEmail ? { email: buyer.BuyerEmail } : {}),
      masked: true,
    },
    lines,
    shippingLines: anyShipping
      ? [
          {
            ...(order.ShipServiceLevel ? { code: order.ShipServiceLevel } : {}),
            ...(order.ShipmentServiceLevelCategory ? { title: order.ShipmentServiceLevelCategory } : {}),
            amount: formatMoney(shipping, currency),
          },
        ]
      : [],
    discounts:
      shippingDiscount > 0n
        ? [
            {
              target: 'shipping',
              amount: formatMoney(shippingDiscount, currency),
              ...(shippingPromotions.size ? { code: [...shippingPromotions].join(',') } : {}),
            },
          ]
        : [],
    payments,
    ...(shippingAddress ? { shippingAddress } : {}),
    delivery: {
      method: order.IsISPU ? 'store' : 'ship',
      ...(order.FulfillmentInstruction?.FulfillmentSupplySourceId
        ? { channelWarehouseId: order.FulfillmentInstruction.FulfillmentSupplySourceId }
        : {}),
      ...(order.ShipServiceLevel ? { service: order.ShipServiceLevel } : {}),
    },
    marketplace: {
      // AFN orders are shipped by Amazon (FBA): informational, Ordo does not fulfil them.
      fulfilmentModel: afn ? 'FBA' : 'MFN',
      ...(shipBy ? { shipBy } : {}),
      ...(deliverBy ? { deliverBy } : {}),
      ...(order.MarketplaceId ? { marketplaceId: order.MarketplaceId } : {}),
    },
    channelStatus: order.OrderStatus,
  };
}

export function readAmazonOrder(
  rawOrder: unknown,
  rawItems: unknown[],
): { ok: true; order: ChannelOrder } | { ok: false; reason: string } {
  const order = amazonOrder.safeParse(rawOrder);
  if (!order.success) return { ok: false, reason: `order: ${describeIssues(order.error.issues)}` };
  const items: AmazonOrderItem[] = [];
  for (const raw of rawItems) {
    const item = amazonOrderItem.safeParse(raw);
    if (!item.success) return { ok: false, reason: `order item: ${describeIssues(item.error.issues)}` };
    items.push(item.data);
  }
  try {
    return { ok: true, order: mapAmazonOrder(order.data, items) };
  } catch (error) {
    if (error instanceof UnreadableOrder) return { ok: false, reason: error.message };
    throw error;
  }
}

/** Same order state → same key: the id and Amazon's LastUpdateDate. */
export const amazonOrderKey = (orderId: string, lastUpdateDate: string) => `order:${orderId}:${lastUpdateDate}`;

export function buyerCancelRequest(items: AmazonOrderItem[]): { reasonText?: string } | null {
  const asked = items.find((item) => truthy(item.BuyerRequestedCancel?.IsBuyerRequestedCancel));
  if (!asked) return null;
  const reason = asked.BuyerRequestedCancel?.BuyerCancelReason;
  return reason ? { reasonText: reason } : {};
}
