import { z } from 'zod';

/** The fields event payloads share, and the shape of one catalogue entry (see catalogue.ts). */
export const id = z.string().min(1).max(100);
export const money = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .describe('exact decimal string');
export const qty = z.number().int();
export const time = z.string().describe('RFC 3339 UTC');

export const line = z.looseObject({ sku: z.string(), quantity: qty, lineId: id.optional() });

/** One event type: what it is about, its schema version, what it means, its payload's contract. */
export interface EventDefinition {
  subject: string;
  version: number;
  description: string;
  payload: z.ZodType;
}
