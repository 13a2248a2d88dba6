import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';

export interface ReserveStatement {
  productId: string;
  locationId: string;
  /** Whole: exactly this many or nothing. Partial: up to this many. */
  quantity: number;
  reservationId: string;
  movementId: string;
  orderId: string | null;
  orderLineId: string | null;
  reference: string | null;
  expiresAt: Date | null;
  now: Date;
  reason: string;
  actor: Actor;
}

/**
 * The reservation guard, in one statement: the conditional UPDATE takes the row lock and checks
 * availability in the same step (concurrent buyers queue on the row and each sees what the
 * previous one left; zero rows back means "not enough here"), and the reservation row and its
 * ledger row are written by the same statement, so the hot row is held for one round trip.
 */
export function reserveWholeSql(scope: TenantScope, reserveStatement: ReserveStatement) {
  return sql<{ taken: number }>`with upd as (
  update stock_levels set reserved = reserved + ${reserveStatement.quantity}::int, version = version + 1, change_xid = pg_current_xact_id(), updated_at = ${reserveStatement.now}
  where tenant_id = ${scope.tenantId} and product_id = ${reserveStatement.productId} and location_id = ${reserveStatement.locationId} and on_hand - reserved - safety >= ${reserveStatement.quantity}::int
  returning product_id, location_id, ${reserveStatement.quantity}::int as take
), ${tail(scope, reserveStatement)}`;
}

/** What a batch of reservations shares: the order, expiry, time, reason and who. */
export type BatchCommon = Pick<ReserveStatement, 'orderId' | 'expiresAt' | 'now' | 'reason' | 'actor'>;

/** One reservation of a batch, with its own ids. */
export interface BatchTake {
  productId: string;
  locationId: string;
  orderLineId: string;
  quantity: number;
  reservationId: string;
  movementId: string;
}

/**
 * Several reservations on rows the caller has locked (the pre-lock) and read, in one statement:
 * each row is updated once by the sum taken from it, still guarded (bucket-free and enough free),
 * and every reservation and its ledger row is written for the rows updated. A guard that did not
 * hold (a row not locked after all) fails the statement itself (`ordo_refuse`, migration 0042), so
 * the caller can send it ahead without waiting for its answer: the transaction is aborted and
 * nothing after it commits.
 */
export function reserveBatchSql(scope: TenantScope, takes: readonly BatchTake[], common: BatchCommon) {
  const column = <K extends keyof BatchTake>(key: K) => takes.map((take) => take[key]);
  return sql<{ updated: number }>`with v as (
  select * from unnest(${column('productId')}::uuid[], ${column('locationId')}::uuid[], ${column('quantity')}::int[],
    ${column('reservationId')}::uuid[], ${column('movementId')}::uuid[], ${column('orderLineId')}::uuid[])
    as v(product_id, location_id, take, reservation_id, movement_id, order_line_id)
), per_row as (
  select product_id, location_id, sum(take)::int as take from v group by product_id, location_id
), upd as (
  update stock_levels sl set reserved = sl.reserved + per_row.take, version = sl.version + 1, change_xid = pg_current_xact_id(), updated_at = ${common.now}
  from per_row
  where sl.tenant_id = ${scope.tenantId} and sl.product_id = per_row.product_id and sl.location_id = per_row.location_id
    and sl.buckets = 0 and sl.on_hand - sl.reserved - sl.safety >= per_row.take
  returning sl.product_id, sl.location_id
), res as (
  insert into stock_reservations (tenant_id, id, product_id, location_id, order_id, order_line_id, reference, quantity, original_quantity, status, expires_at, created_at)
  select ${scope.tenantId}, v.reservation_id, v.product_id, v.location_id, ${common.orderId}, v.order_line_id, null, v.take, v.take, 'active', ${common.expiresAt}, ${common.now}
  from v join upd on upd.product_id = v.product_id and upd.location_id = v.location_id
), led as (
  insert into stock_movements (tenant_id, id, product_id, location_id, kind, on_hand_delta, reserved_delta, quantity, order_id, order_line_id, reservation_id, reference, reason, actor_type, actor_id, at)
  select ${scope.tenantId}, v.movement_id, v.product_id, v.location_id, 'reservation', 0, v.take, v.take, ${common.orderId}, v.order_line_id, v.reservation_id, null, ${common.reason}, ${common.actor.type}, ${common.actor.id}, ${common.now}
  from v join upd on upd.product_id = v.product_id and upd.location_id = v.location_id
)
select case when count(*) = ${new Set(takes.map((take) => `${take.productId}|${take.locationId}`)).size} then count(*)::int
  else ordo_refuse(${`reservation of order ${common.orderId}: a pre-locked stock row refused its guarded update`}) end as updated
from upd`;
}

/**
 * Takes what is free (up to the quantity) at one location: the inner SELECT … FOR UPDATE locks
 * the row and reads its newest committed figures, and the UPDATE adds exactly the amount
 * computed from them; the CHECK constraints would refuse anything else.
 */
export function reservePartialSql(scope: TenantScope, reserveStatement: ReserveStatement) {
  return sql<{ taken: number }>`with t as (
  select product_id, location_id, least(${reserveStatement.quantity}::int, on_hand - reserved - safety) as take from stock_levels
  where tenant_id = ${scope.tenantId} and product_id = ${reserveStatement.productId} and location_id = ${reserveStatement.locationId} for update
), upd as (
  update stock_levels as sl set reserved = sl.reserved + t.take, version = sl.version + 1, change_xid = pg_current_xact_id(), updated_at = ${reserveStatement.now}
  from t where sl.tenant_id = ${scope.tenantId} and sl.product_id = t.product_id and sl.location_id = t.location_id and t.take > 0
  returning sl.product_id, sl.location_id, t.take
), ${tail(scope, reserveStatement)}`;
}

function tail(scope: TenantScope, reserveStatement: ReserveStatement) {
  return sql`res as (
  insert into stock_reservations (tenant_id, id, product_id, location_id, order_id, order_line_id, reference, quantity, original_quantity, status, expires_at, created_at)
  select ${scope.tenantId}, ${reserveStatement.reservationId}, product_id, location_id, ${reserveStatement.orderId}, ${reserveStatement.orderLineId}, ${reserveStatement.reference}, take, take, 'active', ${reserveStatement.expiresAt}, ${reserveStatement.now} from upd
), led as (
  insert into stock_movements (tenant_id, id, product_id, location_id, kind, on_hand_delta, reserved_delta, quantity, order_id, order_line_id, reservation_id, reference, reason, actor_type, actor_id, at)
  select ${scope.tenantId}, ${reserveStatement.movementId}, product_id, location_id, 'reservation', 0, take, take, ${reserveStatement.orderId}, ${reserveStatement.orderLineId}, ${reserveStatement.reservationId}, ${reserveStatement.reference}, ${reserveStatement.reason}, ${reserveStatement.actor.type}, ${reserveStatement.actor.id}, ${reserveStatement.now} from upd
)
select take as taken from upd`;
}

/**
 * A reservation taken in one bucket of a bucketed row (app/inventory/buckets.ts), in one
 * statement: `pick` chooses a bucket holding enough, starting at the one `seed` points to, and
 * locks it — with `skipLocked`, one no other buyer holds, so buyers of one SKU spread over the
 * buckets instead of queueing; `bucket` pins the choice (after a rebalance). The guarded UPDATE,
 * the reservation row (with its bucket) and the ledger row follow as on the row. The stock row is
 * not written: what a bucket holds is lent out of it and already counted there. `n` reports the
 * buckets and what is free in them (as of the statement's snapshot), and `row_free` the row's own
 * free quantity, so a caller that got nothing knows whether gathering from the siblings can help.
 */
export function reserveBucketSql(
  scope: TenantScope,
  reserveStatement: ReserveStatement,
  choice: { seed: number; skipLocked: boolean; bucket?: number | null },
) {
  const lockClause = choice.skipLocked ? sql`for no key update of b skip locked` : sql`for no key update of b`;
  return sql<{
    buckets: number;
    most: number;
    free: number;
    row_free: number | null;
    taken: number | null;
    bucket: number | null;
  }>`with n as (
  select count(*)::int as buckets, coalesce(max(on_hand - reserved), 0)::int as most, coalesce(sum(on_hand - reserved), 0)::int as free
  from stock_buckets where tenant_id = ${scope.tenantId} and product_id = ${reserveStatement.productId} and location_id = ${reserveStatement.locationId}
), pick as (
  select b.bucket from stock_buckets b, n
  where b.tenant_id = ${scope.tenantId} and b.product_id = ${reserveStatement.productId} and b.location_id = ${reserveStatement.locationId}
    and b.on_hand - b.reserved >= ${reserveStatement.quantity}::int and (${choice.bucket ?? null}::int is null or b.bucket = ${choice.bucket ?? null}::int)
  order by (b.bucket + n.buckets - ${choice.seed}::int % greatest(n.buckets, 1)) % greatest(n.buckets, 1)
  limit 1 ${lockClause}
), upd as (
  update stock_buckets as sb set reserved = sb.reserved + ${reserveStatement.quantity}::int, change_xid = pg_current_xact_id(), updated_at = ${reserveStatement.now}
  from pick where sb.tenant_id = ${scope.tenantId} and sb.product_id = ${reserveStatement.productId} and sb.location_id = ${reserveStatement.locationId}
    and sb.bucket = pick.bucket and sb.on_hand - sb.reserved >= ${reserveStatement.quantity}::int
  returning sb.product_id, sb.location_id, sb.bucket, ${reserveStatement.quantity}::int as take
), res as (
  insert into stock_reservations (tenant_id, id, product_id, location_id, order_id, order_line_id, reference, quantity, original_quantity, status, expires_at, created_at, bucket)
  select ${scope.tenantId}, ${reserveStatement.reservationId}, product_id, location_id, ${reserveStatement.orderId}, ${reserveStatement.orderLineId}, ${reserveStatement.reference}, take, take, 'active', ${reserveStatement.expiresAt}, ${reserveStatement.now}, bucket from upd
), led as (
  insert into stock_movements (tenant_id, id, product_id, location_id, kind, on_hand_delta, reserved_delta, quantity, order_id, order_line_id, reservation_id, reference, reason, actor_type, actor_id, at)
  select ${scope.tenantId}, ${reserveStatement.movementId}, product_id, location_id, 'reservation', 0, take, take, ${reserveStatement.orderId}, ${reserveStatement.orderLineId}, ${reserveStatement.reservationId}, ${reserveStatement.reference}, ${reserveStatement.reason}, ${reserveStatement.actor.type}, ${reserveStatement.actor.id}, ${reserveStatement.now} from upd
)
select n.buckets, n.most, n.free, (select take from upd) as taken, (select bucket from upd) as bucket,
  (select greatest(on_hand - reserved - safety, 0) from stock_levels where tenant_id = ${scope.tenantId} and product_id = ${reserveStatement.productId} and location_id = ${reserveStatement.locationId}) as row_free
from n`;
}
