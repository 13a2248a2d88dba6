import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestApp } from '../support.js';

export async function stock(t: TestApp, rows: [sku: string, location: string, onHand: number][]) {
  for (const [sku, location, onHand] of rows) {
    const r = await t.call('POST', '/api/v1/inventory/stock:set', { sku, location, onHand });
    assert.ok(r.status < 300, JSON.stringify(r.body));
  }
}

/** Every stock figure and live reservation of the tenant, to prove a read changed nothing. */
export async function stockSnapshot(t: TestApp) {
  const levels = await t.store
    .selectFrom('stock_levels')
    .select(['product_id', 'location_id', 'on_hand', 'reserved', 'version'])
    .orderBy('product_id')
    .orderBy('location_id')
    .execute();
  const reservations = await t.store
    .selectFrom('stock_reservations')
    .select(['id', 'location_id', 'quantity', 'status'])
    .orderBy('id')
    .execute();
  const routes = await sql<{
    n: string;
  }>`select count(*)::text as n from order_routes where tenant_id = ${t.tenantId}`.execute(t.database.db);
  const events = await t.store.selectFrom('events').select(['id']).where('type', '=', 'order.routed').execute();
  return { levels, reservations, routes: routes.rows[0]!.n, events: events.length };
}

export async function locationIds(t: TestApp) {
  const rows = await t.store.selectFrom('locations').select(['id', 'code']).execute();
  return Object.fromEntries(rows.map((r) => [r.code, r.id])) as Record<string, string>;
}

export const RATES_PLN = `carrier,service,mode,zone,origin_country,destination_country,min_km,max_km,base,per_unit,transit_days
inpost,kurier,delivery,PL-local,PL,PL,0,150,12.99,0.50,1
inpost,kurier,delivery,PL-kraj,PL,PL,150,1500,16.99,0.50,2
ordo,transfer,transfer,PL-kraj,PL,PL,0,1500,8.00,0.20,2
`;
