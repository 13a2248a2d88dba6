import { z } from 'zod';
import { localOperation } from '../process/operation.js';
import { reserveExisting } from './reserve.js';
import { releaseOrderReservations } from './release.js';

/** Stock operations a process runs: reserve the open lines, release the order's holds. */
export const inventoryOperations = [
  localOperation({
    code: 'reserve',
    description: 'reserve stock for the open lines',
    refreshes: 'stock',
    resultEvents: ['reserved', 'shortage'],
    argsSchema: z
      .object({
        allowPartial: z.boolean().optional(),
        against: z.enum(['stock', 'production_plan', 'inbound']).optional(),
      })
      .strict(),
    async run(ctx, args) {
      const { outcome: reservationOutcome, unchanged } = await reserveExisting(
        ctx.tx,
        ctx.actor,
        ctx.now,
        ctx.orderId,
        { allowPartial: args.allowPartial ?? true, known: ctx.factRows },
      );
      // A partial hold is still a shortage for the process: the missing units need a decision.
      return {
        event: reservationOutcome.status === 'reserved' ? 'reserved' : 'shortage',
        note: `stock ${reservationOutcome.status}`,
        data: { status: reservationOutcome.status },
        ...(unchanged ? { factsUnchanged: true } : {}),
      };
    },
  }),
  localOperation({
    code: 'release',
    description: "release the order's live reservations",
    refreshes: 'stock',
    argsSchema: z.object({ lines: z.enum(['all', 'cancelled']).optional() }).strict(),
    async run(ctx) {
      const reservations = await releaseOrderReservations(ctx.tx, ctx.actor, ctx.now, {
        orderId: ctx.orderId,
        reason: 'process: release',
      });
      return {
        note: `released ${reservations.released} unit(s) from ${reservations.reservations} reservation(s)`,
        data: reservations,
      };
    },
  }),
];
