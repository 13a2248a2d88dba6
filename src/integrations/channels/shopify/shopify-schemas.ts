/**
 * The parts of Shopify's Admin REST payloads (2024-10) the connector reads: orders as the
 * webhooks and GET /orders.json send them, fulfillment orders, transactions, errors. Fields we
 * read are checked; everything else passes through. Ids are 64-bit integers at Shopify, beyond
 * JS numbers: `parseShopifyJson` turns long integer literals into strings before JSON.parse, so
 * ids here are digit strings (short ones may still arrive as numbers).
 */
import { z } from 'zod';

export const shopifyId = z
  .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
  .transform((value) => String(value));
const money = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');
const nullableString = z.string().nullable().optional();

const taxLine = z
  .object({
    price: money.optional(),
    /** A fraction (0.06 = 6 %); a JSON number at Shopify. */
    rate: z.number().nullable().optional(),
    title: nullableString,
  })
  .passthrough();

const discountAllocation = z
  .object({
    amount: money,
    discount_application_index: z.number().int().nonnegative(),
  })
  .passthrough();

export const shopifyLineItem = z
  .object({
    id: shopifyId,
    variant_id: shopifyId.nullable().optional(),
    product_id: shopifyId.nullable().optional(),
    sku: nullableString,
    name: nullableString,
    title: nullableString,
    quantity: z.number().int().positive(),
    price: money,
    requires_shipping: z.boolean().optional(),
    gift_card: z.boolean().optional(),
    total_discount: money.optional(),
    discount_allocations: z.array(discountAllocation).optional(),
    tax_lines: z.array(taxLine).optional(),
    properties: z.array(z.object({ name: z.string(), value: z.unknown() }).passthrough()).optional(),
  })
  .passthrough();

export const shopifyShippingLine = z
  .object({
    id: shopifyId.optional(),
    code: nullableString,
    title: nullableString,
    source: nullableString,
    carrier_identifier: nullableString,
    price: money,
    discounted_price: money.optional(),
    is_removed: z.boolean().optional(),
    discount_allocations: z.array(discountAllocation).optional(),
    tax_lines: z.array(taxLine).optional(),
  })
  .passthrough();

export const shopifyDiscountApplication = z
  .object({
    /** line_item | shipping_line */
    target_type: z.string(),
    /** across (spread over the targets) | each | one */
    allocation_method: z.string(),
    target_selection: z.string().optional(),
    type: z.string().optional(),
    code: nullableString,
    title: nullableString,
    description: nullableString,
  })
  .passthrough();

export const shopifyAddress = z
  .object({
    name: nullableString,
    first_name: nullableString,
    last_name: nullableString,
    company: nullableString,
    address1: nullableString,
    address2: nullableString,
    city: nullableString,
    zip: nullableString,
    province: nullableString,
    province_code: nullableString,
    country_code: nullableString,
    phone: nullableString,
  })
  .passthrough();

const moneySet = z
  .object({ shop_money: z.object({ amount: money, currency_code: z.string() }).passthrough() })
  .passthrough();

export const shopifyTransaction = z
  .object({
    id: shopifyId,
    parent_id: shopifyId.nullable().optional(),
    /** authorization | capture | sale | void | refund */
    kind: z.string(),
    /** success | pending | failure | error */
    status: z.string(),
    gateway: nullableString,
    amount: money,
    authorization: nullableString,
  })
  .passthrough();
export type ShopifyTransaction = z.infer<typeof shopifyTransaction>;

export const shopifyOrder = z
  .object({
    id: shopifyId,
    name: nullableString,
    email: nullableString,
    phone: nullableString,
    note: nullableString,
    created_at: z.string(),
    updated_at: z.string(),
    processed_at: nullableString,
    cancelled_at: nullableString,
    cancel_reason: nullableString,
    closed_at: nullableString,
    currency: z.string().regex(/^[A-Z]{3}$/),
    taxes_included: z.boolean(),
    financial_status: nullableString,
    fulfillment_status: nullableString,
    total_price: money,
    total_price_set: moneySet.optional(),
    total_discounts: money.optional(),
    total_tax: money.optional(),
    location_id: shopifyId.nullable().optional(),
    payment_gateway_names: z.array(z.string()).optional(),
    gateway: nullableString,
    discount_codes: z
      .array(z.object({ code: z.string(), amount: money.optional(), type: nullableString }).passthrough())
      .optional(),
    discount_applications: z.array(shopifyDiscountApplication).optional(),
    line_items: z.array(shopifyLineItem).optional(),
    shipping_lines: z.array(shopifyShippingLine).optional(),
    note_attributes: z.array(z.object({ name: z.string(), value: z.unknown() }).passthrough()).optional(),
    shipping_address: shopifyAddress.nullable().optional(),
    billing_address: shopifyAddress.nullable().optional(),
    customer: z
      .object({
        id: shopifyId,
        first_name: nullableString,
        last_name: nullableString,
        email: nullableString,
        phone: nullableString,
      })
      .passthrough()
      .nullable()
      .optional(),
    /** Not in Shopify's order payload: added by the connector from GET /orders/{id}/transactions.json. */
    transactions: z.array(shopifyTransaction).optional(),
  })
  .passthrough();
export type ShopifyOrder = z.infer<typeof shopifyOrder>;

/** GET /orders.json: the page is read loosely, each order on its own (a bad one is unreadable, not the page). */
export const shopifyOrderPage = z.object({ orders: z.array(z.unknown()) }).passthrough();

export const shopifyTransactions = z.object({ transactions: z.array(shopifyTransaction) }).passthrough();

export const shopifyShop = z
  .object({ shop: z.object({ name: z.string(), myshopify_domain: nullableString }).passthrough() })
  .passthrough();

export const shopifyFulfillmentOrders = z
  .object({
    fulfillment_orders: z.array(
      z
        .object({
          id: shopifyId,
          /** open | in_progress | scheduled | on_hold | incomplete | closed | cancelled */
          status: z.string(),
          line_items: z.array(
            z
              .object({
                id: shopifyId,
                line_item_id: shopifyId,
                quantity: z.number().int(),
                fulfillable_quantity: z.number().int(),
              })
              .passthrough(),
          ),
        })
        .passthrough(),
    ),
  })
  .passthrough();

/** Shopify's error bodies: `{"errors": "…"}`, `{"errors": ["…"]}`, `{"errors": {"field": ["…"]}}` or `{"error": "…"}`. */
export function shopifyErrorMessages(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  const record = body as Record<string, unknown>;
  const collect = (value: unknown, prefix = ''): string[] => {
    if (typeof value === 'string') return [prefix + value];
    if (Array.isArray(value)) return value.flatMap((item) => collect(item, prefix));
    if (value && typeof value === 'object')
      return Object.entries(value).flatMap(([key, inner]) => collect(inner, key === 'base' ? '' : `${key}: `));
    return [];
  };
  return [...collect(record.errors), ...collect(record.error)];
}

/**
 * JSON.parse that keeps Shopify's 64-bit ids exact: integer literals of 16 or more digits
 * (outside strings) are turned into strings first. Throws SyntaxError like JSON.parse.
 */
export function parseShopifyJson(text: string): unknown {
  let out = '';
  let index = 0;
  let copiedTo = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      index++;
      while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
      index++;
      continue;
    }
    if (char === '-' || (char >= '0' && char <= '9')) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(index, index + 64));
      const literal = match?.[0] ?? char;
      if (match && !match[1] && !match[2] && literal.replace('-', '').length >= 16) {
        out += text.slice(copiedTo, index) + `"${literal}"`;
        copiedTo = index + literal.length;
      }
      index += literal.length;
      continue;
    }
    index++;
  }
  return JSON.parse(out + text.slice(copiedTo));
}
