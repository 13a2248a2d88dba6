import { AppError, type FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import type { ReturnGrade } from '../../store/schema-returns.js';
import type { OrderProcessPort } from '../process/port.js';
import { assertOpen, locationByCode, lockReturn, refuse, returnLines } from './return-common.js';

export interface InspectionInput {
  /** Where the units were inspected (default: where the return was received). */
  location?: string | undefined;
  units: Array<{
    lineId: string;
    grade: ReturnGrade;
    quantity?: number | undefined;
    serial?: string | undefined;
    note?: string | undefined;
  }>;
}

const COLUMN = { resell: 'resell', refurbish: 'refurbish', write_off: 'write_off' } as const;

/**
 * A person grades received units: resell (back to stock), refurbish (kept aside for repair) or
 * write-off. Only received units can be graded, each once. The process hears `inspected` when every
 * received unit has a grade; restocking is the process's next step (`restock_return`).
 */
export async function inspectReturn(
  processes: OrderProcessPort,
  tx: Work,
  actor: Actor,
  now: Date,
  returnId: string,
  input: InspectionInput,
) {
  const ret = await lockReturn(tx, returnId);
  assertOpen(ret, 'be inspected');
  const locationId = input.location
    ? (await locationByCode(tx, input.location, '/location')).id
    : ret.receiving_location_id;
  if (!locationId)
    throw new AppError('VALIDATION_FAILED', 'the return has no receiving location; name where the units are', [
      { path: '/location', message: 'required', code: 'REQUIRED' },
    ]);
  const lines = await returnLines(tx, returnId);
  const graded = new Map(lines.map((l) => [l.id, l.resell + l.refurbish + l.write_off]));
  const errors: FieldError[] = [];
  input.units.forEach((unit, index) => {
    const line = lines.find((l) => l.id === unit.lineId);
    if (!line) {
      errors.push({
        path: `/units/${index}/lineId`,
        message: 'not a line of this return',
        code: 'RETURN_LINE_NOT_ON_ORDER',
      });
      return;
    }
    const quantity = unit.quantity ?? 1;
    const left = line.received - graded.get(line.id)!;
    if (quantity > left) {
      errors.push({
        path: `/units/${index}/quantity`,
        message: `${line.sku}: ${left} received unit(s) left to grade (${line.received} received)`,
        code: 'RECEIPT_EXCEEDS_RETURN',
      });
      return;
    }
    graded.set(line.id, graded.get(line.id)! + quantity);
  });
  if (errors.length) refuse(errors[0]!.message, errors);

  const rows = input.units.map((u) => ({
    id: newId(),
    return_id: returnId,
    return_line_id: u.lineId,
    grade: u.grade,
    quantity: u.quantity ?? 1,
    serial: u.serial ?? null,
    note: u.note ?? null,
    location_id: locationId,
    actor: JSON.stringify(actor),
    inspected_at: now,
  }));
  await tx.insertInto('return_inspections', rows).execute();
  for (const row of rows)
    await tx
      .updateTable('return_lines')
      .set((eb) => ({ [COLUMN[row.grade]]: eb(COLUMN[row.grade], '+', row.quantity) }))
      .where('id', '=', row.return_line_id)
      .execute();
  // Every unit received so far has a grade (units still on their way are graded when they arrive).
  const complete = lines.some((l) => l.received > 0) && lines.every((l) => graded.get(l.id)! >= l.received);
  await writeHistory(tx, actor, now, [
    {
      orderId: returnId,
      action: 'return.inspected',
      changes: {
        units: rows.map((r) => ({
          sku: lines.find((l) => l.id === r.return_line_id)!.sku,
          grade: r.grade,
          quantity: r.quantity,
          ...(r.serial ? { serial: r.serial } : {}),
        })),
      },
      reason: rows.some((r) => r.note) ? { notes: rows.filter((r) => r.note).map((r) => r.note) } : {},
    },
  ]);
  const fed = complete ? await processes.feed(tx, actor, now, returnId, 'inspected', {}) : { accepted: false };
  return { returnId, inspections: rows.map((r) => r.id), complete, process: fed };
}
