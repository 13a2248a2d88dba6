import { sql } from 'kysely';
import type {} from '../../store/schema-inventory.js';
import { newId } from '../../shared/ids.js';
import { AppError } from '../../shared/errors.js';
import { channelRules, outcomeOf, reservationOrder } from '../../domain/inventory/stock.js';
import { destinationOf, type AddressLike } from '../../domain/sourcing/geo.js';
import { activeLocations, withDistances, type ReservationLocation } from './reservation-locations.js';
import type { FactRows } from '../../domain/order/facts.js';
import {
  inLockOrder,
  planOnLockedRows,
  skippedOnIntake,
  type LineOutcome,
  type ReservationOutcome,
  type ReserveLine,
} from '../../domain/inventory/allocation.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { isWork, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { withStockRetry } from './common.js';
import {
  reserveBatchSql,
  reservePartialSql,
  reserveWholeSql,
  type BatchCommon,
  type BatchTake,
  type ReserveStatement,
} from './reserve-sql.js';
import { isSerializationFailure } from '../../store/pg-errors.js';
import { createBackorders } from './supply.js';
import { bucketFreeSql, reserveInBuckets } from './buckets.js';

/**
 * One reservation attempt at one stock row: the row's own guarded statement (the one-statement
 * fast path, unchanged for rows without buckets), then, when the row refused and may have buckets,
 * its buckets (app/inventory/buckets.ts). A partial attempt on a row known to be bucketed skips the
 * row's FOR UPDATE statement: gathering in the buckets takes what the row has free as well.
 * `bucketed` caches, per product|location, what is known of the row.
 */
export async function reserveAt(
  scope: TenantScope,
  reserveStatement: ReserveStatement,
  whole: boolean,
  bucketed: Map<string, boolean> = new Map(),
  rowFree: Map<string, number> = new Map(),
): Promise<number> {
  const key = `${reserveStatement.productId}|${reserveStatement.locationId}`;
  const known = bucketed.get(key);
  // A bucketed row read short by the pre-lock goes straight to its buckets (gathering takes the row's free too).
  const rowShort = known === true && (rowFree.get(key) ?? Number.MAX_SAFE_INTEGER) < reserveStatement.quantity;
  let taken = 0;
  if ((whole && !rowShort) || known !== true)
    taken =
      (await (whole ? reserveWholeSql : reservePartialSql)(scope, reserveStatement).execute(scope.conn)).rows[0]
        ?.taken ?? 0;
  if (taken > 0 || known === false) return taken;
  const inBuckets = await reserveInBuckets(scope, reserveStatement, whole);
  bucketed.set(key, inBuckets.bucketed);
  return inBuckets.taken;
}

/**
 * The pre-lock of a multi-line or multi-location reservation: every row without buckets it may
 * touch, FOR UPDATE in (product, location) order; rows with buckets are read without the row lock
 * (their buyers lock buckets, not the row), their free figure including what the buckets hold.
 */
function preLockSql(scope: TenantScope, productIds: string[], locationIds: string[]) {
  return sql<{
    product_id: string;
    location_id: string;
    free: number;
    row_free: number;
    bucketed: boolean;
  }>`with cold as (
  select product_id, location_id, on_hand - reserved - safety as free, on_hand - reserved - safety as row_free, false as bucketed from stock_levels
  where tenant_id = ${scope.tenantId} and product_id = any(${productIds}::uuid[]) and location_id = any(${locationIds}::uuid[]) and buckets = 0
  order by product_id, location_id for update
), hot as (
  select sl.product_id, sl.location_id, greatest(sl.on_hand - sl.reserved - sl.safety, 0) + ${bucketFreeSql('sl')} as free,
    sl.on_hand - sl.reserved - sl.safety as row_free, true as bucketed
  from stock_levels sl
  where sl.tenant_id = ${scope.tenantId} and sl.product_id = any(${productIds}::uuid[]) and sl.location_id = any(${locationIds}::uuid[]) and sl.buckets > 0
)
select product_id, location_id, free, row_free, bucketed from cold union all select product_id, location_id, free, row_free, bucketed from hot`;
}

export interface ReserveOrderInput {
  orderId: string;
  channelId: string;
  pickupLocationId: string | null;
  lines: ReserveLine[];
  /** When the holds lapse (carts, unpaid orders); null = until released or shipped. */
  expiresAt?: Date | null;
  /** false: a line is reserved whole or not at all. Default true. */
  allowPartial?: boolean;
  /** A new order: nothing is reserved or backordered yet, so the look-ups for earlier runs are skipped. */
  fresh?: boolean;
  /** The channel's settings when the caller already loaded them. */
  channelSettings?: Record<string, unknown>;
  /** The tenant's active locations when the caller already read them (intake reads them with its references). */
  locations?: ReservationLocation[] | null;
  /**
   * Where the order goes (its shipping address, or a pickup point's): among locations of equal
   * priority the nearest is tried first, as routing's default strategy would choose.
   */
  destination?: AddressLike | null;
  /**
   * Awaited before the run's first write, after its reads (intake: the order's own insert was sent
   * ahead, and whether it took is known only when this resolves; a duplicate rejects).
   */
  beforeWrites?: () => Promise<void>;
}

/** When a new hold lapses by the channel's `holdMinutes`; null = until released or shipped. */
function holdExpiry(settings: Record<string, unknown> | undefined, now: Date): Date | null {
  const rules = channelRules(settings);
  return rules.holdMinutes ? new Date(now.getTime() + rules.holdMinutes * 60_000) : null;
}

/** The reservation run's history entry: per line what it holds, where from and what is missing. */
function recordOutcome(
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  status: string,
  outcomes: LineOutcome[],
  expiresAt: Date | null,
): Promise<void> {
  return writeHistory(tx, actor, now, [
    {
      orderId,
      action: `stock.${status}`,
      changes: {
        lines: outcomes.map((o) => ({
          lineNo: o.lineNo,
          sku: o.sku,
          quantity: o.quantity,
          reserved: o.reserved,
          shortage: o.shortage,
          allocations: o.allocations.map((a) => ({ location: a.location, quantity: a.quantity })),
          promisedOn: o.backorder?.promisedOn ?? null,
        })),
      },
      reason: {
        rule: 'reserve: channel feeding locations, then priority, then nearest; whole lines first',
        expiresAt: expiresAt?.toISOString() ?? null,
      },
    },
  ]);
}

/**
 * Reserves an order's lines (the part not yet reserved) from the candidate locations, whole
 * lines first, then partially, and records what is still missing as a backorder with a
 * promise date from inbound supply. Runs in the caller's transaction under a savepoint (a new
 * order's at the top of its unit of work without one: see the end); lines are taken in product
 * order so two orders over the same SKUs lock rows in the same order, and a deadlock the database
 * still detects is retried (here, or as the whole unit of work) rather than shown to the client.
 * Shortage is an outcome, never an error: the order stands either way.
 */
export async function reserveOrder(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: ReserveOrderInput,
): Promise<ReservationOutcome> {
  const settings =
    input.channelSettings ??
    ((await scope.selectFrom('channels').select(['settings']).where('id', '=', input.channelId).executeTakeFirst())
      ?.settings as Record<string, unknown> | undefined);
  const rules = channelRules(settings);
  const locations = input.locations ?? (await activeLocations(scope));
  const candidates = reservationOrder(withDistances(locations, input.pickupLocationId ? null : input.destination), {
    pickupLocationId: input.pickupLocationId,
    feeding: rules.locations,
  });
  const expiresAt = input.expiresAt ?? holdExpiry(settings, now);
  const allowPartial = input.allowPartial ?? true;

  let ready: Promise<void> | undefined;
  const beforeWrites = () => (ready ??= input.beforeWrites?.() ?? Promise.resolve());
  const run = async (tx: Work): Promise<ReservationOutcome> => {
    // What each line already holds or has shipped: released and expired holds count only for the part that shipped.
    const held = input.fresh
      ? []
      : await tx
          .selectFrom('stock_reservations')
          .select(['order_line_id'])
          .select(
            sql<string>`sum(case when status in ('released', 'expired') then original_quantity - quantity else original_quantity end)`.as(
              'qty',
            ),
          )
          .where('order_id', '=', input.orderId)
          .groupBy('order_line_id')
          .execute();
    const already = new Map(held.map((h) => [h.order_line_id, Number(h.qty)]));
    // Earlier backorders of these lines are replaced by what is still missing after this run.
    if (!input.fresh) {
      await beforeWrites();
      await tx
        .updateTable('stock_backorders')
        .set({ status: 'cancelled', updated_at: now })
        .where('order_id', '=', input.orderId)
        .where('status', '=', 'open')
        .execute();
    }

    const lines = inLockOrder(input.lines);
    // With several lines or locations, lock every row the order may touch first, in one global
    // (product, location) order — the order sync uses too — so no two writers can wait on each
    // other in a cycle; the figures read under the lock let the attempts skip empty rows. A
    // single line at a single location needs no pre-lock: its one guarded UPDATE is the lock.
    let free: Map<string, number> | null = null;
    // Whether a row has buckets: known for the pre-locked rows, learned on a refusal otherwise.
    const bucketed = new Map<string, boolean>();
    const rowFree = new Map<string, number>();
    if ((lines.length > 1 || candidates.length > 1) && candidates.length && lines.length) {
      const rows = await preLockSql(
        tx,
        [...new Set(lines.map((l) => l.productId))],
        candidates.map((c) => c.id),
      ).execute(tx.conn);
      free = new Map(rows.rows.map((r) => [`${r.product_id}|${r.location_id}`, Number(r.free)]));
      for (const row of rows.rows) {
        bucketed.set(`${row.product_id}|${row.location_id}`, row.bucketed);
        rowFree.set(`${row.product_id}|${row.location_id}`, Number(row.row_free));
      }
    }
    await beforeWrites();
    const freeAt = (productId: string, locationId: string) =>
      free ? (free.get(`${productId}|${locationId}`) ?? 0) : Number.MAX_SAFE_INTEGER;
    const outcomes: LineOutcome[] = [];
    // Every row the run may touch is locked and has no buckets: its figures are final until
    // commit, so the choices are made here and taken by one statement instead of one per row.
    const batch =
      free && ![...bucketed.values()].includes(true)
        ? reserveLockedBatch(tx, lines, candidates, free, already, allowPartial, {
            orderId: input.orderId,
            expiresAt,
            now,
            reason: 'order',
            actor,
          })
        : null;
    for (const line of batch ? [] : lines) {
      const before = Math.min(line.quantity, already.get(line.lineId) ?? 0);
      const out: LineOutcome = {
        lineId: line.lineId,
        lineNo: line.lineNo,
        sku: line.sku,
        quantity: line.quantity,
        reserved: before,
        shortage: 0,
        allocations: [],
      };
      const attempt = async (loc: { id: string; code: string }, qty: number, whole: boolean) => {
        const st: ReserveStatement = {
          productId: line.productId,
          locationId: loc.id,
          quantity: qty,
          reservationId: newId(),
          movementId: newId(),
          orderId: input.orderId,
          orderLineId: line.lineId,
          reference: null,
          expiresAt,
          now,
          reason: 'order',
          actor,
        };
        const taken = await reserveAt(tx, st, whole, bucketed, rowFree);
        if (taken > 0) {
          out.allocations.push({
            location: loc.code,
            locationId: loc.id,
            quantity: taken,
            reservationId: st.reservationId,
          });
          out.reserved += taken;
          if (free) free.set(`${line.productId}|${loc.id}`, freeAt(line.productId, loc.id) - taken);
        }
        return taken;
      };
      const need = line.quantity - before;
      if (need > 0) {
        for (const loc of candidates) {
          if (freeAt(line.productId, loc.id) >= need && (await attempt(loc, need, true))) break;
        }
        if (allowPartial) {
          for (const loc of candidates) {
            const missing = line.quantity - out.reserved;
            if (missing <= 0) break;
            if (freeAt(line.productId, loc.id) > 0) await attempt(loc, missing, false);
          }
        }
      }
      out.shortage = line.quantity - out.reserved;
      outcomes.push(out);
    }
    if (batch) outcomes.push(...batch);
    const short = outcomes.filter((o) => o.shortage > 0);
    if (short.length) {
      const products = new Map(input.lines.map((l) => [l.lineId, l.productId]));
      const bos = await createBackorders(
        tx,
        now,
        input.orderId,
        short.map((o) => ({ orderLineId: o.lineId, productId: products.get(o.lineId)!, quantity: o.shortage })),
      );
      for (const lineOutcome of short) lineOutcome.backorder = bos.get(lineOutcome.lineId)!;
    }
    outcomes.sort((a, b) => a.lineNo - b.lineNo);
    const status = outcomeOf(outcomes);
    // At intake a plain shortage changed no stock: the response and the backorder carry it.
    if (!(input.fresh && status === 'shortage'))
      await recordOutcome(tx, actor, now, input.orderId, status, outcomes, expiresAt);
    return { status, lines: outcomes, expiresAt: expiresAt?.toISOString() ?? null };
  };
  // A new order's reservation at the top of its unit of work (intake's usual case) needs no
  // savepoint: the caller does not go on after an error here, and a deadlock aborts the unit,
  // which runs again as a whole (UnitOfWork.atTop). Two control statements less per order.
  if (input.fresh && isWork(scope) && scope.work.atTop) return run(scope);
  return withStockRetry(scope, run);
}

/**
 * A reservation run over pre-locked rows without buckets, in one statement (planOnLockedRows
 * decides, reserveBatchSql takes). Nothing can change those rows before commit, so every guard
 * holds; one that did not would mean the lock was not held, and fails the statement, not worked
 * around.
 */
function reserveLockedBatch(
  tx: Work,
  lines: ReserveLine[],
  candidates: ReadonlyArray<{ id: string; code: string }>,
  free: ReadonlyMap<string, number>,
  already: ReadonlyMap<string | null, number>,
  allowPartial: boolean,
  common: BatchCommon,
): LineOutcome[] {
  const takes: BatchTake[] = planOnLockedRows(lines, candidates, free, already, allowPartial).map((take) => ({
    productId: take.productId,
    locationId: take.locationId,
    orderLineId: take.lineId,
    quantity: take.quantity,
    reservationId: newId(),
    movementId: newId(),
  }));
  // Sent ahead: the outcome is decided here, so what follows (at intake the process's start) runs
  // while the database writes it; a guard that did not hold fails the statement and aborts the
  // transaction (reserveBatchSql), and the unit of work reports that error.
  if (takes.length) void tx.work.sendAhead(reserveBatchSql(tx, takes, common));
  const code = new Map(candidates.map((location) => [location.id, location.code]));
  return lines.map((line) => {
    const before = Math.min(line.quantity, already.get(line.lineId) ?? 0);
    const allocations = takes
      .filter((take) => take.orderLineId === line.lineId)
      .map((take) => ({
        location: code.get(take.locationId)!,
        locationId: take.locationId,
        quantity: take.quantity,
        reservationId: take.reservationId,
      }));
    const reserved = before + allocations.reduce((sum, allocation) => sum + allocation.quantity, 0);
    return {
      lineId: line.lineId,
      lineNo: line.lineNo,
      sku: line.sku,
      quantity: line.quantity,
      reserved,
      shortage: line.quantity - reserved,
      allocations,
    };
  });
}

/**
 * The intake hook, called by createOrder inside the order's transaction: reserves the new
 * order's lines unless the channel turned intake reservation off.
 */
export async function reserveOnIntake(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  order: {
    orderId: string;
    channelId: string;
    pickupLocationId: string | null;
    channelSettings: Record<string, unknown>;
    lines: ReserveLine[];
    locations?: ReservationLocation[] | null;
    destination?: AddressLike | null;
    beforeWrites?: () => Promise<void>;
  },
): Promise<ReservationOutcome> {
  if (!channelRules(order.channelSettings).reserveOnIntake) return skippedOnIntake();
  return reserveOrder(scope, actor, now, { ...order, fresh: true });
}

/** Loads an order's lines and reserves what is not yet reserved (processes call this again after a shortage). */
export async function reserveExistingOrder(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  orderId: string,
  opts: { expiresAt?: Date | null; allowPartial?: boolean } = {},
): Promise<ReservationOutcome> {
  return (await reserveExisting(scope, actor, now, orderId, opts)).outcome;
}

/**
 * reserveExistingOrder, saying whether the run changed nothing (every line held all it needs
 * already). `known`: the order's fact rows as the database now holds them (a process step's); when
 * they show every line held, the order is not read again.
 */
export async function reserveExisting(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  orderId: string,
  opts: { expiresAt?: Date | null; allowPartial?: boolean; known?: FactRows } = {},
): Promise<{ outcome: ReservationOutcome; unchanged: boolean }> {
  const known = opts.known;
  if (known && isWork(scope) && known.backorders.length === 0) {
    // what each line holds as the facts count it (active and consumed reservations), never more
    // than the reservation run counts (it adds what was released or expired from a hold)
    const held = new Map<string | null, number>();
    for (const row of known.reserved) held.set(row.order_line_id, (held.get(row.order_line_id) ?? 0) + Number(row.qty));
    const lines = known.lines.filter((line) => (line.kind ?? 'product') === 'product');
    if (lines.every((line) => line.line_no !== undefined && (held.get(line.id) ?? 0) >= line.quantity))
      return heldAlready(
        scope,
        actor,
        now,
        orderId,
        opts.expiresAt ?? holdExpiry((known.order.channel_settings ?? {}) as Record<string, unknown>, now),
        lines.map((line) => ({ lineId: line.id, lineNo: line.line_no!, sku: line.sku, quantity: line.quantity })),
      );
  }
  // One statement: the order, its stock lines, what each already holds or has shipped (as the
  // reservation run counts it), whether a backorder is open, and the channel's settings.
  const { rows } = await sql<{
    channel_id: string;
    pickup_location_id: string | null;
    delivery_method: string;
    shipping_address: unknown;
    pickup_point: unknown;
    channel_settings: Record<string, unknown> | null;
    lines: Array<{ id: string; line_no: number; product_id: string; sku: string; quantity: number }>;
    held: Record<string, string>;
    backordered: boolean;
  }>`select o.channel_id, o.pickup_location_id, o.delivery_method,
      o.shipping_address, o.pickup_point,
      (select c.settings from channels c where c.tenant_id = o.tenant_id and c.id = o.channel_id) as channel_settings,
      (select coalesce(json_agg(json_build_object('id', l.id, 'line_no', l.line_no, 'product_id', l.product_id,
          'sku', l.sku, 'quantity', l.quantity) order by l.line_no), '[]')
        from order_lines l where l.tenant_id = o.tenant_id and l.order_id = o.id and l.kind = 'product') as lines,
      (select coalesce(json_object_agg(h.order_line_id, h.qty), '{}') from (
        select order_line_id, sum(case when status in ('released', 'expired') then original_quantity - quantity
          else original_quantity end)::text as qty
          from stock_reservations where tenant_id = o.tenant_id and order_id = o.id and order_line_id is not null
         group by order_line_id) h) as held,
      exists (select 1 from stock_backorders b where b.tenant_id = o.tenant_id and b.order_id = o.id
        and b.status = 'open') as backordered
    from orders o where o.tenant_id = ${scope.tenantId} and o.id = ${orderId}`.execute(scope.conn);
  const order = rows[0];
  if (!order) throw new AppError('NOT_FOUND', `order ${orderId} does not exist`);
  const lines = order.lines.map((l) => ({
    lineId: l.id,
    lineNo: l.line_no,
    productId: l.product_id,
    sku: l.sku,
    quantity: l.quantity,
  }));
  const settings = order.channel_settings ?? {};
  if (
    isWork(scope) &&
    !order.backordered &&
    lines.every((line) => Number(order.held[line.lineId] ?? 0) >= line.quantity)
  )
    return heldAlready(scope, actor, now, orderId, opts.expiresAt ?? holdExpiry(settings, now), lines);
  const outcome = await reserveOrder(scope, actor, now, {
    orderId,
    channelId: order.channel_id,
    pickupLocationId: order.delivery_method === 'pickup' ? order.pickup_location_id : null,
    channelSettings: settings,
    destination: destinationOf(order.shipping_address, order.pickup_point),
    lines,
    ...opts,
  });
  return { outcome, unchanged: false };
}

/**
 * Every line already holds all it needs (reserved at intake) and nothing is backordered: a run
 * would reserve nothing and cancel nothing, so it is not run; its outcome and history are the same.
 */
async function heldAlready(
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  expiresAt: Date | null,
  lines: ReadonlyArray<{ lineId: string; lineNo: number; sku: string; quantity: number }>,
): Promise<{ outcome: ReservationOutcome; unchanged: boolean }> {
  const outcomes: LineOutcome[] = lines.map((line) => ({
    lineId: line.lineId,
    lineNo: line.lineNo,
    sku: line.sku,
    quantity: line.quantity,
    reserved: line.quantity,
    shortage: 0,
    allocations: [],
  }));
  const status = outcomeOf(outcomes);
  await recordOutcome(tx, actor, now, orderId, status, outcomes, expiresAt);
  return { outcome: { status, lines: outcomes, expiresAt: expiresAt?.toISOString() ?? null }, unchanged: true };
}

/**
 * A hold not tied to an order (a cart): all of the quantity at one location or nothing.
 * Returns null when there is not enough.
 */
export async function createHold(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  input: { productId: string; locationId: string; quantity: number; expiresAt: Date; reference: string },
) {
  const st: ReserveStatement = {
    productId: input.productId,
    locationId: input.locationId,
    quantity: input.quantity,
    reservationId: newId(),
    movementId: newId(),
    orderId: null,
    orderLineId: null,
    reference: input.reference,
    expiresAt: input.expiresAt,
    now,
    reason: 'hold',
    actor,
  };
  // One statement is atomic on its own: outside a transaction it needs none (the hot row is held
  // only while it runs); inside one, the savepoint keeps a deadlock retry from aborting the caller.
  const run = async (tx: TenantScope) => reserveAt(tx, st, true);
  let taken = 0;
  if (scope.conn.isTransaction) taken = await withStockRetry(scope, run);
  else {
    for (let index = 1; ; index++) {
      try {
        taken = await run(scope);
        break;
      } catch (error) {
        if (index >= 5 || !isSerializationFailure(error)) throw error;
      }
    }
  }
  return taken ? { id: st.reservationId, expiresAt: input.expiresAt.toISOString() } : null;
}
