import { z } from 'zod';
import { localOperation } from '../process/operation.js';
import { routeOrder } from './route-order.js';

/** Sourcing: plan with the named strategy, move the reservations to the plan, trace in history, order.routed. */
export const sourcingOperations = [
  localOperation({
    code: 'route',
    description: 'choose ship-from locations (sourcing)',
    refreshes: 'stock',
    resultEvents: ['routed', 'unroutable'],
    argsSchema: z
      .object({
        strategy: z.enum(['nearest', 'cheapest', 'fastest', 'single_location', 'consolidate']).optional(),
        allowSplit: z.boolean().optional(),
      })
      .strict(),
    async run(ctx, args) {
      const routeResult = await routeOrder(ctx.tx, ctx.actor, ctx.now, ctx.orderId, {
        processStrategy: args.strategy,
        // A process step runs under the order's row lock (applyOrderEvent, or the intake that inserts it).
        orderLocked: true,
        ...(args.allowSplit === false ? { allowSplit: false } : {}),
        reason: `process ${ctx.definition.key} v${ctx.definition.version}: route`,
      });
      const from = [...new Set(routeResult.allocations.map((a) => a.location))].join(', ');
      return {
        event: routeResult.outcome,
        note:
          routeResult.outcome === 'routed'
            ? `routed by ${routeResult.strategy.key} v${routeResult.strategy.version} (attempt ${routeResult.attempt}) from ${from || 'nowhere (nothing left to route)'}`
            : `unroutable by ${routeResult.strategy.key} v${routeResult.strategy.version}: ${routeResult.trace?.summary ?? ''}`,
        // Reservations left where they were: the stock facts are what they were.
        ...(routeResult.moved.lines === 0 ? { factsUnchanged: true } : {}),
        data: {
          attempt: routeResult.attempt,
          strategy: routeResult.strategy,
          allocations: routeResult.allocations.map((a) => ({ sku: a.sku, location: a.location, quantity: a.quantity })),
        },
      };
    },
  }),
];
