import { sql } from 'kysely';
import type { TenantScope } from '../../store/tenant-scope.js';

/**
 * Picking accuracy per location from the recorded facts: lines and units ordered, picked,
 * short, and later returned as the wrong item. A line is accurate when it was picked in full and
 * none of it came back as a wrong item; unit accuracy is (picked − wrong) / ordered.
 * Only picked lines count (work still waiting for a picker says nothing about accuracy).
 */
export async function pickingAccuracy(tx: TenantScope, f: { location?: string | undefined; from?: string | undefined; to?: string | undefined }) {
  let q = tx.selectFrom('fulfilment_lines')
    .innerJoin('fulfilment_orders', (j) => j.onRef('fulfilment_orders.tenant_id', '=', 'fulfilment_lines.tenant_id').onRef('fulfilment_orders.id', '=', 'fulfilment_lines.fulfilment_id'))
    .innerJoin('locations', (j) => j.onRef('locations.tenant_id', '=', 'fulfilment_orders.tenant_id').onRef('locations.id', '=', 'fulfilment_orders.location_id'))
    .select([
      'locations.id as locationId', 'locations.code as location', 'locations.name as locationName',
      sql<string>`count(*)`.as('lines'),
      sql<string>`sum(fulfilment_lines.quantity)`.as('ordered'),
      sql<string>`sum(fulfilment_lines.picked)`.as('picked'),
      sql<string>`count(*) filter (where fulfilment_lines.picked < fulfilment_lines.quantity)`.as('shortLines'),
      sql<string>`sum(fulfilment_lines.quantity - fulfilment_lines.picked)`.as('shortUnits'),
      sql<string>`sum(fulfilment_lines.wrong_item)`.as('wrongItems'),
      sql<string>`count(*) filter (where fulfilment_lines.picked = fulfilment_lines.quantity and fulfilment_lines.wrong_item = 0)`.as('accurateLines'),
    ])
    .where('fulfilment_lines.picked', 'is not', null)
    .groupBy(['locations.id', 'locations.code', 'locations.name']).orderBy('locations.code');
  if (f.location) q = q.where('locations.code', '=', f.location);
  if (f.from) q = q.where('fulfilment_lines.picked_at', '>=', new Date(f.from));
  if (f.to) q = q.where('fulfilment_lines.picked_at', '<', new Date(f.to));
  const rows = await q.execute();
  const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
  return {
    items: rows.map((r) => {
      const n = { lines: Number(r.lines), ordered: Number(r.ordered), picked: Number(r.picked), shortLines: Number(r.shortLines),
        shortUnits: Number(r.shortUnits), wrongItems: Number(r.wrongItems), accurateLines: Number(r.accurateLines) };
      return { locationId: r.locationId, location: r.location, locationName: r.locationName, ...n,
        lineAccuracy: ratio(n.accurateLines, n.lines), unitAccuracy: ratio(n.picked - n.wrongItems, n.ordered) };
    }),
  };
}
