import { AppError } from '../../shared/errors.js';
import { formatMoney } from '../../shared/money.js';
import { decodeCursor, encodeCursor } from '../../shared/cursor.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { localTime } from '../../domain/subscriptions/schedule.js';
import type { subscriptionsQuery } from './schemas.js';
import type { z } from 'zod';
import { scheduleOf, type SubscriptionRow } from './subscription-rows.js';
import '../../store/schema-subscriptions.js';

export const lineView =
  (currency: string) =>
  (l: {
    line_no: number;
    kind: string;
    sku: string;
    quantity: number;
    unit_price: string | null;
    tax_rate: string | null;
  }) => ({
    lineNo: l.line_no,
    kind: l.kind as 'product' | 'service',
    sku: l.sku,
    quantity: l.quantity,
    unitPrice: l.unit_price === null ? null : formatMoney(BigInt(l.unit_price), currency),
    taxRate: l.tax_rate,
  });

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function view(row: SubscriptionRow & { channel_code: string }, lines: Parameters<ReturnType<typeof lineView>>[0][]) {
  return {
    id: row.id,
    number: row.number,
    state: row.state,
    customerId: row.customer_id,
    companyId: row.company_id,
    channel: row.channel_code,
    orderType: row.order_type,
    currency: row.currency,
    pricesIncludeTax: row.prices_include_tax,
    lines: lines.map(lineView(row.currency)),
    shipping: row.shipping,
    delivery: row.delivery,
    shippingAddress: row.shipping_address,
    billingAddress: row.billing_address,
    paymentTerms: row.payment_terms,
    schedule: scheduleOf(row),
    cyclesTotal: row.cycles_total,
    cyclesDone: row.cycles_done,
    lastCycle: row.cycle_seq,
    nextCycleAt: row.state === 'active' ? iso(row.next_run_at) : null,
    nextCycleLocal:
      row.state === 'active' && row.next_run_at ? localTime(new Date(row.next_run_at), row.time_zone) : null,
    skipping: row.skip_at,
    pausedUntil: iso(row.paused_until),
    exception: row.exception,
    attributes: row.attributes,
    notes: row.notes,
    version: row.version,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    endedAt: iso(row.ended_at),
  };
}
export type SubscriptionView = ReturnType<typeof view>;

function selectSubscriptions(scope: TenantScope) {
  return scope
    .selectFrom('subscriptions')
    .innerJoin('channels', (j) =>
      j
        .onRef('channels.tenant_id', '=', 'subscriptions.tenant_id')
        .onRef('channels.id', '=', 'subscriptions.channel_id'),
    )
    .selectAll('subscriptions')
    .select('channels.code as channel_code');
}

export async function getSubscription(scope: TenantScope, id: string): Promise<SubscriptionView> {
  const row = await selectSubscriptions(scope).where('subscriptions.id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `subscription ${id} not found`);
  const lines = await scope
    .selectFrom('subscription_lines')
    .selectAll()
    .where('subscription_id', '=', id)
    .orderBy('line_no')
    .execute();
  return view(row as SubscriptionRow & { channel_code: string }, lines);
}

export async function listSubscriptions(scope: TenantScope, query: z.infer<typeof subscriptionsQuery>) {
  let select = selectSubscriptions(scope)
    .orderBy('subscriptions.id', 'desc')
    .limit(query.limit + 1);
  if (query.state) select = select.where('subscriptions.state', '=', query.state);
  if (query.customer) select = select.where('subscriptions.customer_id', '=', query.customer);
  const cursor = decodeCursor(query.cursor);
  if (cursor) select = select.where('subscriptions.id', '<', cursor);
  const rows = await select.execute();
  const page = rows.slice(0, query.limit);
  const lines = page.length
    ? await scope
        .selectFrom('subscription_lines')
        .selectAll()
        .where(
          'subscription_id',
          'in',
          page.map((r) => r.id),
        )
        .orderBy('line_no')
        .execute()
    : [];
  return {
    items: page.map((r) =>
      view(
        r as SubscriptionRow & { channel_code: string },
        lines.filter((l) => l.subscription_id === r.id),
      ),
    ),
    nextCursor: rows.length > query.limit ? encodeCursor(page.at(-1)!.id) : null,
  };
}

/** Each cycle: its date, outcome, and the order it created (number and current state). */
export async function listCycles(scope: TenantScope, id: string) {
  await getSubscriptionHead(scope, id);
  const rows = await scope
    .selectFrom('subscription_cycles')
    .leftJoin('orders', (j) =>
      j
        .onRef('orders.tenant_id', '=', 'subscription_cycles.tenant_id')
        .onRef('orders.id', '=', 'subscription_cycles.order_id'),
    )
    .select([
      'subscription_cycles.cycle',
      'subscription_cycles.due_at',
      'subscription_cycles.status',
      'subscription_cycles.order_id',
      'subscription_cycles.error_code',
      'subscription_cycles.reason',
      'subscription_cycles.attempts',
      'subscription_cycles.created_at',
      'subscription_cycles.updated_at',
      'orders.number as order_number',
      'orders.state as order_state',
    ])
    .where('subscription_cycles.subscription_id', '=', id)
    .orderBy('subscription_cycles.cycle')
    .execute();
  return {
    items: rows.map((r) => ({
      cycle: r.cycle,
      dueAt: iso(r.due_at)!,
      status: r.status,
      orderId: r.order_id,
      orderNumber: r.order_number ?? null,
      orderState: r.order_state ?? null,
      errorCode: r.error_code,
      reason: r.reason,
      attempts: r.attempts,
      recordedAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
    })),
  };
}

export async function listSubscriptionHistory(scope: TenantScope, id: string) {
  await getSubscriptionHead(scope, id);
  const rows = await scope
    .selectFrom('subscription_history')
    .selectAll()
    .where('subscription_id', '=', id)
    .orderBy('id')
    .execute();
  return {
    items: rows.map((r) => ({
      at: iso(r.at)!,
      actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
      action: r.action,
      fromState: r.from_state,
      toState: r.to_state,
      changes: r.changes,
      reason: r.reason,
    })),
  };
}

async function getSubscriptionHead(scope: TenantScope, id: string) {
  const row = await scope.selectFrom('subscriptions').select('id').where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', `subscription ${id} not found`);
}
