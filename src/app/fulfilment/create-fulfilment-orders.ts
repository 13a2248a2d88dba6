import { sql } from 'kysely';
import { newId } from '../../shared/ids.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import '../../store/schema-inventory.js';
import '../../store/schema-fulfilment.js';

/** States whose lines still wait to leave the building: they cover the reservations they were made for. */
const OPEN = ['requested', 'accepted', 'picking', 'picked', 'packed', 'ready_for_pickup'] as const;

export interface CreateFulfilmentOptions {
  /** 'ship' (default), 'pickup', or a process's own kind such as 'internal_transfer' (handled like ship). */
  kind?: string;
  /** Process argument; the order attribute `allowPartialShipments` (boolean) wins over it. Default false. */
  allowPartialShipments?: boolean;
}

/**
 * Turns the order's live reservations into fulfilment orders, one per location, and tells each
 * location through the outbox (`fulfilment.requested`). Only what no open fulfilment order covers
 * yet is requested, so re-entering the fulfilment step after a short pick or a re-route asks the
 * new locations only.
 *
 * Partial shipments: allowed when the order attribute `allowPartialShipments` is true, or (when
 * the order says nothing) when the process passes `allowPartialShipments: true`; off by default.
 */
export async function createFulfilmentOrders(
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  opts: CreateFulfilmentOptions = {},
) {
  // One statement: the order's attributes, its live reservations (with line and location) and
  // what open fulfilment orders already cover.
  const { rows } = await sql<{
    attributes: Record<string, unknown> | null;
    held: Array<{
      location_id: string;
      location: string;
      order_line_id: string;
      quantity: number;
      product_id: string;
      sku: string;
      name: string;
      line_no: number;
    }>;
    open: Array<{ location_id: string; order_line_id: string; quantity: number; picked: number | null }>;
  }>`select o.attributes,
      (select coalesce(json_agg(json_build_object('location_id', r.location_id, 'location', lo.code,
          'order_line_id', r.order_line_id, 'quantity', r.quantity, 'product_id', l.product_id, 'sku', l.sku,
          'name', l.name, 'line_no', l.line_no) order by l.line_no), '[]')
        from stock_reservations r
        join order_lines l on l.tenant_id = r.tenant_id and l.order_id = r.order_id and l.id = r.order_line_id
        join locations lo on lo.tenant_id = r.tenant_id and lo.id = r.location_id
       where r.tenant_id = o.tenant_id and r.order_id = o.id and r.status = 'active') as held,
      (select coalesce(json_agg(json_build_object('location_id', fo.location_id, 'order_line_id', fl.order_line_id,
          'quantity', fl.quantity, 'picked', fl.picked)), '[]')
        from fulfilment_lines fl
        join fulfilment_orders fo on fo.tenant_id = fl.tenant_id and fo.id = fl.fulfilment_id
       where fo.tenant_id = o.tenant_id and fo.order_id = o.id and fo.state in (${sql.join([...OPEN])})) as open
    from orders o where o.tenant_id = ${tx.tenantId} and o.id = ${orderId}`.execute(tx.conn);
  const order = rows[0];
  if (!order) throw new Error(`order ${orderId} is not there to fulfil`);
  const attr = order.attributes?.allowPartialShipments;
  const allowPartial = typeof attr === 'boolean' ? attr : opts.allowPartialShipments === true;
  const kind = opts.kind ?? 'ship';
  const held = order.held;
  const covered = new Map<string, number>();
  for (const line of order.open) {
    const key = `${line.location_id}|${line.order_line_id}`;
    covered.set(key, (covered.get(key) ?? 0) + (line.picked ?? line.quantity));
  }

  type Need = (typeof held)[number];
  const byLocation = new Map<string, Need[]>();
  const need = new Map<string, Need>();
  for (const row of held) {
    const key = `${row.location_id}|${row.order_line_id}`;
    const prev = need.get(key);
    need.set(key, prev ? { ...prev, quantity: prev.quantity + row.quantity } : { ...row });
  }
  for (const [key, value] of need) {
    const qty = value.quantity - (covered.get(key) ?? 0);
    if (qty <= 0) continue;
    byLocation.set(value.location_id, [...(byLocation.get(value.location_id) ?? []), { ...value, quantity: qty }]);
  }

  const requests: Array<{ fulfilmentId: string; locationId: string; location: string; lines: number }> = [];
  for (const [locationId, lines] of [...byLocation].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const fulfilmentId = newId();
    // The fulfilment order and its lines in one statement (the lines' foreign key is checked at its
    // end), sent ahead: nothing waits for its answer (a refusal fails the unit of work).
    void tx.work.sendAhead(
      tx.conn
        .with('f', (db) =>
          db.insertInto('fulfilment_orders').values({
            tenant_id: tx.tenantId,
            id: fulfilmentId,
            order_id: orderId,
            location_id: locationId,
            kind,
            state: 'requested',
            allow_partial: allowPartial,
            shipment_id: null,
            reason: null,
            created_at: now,
            updated_at: now,
          }),
        )
        .insertInto('fulfilment_lines')
        .values(
          lines.map((l) => ({
            tenant_id: tx.tenantId,
            id: newId(),
            fulfilment_id: fulfilmentId,
            order_id: orderId,
            order_line_id: l.order_line_id!,
            product_id: l.product_id,
            sku: l.sku,
            name: l.name,
            quantity: l.quantity,
            picked: null,
            serials: null,
            lots: null,
            picked_at: null,
          })),
        ),
    );
    await emitEvent(tx, {
      type: 'fulfilment.requested',
      subject: orderId,
      time: now,
      payload: {
        orderId,
        fulfilmentId,
        locationId,
        kind,
        lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, lineId: l.order_line_id! })),
      },
    });
    await writeHistory(tx, actor, now, [
      {
        orderId,
        action: 'fulfilment.requested',
        toState: null,
        changes: {
          fulfilmentId,
          locationId,
          location: lines[0]!.location,
          kind,
          allowPartialShipments: allowPartial,
          lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
        },
      },
    ]);
    requests.push({ fulfilmentId, locationId, location: lines[0]!.location, lines: lines.length });
  }
  // Re-entering the step after everything already left (a partial shipment, then a resolution
  // that routed nothing new): the process would wait for `shipped` forever, so say it now.
  let alreadyShipped = false;
  if (requests.length === 0) {
    const live = await tx
      .selectFrom('fulfilment_orders')
      .select('state')
      .where('order_id', '=', orderId)
      .where('state', 'not in', ['rejected', 'cancelled'])
      .execute();
    alreadyShipped = live.length > 0 && live.every((f) => f.state === 'shipped' || f.state === 'delivered');
  }
  return { requests, allowPartial, alreadyShipped };
}
