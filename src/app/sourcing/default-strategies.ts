import { newId } from '../../shared/ids.js';
import { systemActor } from '../../store/history.js';
import '../../store/schema-sourcing.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { canonicalJson, recordAudit } from '../versioning/versioned-store.js';
import { strategyKind } from './strategy-store.js';

/**
 * The strategies every tenant starts with: `nearest` (the default, and what the shipped B2C
 * and B2B processes name), `consolidate` (wholesale: fewest shipments from warehouses) and
 * `single_location` (make to order: one location, lines kept whole). They weigh distance so
 * they work before any rate table is uploaded; shipping cost breaks ties once one is. The
 * heuristic solver keeps routing inside the order's transaction to a millisecond or two.
 */
export const DEFAULT_STRATEGIES: Array<{ key: string; document: Record<string, unknown> }> = [
  {
    key: 'nearest',
    document: {
      name: 'Nearest location that can send the whole order, else the fewest nearby parcels',
      solver: 'heuristic',
      steps: [
        {
          id: 'one-parcel',
          description: 'one shipment from the nearest location that has everything',
          filters: { sameCountryAsDestination: true, channelNetwork: true },
          objective: { distance: 1, shippingCost: 0.01, locationPriority: 1 },
          constraints: { maxShipments: 1 },
          fallback: 'next',
        },
        {
          id: 'split',
          description: 'split over the nearest locations, each extra parcel worth 200 km',
          filters: { sameCountryAsDestination: true, channelNetwork: true },
          objective: { distance: 1, shippingCost: 0.01, shipments: 200 },
          constraints: { maxShipments: 3 },
          fallback: 'backorder',
        },
      ],
    },
  },
  {
    key: 'consolidate',
    document: {
      name: 'Wholesale: warehouses only, fewest shipments, lines kept whole',
      solver: 'heuristic',
      steps: [
        {
          id: 'one-warehouse',
          filters: { locationTypes: ['warehouse'], sameCountryAsDestination: true },
          objective: { shipments: 1000, distance: 1, shippingCost: 0.01 },
          constraints: { maxShipments: 1, keepLinesWhole: true },
          fallback: 'next',
        },
        {
          id: 'fewest-warehouses',
          filters: { locationTypes: ['warehouse'], sameCountryAsDestination: true },
          objective: { shipments: 1000, distance: 1, shippingCost: 0.01 },
          constraints: { maxShipments: 3, keepLinesWhole: true },
          fallback: 'backorder',
        },
      ],
    },
  },
  {
    key: 'single_location',
    document: {
      name: 'One location for the whole order (make to order, serials captured in one place)',
      solver: 'heuristic',
      steps: [
        {
          id: 'one-location',
          filters: { sameCountryAsDestination: true },
          objective: { distance: 1, shippingCost: 0.01 },
          constraints: { maxShipments: 1, keepLinesWhole: true },
          fallback: 'backorder',
        },
      ],
    },
  },
];

/**
 * Publishes version 1 of every default strategy whose key the tenant has never had. Idempotent
 * and safe under concurrency (a racing insert of the same version is ignored). Routing calls it
 * lazily when a tenant has no strategy of the key it needs; the demo seed may call it too.
 */
export async function ensureDefaultStrategies(tx: TenantScope, now: Date = new Date()): Promise<string[]> {
  const have = new Set(
    (
      await tx
        .selectFrom('routing_strategies')
        .select('key')
        .distinct()
        .where(
          'key',
          'in',
          DEFAULT_STRATEGIES.map((d) => d.key),
        )
        .execute()
    ).map((r) => r.key),
  );
  const added: string[] = [];
  for (const strategy of DEFAULT_STRATEGIES) {
    if (have.has(strategy.key)) continue;
    const row = await tx
      .insertInto('routing_strategies', {
        id: newId(),
        key: strategy.key,
        version: 1,
        status: 'published',
        name: String(strategy.document.name ?? strategy.key),
        document: JSON.stringify(strategy.document),
        created_by: 'system',
        created_at: now,
        updated_at: now,
        published_at: now,
        retired_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(row.numInsertedOrUpdatedRows ?? 0n) === 0) continue;
    await recordAudit(tx, strategyKind, systemActor, now, {
      key: strategy.key,
      version: 1,
      action: 'published',
      before: '',
      after: canonicalJson(strategy.document),
      details: { default: true },
    });
    added.push(strategy.key);
  }
  return added;
}
