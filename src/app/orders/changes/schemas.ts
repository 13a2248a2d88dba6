import { z } from 'zod';
import { code, moneyString, rateString, sku, text, uuid } from '../../schemas.js';

/** The typed actions of an order change (src/domain/order/changes.ts applies them). */
export const changeAction = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('add_line'),
      sku,
      quantity: z.number().int().min(1).max(1_000_000),
      unitPrice: moneyString,
      discount: moneyString.optional().describe('discount amount for the whole line'),
      taxRate: rateString.optional(),
      name: text(300).optional(),
    })
    .strict(),
  z.object({ type: z.literal('remove_line'), lineId: uuid }).strict(),
  z
    .object({ type: z.literal('cancel_quantity'), lineId: uuid, quantity: z.number().int().min(1).max(1_000_000) })
    .strict()
    .describe('partial cancellation: this many units of the line are cancelled'),
  z
    .object({ type: z.literal('change_quantity'), lineId: uuid, quantity: z.number().int().min(1).max(1_000_000) })
    .strict(),
  z
    .object({
      type: z.literal('change_price'),
      lineId: uuid,
      unitPrice: moneyString.optional(),
      discount: moneyString.optional(),
    })
    .strict()
    .refine((a) => a.unitPrice !== undefined || a.discount !== undefined, 'give unitPrice or discount'),
  z
    .object({
      type: z.literal('replace_item'),
      lineId: uuid,
      sku,
      unitPrice: moneyString.optional(),
      name: text(300).optional(),
    })
    .strict(),
  z
    .object({ type: z.literal('set_delivery_fee'), amount: moneyString, taxRate: rateString.optional() })
    .strict()
    .describe('add or change the delivery fee; "0" waives it'),
  z
    .object({
      type: z.literal('change_delivery'),
      method: z.enum(['ship', 'pickup']),
      pickupLocation: code.optional().describe('location code of the pickup point'),
    })
    .strict(),
]);

export const MAX_CHANGE_ACTIONS = 200;

export const orderChangeInput = z
  .object({
    actions: z.array(changeAction).min(1).max(MAX_CHANGE_ACTIONS),
    reason: text(1000).optional(),
  })
  .strict();

export type OrderChangeInput = z.infer<typeof orderChangeInput>;
