import { AppError } from '../../shared/errors.js';

/**
 * Requests per second per tenant as a token bucket held in this process: the bucket holds at
 * most one second's worth of requests (at least one) and refills continuously. With N API nodes
 * behind a balancer each node enforces the limit on its own, so a tenant gets up to N × the rate
 * in all (docs/tenants.md): an exact shared limit would cost a database round trip per request.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number; rate: number }>();

  /** Takes one token or throws RATE_LIMITED with the seconds until one is back (Retry-After). */
  take(tenantId: string, rate: number, nowMs: number): void {
    let bucket = this.buckets.get(tenantId);
    // a new limit starts a full bucket at the new rate
    if (!bucket || bucket.rate !== rate) {
      if (this.buckets.size >= 100_000) this.buckets.clear();
      bucket = { tokens: Math.max(1, rate), at: nowMs, rate };
      this.buckets.set(tenantId, bucket);
    }
    const capacity = Math.max(1, rate);
    bucket.tokens = Math.min(capacity, bucket.tokens + ((nowMs - bucket.at) / 1000) * rate);
    bucket.at = nowMs;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
    throw new AppError('RATE_LIMITED', `this tenant may send ${rate} request(s) per second`, [], { retryAfter });
  }
}
