/**
 * Allegro checkout forms read into Ordo's canonical order: money exact through minor units, the
 * buyer, delivery (with the pickup point's provider), payments, lines; the dedupe key of a form's
 * state and the revision kept with the order for the fulfillment calls.
 */
import { formatMoney, parseMoney } from '../../../shared/money.js';
import { describeIssues } from '../../describe-issues.js';
import type { ChannelAddress, ChannelConnection, ChannelOrder, ChannelOrderLine, ChannelPayment } from '../types.js';
import {
  allegroCheckoutForm,
  type AllegroCheckoutForm,
  type AllegroPayment,
  type AllegroPrice,
} from './allegro-schemas.js';

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
    const issues = describeIssues(parsed.error.issues);
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

/** The revision stored with the order: `attributes.revision`, or the first line's `order.revision` as mapped. */
export function revisionOf(ref: { attributes?: Record<string, unknown> }): string | undefined {
  const nested = ref.attributes?.order;
  const value =
    ref.attributes?.revision ??
    (nested && typeof nested === 'object' ? (nested as Record<string, unknown>).revision : undefined);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
