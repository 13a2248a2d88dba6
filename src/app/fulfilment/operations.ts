import { z } from 'zod';
import { localOperation } from '../process/operation.js';
import { raiseFlag } from '../orders/flags.js';
import { createFulfilmentOrders } from './create-fulfilment-orders.js';
import { cancelOrderFulfilment } from './cancel-fulfilment.js';

/**
 * Fulfilment orders per location; the locations hear of them through the outbox and their picks,
 * packs and shipments come back to the process as events (shipped, short_pick, …) through the
 * process port.
 */
export const fulfilmentOperations = [
  localOperation({
    code: 'create_fulfilment',
    description: 'create fulfilment orders for the routed lines',
    refreshes: 'stock',
    resultEvents: ['shipped'],
    argsSchema: z
      .object({
        kind: z.enum(['ship', 'pickup', 'service_visit', 'internal_transfer']).optional(),
        captureSerials: z.boolean().optional(),
        allowPartialShipments: z.boolean().optional(),
      })
      .strict(),
    async run(ctx, args) {
      const fulfilmentOrders = await createFulfilmentOrders(ctx.tx, ctx.actor, ctx.now, ctx.orderId, {
        kind: args.kind ?? 'ship',
        ...(args.allowPartialShipments !== undefined ? { allowPartialShipments: args.allowPartialShipments } : {}),
      });
      if (fulfilmentOrders.alreadyShipped)
        return { event: 'shipped', note: 'everything of the order has shipped already', data: { requests: [] } };
      const at = fulfilmentOrders.requests.length
        ? ` (${fulfilmentOrders.requests.map((q) => q.location).join(', ')})`
        : '';
      return {
        note: `fulfilment orders created at ${fulfilmentOrders.requests.length} location(s)${at}; waiting for the locations' events`,
        data: { requests: fulfilmentOrders.requests, allowPartialShipments: fulfilmentOrders.allowPartial },
        waiting: true,
      };
    },
  }),
  // Put before `release` in a cancelled state: the locations stop picking (fulfilment.cancelled
  // through the outbox) and their holds go back before release frees the rest of the order.
  localOperation({
    code: 'cancel_fulfilment',
    refreshes: 'all',
    description:
      "cancel the order's open fulfilment orders (shipments not handed over, their reservations); shipped ones are noted, not recalled",
    argsSchema: z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict(),
    async run(ctx, args) {
      const reason =
        args.reason ?? `the order was cancelled (process ${ctx.definition.key} v${ctx.definition.version})`;
      const orderFulfilmentCancellation = await cancelOrderFulfilment(ctx.tx, ctx.actor, ctx.now, ctx.orderId, {
        reason,
      });
      if (orderFulfilmentCancellation.toVoidAtCarrier.length > 0) {
        await raiseFlag(ctx.tx, ctx.orderId, {
          code: 'SHIPMENT_TO_VOID',
          at: ctx.now.toISOString(),
          by: `${ctx.definition.key} v${ctx.definition.version}`,
          message: `void at the carrier: ${orderFulfilmentCancellation.toVoidAtCarrier.map((v) => `${v.carrier} ${v.carrierShipmentId}`).join(', ')}`,
        });
      }
      const parts = [`cancelled ${orderFulfilmentCancellation.cancelled.length} fulfilment order(s)`];
      if (orderFulfilmentCancellation.notRecalled.length)
        parts.push(
          `${orderFulfilmentCancellation.notRecalled.length} could not be recalled (${orderFulfilmentCancellation.notRecalled.map((n) => n.state).join(', ')})`,
        );
      if (orderFulfilmentCancellation.toVoidAtCarrier.length)
        parts.push(`${orderFulfilmentCancellation.toVoidAtCarrier.length} shipment(s) to void at the carrier`);
      return { note: parts.join('; '), data: { fulfilment: orderFulfilmentCancellation } };
    },
  }),
];
