import { z } from 'zod';
import { localOperation } from '../process/operation.js';
import { raiseFlag } from './flags.js';

/** Order-level process operations: verification result, credit check, flags for people. */
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
    code: 'check_credit',
    description: "check the order total against the customer's available credit",
    refreshes: 'stock',
    resultEvents: ['credit_ok', 'credit_exceeded'],
    argsSchema: z.object({}).strict(),
    async run(ctx) {
      const customer = (ctx.facts.customer ?? {}) as { creditLimit?: bigint; availableCredit?: bigint };
      const total = BigInt(String((ctx.facts.order as { total?: unknown } | undefined)?.total ?? 0));
      if (customer.availableCredit === undefined)
        return { event: 'credit_ok', note: 'the customer has no credit limit' };
      const ok = total <= customer.availableCredit;
      return {
        event: ok ? 'credit_ok' : 'credit_exceeded',
        note: `total ${total} ${ok ? '≤' : '>'} available credit ${customer.availableCredit} (minor units)`,
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
