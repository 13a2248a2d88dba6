import { newId } from '../../shared/ids.js';
import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { assertMove, loadFulfilmentView, lockFulfilment, moveFulfilment } from './common.js';

export interface PackageInput {
  weightG: number;
  lengthMm: number;
  widthMm: number;
  heightMm: number;
  reference?: string | undefined;
}

/** Packs the picked goods into one or more packages (grams and millimetres, integers). */
export async function packFulfilment(
  tx: Work,
  actor: Actor,
  now: Date,
  id: string,
  input: { packages: PackageInput[]; expectedVersion?: number | null },
) {
  const fo = await lockFulfilment(tx, id);
  assertMove(fo, 'packed', input.expectedVersion);
  await tx
    .insertInto(
      'fulfilment_packages',
      input.packages.map((p) => ({
        id: newId(),
        fulfilment_id: id,
        weight_g: p.weightG,
        length_mm: p.lengthMm,
        width_mm: p.widthMm,
        height_mm: p.heightMm,
        reference: p.reference ?? null,
        created_at: now,
      })),
    )
    .execute();
  await moveFulfilment(tx, actor, now, fo, 'packed', {
    changes: { packages: input.packages },
    event: {
      type: 'fulfilment.packed',
      payload: {
        orderId: fo.order_id,
        fulfilmentId: fo.id,
        locationId: fo.location_id,
        packages: input.packages.map((p) => ({ ...p })),
      },
    },
  });
  return loadFulfilmentView(tx, id);
}
