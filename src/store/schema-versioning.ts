import type { Json, Timestamp } from './schema.js';

/** The lifecycle every versioned definition shares (process definitions, routing strategies). */
export type VersionStatus = 'draft' | 'published' | 'retired';

/** What a `definition_audit` row is about; new versioned kinds add their name here. */
export type DefinitionKind = 'process' | 'routing_strategy';

/** One audit log for every versioned kind: who did what to which version, with the text diff. */
export interface DefinitionAuditTable {
  tenant_id: string;
  id: string;
  kind: DefinitionKind;
  key: string;
  version: number | null;
  action: string;
  at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  diff: string;
  details: Json<Record<string, unknown>>;
}

declare module './schema.js' {
  interface DB {
    definition_audit: DefinitionAuditTable;
  }
}
