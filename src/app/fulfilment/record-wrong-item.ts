import { AppError } from '../../shared/errors.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';

/**
 * Records that units of a fulfilment line came back as "wrong item" (picked the wrong SKU or
 * variant): the third fact of picking accuracy, beside ordered and picked. At most the picked
 * quantity can be wrong.
 */
export async function recordWrongItem(
  tx: Work,
  actor: Actor,
  now: Date,
  fulfilmentId: string,
  lineId: string,
  input: { quantity: number; note?: string | undefined },
) {
  const line = await tx
    .selectFrom('fulfilment_lines')
    .selectAll()
    .where('fulfilment_id', '=', fulfilmentId)
    .where('id', '=', lineId)
    .forUpdate()
    .executeTakeFirst();
  if (!line) throw new AppError('NOT_FOUND', `line ${lineId} is not on fulfilment order ${fulfilmentId}`);
  const picked = line.picked ?? 0;
  if (line.wrong_item + input.quantity > picked) {
    throw new AppError(
      'VALIDATION_FAILED',
      `only ${picked - line.wrong_item} more unit(s) of this line can be wrong items`,
      [{ path: '/quantity', message: `at most ${picked - line.wrong_item}` }],
    );
  }
  const row = await tx
    .updateTable('fulfilment_lines')
    .set((eb) => ({ wrong_item: eb('wrong_item', '+', input.quantity) }))
    .where('id', '=', lineId)
    .returning(['wrong_item'])
    .executeTakeFirstOrThrow();
  await writeHistory(tx, actor, now, [
    {
      orderId: line.order_id,
      action: 'fulfilment.wrong_item_returned',
      changes: { fulfilmentId, lineId, sku: line.sku, quantity: input.quantity, wrongItemTotal: row.wrong_item },
      reason: input.note ? { note: input.note } : {},
    },
  ]);
  return { fulfilmentId, lineId, sku: line.sku, quantity: line.quantity, picked, wrongItem: row.wrong_item };
}
