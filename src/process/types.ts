import type { ActionRegistry, ExternalResults } from './action-registry.js';
import type { CompiledExpr } from './cel.js';
import type {
  ActionRef,
  DecisionTableSpec,
  ProcessDefinitionSpec,
  StateSpec,
  TaskSpec,
  TimerSpec,
} from './definition-schema.js';
import type { ProblemCode } from './validate-definition.js';

/** One problem of a definition, located in its YAML/JSON source (line and column 1-based; 0 when loaded from an object). */
export interface DefinitionProblem {
  /** JSON pointer into the definition, e.g. /states/received/always/0/when */
  path: string;
  line: number;
  column: number;
  message: string;
  code: ProblemCode;
}

export interface CompiledTransition {
  to?: string;
  when?: CompiledExpr;
  actions: ActionRef[];
}

export interface CompiledState {
  name: string;
  spec: StateSpec;
  on: ReadonlyMap<string, CompiledTransition[]>;
  always: CompiledTransition[];
  terminal: boolean;
  outcome: 'completed' | 'cancelled' | 'rejected' | null;
  exception: { kind: string; resolutions: string[] } | null;
  task: TaskSpec | null;
  timers: TimerSpec[];
}

/** A validated definition ready to run; build it with loadDefinition. */
export interface CompiledDefinition {
  key: string;
  version: number;
  spec: ProcessDefinitionSpec;
  start: string;
  maxSteps: number;
  stuckState: string;
  states: ReadonlyMap<string, CompiledState>;
  tables: Readonly<Record<string, DecisionTableSpec>>;
  exprs: ReadonlyMap<string, CompiledExpr>;
  registry: ActionRegistry;
}

export interface OpenTask {
  /** Deterministic within the order: `<state>#<seq>`; the app maps it to a task row. */
  id: string;
  kind: TaskSpec['kind'];
  role: string;
  party: 'seller' | 'customer';
  title?: string;
  options?: string[];
  dueAt?: string;
  escalateTo?: string;
  /** Set for tasks that are a step of an approval chain. */
  step?: number;
}

export interface ApprovalProgress {
  mode: 'sequential' | 'parallel';
  required: number;
  /** Steps selected at entry (rules may drop steps), in order. */
  steps: { name: string; role: string; party: 'seller' | 'customer'; due?: string }[];
  /** Index of the next sequential step to open. */
  next: number;
  votes: { step: number; outcome: 'approve' | 'reject'; by?: string; comment?: string; at: string }[];
}

export interface ActiveTimer {
  id: string;
  event: string;
  at: string;
  /** Timers from schedule_timer outlive the state; `after:` and escalation timers do not. */
  persistent?: boolean;
  taskId?: string;
}

/** The per-order process state the app stores (JSON-safe). */
export interface ProcessSnapshot {
  definitionKey: string;
  definitionVersion: number;
  state: string;
  status: 'active' | 'waiting_exception' | 'done';
  enteredAt: string;
  attributes: Record<string, unknown>;
  tasks: OpenTask[];
  approval: ApprovalProgress | null;
  timers: ActiveTimer[];
  /** Counter for deterministic task and timer ids. */
  seq: number;
  /** The external action the state waits for, if any; cleared when the state is left. */
  awaiting?: AwaitingAction | null;
}

/** An external action requested on entering the current state: its result must name this request (when it names one). */
export interface AwaitingAction {
  /** Deterministic within the order (`<state>:<action>#<seq>`): a result naming another request is stale. */
  requestId: string;
  action: string;
  results: ExternalResults;
}

export interface ProcessEvent {
  name: string;
  data?: Record<string, unknown>;
  /** Which task the event completes (approvals, resolutions). */
  taskId?: string;
  actor?: { id: string; roles?: string[] };
  comment?: string;
  /** Why a person raised it (a destructive event, a manual override); kept in the history. */
  reason?: string;
}

export type Effect =
  | { type: 'action'; action: string; runs: 'local'; args: Record<string, unknown>; state: string }
  /** An external action: requested through the outbox; the state waits for one of `results`. */
  | {
      type: 'action';
      action: string;
      runs: 'external';
      args: Record<string, unknown>;
      state: string;
      results: ExternalResults;
      /** The request's id within the order (also in the snapshot's `awaiting`). */
      requestId: string;
      timeout?: string;
    }
  | { type: 'open_task'; task: OpenTask; state: string }
  | { type: 'close_task'; taskId: string; outcome: 'completed' | 'cancelled'; by?: string; event?: string }
  | { type: 'escalate_task'; taskId: string; role: string }
  | { type: 'schedule_timer'; timerId: string; at: string; event: string; taskId?: string }
  | { type: 'cancel_timer'; timerId: string }
  | { type: 'emit_event'; name: string; data: Record<string, unknown> }
  | { type: 'set_attribute'; name: string; value: unknown }
  | { type: 'open_exception'; kind: string; state: string; resolutions: string[] }
  | { type: 'close_exception'; kind: string; state: string; resolution: string }
  | { type: 'state_changed'; from: string | null; to: string; event: string | null };

export interface TraceEntry {
  step: number;
  definition: { key: string; version: number };
  state: string;
  event: string | null;
  kind:
    'start' | 'event' | 'always' | 'approval' | 'decision' | 'action_skipped' | 'step_limit' | 'escalation' | 'error';
  to?: string;
  /** The matched condition's text; null for an unguarded/default transition. */
  condition?: string | null;
  /** Values of the facts the matched condition read. */
  inputs?: Record<string, unknown>;
  /** Conditions tried before the match, which were false. */
  rejected?: string[];
  note?: string;
}

export interface TransitionOk {
  snapshot: ProcessSnapshot;
  effects: Effect[];
  trace: TraceEntry[];
}

export interface TransitionNotAllowed {
  code: 'TRANSITION_NOT_ALLOWED';
  state: string;
  event: string;
  allowed: string[];
  reason: 'NOT_IN_STATE' | 'GUARD_FAILED' | 'FINISHED' | 'UNKNOWN_TASK' | 'STALE_RESULT';
}
