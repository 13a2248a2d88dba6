/**
 * The parts of WooCommerce REST API v3 payloads the connector reads (orders as GET /orders and
 * the order.* webhooks send them, notes, batch answers, errors). Fields we read are checked;
 * everything else passes through.
 */
import { z } from 'zod';

const id = z.number().int().nonnegative();
const money = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string');
const optionalString = z.string().nullable().optional();

export const wooMeta = z.object({ id: z.number().optional(), key: z.string(), value: z.unknown() }).passthrough();

const wooAddress = z
  .object({
    first_name: optionalString,
    last_name: optionalString,
    company: optionalString,
    address_1: optionalString,
    address_2: optionalString,
    city: optionalString,
    state: optionalString,
    postcode: optionalString,
    country: optionalString,
    email: optionalString,
    phone: optionalString,
  })
  .passthrough();
export type WooAddress = z.infer<typeof wooAddress>;

export const wooOrder = z
  .object({
    id,
    number: z.string().optional(),
    status: z.string(),
    currency: z.string(),
    date_created_gmt: z.string(),
    date_modified_gmt: z.string(),
    date_paid_gmt: optionalString,
    prices_include_tax: z.boolean(),
    total: money,
    customer_id: id.optional(),
    customer_note: optionalString,
    billing: wooAddress.optional(),
    shipping: wooAddress.optional(),
    payment_method: optionalString,
    payment_method_title: optionalString,
    transaction_id: optionalString,
    meta_data: z.array(wooMeta).optional(),
    line_items: z.array(
      z
        .object({
          id,
          name: z.string(),
          product_id: id,
          variation_id: id.optional(),
          quantity: z.number().int(),
          subtotal: money,
          subtotal_tax: money.optional(),
          total: money,
          total_tax: money.optional(),
          taxes: z.array(z.object({ id: z.number() }).passthrough()).optional(),
          sku: optionalString,
          meta_data: z.array(wooMeta).optional(),
        })
        .passthrough(),
    ),
    tax_lines: z
      .array(
        z.object({ rate_id: z.number(), rate_percent: z.number().optional(), label: optionalString }).passthrough(),
      )
      .optional(),
    shipping_lines: z
      .array(
        z
          .object({
            id,
            method_title: optionalString,
            method_id: optionalString,
            instance_id: optionalString,
            total: money,
            total_tax: money.optional(),
            taxes: z.array(z.object({ id: z.number() }).passthrough()).optional(),
            meta_data: z.array(wooMeta).optional(),
          })
          .passthrough(),
      )
      .optional(),
    fee_lines: z
      .array(
        z
          .object({
            id,
            name: z.string(),
            total: money,
            total_tax: money.optional(),
            taxes: z.array(z.object({ id: z.number() }).passthrough()).optional(),
          })
          .passthrough(),
      )
      .optional(),
    coupon_lines: z
      .array(z.object({ id, code: z.string(), discount: money, discount_tax: money.optional() }).passthrough())
      .optional(),
  })
  .passthrough();
export type WooOrder = z.infer<typeof wooOrder>;

/** GET /orders answers an array; each order is read on its own (a bad one is unreadable, not the page). */
export const wooOrderPage = z.array(z.unknown());

export const wooBatchAnswer = z
  .object({
    update: z
      .array(
        z
          .object({
            id: z.number(),
            stock_quantity: z.number().nullable().optional(),
            error: z.object({ code: z.string().optional(), message: z.string() }).passthrough().optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();

/** WP REST errors: `{"code": "woocommerce_rest_…", "message": "…", "data": {"status": 400}}`. */
export function wooErrorMessages(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  const record = body as { code?: unknown; message?: unknown };
  if (typeof record.message !== 'string') return [];
  return [typeof record.code === 'string' ? `${record.code}: ${record.message}` : record.message];
}
