/** PostgreSQL error classes we turn into business outcomes (same codes from pg and PGlite). */
export function pgError(e: unknown): { code: string; constraint?: string; detail?: string } | null {
  const x = e as { code?: unknown; constraint?: unknown; detail?: unknown };
  return x && typeof x.code === 'string' && /^[0-9A-Z]{5}$/.test(x.code)
    ? { code: x.code, constraint: typeof x.constraint === 'string' ? x.constraint : undefined, detail: typeof x.detail === 'string' ? x.detail : undefined }
    : null;
}

export const isUniqueViolation = (e: unknown, constraint?: string) => {
  const p = pgError(e);
  return p?.code === '23505' && (!constraint || p.constraint === constraint);
};
export const isForeignKeyViolation = (e: unknown) => pgError(e)?.code === '23503';
export const isSerializationFailure = (e: unknown) => ['40001', '40P01'].includes(pgError(e)?.code ?? '');
