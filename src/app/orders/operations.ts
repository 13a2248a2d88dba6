import { z } from 'zod';
import { localOperation } from '../process/operation.js';
import { raiseFlag } from './flags.js';

/** Order-level process operations: verification result, flags for people (the credit check is money's). */
export const orderOperations = [
  localOperation({
    code: 'validate',
    description: 'persist the verification result (the `validation` fact) on the order',
    refreshes: 'stock',
    argsSchema: z.object({ ruleset: z.string().optional() }).strict(),
    async run(ctx) {
      const validation = (ctx.facts.validation ?? {}) as { ok?: boolean; errors?: string[] };
      return {
        note:
          validation.ok === false
            ? `verification failed: ${(validation.errors ?? []).join('; ')}`
            : 'verification passed',
        data: { validation },
      };
    },
  }),
  localOperation({
    code: 'flag',
    description: 'raise a flag on the order for people (e.g. rating risk on a marketplace)',
    refreshes: 'stock',
    argsSchema: z.object({ code: z.string().min(1), message: z.string().optional() }).strict(),
    async run(ctx, args) {
      const flag = {
        code: args.code,
        message: args.message ?? null,
        at: ctx.now.toISOString(),
        by: `${ctx.definition.key} v${ctx.definition.version}`,
      };
      await raiseFlag(ctx.tx, ctx.orderId, flag);
      return { note: `flag ${flag.code} raised`, data: { flag } };
    },
  }),
];
