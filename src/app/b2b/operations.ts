import { z } from 'zod';
import { externalOperation } from '../process/operation.js';

/**
 * B2B operations. Until Ordo converts quotes and runs subscriptions itself (the B2B issue), the
 * B2B portal or the ERP carries them out through `action.requested`; the state waits for the result.
 */
export const b2bOperations = [
  externalOperation({
    code: 'create_order_from_quote',
    description: "create the sales order keeping the quote's negotiated prices",
    argsSchema: z.object({}).strict(),
    results: { succeeded: 'order_created', failed: 'order_creation_failed' },
  }),
  externalOperation({
    code: 'create_recurrence',
    description: 'create the next delivery or service visit of a subscription',
    argsSchema: z.object({ kind: z.enum(['delivery', 'service_visit']) }).strict(),
    results: { succeeded: 'recurrence_created', failed: 'recurrence_failed' },
  }),
];
