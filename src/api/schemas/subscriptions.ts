import { z } from 'zod';

export const subscriptionView = z
  .looseObject({
    id: z.string(),
    number: z.string(),
    state: z.enum(['active', 'paused', 'cancelled', 'completed']),
    customerId: z.string(),
    companyId: z.string().nullable(),
    channel: z.string(),
    orderType: z.enum(['subscription', 'service']),
    currency: z.string(),
    pricesIncludeTax: z.boolean(),
    lines: z.array(
      z.looseObject({
        lineNo: z.number(),
        kind: z.enum(['product', 'service']),
        sku: z.string(),
        quantity: z.number(),
        unitPrice: z.string().nullable().describe('the fixed price; null = priced from the price lists at each cycle'),
        taxRate: z.string().nullable(),
      }),
    ),
    shipping: z.looseObject({}).nullable(),
    delivery: z.looseObject({}),
    shippingAddress: z.looseObject({}).nullable(),
    billingAddress: z.looseObject({}).nullable(),
    paymentTerms: z.looseObject({}),
    schedule: z.object({ rrule: z.string(), start: z.string(), timeZone: z.string() }),
    cyclesTotal: z.number().nullable(),
    cyclesDone: z.number().describe('cycles whose order was created or refused (skipped and missed ones do not count)'),
    lastCycle: z.number().describe('the number of the last cycle recorded (any outcome)'),
    nextCycleAt: z.string().nullable().describe('UTC instant of the next cycle (active subscriptions)'),
    nextCycleLocal: z.string().nullable().describe("the same in the schedule's time zone"),
    skipping: z.array(z.string()).describe('later occurrences that will be skipped'),
    pausedUntil: z.string().nullable(),
    exception: z
      .looseObject({ kind: z.string(), cycle: z.number(), code: z.string(), reason: z.string(), at: z.string() })
      .nullable()
      .describe('a failed cycle waiting for an operator (POST /subscriptions/{id}:retry after fixing its cause)'),
    attributes: z.looseObject({}),
    notes: z.string().nullable(),
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    endedAt: z.string().nullable(),
  })
  .meta({ id: 'Subscription' });

export const subscriptionList = z.object({ items: z.array(subscriptionView), nextCursor: z.string().nullable() });

export const cycleView = z.looseObject({
  cycle: z.number(),
  dueAt: z.string(),
  status: z.enum(['created', 'failed', 'skipped', 'missed']),
  orderId: z.string().nullable(),
  orderNumber: z.string().nullable(),
  orderState: z.string().nullable(),
  errorCode: z.string().nullable(),
  reason: z.string().nullable(),
  attempts: z.number(),
  recordedAt: z.string(),
  updatedAt: z.string(),
});
export const cycleList = z.object({ items: z.array(cycleView) });

export const retryResult = z.object({
  cycle: z.looseObject({
    cycle: z.number(),
    dueAt: z.string(),
    status: z.string(),
    orderId: z.string().nullable(),
    errorCode: z.string().nullable(),
    reason: z.string().nullable(),
  }),
  subscription: subscriptionView,
});

export const subscriptionHistory = z.object({
  items: z.array(
    z.looseObject({
      at: z.string(),
      actor: z.looseObject({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
      action: z.string(),
      fromState: z.string().nullable(),
      toState: z.string().nullable(),
      changes: z.looseObject({}),
      reason: z.string().nullable(),
    }),
  ),
});
