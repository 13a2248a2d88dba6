import type { Db } from '../../store/db.js';
import type { Clock } from '../../shared/clock.js';
import type { Principal } from '../identity/authenticate.js';
import { requireActive, tenantState } from './tenant-state.js';
import { TokenBuckets } from './rate-limit.js';

/**
 * What every request of a tenant's key or user passes after authentication: the tenant is
 * active (else 403 TENANT_SUSPENDED / TENANT_DELETED) and within its requests per second (else
 * 429 RATE_LIMITED with Retry-After). One cached row read per tenant every few seconds.
 */
export function tenantGate(db: Db, clock: Clock) {
  const buckets = new TokenBuckets();
  return async (principal: Principal) => {
    const nowMs = clock.now().getTime();
    const state = await tenantState(db, principal.tenantId);
    requireActive(state);
    if (state.rateLimitRps !== null) buckets.take(principal.tenantId, state.rateLimitRps, nowMs);
  };
}
