import { scheduleTrackingPoll, TRACKING_POLL_MS } from './poll-shipments.js';
import type { OrderProcessPort } from '../process/port.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { divRound, formatMoney } from '../../shared/money.js';
import type { Clock } from '../../shared/clock.js';
import type {
  CarrierError,
  CarrierRegistry,
  CarrierResult,
  CreatedShipment,
  ShipmentRequest,
} from '../../integrations/carriers/index.js';
import { writeHistory, type Actor } from '../../store/history.js';
import { transaction, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import {
  adapterFor,
  carrierAddress,
  loadShipmentView,
  type ShipmentRow,
  type ShipmentView,
} from './shipment-common.js';
import '../../store/schema-fulfilment.js';

export interface CreateShipmentInput {
  /** One fulfilment order, or several of one order consolidated into one shipment (wholesale). */
  fulfilmentOrderIds: string[];
  /** Carrier code; default: the order's `delivery.carrier`. */
  carrier?: string | undefined;
  service?: string | undefined;
}

const BEFORE_PACKED = ['requested', 'accepted', 'picking', 'picked'];
const GONE = ['rejected', 'cancelled'];

/** Runs fn in a new transaction of the tenant's scope (the caller holds none). */
const inTx = <T>(s: TenantScope, fn: (tx: Work) => Promise<T>): Promise<T> => transaction(s, fn);

/**
 * Step 1, committed before the carrier hears anything: checks the fulfilment orders (packed, one
 * order, no live shipment, partial-shipment rule) and writes the shipment row as `pending`.
 */
async function prepareShipment(
  tx: Work,
  carriers: CarrierRegistry | undefined,
  actor: Actor,
  now: Date,
  input: CreateShipmentInput,
): Promise<string> {
  const ids = [...new Set(input.fulfilmentOrderIds)].sort();
  const heads = await tx.selectFrom('fulfilment_orders').select(['id', 'order_id']).where('id', 'in', ids).execute();
  const missing = ids.filter((id) => !heads.some((h) => h.id === id));
  if (missing.length)
    throw new AppError(
      'NOT_FOUND',
      `fulfilment order(s) ${missing.join(', ')} not found`,
      missing.map((id) => ({ path: '/fulfilmentOrderIds', message: `${id} not found` })),
    );
  const orderIds = [...new Set(heads.map((h) => h.order_id))];
  if (orderIds.length > 1)
    throw new AppError('VALIDATION_FAILED', 'a shipment consolidates fulfilment orders of one order only', [
      { path: '/fulfilmentOrderIds', message: 'several orders' },
    ]);
  const orderId = orderIds[0]!;
  const order = await tx
    .selectFrom('orders')
    .select(['id', 'attributes'])
    .where('id', '=', orderId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const fos = await tx
    .selectFrom('fulfilment_orders')
    .selectAll()
    .where('id', 'in', ids)
    .orderBy('id')
    .forUpdate()
    .execute();

  for (const fo of fos) {
    if (fo.kind === 'pickup')
      throw new AppError(
        'FULFILMENT_TRANSITION_NOT_ALLOWED',
        `fulfilment order ${fo.id} is collected at the counter, not shipped`,
        [],
        { state: fo.state, to: 'shipped', allowed: [] },
      );
    if (fo.state !== 'packed')
      throw new AppError(
        'FULFILMENT_TRANSITION_NOT_ALLOWED',
        `fulfilment order ${fo.id} is ${fo.state}; only packed ones ship`,
        [],
        { state: fo.state, to: 'shipped', allowed: [] },
      );
    if (fo.shipment_id) {
      const live = await tx
        .selectFrom('shipments')
        .select(['id', 'status'])
        .where('id', '=', fo.shipment_id)
        .executeTakeFirstOrThrow();
      if (live.status !== 'cancelled')
        throw new AppError(
          'SHIPMENT_STATE_CONFLICT',
          `fulfilment order ${fo.id} is already in shipment ${live.id} (${live.status})`,
          [],
          { shipmentId: live.id },
        );
    }
  }

  const all = await tx
    .selectFrom('fulfilment_orders')
    .select(['id', 'state', 'allow_partial'])
    .where('order_id', '=', orderId)
    .execute();
  const live = all.filter((f) => !GONE.includes(f.state));
  if (!live.some((f) => f.allow_partial)) {
    const waiting = live.filter((f) => BEFORE_PACKED.includes(f.state));
    if (waiting.length) {
      throw new AppError(
        'PARTIAL_SHIPMENT_NOT_ALLOWED',
        `the order ships complete: ${waiting.length} other fulfilment order(s) are not packed yet`,
        [],
        { waiting: waiting.map((w) => w.id) },
      );
    }
    const ordered = await tx
      .selectFrom('order_lines')
      .select(['id', 'sku', 'quantity'])
      .where('order_id', '=', orderId)
      // service lines are never picked or shipped
      .where('kind', '=', 'product')
      .execute();
    const liveLines = live.length
      ? await tx
          .selectFrom('fulfilment_lines')
          .select(['order_line_id', 'quantity', 'picked'])
          .where(
            'fulfilment_id',
            'in',
            live.map((f) => f.id),
          )
          .execute()
      : [];
    const short = ordered.filter(
      (l) =>
        liveLines.filter((x) => x.order_line_id === l.id).reduce((a, x) => a + (x.picked ?? x.quantity), 0) <
        l.quantity,
    );
    if (short.length) {
      throw new AppError(
        'PARTIAL_SHIPMENT_NOT_ALLOWED',
        `the order ships complete, but ${short.map((l) => l.sku).join(', ')} are not fully picked`,
        [],
        { short: short.map((l) => l.sku) },
      );
    }
  }

  const delivery = (order.attributes.delivery ?? {}) as { carrier?: string; service?: string };
  const carrier = input.carrier ?? delivery.carrier;
  if (!carrier)
    throw new AppError('VALIDATION_FAILED', 'name a carrier: the order has no delivery.carrier', [
      { path: '/carrier', message: 'required' },
    ]);
  adapterFor(carriers, carrier);
  const id = newId();
  await tx
    .insertInto('shipments', {
      id,
      order_id: orderId,
      carrier,
      service: input.service ?? delivery.service ?? null,
      status: 'pending',
      carrier_shipment_id: null,
      tracking_number: null,
      carrier_status: null,
      status_at: null,
      error: null,
      handed_over_at: null,
      delivered_at: null,
      last_polled_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await tx
    .updateTable('fulfilment_orders')
    .set((eb) => ({ shipment_id: id, version: eb('version', '+', 1), updated_at: now }))
    .where('id', 'in', ids)
    .execute();
  await writeHistory(tx, actor, now, [
    { orderId, action: 'shipment.requested', changes: { shipmentId: id, carrier, fulfilmentOrderIds: ids } },
  ]);
  // The tenant's tracking poll chain starts with its first shipment (a no-op while one is scheduled).
  await scheduleTrackingPoll(tx, new Date(now.getTime() + TRACKING_POLL_MS));
  return id;
}

/** Step 2's request: receiver from the order, sender from the (first) location, one parcel per package. */
async function buildRequest(scope: TenantScope, sh: ShipmentRow): Promise<ShipmentRequest> {
  const order = await scope
    .selectFrom('orders')
    .select([
      'shipping_address',
      'customer_name',
      'customer_email',
      'attributes',
      'payment_terms',
      'grand_total',
      'currency',
      'number',
      'pickup_point',
    ])
    .where('id', '=', sh.order_id)
    .executeTakeFirstOrThrow();
  const fos = await scope
    .selectFrom('fulfilment_orders')
    .select(['id', 'location_id'])
    .where('shipment_id', '=', sh.id)
    .orderBy('id')
    .execute();
  const loc = await scope
    .selectFrom('locations')
    .select(['name', 'address', 'country'])
    .where('id', '=', fos[0]!.location_id)
    .executeTakeFirstOrThrow();
  const packages = await scope
    .selectFrom('fulfilment_packages')
    .selectAll()
    .where(
      'fulfilment_id',
      'in',
      fos.map((f) => f.id),
    )
    .orderBy('id')
    .execute();
  // A third-party pickup point (delivery method pickup_point): the carrier delivers to the point
  // named by its id; its address stands in when the order has no shipping address.
  const pickupPoint = order.pickup_point as { id?: string; address?: Record<string, unknown> } | null;
  const receiver = carrierAddress(
    {
      ...(order.customer_email ? { email: order.customer_email } : {}),
      ...(order.shipping_address ?? pickupPoint?.address ?? {}),
    },
    order.customer_name ?? order.number,
  );
  const sender = carrierAddress(
    { country: loc.country, ...loc.address, company: (loc.address as { company?: string }).company ?? loc.name },
    loc.name,
  );
  const attrs = order.attributes as { delivery?: { targetPoint?: string }; targetPoint?: string };
  const targetPoint = pickupPoint?.id ?? attrs.delivery?.targetPoint ?? attrs.targetPoint;
  const cod =
    (order.payment_terms as { kind?: string }).kind === 'cash_on_delivery'
      ? await codAmount(
          scope,
          sh,
          BigInt(order.grand_total),
          fos.map((f) => f.id),
        )
      : null;
  return {
    reference: sh.id,
    sender,
    receiver,
    parcels: packages.map((p) => ({
      weightGrams: p.weight_g,
      lengthMm: p.length_mm,
      widthMm: p.width_mm,
      heightMm: p.height_mm,
      reference: p.id,
    })),
    ...(sh.service ? { service: sh.service } : {}),
    ...(targetPoint ? { targetPoint } : {}),
    ...(cod !== null ? { cod: { amount: formatMoney(cod, order.currency), currency: order.currency } } : {}),
    comment: `Order ${order.number}`,
  };
}

/**
 * What the courier collects with this shipment of a cash-on-delivery order: the value of what it
 * carries (each line's total in proportion to the units in it), and the delivery charge on the
 * order's first shipment, so an order split over parcels is never collected twice.
 */
async function codAmount(scope: TenantScope, sh: ShipmentRow, grandTotal: bigint, fulfilmentIds: string[]) {
  const lines = await scope
    .selectFrom('order_lines')
    .select(['id', 'quantity', 'total'])
    .where('order_id', '=', sh.order_id)
    // service lines never ship: their total is collected with the delivery charge, on the first shipment
    .where('kind', '=', 'product')
    .execute();
  const carried = await scope
    .selectFrom('fulfilment_lines')
    .select(['order_line_id', 'quantity', 'picked'])
    .where('fulfilment_id', 'in', fulfilmentIds)
    .execute();
  let amount = 0n;
  for (const part of carried) {
    const line = lines.find((l) => l.id === part.order_line_id);
    if (line) amount += divRound(BigInt(line.total) * BigInt(part.picked ?? part.quantity), BigInt(line.quantity));
  }
  const earlier = await scope
    .selectFrom('shipments')
    .select('id')
    .where('order_id', '=', sh.order_id)
    .where('id', '<', sh.id)
    .where('status', 'not in', ['cancelled', 'failed'])
    .executeTakeFirst();
  const delivery = grandTotal - lines.reduce((sum, l) => sum + BigInt(l.total), 0n);
  return earlier ? amount : amount + delivery;
}

function errorJson(carrierError: CarrierError) {
  return {
    code: carrierError.code,
    message: carrierError.message,
    retryable: carrierError.retryable,
    carrierMessages: carrierError.carrierMessages,
    ...(carrierError.httpStatus ? { httpStatus: carrierError.httpStatus } : {}),
    ...(carrierError.outcomeUnknown ? { outcomeUnknown: true } : {}),
  };
}

/**
 * Step 2 and 3: asks the carrier (outside any transaction: no row lock is held over the network)
 * and records the outcome. Success → the carrier's ids and status, `shipment.created`. A carrier
 * error (4xx, timeout, garbage) → status `failed` with the carrier's messages, `shipment.failed`
 * in the outbox and `shipment_failed` fed to the order's process; the row stays for a retry,
 * and the retry reuses the shipment id as the carrier reference so no second label is bought.
 * Also finishes a `pending` row left by a crash. Returns the shipment as it is now.
 */
export async function bookShipment(
  processes: OrderProcessPort,
  scope: TenantScope,
  carriers: CarrierRegistry | undefined,
  actor: Actor,
  clock: Clock,
  shipmentId: string,
): Promise<ShipmentView> {
  const sh = await scope.selectFrom('shipments').selectAll().where('id', '=', shipmentId).executeTakeFirst();
  if (!sh) throw new AppError('NOT_FOUND', `shipment ${shipmentId} not found`);
  if (sh.status !== 'pending' && sh.status !== 'failed') return loadShipmentView(scope, shipmentId);
  const adapter = adapterFor(carriers, sh.carrier);
  let result: CarrierResult<CreatedShipment>;
  try {
    result = await adapter.createShipment(await buildRequest(scope, sh));
  } catch (error) {
    // Adapters return expected failures; a throw is a bug, but the shipment must still not vanish.
    result = {
      ok: false,
      error: {
        code: 'CARRIER_BAD_RESPONSE',
        message: `carrier adapter failed: ${(error as Error).message}`,
        retryable: true,
        carrierMessages: [],
      },
    };
  }
  await inTx(scope, async (tx) => {
    const now = clock.now();
    const cur = await tx
      .selectFrom('shipments')
      .selectAll()
      .where('id', '=', shipmentId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (cur.status !== 'pending' && cur.status !== 'failed') return; // another attempt finished first
    if (result.ok) {
      const createdShipment = result.value;
      const status = createdShipment.status === 'unknown' ? 'created' : createdShipment.status;
      await tx
        .updateTable('shipments')
        .set((eb) => ({
          status,
          carrier_shipment_id: createdShipment.carrierShipmentId,
          tracking_number: createdShipment.trackingNumber,
          carrier_status: createdShipment.carrierStatus,
          error: null,
          attempts: eb('attempts', '+', 1),
          version: eb('version', '+', 1),
          updated_at: now,
        }))
        .where('id', '=', shipmentId)
        .execute();
      await writeHistory(tx, actor, now, [
        {
          orderId: cur.order_id,
          action: 'shipment.created',
          changes: {
            shipmentId,
            carrier: cur.carrier,
            carrierShipmentId: createdShipment.carrierShipmentId,
            trackingNumber: createdShipment.trackingNumber,
            status,
            existing: createdShipment.existing,
          },
        },
      ]);
      await emitEvent(tx, {
        type: 'shipment.created',
        subject: cur.order_id,
        time: now,
        payload: {
          orderId: cur.order_id,
          shipmentId,
          carrier: cur.carrier,
          trackingNumber: createdShipment.trackingNumber,
        },
      });
      return;
    }
    const carrierError = result.error;
    await tx
      .updateTable('shipments')
      .set((eb) => ({
        status: 'failed',
        error: JSON.stringify(errorJson(carrierError)),
        attempts: eb('attempts', '+', 1),
        version: eb('version', '+', 1),
        updated_at: now,
      }))
      .where('id', '=', shipmentId)
      .execute();
    await writeHistory(tx, actor, now, [
      {
        orderId: cur.order_id,
        action: 'shipment.failed',
        changes: { shipmentId, carrier: cur.carrier, error: errorJson(carrierError) },
      },
    ]);
    await emitEvent(tx, {
      type: 'shipment.failed',
      subject: cur.order_id,
      time: now,
      payload: {
        orderId: cur.order_id,
        shipmentId,
        carrier: cur.carrier,
        code: carrierError.code,
        message: carrierError.message,
        retryable: carrierError.retryable,
      },
    });
    await tx.selectFrom('orders').select('id').where('id', '=', cur.order_id).forUpdate().execute();
    await processes.feed(tx, actor, now, cur.order_id, 'shipment_failed', {
      shipmentId,
      code: carrierError.code,
      retryable: carrierError.retryable,
    });
  });
  return loadShipmentView(scope, shipmentId);
}

/**
 * Creates a shipment for packed fulfilment orders at a carrier: the row is committed first
 * (`pending`), then the carrier is called, then the outcome is recorded. Hand-over (goods leave,
 * stock consumed, order `shipped`) is a separate step: handOverShipment.
 */
export async function createShipment(
  processes: OrderProcessPort,
  scope: TenantScope,
  carriers: CarrierRegistry | undefined,
  actor: Actor,
  clock: Clock,
  input: CreateShipmentInput,
): Promise<ShipmentView> {
  const id = await inTx(scope, (tx) => prepareShipment(tx, carriers, actor, clock.now(), input));
  return bookShipment(processes, scope, carriers, actor, clock, id);
}
