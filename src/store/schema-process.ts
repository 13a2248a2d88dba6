import type { Json, Timestamp } from './schema.js';
import type { VersionStatus } from './schema-versioning.js';

export type DefinitionStatus = VersionStatus;

export interface ProcessDefinitionsTable {
  tenant_id: string;
  id: string;
  key: string;
  version: number;
  status: DefinitionStatus;
  title: string | null;
  source: string;
  source_hash: string;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  published_at: Timestamp | null;
  retired_at: Timestamp | null;
}

export interface ProcessSelectionRulesTable {
  tenant_id: string;
  rules: Json<unknown[]>;
  version: number;
  updated_at: Timestamp;
}

export interface OrderProcessesTable {
  tenant_id: string;
  order_id: string;
  definition_key: string;
  definition_version: number;
  state: string;
  status: string;
  exception_kind: string | null;
  exception_resolutions: string[];
  snapshot: Json<Record<string, unknown>>;
  started_at: Timestamp;
  updated_at: Timestamp;
}

export type TaskState = 'open' | 'claimed' | 'completed' | 'cancelled';

export interface ProcessTasksTable {
  tenant_id: string;
  id: string;
  order_id: string;
  engine_task_id: string;
  kind: string;
  role: string;
  party: string;
  title: string | null;
  options: string[];
  step: number | null;
  state: TaskState;
  assignee: string | null;
  due_at: Timestamp | null;
  escalate_to: string | null;
  outcome: string | null;
  comment: string | null;
  completed_by: string | null;
  completed_at: Timestamp | null;
  delegated_from: string | null;
  process_state: string;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module './schema.js' {
  interface DB {
    process_definitions: ProcessDefinitionsTable;
    process_selection_rules: ProcessSelectionRulesTable;
    order_processes: OrderProcessesTable;
    process_tasks: ProcessTasksTable;
  }
}
