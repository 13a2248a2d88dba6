import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import { AppError, type FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { ensureStockRows, withStockRetry } from './common.js';
import { foldFreeBack, rebalanceBuckets } from './buckets.js';

export const SYNC_MAX_ROWS = 20_000;

export interface SyncReport {
  syncId: string;
  received: number;
  applied: number;
  unchanged: number;
  rejected: Array<{ row: number; sku: string | null; location: string | null; errors: FieldError[] }>;
  replayed?: boolean;
}

interface GoodRow {
  row: number;
  sku: string;
  location: string;
  productId: string;
  locationId: string;
  onHand: number;
  safety: number | null;
}

const isQty = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2_000_000_000;

/**
 * A warehouse or ERP snapshot: absolute on hand (and optionally safety) for many SKU × location
 * rows. Idempotent by syncId (the same id and rows answer the first report; other rows are 422).
 * Each bad row is reported with its 1-based row number; good rows are applied once, in one
 * statement that locks the rows in key order and reads the old figures under the lock, so
 * reservations made at the same moment are kept (reserved is never written here) and the
 * ledger delta is exact. A row that would put on hand below reserved is refused, not clipped.
 */
export async function syncStock(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: { syncId: string; rows: unknown[] },
): Promise<SyncReport> {
  if (input.rows.length > SYNC_MAX_ROWS)
    throw new AppError('PAYLOAD_TOO_LARGE', `at most ${SYNC_MAX_ROWS} rows per sync`);
  const hash = createHash('sha256').update(JSON.stringify(input.rows)).digest('hex');
  return withStockRetry(scope, async (tx) => {
    const claimed = await tx
      .insertInto('stock_syncs', { sync_id: input.syncId, request_hash: hash, result: null, created_at: now })
      .onConflict((oc) => oc.columns(['tenant_id', 'sync_id']).doNothing())
      .returning('sync_id')
      .executeTakeFirst();
    if (!claimed) {
      const prior = await tx
        .selectFrom('stock_syncs')
        .select(['request_hash', 'result'])
        .where('sync_id', '=', input.syncId)
        .executeTakeFirstOrThrow();
      if (prior.request_hash !== hash)
        throw new AppError('SYNC_ID_REUSED', `sync ${input.syncId} was applied with different rows`, [
          { path: '/syncId', message: 'already used' },
        ]);
      return { ...(prior.result as SyncReport), replayed: true };
    }

    const report: SyncReport = {
      syncId: input.syncId,
      received: input.rows.length,
      applied: 0,
      unchanged: 0,
      rejected: [],
    };
    const shaped: Array<{ row: number; sku: string; location: string; onHand: number; safety: number | null }> = [];
    input.rows.forEach((raw, index) => {
      const currentRaw = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
      const errors: FieldError[] = [];
      const path = `/rows/${index}`;
      if (typeof currentRaw.sku !== 'string' || currentRaw.sku.length === 0 || currentRaw.sku.length > 100)
        errors.push({ path: `${path}/sku`, message: 'required text', code: 'VALIDATION_FAILED' });
      if (
        typeof currentRaw.location !== 'string' ||
        currentRaw.location.length === 0 ||
        currentRaw.location.length > 64
      )
        errors.push({ path: `${path}/location`, message: 'required location code', code: 'VALIDATION_FAILED' });
      if (!isQty(currentRaw.onHand))
        errors.push({ path: `${path}/onHand`, message: 'must be a whole number ≥ 0', code: 'VALIDATION_FAILED' });
      if (currentRaw.safety !== undefined && !isQty(currentRaw.safety))
        errors.push({ path: `${path}/safety`, message: 'must be a whole number ≥ 0', code: 'VALIDATION_FAILED' });
      const sku = typeof currentRaw.sku === 'string' ? currentRaw.sku : null;
      const location = typeof currentRaw.location === 'string' ? currentRaw.location : null;
      if (errors.length) report.rejected.push({ row: index + 1, sku, location, errors });
      else
        shaped.push({
          row: index + 1,
          sku: sku!,
          location: location!,
          onHand: currentRaw.onHand as number,
          safety: (currentRaw.safety as number | undefined) ?? null,
        });
    });

    const skus = [...new Set(shaped.map((r) => r.sku))];
    const codes = [...new Set(shaped.map((r) => r.location))];
    const products = new Map<string, string>();
    for (let skuIndex = 0; skuIndex < skus.length; skuIndex += 5000) {
      for (const item of await tx
        .selectFrom('products')
        .select(['id', 'sku'])
        .where('sku', 'in', skus.slice(skuIndex, skuIndex + 5000))
        .execute())
        products.set(item.sku, item.id);
    }
    const locations = new Map(
      (codes.length
        ? await tx.selectFrom('locations').select(['id', 'code']).where('code', 'in', codes).execute()
        : []
      ).map((l) => [l.code, l.id]),
    );
    const seen = new Set<string>();
    const good: GoodRow[] = [];
    for (const row of shaped) {
      const errors: FieldError[] = [];
      const productId = products.get(row.sku);
      const locationId = locations.get(row.location);
      if (!productId)
        errors.push({ path: `/rows/${row.row - 1}/sku`, message: `unknown SKU ${row.sku}`, code: 'UNKNOWN_SKU' });
      if (!locationId)
        errors.push({
          path: `/rows/${row.row - 1}/location`,
          message: `unknown location ${row.location}`,
          code: 'UNKNOWN_LOCATION',
        });
      const key = `${row.sku}\u0000${row.location}`;
      if (!errors.length && seen.has(key))
        errors.push({
          path: `/rows/${row.row - 1}`,
          message: `${row.sku} at ${row.location} appears twice in this sync`,
          code: 'VALIDATION_FAILED',
        });
      seen.add(key);
      if (errors.length) report.rejected.push({ row: row.row, sku: row.sku, location: row.location, errors });
      else good.push({ ...row, productId: productId!, locationId: locationId! });
    }

    if (good.length) {
      await ensureStockRows(tx, good);
      // Hot rows (split into buckets) take back what their buckets hold free, so the guard below
      // sees their true reserved figure, and lend the new free quantity out again afterwards.
      const wanted = new Set(good.map((g) => `${g.productId}|${g.locationId}`));
      const hot = (
        await sql<{ product_id: string; location_id: string }>`select product_id, location_id from stock_levels
        where tenant_id = ${scope.tenantId} and buckets > 0 and product_id = any(${[...new Set(good.map((g) => g.productId))]}::uuid[])
        order by product_id, location_id`.execute(tx.conn)
      ).rows.filter((row) => wanted.has(`${row.product_id}|${row.location_id}`));
      for (const row of hot) await foldFreeBack(tx, row.product_id, row.location_id);
      const payload = JSON.stringify(
        good.map((g) => ({
          row: g.row,
          product_id: g.productId,
          location_id: g.locationId,
          on_hand: g.onHand,
          safety: g.safety,
          movement_id: newId(),
        })),
      );
      const { rows } = await sql<{ row: number; applied: boolean; changed: boolean; reserved: number }>`
        with v as (
          select * from jsonb_to_recordset(${payload}::jsonb) as v(row int, product_id uuid, location_id uuid, on_hand int, safety int, movement_id uuid)
        ), old as (
          select sl.product_id, sl.location_id, sl.on_hand, sl.reserved, sl.safety from stock_levels sl
          join v on v.product_id = sl.product_id and v.location_id = sl.location_id
          where sl.tenant_id = ${scope.tenantId}
          order by sl.product_id, sl.location_id
          for update of sl
        ), upd as (
          update stock_levels as sl set on_hand = v.on_hand, safety = coalesce(v.safety, sl.safety),
            version = sl.version + 1, change_xid = pg_current_xact_id(), updated_at = ${now}
          from v join old on old.product_id = v.product_id and old.location_id = v.location_id
          where sl.tenant_id = ${scope.tenantId} and sl.product_id = v.product_id and sl.location_id = v.location_id
            and v.on_hand >= old.reserved
            and (v.on_hand <> old.on_hand or coalesce(v.safety, old.safety) <> old.safety)
          returning v.row, v.movement_id, sl.product_id, sl.location_id, v.on_hand - old.on_hand as delta
        ), led as (
          insert into stock_movements (tenant_id, id, product_id, location_id, kind, on_hand_delta, reserved_delta, quantity, reference, reason, actor_type, actor_id, at)
          select ${scope.tenantId}, movement_id, product_id, location_id, 'count', delta, 0, abs(delta), ${input.syncId}, 'stock sync', ${actor.type}, ${actor.id}, ${now}
          from upd
          returning 1
        )
        select v.row, (upd.row is not null) as applied, (v.on_hand <> old.on_hand or coalesce(v.safety, old.safety) <> old.safety) as changed, old.reserved
        from v join old on old.product_id = v.product_id and old.location_id = v.location_id
        left join upd on upd.row = v.row
        order by v.row`.execute(tx.conn);
      for (const row of hot) await rebalanceBuckets(tx, row.product_id, row.location_id);
      const byRow = new Map(good.map((g) => [g.row, g]));
      for (const row of rows) {
        if (row.applied) report.applied++;
        else if (!row.changed) report.unchanged++;
        else {
          const good = byRow.get(row.row)!;
          report.rejected.push({
            row: row.row,
            sku: good.sku,
            location: good.location,
            errors: [
              {
                path: `/rows/${row.row - 1}/onHand`,
                message: `${row.reserved} unit(s) are reserved here; on hand cannot be set to ${good.onHand}`,
                code: 'STOCK_BELOW_RESERVED',
              },
            ],
          });
        }
      }
    }
    report.rejected.sort((a, b) => a.row - b.row);
    await tx
      .updateTable('stock_syncs')
      .set({ result: JSON.stringify(report) })
      .where('sync_id', '=', input.syncId)
      .execute();
    return report;
  });
}
