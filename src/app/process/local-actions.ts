import { sql } from 'kysely';
import type { FactsInput } from '../../process/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { reserveExistingOrder } from '../inventory/reserve.js';
import { releaseOrderReservations } from '../inventory/release.js';
import { routeOrder } from '../sourcing/route-order.js';
import { createFulfilmentOrders } from '../fulfilment/create-fulfilment-orders.js';
import { cancelOrderFulfilment } from '../fulfilment/cancel-fulfilment.js';
import { requestNotification } from '../notifications/request-notification.js';

export interface ActionContext {
  tx: TenantScope;
  actor: Actor;
  now: Date;
  orderId: string;
  facts: FactsInput;
  definition: { key: string; version: number };
}

/** What a local action did: the event it feeds back to the process (if any) and a history note. */
export interface ActionOutcome {
  event?: string;
  note: string;
  data?: Record<string, unknown>;
  /** True when no implementation is wired yet and the order waits for the outcome as an event. */
  pending?: boolean;
}

type Handler = (ctx: ActionContext, args: Record<string, unknown>) => Promise<ActionOutcome>;

const handlers: Record<string, Handler> = {
  // Issue 6: queues the e-mail (notification row + outbox event) in this transaction; the worker sends it.
  notify: (ctx, args) => requestNotification(ctx.tx, { orderId: ctx.orderId, now: ctx.now, template: String(args.template), to: args.to === undefined ? undefined : String(args.to) }),

  async validate(ctx) {
    const v = (ctx.facts.validation ?? {}) as { ok?: boolean; errors?: string[] };
    return { note: v.ok === false ? `verification failed: ${(v.errors ?? []).join('; ')}` : 'verification passed', data: { validation: v } };
  },

  async reserve(ctx, args) {
    const allowPartial = args.allowPartial === undefined ? true : Boolean(args.allowPartial);
    const r = await reserveExistingOrder(ctx.tx, ctx.actor, ctx.now, ctx.orderId, { allowPartial });
    // A partial hold is still a shortage for the process: the missing units need a decision.
    return { event: r.status === 'reserved' ? 'reserved' : 'shortage', note: `stock ${r.status}`, data: { status: r.status } };
  },

  async release(ctx) {
    const r = await releaseOrderReservations(ctx.tx, ctx.actor, ctx.now, { orderId: ctx.orderId, reason: 'process: release' });
    return { note: `released ${r.released} unit(s) from ${r.reservations} reservation(s)`, data: r };
  },

  // Sourcing (issue 5): plan with the named strategy, move the reservations to the plan, trace in history, order.routed.
  async route(ctx, args) {
    const r = await routeOrder(ctx.tx, ctx.actor, ctx.now, ctx.orderId, {
      processStrategy: typeof args.strategy === 'string' ? args.strategy : undefined,
      ...(args.allowSplit === false ? { allowSplit: false } : {}),
      reason: `process ${ctx.definition.key} v${ctx.definition.version}: route`,
    });
    const from = [...new Set(r.allocations.map((a) => a.location))].join(', ');
    return { event: r.outcome, note: r.outcome === 'routed'
      ? `routed by ${r.strategy.key} v${r.strategy.version} (attempt ${r.attempt}) from ${from || 'nowhere (nothing left to route)'}`
      : `unroutable by ${r.strategy.key} v${r.strategy.version}: ${r.trace?.summary ?? ''}`,
    data: { attempt: r.attempt, strategy: r.strategy, allocations: r.allocations.map((a) => ({ sku: a.sku, location: a.location, quantity: a.quantity })) } };
  },

  // Fulfilment orders per location (issue 6); the locations hear of them through the outbox and
  // their picks, packs and shipments come back to the process as events (shipped, short_pick, …).
  async create_fulfilment(ctx, args) {
    const r = await createFulfilmentOrders(ctx.tx, ctx.actor, ctx.now, ctx.orderId, {
      kind: String(args.kind ?? 'ship'),
      ...(typeof args.allowPartialShipments === 'boolean' ? { allowPartialShipments: args.allowPartialShipments } : {}),
    });
    if (r.alreadyShipped) return { event: 'shipped', note: 'everything of the order has shipped already', data: { requests: [] } };
    return { note: `fulfilment orders created at ${r.requests.length} location(s)${r.requests.length ? ` (${r.requests.map((q) => q.location).join(', ')})` : ''}; waiting for the locations' events`,
      data: { requests: r.requests, allowPartialShipments: r.allowPartial }, pending: true };
  },

  // Put before `release` in a cancelled state: the locations stop picking (fulfilment.cancelled
  // through the outbox) and their holds go back before release frees the rest of the order.
  async cancel_fulfilment(ctx, args) {
    const reason = typeof args.reason === 'string' ? args.reason : `the order was cancelled (process ${ctx.definition.key} v${ctx.definition.version})`;
    const r = await cancelOrderFulfilment(ctx.tx, ctx.actor, ctx.now, ctx.orderId, { reason });
    if (r.toVoidAtCarrier.length > 0) {
      await handlers.flag!(ctx, { code: 'SHIPMENT_TO_VOID', message: `void at the carrier: ${r.toVoidAtCarrier.map((v) => `${v.carrier} ${v.carrierShipmentId}`).join(', ')}` });
    }
    const parts = [`cancelled ${r.cancelled.length} fulfilment order(s)`];
    if (r.notRecalled.length) parts.push(`${r.notRecalled.length} could not be recalled (${r.notRecalled.map((n) => n.state).join(', ')})`);
    if (r.toVoidAtCarrier.length) parts.push(`${r.toVoidAtCarrier.length} shipment(s) to void at the carrier`);
    return { note: parts.join('; '), data: { fulfilment: r } };
  },

  async check_credit(ctx) {
    const c = (ctx.facts.customer ?? {}) as { creditLimit?: bigint; availableCredit?: bigint };
    const total = BigInt(String((ctx.facts.order as { total?: unknown } | undefined)?.total ?? 0));
    if (c.availableCredit === undefined) return { event: 'credit_ok', note: 'the customer has no credit limit' };
    const ok = total <= c.availableCredit;
    return { event: ok ? 'credit_ok' : 'credit_exceeded', note: `total ${total} ${ok ? '≤' : '>'} available credit ${c.availableCredit} (minor units)` };
  },

  async flag(ctx, args) {
    const flag = { code: String(args.code), message: args.message === undefined ? null : String(args.message), at: ctx.now.toISOString(), by: `${ctx.definition.key} v${ctx.definition.version}` };
    await ctx.tx.updateTable('orders')
      .set({ attributes: sql`jsonb_set(attributes, '{flags}', coalesce(attributes->'flags', '[]'::jsonb) || ${JSON.stringify([flag])}::jsonb)` })
      .where('id', '=', ctx.orderId).execute();
    return { note: `flag ${flag.code} raised`, data: { flag } };
  },
};

/**
 * Runs a local action in the order's transaction. Actions without an implementation yet
 * (issue_invoice, create_order_from_quote, create_recurrence, tenant extensions) are recorded as
 * pending: the order waits for their outcome event, which an operator or integration posts.
 */
export async function runLocalAction(ctx: ActionContext, action: string, args: Record<string, unknown>): Promise<ActionOutcome> {
  const h = handlers[action];
  if (!h) return { note: `no local implementation of ${action} is wired; recorded as pending`, pending: true };
  return h(ctx, args);
}

/**
 * External actions (payments, notifications, ERP, production) leave through integrations and
 * come back as events. TODO(issue 8): the event catalogue has no "action requested" type yet,
 * so the request is recorded in the order's history for connectors and operators to act on.
 */
export async function requestExternalAction(ctx: ActionContext, action: string, args: Record<string, unknown>, state: string): Promise<void> {
  await writeHistory(ctx.tx, ctx.actor, ctx.now, [{
    orderId: ctx.orderId, action: 'process.action_requested', fromState: state, toState: state,
    changes: { action, args, runs: 'external', pending: true },
    reason: { definition: ctx.definition, note: 'an external action: its result comes back as an event on the order' },
  }]);
}
