import { type FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { emitEvent } from '../events/emit-event.js';
import type { OrderProcessPort } from '../process/port.js';
import { assertOpen, locationByCode, lockReturn, refuse, returnLines } from './return-common.js';

export interface ReceiptInput {
  location: string;
  lines: Array<{ lineId?: string | undefined; sku?: string | undefined; quantity: number; note?: string | undefined }>;
  note?: string | undefined;
}

/**
 * Units of a return arrive at a location. What the return expects is counted on its lines; what it
 * does not (more units than asked, another SKU) is kept as an unexpected receipt queued for a
 * person: nothing that arrives is lost or refused at the door. The return's process hears
 * `received` when every unit is in, `partially_received` before that.
 */
export async function receiveReturn(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  returnId: string,
  input: ReceiptInput,
) {
  const ret = await lockReturn(tx, returnId);
  assertOpen(ret, 'receive units');
  const location = await locationByCode(tx, input.location, '/location');
  const lines = await returnLines(tx, returnId);
  const errors: FieldError[] = [];
  const matched: Array<{ lineId: string; sku: string; quantity: number }> = [];
  const unexpected: Array<{ sku: string; quantity: number; productId: string | null }> = [];
  const received = new Map(lines.map((l) => [l.id, l.received]));
  input.lines.forEach((item, index) => {
    const line = item.lineId ? lines.find((l) => l.id === item.lineId) : lines.find((l) => l.sku === item.sku);
    if (item.lineId && !line) {
      errors.push({
        path: `/lines/${index}/lineId`,
        message: 'not a line of this return',
        code: 'RETURN_LINE_NOT_ON_ORDER',
      });
      return;
    }
    if (!line) {
      if (!item.sku)
        errors.push({ path: `/lines/${index}`, message: 'name the return line or the SKU', code: 'REQUIRED' });
      else unexpected.push({ sku: item.sku, quantity: item.quantity, productId: null });
      return;
    }
    const open = line.quantity - received.get(line.id)!;
    const take = Math.min(open, item.quantity);
    if (take > 0) {
      matched.push({ lineId: line.id, sku: line.sku, quantity: take });
      received.set(line.id, received.get(line.id)! + take);
    }
    if (item.quantity > take)
      unexpected.push({ sku: line.sku, quantity: item.quantity - take, productId: line.product_id });
  });
  if (errors.length) refuse(errors[0]!.message, errors);

  for (const item of matched)
    await tx
      .updateTable('return_lines')
      .set((eb) => ({ received: eb('received', '+', item.quantity) }))
      .where('id', '=', item.lineId)
      .execute();
  const rows = [
    ...matched.map((m) => ({
      id: newId(),
      return_id: returnId,
      return_line_id: m.lineId,
      location_id: location.id,
      product_id: lines.find((l) => l.id === m.lineId)!.product_id,
      sku: m.sku,
      quantity: m.quantity,
      unexpected: false,
      status: 'matched' as const,
      resolution: null,
      note: input.note ?? null,
      actor: JSON.stringify(actor),
      received_at: now,
    })),
    ...unexpected.map((u) => ({
      id: newId(),
      return_id: returnId,
      return_line_id: null,
      location_id: location.id,
      product_id: u.productId,
      sku: u.sku,
      quantity: u.quantity,
      unexpected: true,
      status: 'queued' as const,
      resolution: null,
      note: input.note ?? 'not on the return',
      actor: JSON.stringify(actor),
      received_at: now,
    })),
  ];
  if (rows.length) await tx.insertInto('return_receipts', rows).execute();
  if (ret.receiving_location_id !== location.id)
    await tx
      .updateTable('returns')
      .set({ receiving_location_id: location.id, updated_at: now })
      .where('id', '=', returnId)
      .execute();

  const all = lines.every((l) => received.get(l.id)! >= l.quantity);
  await writeHistory(tx, actor, now, [
    {
      orderId: returnId,
      action: 'return.received',
      changes: { location: location.code, lines: matched, ...(unexpected.length ? { unexpected } : {}) },
      reason: input.note ? { note: input.note } : {},
    },
  ]);
  await emitEvent(tx, {
    type: 'return.received',
    subject: ret.order_id,
    time: now,
    payload: { orderId: ret.order_id, returnId, location: location.code, lines: matched },
  });
  const fed = matched.length
    ? await processes.feed(tx, actor, now, returnId, all ? 'received' : 'partially_received', {
        location: location.code,
      })
    : { accepted: false };
  return { returnId, matched, unexpected, complete: all, process: fed };
}

/**
 * A parcel that no return asked for (or cannot be matched): accepted, kept at the location as a
 * queued receipt, and listed for a person to match to a return, restock or write off.
 */
export async function receiveUnexpected(
  tx: Work,
  actor: Actor,
  now: Date,
  input: {
    location: string;
    sku: string;
    quantity: number;
    note?: string | undefined;
    orderNumber?: string | undefined;
  },
) {
  const location = await locationByCode(tx, input.location, '/location');
  const product = await tx.selectFrom('products').select('id').where('sku', '=', input.sku).executeTakeFirst();
  const row = {
    id: newId(),
    return_id: null,
    return_line_id: null,
    location_id: location.id,
    product_id: product?.id ?? null,
    sku: input.sku,
    quantity: input.quantity,
    unexpected: true,
    status: 'queued' as const,
    resolution: null,
    note: [input.orderNumber ? `order ${input.orderNumber}` : null, input.note].filter(Boolean).join(': ') || null,
    actor: JSON.stringify(actor),
    received_at: now,
  };
  await tx.insertInto('return_receipts', row).execute();
  return { id: row.id, location: location.code, sku: input.sku, quantity: input.quantity, status: 'queued' };
}
