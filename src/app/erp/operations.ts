import { z } from 'zod';
import { externalOperation } from '../process/operation.js';

/** Work the ERP (1C and others) does for a process: production and keeping its books in step. */
export const erpOperations = [
  externalOperation({
    code: 'request_production',
    description: 'ask the plant (ERP) to produce the lines without stock',
    argsSchema: z.object({}).strict(),
    results: { succeeded: 'produced', failed: 'production_failed' },
  }),
  externalOperation({
    code: 'sync_erp',
    description: 'send the order or its documents to the ERP (1C)',
    argsSchema: z.object({ what: z.enum(['order', 'invoice', 'payment', 'shipment']).optional() }).strict(),
    results: { succeeded: 'erp_synced', failed: 'erp_sync_failed' },
  }),
];
