import { AppError } from '../../shared/errors.js';
import type { Actor } from '../../store/history.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import { resolveLocation, resolveSku } from './common.js';
import { createHold } from './reserve.js';

export interface HoldStockInput {
  sku: string;
  location: string;
  quantity: number;
  reference: string;
  ttlSeconds: number;
}

/** A cart hold by SKU and location code: all of the quantity or nothing (INSUFFICIENT_STOCK), expiring after ttlSeconds. */
export async function holdStock(scope: TenantScope, actor: Actor, now: Date, input: HoldStockInput) {
  const product = await resolveSku(scope, input.sku);
  const loc = await resolveLocation(scope, input.location);
  const hold = await createHold(scope, actor, now, {
    productId: product.id,
    locationId: loc.id,
    quantity: input.quantity,
    reference: input.reference,
    expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
  });
  if (!hold)
    throw new AppError(
      'INSUFFICIENT_STOCK',
      `fewer than ${input.quantity} unit(s) of ${input.sku} are available at ${input.location}`,
      [],
      { sku: input.sku, requested: input.quantity },
    );
  return hold;
}
