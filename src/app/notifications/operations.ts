import { z } from 'zod';
import { localOperation } from '../process/operation.js';
import { requestNotification } from './request-notification.js';

/**
 * Queues the e-mail (notification row + outbox event) in the order's transaction; the worker
 * sends it. `publicUrl` (ORDO_PUBLIC_URL) makes {{trackingUrl}} an absolute link.
 */
export const notificationOperations = (opts: { publicUrl?: string | undefined } = {}) => [
  localOperation({
    code: 'notify',
    description: 'notify the customer or a role (e-mail queued through the outbox)',
    refreshes: 'stock',
    argsSchema: z
      .object({ template: z.string().min(1), to: z.enum(['customer', 'seller', 'approvers', 'order_desk']).optional() })
      .strict(),
    run: (ctx, args) =>
      requestNotification(ctx.tx, {
        orderId: ctx.orderId,
        now: ctx.now,
        template: args.template,
        to: args.to,
        publicUrl: opts.publicUrl,
      }),
  }),
];
