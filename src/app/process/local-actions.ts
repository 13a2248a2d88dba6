import { sql } from 'kysely';
import { newId } from '../../shared/ids.js';
import type { FactsInput } from '../../process/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import { reserveExistingOrder } from '../inventory/reserve.js';
import { listOrderReservations, releaseOrderReservations } from '../inventory/release.js';

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

/** Live or shipped reservations grouped by location: where the goods are held is where they ship from. */
async function allocations(ctx: ActionContext) {
  const { reservations } = await listOrderReservations(ctx.tx, ctx.orderId);
  return reservations.filter((r) => r.status === 'active' || r.status === 'consumed')
    .map((r) => ({ sku: r.sku, locationId: r.locationId, location: r.location, quantity: r.quantity, orderLineId: r.orderLineId }));
}

const handlers: Record<string, Handler> = {
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

  // Adapter until sourcing (issue 5) exposes an app-level use case: route to where stock is held.
  async route(ctx) {
    const alloc = await allocations(ctx);
    if (alloc.length === 0) return { event: 'unroutable', note: 'nothing is reserved, so no location can serve the order' };
    await emitEvent(ctx.tx, { type: 'order.routed', subject: ctx.orderId, time: ctx.now,
      payload: { orderId: ctx.orderId, allocations: alloc.map((a) => ({ sku: a.sku, locationId: a.locationId, quantity: a.quantity })) } });
    return { event: 'routed', note: `routed to ${[...new Set(alloc.map((a) => a.location))].join(', ')} (where the stock is reserved)`, data: { allocations: alloc } };
  },

  // Adapter until fulfilment (issue 6) exists: ask each location through the outbox; `shipped` comes back as an event.
  async create_fulfilment(ctx, args) {
    const alloc = await allocations(ctx);
    const byLocation = new Map<string, typeof alloc>();
    for (const a of alloc) byLocation.set(a.locationId, [...(byLocation.get(a.locationId) ?? []), a]);
    const requests = [];
    for (const [locationId, lines] of byLocation) {
      const fulfilmentId = newId();
      await emitEvent(ctx.tx, { type: 'fulfilment.requested', subject: ctx.orderId, time: ctx.now,
        payload: { orderId: ctx.orderId, fulfilmentId, locationId, kind: String(args.kind ?? 'ship'), lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, ...(l.orderLineId ? { lineId: l.orderLineId } : {}) })) } });
      requests.push({ fulfilmentId, location: lines[0]!.location });
    }
    return { note: `fulfilment requested from ${requests.length} location(s); waiting for the location's events`, data: { requests }, pending: true };
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
