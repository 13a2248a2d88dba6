import type { Selectable } from 'kysely';
import { AppError } from '../../shared/errors.js';
import type { EventType, EventPayload } from '../../domain/events/catalogue.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import type {
  FulfilmentLinesTable,
  FulfilmentOrdersTable,
  FulfilmentPackagesTable,
} from '../../store/schema-fulfilment.js';
import { emitEvent } from '../events/emit-event.js';
import { canMove, FULFILMENT_MOVES, type FulfilmentState } from '../../domain/fulfilment/states.js';
import '../../store/schema-fulfilment.js';

export type FulfilmentRow = Selectable<FulfilmentOrdersTable>;
export type FulfilmentLineRow = Selectable<FulfilmentLinesTable>;
export type PackageRow = Selectable<FulfilmentPackagesTable>;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/**
 * Locks the fulfilment order for a change: the order row first, then the fulfilment order (the
 * same order every writer on an order takes, so a process event and a pick queue, never deadlock).
 */
export async function lockFulfilment(tx: TenantScope, id: string): Promise<FulfilmentRow> {
  const head = await tx.selectFrom('fulfilment_orders').select('order_id').where('id', '=', id).executeTakeFirst();
  if (!head) throw new AppError('NOT_FOUND', `fulfilment order ${id} not found`);
  await tx.selectFrom('orders').select('id').where('id', '=', head.order_id).forUpdate().executeTakeFirstOrThrow();
  return tx.selectFrom('fulfilment_orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
}

/** 409 FULFILMENT_TRANSITION_NOT_ALLOWED unless the move is in the state machine (and If-Match holds). */
export function assertMove(fo: FulfilmentRow, to: FulfilmentState, expectedVersion?: number | null): void {
  if (expectedVersion != null && expectedVersion !== fo.version) {
    throw new AppError(
      'VERSION_MISMATCH',
      `the fulfilment order is at version ${fo.version}, not ${expectedVersion}`,
      [],
      { currentVersion: fo.version },
    );
  }
  if (!canMove(fo.state, to, fo.kind)) {
    const allowed = FULFILMENT_MOVES[fo.state].filter((s) => canMove(fo.state, s, fo.kind));
    throw new AppError(
      'FULFILMENT_TRANSITION_NOT_ALLOWED',
      `a ${fo.kind} fulfilment order in state ${fo.state} cannot move to ${to}; allowed: ${allowed.join(', ') || 'none'}`,
      [],
      { state: fo.state, to, allowed },
    );
  }
}

/**
 * Moves a fulfilment order and records it: the row (version + 1), the order's history and an
 * outbox event, all in the caller's transaction.
 */
export async function moveFulfilment<T extends EventType>(
  tx: Work,
  actor: Actor,
  now: Date,
  fo: FulfilmentRow,
  to: FulfilmentState,
  opts: {
    event?: { type: T; payload: EventPayload<T> };
    changes?: Record<string, unknown>;
    set?: Partial<Pick<FulfilmentRow, 'reason' | 'short_picked' | 'shipment_id'>>;
    note?: string;
  } = {},
): Promise<FulfilmentRow> {
  const row = await tx
    .updateTable('fulfilment_orders')
    .set((eb) => ({ state: to, version: eb('version', '+', 1), updated_at: now, ...(opts.set ?? {}) }))
    .where('id', '=', fo.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeHistory(tx, actor, now, [
    {
      orderId: fo.order_id,
      action: `fulfilment.${to}`,
      changes: {
        fulfilmentId: fo.id,
        locationId: fo.location_id,
        state: { from: fo.state, to },
        ...(opts.changes ?? {}),
      },
      reason: opts.note ? { note: opts.note } : {},
    },
  ]);
  if (opts.event)
    await emitEvent(tx, { type: opts.event.type, subject: fo.order_id, time: now, payload: opts.event.payload });
  return row;
}

export async function fulfilmentLines(tx: TenantScope, ids: string[]): Promise<FulfilmentLineRow[]> {
  if (ids.length === 0) return [];
  return tx
    .selectFrom('fulfilment_lines')
    .selectAll()
    .where('fulfilment_id', 'in', ids)
    .orderBy('fulfilment_id')
    .orderBy('id')
    .execute();
}

export async function fulfilmentPackages(tx: TenantScope, ids: string[]): Promise<PackageRow[]> {
  if (ids.length === 0) return [];
  return tx.selectFrom('fulfilment_packages').selectAll().where('fulfilment_id', 'in', ids).orderBy('id').execute();
}

/** The API shape of a fulfilment order with its lines and packages. */
export function fulfilmentView(
  fo: FulfilmentRow,
  lines: FulfilmentLineRow[],
  packages: PackageRow[],
  extra: { orderNumber?: string; locationCode?: string } = {},
) {
  return {
    id: fo.id,
    orderId: fo.order_id,
    ...(extra.orderNumber ? { orderNumber: extra.orderNumber } : {}),
    locationId: fo.location_id,
    ...(extra.locationCode ? { location: extra.locationCode } : {}),
    kind: fo.kind,
    state: fo.state,
    allowPartialShipment: fo.allow_partial,
    shortPicked: fo.short_picked,
    shipmentId: fo.shipment_id,
    reason: fo.reason,
    version: fo.version,
    createdAt: iso(fo.created_at)!,
    updatedAt: iso(fo.updated_at)!,
    lines: lines
      .filter((l) => l.fulfilment_id === fo.id)
      .map((l) => ({
        id: l.id,
        orderLineId: l.order_line_id,
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        picked: l.picked,
        serials: l.serials ?? [],
        lots: l.lots ?? [],
        wrongItem: l.wrong_item,
        pickedAt: iso(l.picked_at),
      })),
    packages: packages
      .filter((p) => p.fulfilment_id === fo.id)
      .map((p) => ({
        id: p.id,
        weightG: p.weight_g,
        lengthMm: p.length_mm,
        widthMm: p.width_mm,
        heightMm: p.height_mm,
        reference: p.reference,
      })),
  };
}
export type FulfilmentView = ReturnType<typeof fulfilmentView>;

/** Loads one fulfilment order as the API shows it. */
export async function loadFulfilmentView(tx: TenantScope, id: string): Promise<FulfilmentView> {
  const fo = await tx.selectFrom('fulfilment_orders').selectAll().where('id', '=', id).executeTakeFirst();
  if (!fo) throw new AppError('NOT_FOUND', `fulfilment order ${id} not found`);
  const [lines, packages] = [await fulfilmentLines(tx, [id]), await fulfilmentPackages(tx, [id])];
  const order = await tx.selectFrom('orders').select('number').where('id', '=', fo.order_id).executeTakeFirstOrThrow();
  const loc = await tx
    .selectFrom('locations')
    .select('code')
    .where('id', '=', fo.location_id)
    .executeTakeFirstOrThrow();
  return fulfilmentView(fo, lines, packages, { orderNumber: order.number, locationCode: loc.code });
}
