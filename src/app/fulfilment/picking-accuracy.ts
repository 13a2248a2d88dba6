import { sql } from 'kysely';
import type { TenantScope } from '../../store/tenant-scope.js';

/**
 * Picking accuracy per location from the recorded facts: lines and units ordered, picked,
 * short, and later returned as the wrong item. A line is accurate when it was picked in full and
 * none of it came back as a wrong item; unit accuracy is (picked − wrong) / ordered.
 * Only picked lines count (work still waiting for a picker says nothing about accuracy).
 */
export async function pickingAccuracy(
  tx: TenantScope,
  file: { location?: string | undefined; from?: string | undefined; to?: string | undefined },
) {
  let query = tx
    .selectFrom('fulfilment_lines')
    .innerJoin('fulfilment_orders', (j) =>
      j
        .onRef('fulfilment_orders.tenant_id', '=', 'fulfilment_lines.tenant_id')
        .onRef('fulfilment_orders.id', '=', 'fulfilment_lines.fulfilment_id'),
    )
    .innerJoin('locations', (j) =>
      j
        .onRef('locations.tenant_id', '=', 'fulfilment_orders.tenant_id')
        .onRef('locations.id', '=', 'fulfilment_orders.location_id'),
    )
    .select([
      'locations.id as locationId',
      'locations.code as location',
      'locations.name as locationName',
      sql<string>`count(*)`.as('lines'),
      sql<string>`sum(fulfilment_lines.quantity)`.as('ordered'),
      sql<string>`sum(fulfilment_lines.picked)`.as('picked'),
      sql<string>`count(*) filter (where fulfilment_lines.picked < fulfilment_lines.quantity)`.as('shortLines'),
      sql<string>`sum(fulfilment_lines.quantity - fulfilment_lines.picked)`.as('shortUnits'),
      sql<string>`sum(fulfilment_lines.wrong_item)`.as('wrongItems'),
      sql<string>`count(*) filter (where fulfilment_lines.picked = fulfilment_lines.quantity and fulfilment_lines.wrong_item = 0)`.as(
        'accurateLines',
      ),
    ])
    .where('fulfilment_lines.picked', 'is not', null)
    .groupBy(['locations.id', 'locations.code', 'locations.name'])
    .orderBy('locations.code');
  if (file.location) query = query.where('locations.code', '=', file.location);
  if (file.from) query = query.where('fulfilment_lines.picked_at', '>=', new Date(file.from));
  if (file.to) query = query.where('fulfilment_lines.picked_at', '<', new Date(file.to));
  const rows = await query.execute();
  const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 10_000) / 10_000);
  return {
    items: rows.map((row) => {
      const count = {
        lines: Number(row.lines),
        ordered: Number(row.ordered),
        picked: Number(row.picked),
        shortLines: Number(row.shortLines),
        shortUnits: Number(row.shortUnits),
        wrongItems: Number(row.wrongItems),
        accurateLines: Number(row.accurateLines),
      };
      return {
        locationId: row.locationId,
        location: row.location,
        locationName: row.locationName,
        ...count,
        lineAccuracy: ratio(count.accurateLines, count.lines),
        unitAccuracy: ratio(count.picked - count.wrongItems, count.ordered),
      };
    }),
  };
}
