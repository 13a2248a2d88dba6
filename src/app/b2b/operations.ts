import { z } from 'zod';
import { externalOperation } from '../process/operation.js';

/**
 * B2B operations. Until Ordo converts quotes itself (the B2B issue), the B2B portal or the ERP
 * carries them out through `action.requested`; the state waits for the result. Subscriptions need
 * no operation: Ordo's `subscription.cycle` job creates each cycle's order (app/subscriptions).
 */
export const b2bOperations = [
  externalOperation({
    code: 'create_order_from_quote',
    description: "create the sales order keeping the quote's negotiated prices",
    argsSchema: z.object({}).strict(),
    results: { succeeded: 'order_created', failed: 'order_creation_failed' },
  }),
];
