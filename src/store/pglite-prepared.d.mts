import type { PGlite } from '@electric-sql/pglite';

/** Parameterised statements of one PGlite as named statements (pglite-prepared.mjs). */
export declare class PreparedStatements {
  constructor(pglite: PGlite, max?: number);
  readonly size: number;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
}
