/**
 * The parts of the Ozon Seller API (FBS postings, ship, label, cancel, stocks, warehouses) and
 * of its push notifications the connector reads. Permissive: unknown fields pass through; strict
 * about the fields the mapping uses.
 */
import { z } from 'zod';

/** Ozon's int64 ids come as JSON numbers; kept as strings. */
const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);
/** Amounts in financial_data are JSON numbers; read as their decimal text, never computed as floats. */
const amount = z.union([z.number(), z.string()]);

export const ozonProduct = z
  .object({
    sku: id,
    offer_id: z.string().min(1),
    name: z.string(),
    quantity: z.number().int().positive(),
    price: z.string(),
    currency_code: z.string().optional(),
  })
  .passthrough();

const financialProduct = z
  .object({
    product_id: id,
    commission_amount: amount.nullable().optional(),
    commission_percent: amount.nullable().optional(),
    payout: amount.nullable().optional(),
    old_price: amount.nullable().optional(),
    price: amount.nullable().optional(),
    total_discount_value: amount.nullable().optional(),
    actions: z.array(z.string()).nullable().optional(),
    quantity: z.number().int().nullable().optional(),
  })
  .passthrough();

const customerAddress = z
  .object({
    address_tail: z.string().nullable().optional(),
    city: z.string().nullable().optional(),
    comment: z.string().nullable().optional(),
    country: z.string().nullable().optional(),
    district: z.string().nullable().optional(),
    region: z.string().nullable().optional(),
    zip_code: z.string().nullable().optional(),
    pvz_code: z.union([z.number(), z.string()]).nullable().optional(),
    provider_pvz_code: z.string().nullable().optional(),
  })
  .passthrough();

export const ozonPosting = z
  .object({
    posting_number: z.string().min(1),
    order_id: id.optional(),
    order_number: z.string().optional(),
    status: z.string(),
    substatus: z.string().nullable().optional(),
    tracking_number: z.string().nullable().optional(),
    tpl_integration_type: z.string().nullable().optional(),
    in_process_at: z.string(),
    shipment_date: z.string().nullable().optional(),
    delivering_date: z.string().nullable().optional(),
    is_express: z.boolean().nullable().optional(),
    delivery_method: z
      .object({
        id: id.optional(),
        name: z.string().optional(),
        warehouse_id: id.optional(),
        warehouse: z.string().optional(),
        tpl_provider_id: id.optional(),
        tpl_provider: z.string().optional(),
      })
      .passthrough()
      .nullable()
      .optional(),
    cancellation: z
      .object({
        cancel_reason_id: z.number().int().nullable().optional(),
        cancel_reason: z.string().nullable().optional(),
        cancellation_type: z.string().nullable().optional(),
        cancellation_initiator: z.string().nullable().optional(),
      })
      .passthrough()
      .nullable()
      .optional(),
    customer: z
      .object({
        customer_id: id.nullable().optional(),
        name: z.string().nullable().optional(),
        phone: z.string().nullable().optional(),
        customer_email: z.string().nullable().optional(),
        address: customerAddress.nullable().optional(),
      })
      .passthrough()
      .nullable()
      .optional(),
    addressee: z
      .object({ name: z.string().nullable().optional(), phone: z.string().nullable().optional() })
      .passthrough()
      .nullable()
      .optional(),
    products: z.array(ozonProduct).min(1),
    analytics_data: z
      .object({
        region: z.string().nullable().optional(),
        city: z.string().nullable().optional(),
        delivery_type: z.string().nullable().optional(),
        payment_type_group_name: z.string().nullable().optional(),
        delivery_date_begin: z.string().nullable().optional(),
        delivery_date_end: z.string().nullable().optional(),
      })
      .passthrough()
      .nullable()
      .optional(),
    financial_data: z
      .object({ products: z.array(financialProduct).nullable().optional() })
      .passthrough()
      .nullable()
      .optional(),
  })
  .passthrough();
export type OzonPosting = z.infer<typeof ozonPosting>;

/** Pages are read item by item so one bad posting does not sink the page. */
export const ozonPostingPage = z
  .object({
    result: z.object({ postings: z.array(z.unknown()), has_next: z.boolean() }).passthrough(),
  })
  .passthrough();

export const ozonPostingGet = z.object({ result: ozonPosting }).passthrough();

export const ozonShipResult = z.object({ result: z.array(z.string()) }).passthrough();
export const ozonBoolResult = z.object({ result: z.boolean() }).passthrough();

export const ozonStockResult = z
  .object({
    result: z.array(
      z
        .object({
          offer_id: z.string(),
          product_id: id.optional(),
          warehouse_id: id.optional(),
          updated: z.boolean(),
          errors: z
            .array(z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough())
            .nullable()
            .optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export const ozonWarehouses = z.object({ result: z.array(z.unknown()) }).passthrough();

/** Ozon error body: { code, message, details }. */
export const ozonError = z
  .object({ code: z.union([z.number(), z.string()]).optional(), message: z.string().optional() })
  .passthrough();

/** Push notifications (Ozon "Push-уведомления"): the fields each handled type carries. */
export const ozonPush = z.object({ message_type: z.string() }).passthrough();
export const ozonPushPosting = z
  .object({
    message_type: z.string(),
    posting_number: z.string().min(1),
    in_process_at: z.string().optional(),
    changed_state_date: z.string().optional(),
    new_state: z.string().optional(),
    new_cutoff_date: z.string().optional(),
    old_cutoff_date: z.string().optional(),
    reason: z
      .object({ id: z.number().int().optional(), message: z.string().optional() })
      .passthrough()
      .nullable()
      .optional(),
  })
  .passthrough();

/** /v2/fbs/posting/tracking-number/set: per posting { posting_number, result, error[] }. */
export const ozonTrackingResult = z
  .object({
    result: z.array(
      z
        .object({
          posting_number: z.string(),
          result: z.boolean(),
          error: z.array(z.string()).nullable().optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();
