/** Retry policy for deliveries and jobs: exponential backoff with jitter, capped. */
export interface RetryPolicy {
  /** Delay before the second attempt. */
  baseMs: number;
  /** No delay grows beyond this. */
  maxMs: number;
  /** After this many failed attempts a delivery is dead-lettered. */
  maxAttempts: number;
}

export const defaultRetry: RetryPolicy = { baseMs: 5_000, maxMs: 6 * 3600_000, maxAttempts: 12 };

/**
 * Delay after `attempts` failed attempts: base·2^(attempts−1), capped, then "equal jitter"
 * (half fixed, half random) so a recovering endpoint is not hit by every retry at once while
 * the delay still grows. `random` is an input so tests can pin it.
 */
export function retryDelayMs(policy: RetryPolicy, attempts: number, random: number = Math.random()): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp / 2 + (exp / 2) * random);
}
