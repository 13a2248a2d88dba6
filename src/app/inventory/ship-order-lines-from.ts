import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { resolveLocations } from './common.js';
import { shipOrderLines, type ShipLine } from './consume.js';

export interface ShipFromInput {
  reference?: string | undefined;
  lines: Array<Omit<ShipLine, 'locationId'> & { location?: string | undefined }>;
}

/** Ships an order's lines, each from the location given by its code (or wherever it is reserved); unknown codes are 422 at /lines/<i>/location. */
export async function shipOrderLinesFrom(
  scope: TenantScope,
  actor: Actor,
  now: Date,
  orderId: string,
  input: ShipFromInput,
) {
  const codes = input.lines.map((l) => l.location).filter((c): c is string => Boolean(c));
  const locs = await resolveLocations(scope, codes, (i) => `/lines/${i}/location`);
  const lines = input.lines.map(({ location, ...l }) => ({
    ...l,
    locationId: location ? locs.get(location)!.id : undefined,
  }));
  return shipOrderLines(scope, actor, now, { orderId, lines, reference: input.reference });
}
