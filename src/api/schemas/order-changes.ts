import { z } from 'zod';
import { uuid } from '../../app/schemas.js';
import { order } from './order.js';
// The change actions belong to the use cases; the API validates with the same schemas.
export { changeAction, orderChangeInput } from '../../app/orders/changes/schemas.js';
import { changeAction } from '../../app/orders/changes/schemas.js';

const money = z.string().describe('exact decimal string');
const totals = z.object({
  subtotal: money,
  discountTotal: money,
  taxTotal: money,
  shippingTotal: money,
  grandTotal: money,
});

export const changePreview = z.object({
  baseVersion: z.number().int().describe("the order's version the preview was computed from"),
  currency: z.string(),
  totals: z.object({ before: totals, after: totals }),
  lines: z.array(
    z.object({
      id: z.string(),
      lineNo: z.number().int(),
      sku: z.string(),
      name: z.string(),
      quantity: z.number().int().describe('0: removed or cancelled'),
      unitPrice: money,
      discount: money,
      taxRate: z.string().nullable(),
      fulfilled: z
        .number()
        .int()
        .describe('shipped, picked, packed or in a fulfilment order: the floor of the quantity'),
      added: z.boolean(),
    }),
  ),
  stock: z.array(
    z.object({
      sku: z.string(),
      delta: z.number().int().describe('units to reserve (> 0) or to give back (< 0)'),
      available: z.number().int().describe('free now across locations'),
      shortage: z.number().int().describe('what reserving would not find (a backorder)'),
    }),
  ),
  payment: z.object({
    paid: money.describe('captured − refunded − refunds pending'),
    difference: money.describe('new total − old total'),
    refund: money.describe('given back on confirm'),
    outstanding: money.describe('left to pay after confirm'),
    openAuthorization: money,
    authorizationCovers: z.boolean().describe('the open authorisation covers what is outstanding'),
  }),
  delivery: z.object({ method: z.string(), pickupLocation: z.string().nullable() }),
  approvals: z.array(z.object({ role: z.string(), rule: z.string() })),
});

export const orderChange = z.object({
  id: z.string(),
  orderId: z.string(),
  changeVersion: z.number().int().describe("the change's number on its order, 1..n"),
  status: z.enum(['draft', 'confirmed', 'discarded']),
  baseVersion: z.number().int(),
  actions: z.array(changeAction),
  preview: changePreview,
  reason: z.string().nullable(),
  requestedBy: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  confirmedAt: z.string().nullable(),
  confirmedBy: z.record(z.string(), z.unknown()).nullable(),
  discardedAt: z.string().nullable(),
});

export const confirmedChange = z.object({
  version: z.number().int().describe("the order's new version (its ETag)"),
  change: orderChange,
  order,
  stock: z.record(z.string(), z.unknown()).nullable().describe('the reservation outcome, when stock moved'),
  refund: z.object({ amount: money, operations: z.array(z.string()) }).nullable(),
});

export const changeParams = z.object({ id: uuid, changeId: uuid });
export const discardInput = z.object({ reason: z.string().max(1000).optional() }).strict();
