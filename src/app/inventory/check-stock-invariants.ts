import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import type { Conn } from '../../store/db.js';

export interface StockViolation {
  tenantId: string;
  productId: string;
  locationId: string;
  rule:
    | 'on_hand_equals_ledger'
    | 'reserved_equals_live_reservations'
    | 'reserved_equals_ledger'
    | 'available_not_negative'
    | 'lots_within_on_hand'
    | 'serials_within_on_hand'
    | 'bucket_reserved_equals_live_reservations'
    | 'buckets_within_lent';
  expected: number;
  actual: number;
}

/**
 * The stock invariants, checked across every tenant (or one): on hand is the sum of the ledger,
 * reserved is the sum of live reservations (and of the ledger's reservation deltas), available
 * is never negative, and tracked lots and serials never exceed on hand. For a hot row split into
 * buckets, reserved is its true figure (the row's minus what is free in the buckets), and each
 * bucket holds exactly its live reservations, under the row's bucket count. An empty list means the
 * figures are explained. `ordo check-stock` (src/cli) prints these and exits non-zero when any exist.
 */
export async function checkStockInvariants(db: Conn, opts: { tenantId?: string } = {}): Promise<StockViolation[]> {
  const tenantId = opts.tenantId ?? null;
  const { rows } = await sql<{
    tenant_id: string;
    product_id: string;
    location_id: string;
    on_hand: number;
    reserved: number;
    safety: number;
    ledger_on_hand: string;
    ledger_reserved: string;
    live: string;
    lots: string | null;
    serials: string | null;
    bucket_free: number;
    bucket_reserved: string;
    bucket_live: string;
    buckets_broken: string;
    lot_tracked: boolean;
    serial_tracked: boolean;
  }>`
    select sl.tenant_id, sl.product_id, sl.location_id, sl.on_hand, sl.reserved, sl.safety, p.lot_tracked, p.serial_tracked,
      coalesce((select sum(m.on_hand_delta) from stock_movements m where m.tenant_id = sl.tenant_id and m.product_id = sl.product_id and m.location_id = sl.location_id), 0) as ledger_on_hand,
      coalesce((select sum(m.reserved_delta) from stock_movements m where m.tenant_id = sl.tenant_id and m.product_id = sl.product_id and m.location_id = sl.location_id), 0) as ledger_reserved,
      coalesce((select sum(r.quantity) from stock_reservations r where r.tenant_id = sl.tenant_id and r.product_id = sl.product_id and r.location_id = sl.location_id and r.status = 'active'), 0) as live,
      (select sum(l.on_hand) from stock_lots l where l.tenant_id = sl.tenant_id and l.product_id = sl.product_id and l.location_id = sl.location_id) as lots,
      coalesce((select sum(b.on_hand - b.reserved) from stock_buckets b where b.tenant_id = sl.tenant_id and b.product_id = sl.product_id and b.location_id = sl.location_id), 0)::int as bucket_free,
      coalesce((select sum(b.reserved) from stock_buckets b where b.tenant_id = sl.tenant_id and b.product_id = sl.product_id and b.location_id = sl.location_id), 0) as bucket_reserved,
      coalesce((select sum(r.quantity) from stock_reservations r where r.tenant_id = sl.tenant_id and r.product_id = sl.product_id and r.location_id = sl.location_id and r.status = 'active' and r.bucket is not null), 0) as bucket_live,
      (select count(*) from stock_buckets b where b.tenant_id = sl.tenant_id and b.product_id = sl.product_id and b.location_id = sl.location_id
        and (b.reserved <> coalesce((select sum(r.quantity) from stock_reservations r where r.tenant_id = b.tenant_id and r.product_id = b.product_id and r.location_id = b.location_id and r.status = 'active' and r.bucket = b.bucket), 0)
          or b.bucket >= sl.buckets)) as buckets_broken,
      (select count(*) from stock_serials x where x.tenant_id = sl.tenant_id and x.product_id = sl.product_id and x.location_id = sl.location_id and x.status in ('in_stock', 'picked')) as serials
    from stock_levels sl join products p on p.tenant_id = sl.tenant_id and p.id = sl.product_id
    where (${tenantId}::uuid is null or sl.tenant_id = ${tenantId}::uuid)
    order by sl.tenant_id, sl.product_id, sl.location_id`.execute(db);
  const out: StockViolation[] = [];
  for (const stored of rows) {
    const at = { tenantId: stored.tenant_id, productId: stored.product_id, locationId: stored.location_id };
    // A hot row counts what it lent to its buckets as reserved; its true figure adds back what is
    // free in them (app/inventory/buckets.ts). Rows without buckets are unchanged.
    const row = { ...stored, reserved: stored.reserved - Number(stored.bucket_free) };
    if (Number(stored.bucket_live) !== Number(stored.bucket_reserved))
      out.push({
        ...at,
        rule: 'bucket_reserved_equals_live_reservations',
        expected: Number(stored.bucket_live),
        actual: Number(stored.bucket_reserved),
      });
    if (Number(stored.buckets_broken) > 0)
      out.push({ ...at, rule: 'buckets_within_lent', expected: 0, actual: Number(stored.buckets_broken) });
    if (Number(row.ledger_on_hand) !== row.on_hand)
      out.push({ ...at, rule: 'on_hand_equals_ledger', expected: Number(row.ledger_on_hand), actual: row.on_hand });
    if (Number(row.live) !== row.reserved)
      out.push({ ...at, rule: 'reserved_equals_live_reservations', expected: Number(row.live), actual: row.reserved });
    if (Number(row.ledger_reserved) !== row.reserved)
      out.push({ ...at, rule: 'reserved_equals_ledger', expected: Number(row.ledger_reserved), actual: row.reserved });
    if (row.on_hand - row.reserved < 0)
      out.push({ ...at, rule: 'available_not_negative', expected: 0, actual: row.on_hand - row.reserved });
    if (row.lot_tracked && row.lots !== null && Number(row.lots) > row.on_hand)
      out.push({ ...at, rule: 'lots_within_on_hand', expected: row.on_hand, actual: Number(row.lots) });
    if (row.serial_tracked && Number(row.serials) > row.on_hand)
      out.push({ ...at, rule: 'serials_within_on_hand', expected: row.on_hand, actual: Number(row.serials) });
  }
  return out;
}
