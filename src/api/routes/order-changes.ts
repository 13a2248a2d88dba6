import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { authorize, ifMatch } from '../auth.js';
import { runCommand, runOwnTransactionCommand } from '../command.js';
import { idParams, problem } from '../schemas/common.js';
import {
  changeParams,
  confirmedChange,
  discardInput,
  orderChange,
  orderChangeInput,
} from '../schemas/order-changes.js';
import { previewOrderChange } from '../../app/orders/changes/preview-order-change.js';
import { confirmOrderChange } from '../../app/orders/changes/confirm-order-change.js';
import { discardOrderChange } from '../../app/orders/changes/discard-order-change.js';
import { listOrderChanges } from '../../app/orders/changes/list-order-changes.js';

const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 412: problem, 422: problem };
const tags = ['orders'];
const idempotencyKey = z.object({ 'idempotency-key': z.string().max(200).optional() }).passthrough();

/** Changes after placement (issue 15): preview a change set, then confirm or discard it. */
export const orderChangeRoutes =
  (deps: Deps): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/orders/:id/changes',
      {
        schema: {
          tags,
          summary: 'Preview a change of a placed order (kept as its draft change)',
          description:
            'Typed actions (add_line, remove_line, cancel_quantity, change_quantity, change_price, replace_item, set_delivery_fee, change_delivery) applied to the order as it is: new totals, stock effect, payment difference and the approvals the change needs. Nothing changes until it is confirmed. A shipped, picked or packed line → 409 ORDER_CHANGE_LINE_SHIPPED / ORDER_CHANGE_BELOW_FULFILLED with the action at fault; one draft per order (409 ORDER_CHANGE_ALREADY_OPEN).',
          params: idParams,
          headers: idempotencyKey,
          body: orderChangeInput,
          response: { 201: orderChange, ...errors },
        },
      },
      (request, reply) =>
        runOwnTransactionCommand(deps, request, reply, 'orders:write', async (scope, ctx) => ({
          status: 201,
          body: await previewOrderChange(
            scope,
            ctx.principal.actor,
            deps.clock,
            request.params.id,
            request.body,
            ifMatch(request),
          ),
        })),
    );

    app.get(
      '/orders/:id/changes',
      {
        schema: {
          tags,
          summary: "The order's changes, newest first",
          params: idParams,
          response: { 200: z.object({ items: z.array(orderChange) }), ...errors },
        },
      },
      async (request) => listOrderChanges(authorize(deps.db, request, 'orders:read').store, request.params.id),
    );

    app.post(
      '/orders/:id/changes/:changeId/confirm',
      {
        schema: {
          tags,
          summary: 'Confirm a draft change (If-Match: the order ETag)',
          description:
            "Decided again from the order as it is now: lines and totals change, stock is released and reserved, money above the new total is refunded through the payments that took it, a history row per action, `order.changed`, and the process hears `order_changed`. The order changed since the preview → 409 ORDER_CHANGE_STALE; a line shipped since → 409 ORDER_CHANGE_LINE_SHIPPED; If-Match not the order's version → 412.",
          params: changeParams,
          headers: idempotencyKey,
          response: { 200: confirmedChange, ...errors },
        },
      },
      (request, reply) =>
        runCommand(deps, request, reply, 'orders:write', async (tx, ctx) => ({
          status: 200,
          body: await confirmOrderChange(
            {
              processes: deps.processes,
              clock: deps.clock,
              providers: new Set(deps.payments?.keys() ?? []),
              roles: ctx.principal.roles,
            },
            tx,
            ctx.principal.actor,
            request.params.id,
            request.params.changeId,
            ifMatch(request),
          ),
        })),
    );

    app.post(
      '/orders/:id/changes/:changeId/discard',
      {
        schema: {
          tags,
          summary: 'Discard a draft change',
          params: changeParams,
          headers: idempotencyKey,
          body: discardInput.optional(),
          response: { 200: orderChange, ...errors },
        },
      },
      (request, reply) =>
        runOwnTransactionCommand(deps, request, reply, 'orders:write', async (scope, ctx) => ({
          status: 200,
          body: await discardOrderChange(
            scope,
            ctx.principal.actor,
            deps.clock,
            request.params.id,
            request.params.changeId,
            request.body?.reason,
          ),
        })),
    );
  };
