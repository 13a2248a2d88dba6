import { z } from 'zod';
import { externalOperation } from '../process/operation.js';

/**
 * B2B operations Ordo does not carry out itself yet: until it runs subscriptions (the B2B issue),
 * the B2B portal or the ERP carries them out through `action.requested`; the state waits for the
 * result. Quotes are converted by Ordo: `create_order_from_quote` is app/quotes/operations.ts.
 */
export const b2bOperations = [
  externalOperation({
    code: 'create_recurrence',
    description: 'create the next delivery or service visit of a subscription',
    argsSchema: z.object({ kind: z.enum(['delivery', 'service_visit']) }).strict(),
    results: { succeeded: 'recurrence_created', failed: 'recurrence_failed' },
  }),
];
