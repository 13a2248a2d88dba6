import { z } from 'zod';
import { localOperation } from '../process/operation.js';
import { consumeBudget, releaseBudget } from './budgets.js';

/**
 * Budget operations a process runs (internal-requisition.yaml): consume the order's total from
 * its cost centre's budget once approved, release it when the requisition is cancelled.
 */
export const companyOperations = [
  localOperation({
    code: 'consume_budget',
    description: "consume the order's total from its cost centre's budget for the period",
    refreshes: 'all',
    resultEvents: ['budget_consumed', 'budget_exceeded', 'no_budget'],
    argsSchema: z
      .object({ allowOverspend: z.boolean().optional().describe('finance approved going past the budget') })
      .strict(),
    async run(ctx, args) {
      const outcome = await consumeBudget(ctx.tx, ctx.now, ctx.orderId, args.allowOverspend ?? false);
      if (outcome.kind === 'no_budget') return { event: 'no_budget', note: 'no budget for the cost centre and period' };
      if (outcome.kind === 'currency_mismatch')
        return {
          event: 'budget_exceeded',
          note: 'the budget is in another currency',
          data: { budgetId: outcome.budgetId },
        };
      const data = {
        budgetId: outcome.budgetId,
        amount: outcome.amount.toString(),
        remaining: outcome.remaining.toString(),
      };
      if (outcome.kind === 'exceeded') return { event: 'budget_exceeded', note: 'the budget does not cover it', data };
      return { event: 'budget_consumed', note: outcome.again ? 'budget already consumed' : 'budget consumed', data };
    },
  }),
  localOperation({
    code: 'release_budget',
    description: 'give back what the order consumed from its budget',
    refreshes: 'all',
    argsSchema: z.object({}).strict(),
    async run(ctx) {
      const released = await releaseBudget(ctx.tx, ctx.now, ctx.orderId);
      return {
        note: released.length
          ? `budget released (${released.map((r) => r.amount).join(', ')})`
          : 'no budget to release',
        data: { released: released.map((r) => ({ budgetId: r.budgetId, amount: r.amount.toString() })) },
      };
    },
  }),
];
