import { z } from 'zod';

const amount = z.string().describe('exact decimal in the currency');

export const returnLineView = z.looseObject({
  id: z.string(),
  orderLineId: z.string(),
  lineNo: z.number(),
  sku: z.string(),
  name: z.string(),
  quantity: z.number(),
  received: z.number(),
  resell: z.number(),
  refurbish: z.number(),
  writeOff: z.number(),
  value: amount,
  reason: z.string().nullable(),
});

export const returnView = z
  .looseObject({
    id: z.string(),
    number: z.string(),
    orderId: z.string(),
    orderNumber: z.string(),
    customerName: z.string().nullable(),
    state: z.string(),
    version: z.number(),
    source: z.enum(['api', 'console', 'self_service', 'channel']),
    wish: z.enum(['refund', 'exchange', 'store_credit']),
    reason: z.string(),
    note: z.string().nullable(),
    photos: z.array(z.string()),
    dropOff: z.looseObject({}),
    label: z.looseObject({}).nullable(),
    exchange: z.looseObject({}).nullable(),
    exchangeOrder: z
      .looseObject({ id: z.string(), number: z.string().nullable(), state: z.string().nullable() })
      .nullable(),
    receivingLocation: z.string().nullable(),
    currency: z.string(),
    value: amount,
    refunded: amount,
    storeCredit: amount,
    creditNoteId: z.string().nullable(),
    lines: z.array(returnLineView),
    receipts: z.array(
      z.looseObject({
        id: z.string(),
        sku: z.string(),
        quantity: z.number(),
        unexpected: z.boolean(),
        status: z.string(),
      }),
    ),
    inspections: z.array(
      z.looseObject({ id: z.string(), grade: z.string(), quantity: z.number(), stocked: z.boolean() }),
    ),
    process: z.looseObject({ key: z.string().nullable(), state: z.string() }),
    allowedEvents: z.array(z.string()),
    openTasks: z.array(z.looseObject({})),
    createdAt: z.string(),
    closedAt: z.string().nullable(),
  })
  .meta({ id: 'Return' });

export const returnSummary = z.looseObject({
  id: z.string(),
  number: z.string(),
  orderId: z.string(),
  orderNumber: z.string(),
  customerName: z.string().nullable(),
  state: z.string(),
  wish: z.string(),
  reason: z.string(),
  source: z.string(),
  units: z.number(),
  received: z.number(),
  value: amount,
  refunded: amount,
  currency: z.string(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
});
export const returnList = z.object({ items: z.array(returnSummary) });

export const receiptResult = z.looseObject({
  returnId: z.string(),
  matched: z.array(z.looseObject({ lineId: z.string(), sku: z.string(), quantity: z.number() })),
  unexpected: z.array(z.looseObject({ sku: z.string(), quantity: z.number() })),
  complete: z.boolean(),
  return: returnView,
});
export const inspectionResult = z.looseObject({ returnId: z.string(), complete: z.boolean(), return: returnView });
export const queuedReceipt = z.looseObject({
  id: z.string(),
  returnId: z.string().nullable().optional(),
  sku: z.string(),
  quantity: z.number(),
  location: z.string(),
  note: z.string().nullable().optional(),
});
export const queuedReceipts = z.object({ items: z.array(queuedReceipt.extend({ receivedAt: z.string() })) });
export const resolvedReceipt = z.looseObject({ id: z.string(), status: z.string(), resolution: z.string() });

export const reasonView = z.looseObject({
  code: z.string(),
  labels: z.record(z.string(), z.string()),
  needsPhoto: z.boolean(),
  active: z.boolean(),
  custom: z.boolean(),
});
export const reasonList = z.object({ items: z.array(reasonView) });

const rateRow = z.object({ key: z.string(), shipped: z.number(), returned: z.number(), rate: z.number().nullable() });
export const returnFiguresView = z.object({
  from: z.string().describe('first day, YYYY-MM-DD in `timeZone`'),
  to: z.string().describe('last day, inclusive'),
  timeZone: z.string().describe('the IANA zone the days are cut in'),
  channel: z.string().nullable().describe('the channel the figures are limited to, or null for all'),
  location: z.string().nullable().describe('the location the figures are limited to, or null for all'),
  rate: z.object({ bySku: z.array(rateRow), byChannel: z.array(rateRow), byLocation: z.array(rateRow) }),
  byReason: z.array(z.object({ reason: z.string(), returns: z.number(), units: z.number() })),
  requestToRefund: z.object({ refunds: z.number(), p50Hours: z.number().nullable(), p90Hours: z.number().nullable() }),
  restock: z.object({ resell: z.number(), refurbish: z.number(), writeOff: z.number(), share: z.number().nullable() }),
});

export const storeCreditView = z.object({
  customerId: z.string(),
  balances: z.array(z.object({ currency: z.string(), balance: amount })),
  entries: z.array(
    z.object({
      id: z.string(),
      amount,
      currency: z.string(),
      returnId: z.string().nullable(),
      orderId: z.string().nullable(),
      note: z.string().nullable(),
      at: z.string(),
    }),
  ),
});

export const selfServicePage = z.object({
  orderNumber: z.string(),
  locale: z.string(),
  lines: z.array(
    z.object({ lineId: z.string(), sku: z.string(), name: z.string(), shipped: z.number(), returnable: z.number() }),
  ),
  reasons: z.array(z.object({ code: z.string(), labels: z.record(z.string(), z.string()), needsPhoto: z.boolean() })),
  returns: z.array(
    z.object({
      number: z.string(),
      state: z.string(),
      wish: z.string(),
      createdAt: z.string(),
      labelReady: z.boolean(),
    }),
  ),
});
export const selfServiceCreated = z.object({ number: z.string(), state: z.string() });
