import type { z } from 'zod';
import { actionRegistry } from '../../process/index.js';
import type { ActionDefinition, ActionRegistry, ExternalResults, FactsInput } from '../../process/index.js';
import type { FactRows } from '../../domain/order/facts.js';
import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';

/** What a local operation is given: the order's transaction and what the process knows. */
export interface OperationContext {
  /** The order's unit of work: everything the operation writes commits (or not) with the step. */
  tx: Work;
  actor: Actor;
  now: Date;
  orderId: string;
  facts: FactsInput;
  /**
   * The rows `facts` were made from, while they are what the database holds: an operation may
   * decide from them instead of reading again. Dropped once an operation may have changed them.
   */
  factRows?: FactRows;
  definition: { key: string; version: number };
}

/** What a local operation did: the event it feeds back to the process (if any) and a history note. */
export interface ActionOutcome {
  event?: string;
  note: string;
  data?: Record<string, unknown>;
  /** The operation started work that reports back later as events (fulfilment orders): the order waits for them. */
  waiting?: boolean;
  /** This run changed none of the facts its operation `refreshes` (nothing reserved or moved): they are not read again. */
  factsUnchanged?: boolean;
}

/**
 * A process operation: an action a definition names, with its arguments' schema, what it does,
 * the events it answers with and which facts it changes. A capability defines its operations
 * next to its use cases (app/<capability>/operations.ts); the composition root lists them.
 */
export interface LocalOperation<S extends z.ZodType = z.ZodType> extends ActionDefinition {
  runs: 'local';
  argsSchema: S;
  /** Facts read again after it ran: `stock` (reservations and backorders only) or `all`. */
  refreshes: 'stock' | 'all';
  run(ctx: OperationContext, args: z.infer<S>): Promise<ActionOutcome>;
}

/** An operation Ordo asks an integration to carry out (`action.requested`); the state waits for `results`. */
export interface ExternalOperation extends ActionDefinition {
  runs: 'external';
  results: ExternalResults;
}

export type ProcessOperation = LocalOperation<any> | ExternalOperation;

/** Defines a local operation; `args` are parsed by its schema before `run` sees them. */
export function localOperation<S extends z.ZodType>(op: Omit<LocalOperation<S>, 'runs'>): LocalOperation<S> {
  return { ...op, runs: 'local' };
}

export function externalOperation(op: Omit<ExternalOperation, 'runs'>): ExternalOperation {
  return { ...op, runs: 'external' };
}

/** The operations wired in this process: the registry definitions are validated and run with. */
export class Operations {
  readonly actions: ActionRegistry;
  private readonly local = new Map<string, LocalOperation>();

  constructor(operations: readonly ProcessOperation[]) {
    this.actions = actionRegistry(operations);
    for (const op of operations) if (op.runs === 'local') this.local.set(op.code, op);
  }

  /** Runs a local operation with its parsed arguments; undefined when `code` is not one. */
  async run(
    code: string,
    ctx: OperationContext,
    args: Record<string, unknown>,
  ): Promise<{ op: LocalOperation; outcome: ActionOutcome } | undefined> {
    const op = this.local.get(code);
    if (!op) return undefined;
    return { op, outcome: await op.run(ctx, op.argsSchema.parse(args)) };
  }
}
