/**
 * The parts of the Wildberries marketplace API (orders FBS/DBS, supplies, stickers, stocks,
 * warehouses) the connector reads, after the official OpenAPI specs (03-orders-fbs.yaml,
 * 05-orders-dbs.yaml, 02-products.yaml). Permissive: unknown fields pass through; strict about
 * the fields the mapping uses.
 */
import { z } from 'zod';

/** Kopeck amounts are integers ("цена … умноженная на 100"); a float here is bad data. */
const minor = z.number().int();

/** One assembly task (сборочное задание) as /orders/new and /orders return it; FBS and DBS share these fields. */
export const wbOrder = z
  .object({
    id: z.number().int(),
    rid: z.string().optional(),
    orderUid: z.string().optional(),
    createdAt: z.string(),
    article: z.string(),
    nmId: z.number().int(),
    chrtId: z.number().int(),
    skus: z.array(z.string()).nullable().optional(),
    warehouseId: z.number().int().nullable().optional(),
    officeId: z.number().int().nullable().optional(),
    offices: z.array(z.string()).nullable().optional(),
    deliveryType: z.string().optional(),
    supplyId: z.string().nullable().optional(),
    price: minor,
    finalPrice: minor.nullable().optional(),
    salePrice: minor.nullable().optional(),
    convertedPrice: minor.nullable().optional(),
    convertedFinalPrice: minor.nullable().optional(),
    currencyCode: z.number().int(),
    convertedCurrencyCode: z.number().int().nullable().optional(),
    cargoType: z.number().int().optional(),
    comment: z.string().nullable().optional(),
    colorCode: z.string().nullable().optional(),
    isZeroOrder: z.boolean().optional(),
    ddate: z.string().nullable().optional(),
    sellerDate: z.string().nullable().optional(),
    requiredMeta: z.array(z.string()).nullable().optional(),
    address: z
      .object({
        fullAddress: z.string().optional(),
        longitude: z.number().optional(),
        latitude: z.number().optional(),
      })
      .passthrough()
      .nullable()
      .optional(),
    options: z.object({ isB2b: z.boolean().optional() }).passthrough().nullable().optional(),
  })
  .passthrough();
export type WbOrder = z.infer<typeof wbOrder>;

/** Pages are read item by item so one bad order does not sink the page. */
export const wbNewOrders = z.object({ orders: z.array(z.unknown()) }).passthrough();
export const wbOrderPage = z.object({ next: z.number().int(), orders: z.array(z.unknown()) }).passthrough();

export const wbStatuses = z
  .object({
    orders: z.array(z.object({ id: z.number().int(), supplierStatus: z.string(), wbStatus: z.string() }).passthrough()),
  })
  .passthrough();

export const wbSupply = z
  .object({
    id: z.string(),
    done: z.boolean(),
    cargoType: z.number().int().nullable().optional(),
    createdAt: z.string().optional(),
  })
  .passthrough();
export const wbSupplyPage = z.object({ next: z.number().int(), supplies: z.array(wbSupply) }).passthrough();
export const wbSupplyCreated = z.object({ id: z.string() }).passthrough();
export const wbSupplyOrderIds = z.object({ orderIds: z.array(z.number().int()) }).passthrough();

export const wbStickers = z
  .object({
    stickers: z.array(
      z
        .object({
          orderId: z.number().int(),
          partA: z.union([z.string(), z.number()]).transform(String),
          partB: z.union([z.string(), z.number()]).transform(String),
          barcode: z.string().optional(),
          file: z.string(),
        })
        .passthrough(),
    ),
  })
  .passthrough();

export const wbWarehouses = z.array(z.object({ id: z.number().int(), name: z.string().optional() }).passthrough());

/** Error body of the marketplace API: { code, message, data? }. */
export const wbError = z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough();

/** 409 of PUT /api/v3/stocks: a list of { code, message, data: [{ sku | chrtId, amount }] }. */
export const wbStockErrors = z.array(
  z
    .object({
      code: z.string().optional(),
      message: z.string().optional(),
      data: z
        .array(
          z
            .object({ sku: z.string().optional(), chrtId: z.number().int().optional(), amount: z.number().optional() })
            .passthrough(),
        )
        .nullable()
        .optional(),
    })
    .passthrough(),
);
