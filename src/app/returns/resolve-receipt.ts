import { AppError } from '../../shared/errors.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import type { OrderProcessPort } from '../process/port.js';
import { receiveReturn } from './receive-return.js';
import { restockUnits } from './restock.js';
import '../../store/schema-returns.js';

/**
 * A person settles a queued (unexpected) receipt: restock it (a `return` movement at its location),
 * write it off (return + write-off, both on record), or match it to a return (then it counts as a
 * receipt of that return and its process hears it).
 */
export async function resolveReceipt(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  receiptId: string,
  input: { action: 'restock' | 'write_off' | 'match'; returnId?: string | undefined; note?: string | undefined },
) {
  const receipt = await tx
    .selectFrom('return_receipts')
    .selectAll()
    .where('id', '=', receiptId)
    .forUpdate()
    .executeTakeFirst();
  if (!receipt) throw new AppError('NOT_FOUND', `receipt ${receiptId} not found`);
  if (receipt.status !== 'queued')
    throw new AppError('RETURN_STATE_CONFLICT', `receipt ${receiptId} is ${receipt.status} already`);
  let matched: unknown = null;
  if (input.action === 'match') {
    if (!input.returnId)
      throw new AppError('VALIDATION_FAILED', 'name the return to match', [
        { path: '/returnId', message: 'required', code: 'REQUIRED' },
      ]);
    const loc = await tx
      .selectFrom('locations')
      .select('code')
      .where('id', '=', receipt.location_id)
      .executeTakeFirstOrThrow();
    matched = await receiveReturn(processes, tx, actor, now, input.returnId, {
      location: loc.code,
      lines: [{ sku: receipt.sku, quantity: receipt.quantity }],
      note: input.note ?? `matched from receipt ${receipt.id}`,
    });
  } else {
    if (!receipt.product_id)
      throw new AppError('UNKNOWN_SKU', `${receipt.sku} is not a known product: it cannot go into stock`, [
        { path: '/action', message: 'match it to a return or record it outside Ordo', code: 'UNKNOWN_SKU' },
      ]);
    await restockUnits(tx, actor, now, [
      {
        productId: receipt.product_id,
        locationId: receipt.location_id,
        quantity: receipt.quantity,
        writeOff: input.action === 'write_off',
        orderId: receipt.return_id,
        orderLineId: null,
        reference: `receipt ${receipt.id}`,
        reason: `unexpected return receipt: ${input.action}${input.note ? ` (${input.note})` : ''}`,
      },
    ]);
  }
  await tx
    .updateTable('return_receipts')
    .set({ status: 'resolved', resolution: input.action, note: input.note ?? receipt.note })
    .where('id', '=', receiptId)
    .execute();
  if (receipt.return_id)
    await writeHistory(tx, actor, now, [
      {
        orderId: receipt.return_id,
        action: 'return.receipt_resolved',
        changes: { receiptId, action: input.action, sku: receipt.sku, quantity: receipt.quantity },
      },
    ]);
  return { id: receiptId, status: 'resolved', resolution: input.action, matched };
}
