import assert from 'node:assert/strict';
import { orderBody, type TestApp } from '../support.js';
import { newId } from '../../src/shared/ids.js';
import type { TenantScope } from '../../src/store/tenant-scope.js';

const HOUR = 3_600_000;

/** One planned order of a KPI fixture: where and when it was placed and the steps it took (hours after placement). */
export interface KpiOrderPlan {
  channel: string;
  location: string | null;
  placed: Date;
  state: string;
  steps: ReadonlyArray<readonly [string, number]>;
}

/**
 * Creates the order through the API, then replaces what intake wrote with the plan's own history
 * (order_history rows at the planned hours), state and first fulfilment order's location — the
 * KPI tests' shared seeding (test/reports/kpis.test.ts, test/web/kpis.test.ts).
 */
export async function seedKpiOrder(
  call: TestApp['call'],
  store: TenantScope,
  locationId: Record<string, string>,
  key: string,
  plan: KpiOrderPlan,
): Promise<{ id: string; number: string }> {
  const created = await call(
    'POST',
    '/api/v1/orders',
    orderBody({
      externalId: `KPI-${key}`,
      channel: plan.channel,
      currency: plan.channel === 'web' ? 'PLN' : 'RUB',
      placedAt: plan.placed.toISOString(),
    }),
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  await store.deleteFrom('order_history').where('order_id', '=', id).execute();
  await store.deleteFrom('order_processes').where('order_id', '=', id).execute();
  await store.updateTable('orders').set({ state: plan.state }).where('id', '=', id).execute();
  const placed = plan.placed.getTime();
  let from: string | null = null;
  for (const [state, hours] of plan.steps) {
    await store
      .insertInto('order_history', {
        id: newId(),
        order_id: id,
        at: new Date(placed + hours * HOUR),
        actor_type: 'system',
        actor_id: null,
        action: 'transition',
        from_state: from,
        to_state: state,
        changes: '{}',
        reason: '{}',
      } as any)
      .execute();
    from = state;
  }
  if (plan.location)
    await store
      .insertInto('fulfilment_orders', {
        id: newId(),
        order_id: id,
        location_id: locationId[plan.location],
        kind: 'ship',
        state: 'shipped',
        allow_partial: false,
        created_at: new Date(placed),
        updated_at: new Date(placed),
      } as any)
      .execute();
  return { id, number: created.body.number as string };
}
