/** PostgreSQL error classes we turn into business outcomes (same codes from pg and PGlite). */
export function pgError(error: unknown): { code: string; constraint?: string; detail?: string } | null {
  const currentError = error as { code?: unknown; constraint?: unknown; detail?: unknown };
  return currentError && typeof currentError.code === 'string' && /^[0-9A-Z]{5}$/.test(currentError.code)
    ? {
        code: currentError.code,
        constraint: typeof currentError.constraint === 'string' ? currentError.constraint : undefined,
        detail: typeof currentError.detail === 'string' ? currentError.detail : undefined,
      }
    : null;
}

export const isUniqueViolation = (error: unknown, constraint?: string) => {
  const value = pgError(error);
  return value?.code === '23505' && (!constraint || value.constraint === constraint);
};
export const isForeignKeyViolation = (e: unknown) => pgError(e)?.code === '23503';
export const isSerializationFailure = (e: unknown) => ['40001', '40P01'].includes(pgError(e)?.code ?? '');

/**
 * The pause before running a deadlock victim again (the attempt-th retry): 0–10·attempt ms at
 * random, so the transactions that collided do not meet again in step.
 */
export const serializationRetryPause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 10 * attempt)));
