import type { Generated } from 'kysely';

/** Per-tenant retention overrides: days to keep one kind of record (0 = forever). */
export interface RetentionOverridesTable {
  tenant_id: string;
  kind: string;
  days: number;
  updated_at: Generated<Date>;
}

declare module './schema.js' {
  interface DB {
    retention_overrides: RetentionOverridesTable;
  }
}
