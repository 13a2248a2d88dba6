import { AppError, isAppError } from '../../shared/errors.js';
import type { OrderProcessPort } from '../process/port.js';
import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { pickOrderLine } from '../inventory/consume.js';
import { assertMove, fulfilmentLines, loadFulfilmentView, lockFulfilment, moveFulfilment } from './common.js';
import { releaseShortfall } from './release-shortfall.js';

export interface PickInput {
  /** Every line of the fulfilment order, once: how many were picked, with serials (serial-tracked SKUs) and a lot (optional). */
  lines: Array<{ lineId: string; picked: number; serials?: string[] | undefined; lot?: string | undefined }>;
  expectedVersion?: number | null;
}

/** Re-paths an inventory error ("/serials") to the pick line at fault ("/lines/2/serials"). */
function atLine(error: unknown, index: number): unknown {
  if (!isAppError(error)) return error;
  const errors = error.errors.map((f) => ({
    ...f,
    path: `/lines/${index}${f.path === '/quantity' ? '/picked' : f.path}`,
  }));
  return new AppError(
    error.code,
    error.message,
    errors.length ? errors : [{ path: `/lines/${index}`, message: error.message }],
    error.data,
  );
}

/**
 * Records the pick of a whole fulfilment order. Serial- and lot-tracked SKUs are checked against
 * stock at this location (src/app/inventory: serials must be in stock here, lots unexpired) and
 * captured on the line. Picking fewer than asked is a short pick: the missing units' reservations
 * are given back, `fulfilment.short_picked` goes out and the order's process hears `short_pick`
 * (it decides: exception or re-route). Nothing picked at all cancels the fulfilment order.
 * Ordered vs picked per line stays on the line for the picking-accuracy figures.
 */
export async function recordPick(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  id: string,
  input: PickInput,
) {
  const fo = await lockFulfilment(tx, id);
  assertMove(fo, 'picked', input.expectedVersion);
  const lines = await fulfilmentLines(tx, [id]);
  const byId = new Map(lines.map((l) => [l.id, l]));
  const problems: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  input.lines.forEach((line, index) => {
    const value = byId.get(line.lineId);
    if (!value) problems.push({ path: `/lines/${index}/lineId`, message: 'not a line of this fulfilment order' });
    else if (seen.has(line.lineId)) problems.push({ path: `/lines/${index}/lineId`, message: 'reported twice' });
    else if (line.picked > value.quantity)
      problems.push({ path: `/lines/${index}/picked`, message: `at most ${value.quantity} (asked)` });
    seen.add(line.lineId);
  });
  lines.forEach((line) => {
    if (!seen.has(line.id)) problems.push({ path: '/lines', message: `line ${line.id} (${line.sku}) is not reported` });
  });
  if (problems.length)
    throw new AppError('VALIDATION_FAILED', 'the pick must report every line of the fulfilment order once', problems);

  const short: Array<{ orderLineId: string; sku: string; quantity: number; picked: number }> = [];
  for (const [index, line] of input.lines.entries()) {
    const value = byId.get(line.lineId)!;
    let serials: string[] | null = null;
    let lots: string[] | null = null;
    if (line.picked > 0) {
      try {
        const orderLine = await pickOrderLine(tx, actor, now, {
          orderId: fo.order_id,
          orderLineId: value.order_line_id,
          locationId: fo.location_id,
          quantity: line.picked,
          serials: line.serials,
          lot: line.lot,
        });
        serials = orderLine.serials;
        lots = orderLine.lots.length ? orderLine.lots.map((x) => x.lot) : null;
      } catch (error) {
        throw atLine(error, index);
      }
    }
    await tx
      .updateTable('fulfilment_lines')
      .set({ picked: line.picked, serials, lots, picked_at: now })
      .where('id', '=', value.id)
      .execute();
    if (line.picked < value.quantity)
      short.push({ orderLineId: value.order_line_id, sku: value.sku, quantity: value.quantity, picked: line.picked });
  }

  const base = { orderId: fo.order_id, fulfilmentId: fo.id, locationId: fo.location_id };
  const pickedLines = input.lines.map((p) => ({
    sku: byId.get(p.lineId)!.sku,
    quantity: p.picked,
    lineId: byId.get(p.lineId)!.order_line_id,
  }));
  if (short.length === 0) {
    await moveFulfilment(tx, actor, now, fo, 'picked', {
      changes: { lines: pickedLines },
      event: { type: 'fulfilment.picked', payload: { ...base, lines: pickedLines } },
    });
    return { ...(await loadFulfilmentView(tx, id)), processEvent: null };
  }

  const released = await releaseShortfall(tx, actor, now, {
    orderId: fo.order_id,
    locationId: fo.location_id,
    reason: 'short pick',
    lines: short.map((s) => ({ orderLineId: s.orderLineId, quantity: s.quantity - s.picked })),
  });
  const nothing = input.lines.every((p) => p.picked === 0);
  await moveFulfilment(tx, actor, now, fo, nothing ? 'cancelled' : 'picked', {
    set: { short_picked: true, ...(nothing ? { reason: 'nothing could be picked' } : {}) },
    changes: { lines: pickedLines, short, released },
    note: 'short pick',
    event: {
      type: 'fulfilment.short_picked',
      payload: { ...base, lines: short.map((s) => ({ sku: s.sku, quantity: s.quantity, picked: s.picked })) },
    },
  });
  const fed = await processes.feed(tx, actor, now, fo.order_id, 'short_pick', {
    fulfilmentId: id,
    short: short.map((s) => ({ sku: s.sku, missing: s.quantity - s.picked })),
  });
  return { ...(await loadFulfilmentView(tx, id)), processEvent: { name: 'short_pick', accepted: fed.accepted } };
}
