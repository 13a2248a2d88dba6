import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { resolveLocation } from './common.js';
import { pickOrderLine } from './consume.js';

export interface PickAtInput {
  orderLineId: string;
  location: string;
  quantity: number;
  serials?: string[] | undefined;
  lot?: string | undefined;
}

/** A pick of an order line at a location given by its code (unknown codes are 422 at /location). */
export async function pickOrderLineAt(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  orderId: string,
  input: PickAtInput,
) {
  const loc = await resolveLocation(scope, input.location);
  return pickOrderLine(scope, actor, now, { ...input, orderId, locationId: loc.id });
}
