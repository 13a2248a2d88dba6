import { AppError } from '../../shared/errors.js';
import { transition } from '../../process/index.js';
import type { CompiledDefinition, ProcessEvent, ProcessSnapshot } from '../../process/index.js';
import type { Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import { loadCompiled } from './definition-store.js';
import { driveProcess, saveSnapshotQuery, type SavedOrder } from './drive-process.js';
import { factsFrom } from '../../domain/order/facts.js';
import { factRowsOf, factRowsQuery } from './load-facts.js';
import { sentTogether } from '../../store/pipeline.js';
import type { Operations } from './operation.js';
import { gateEvent, type EventCaller } from './event-gate.js';
import { writeHistory } from '../../store/history.js';
import '../../store/schema-process.js';

const NOT_ALLOWED_WHY: Partial<Record<string, string>> = {
  UNKNOWN_TASK: ' (no such open task)',
  GUARD_FAILED: ' (its condition is false)',
  STALE_RESULT: ' (it answers an earlier request: data.requestId is not the one the order waits for)',
};

export interface ApplyOptions {
  /** If-Match: the order version the caller saw; null = no check. */
  expectedVersion?: number | null;
  /** 'skip': return null instead of waiting when another transaction holds the order (timers). */
  lock?: 'wait' | 'skip';
  /** History action of the step. */
  action?: string;
  /** The API caller: people may raise only person events unless they override with a reason (event-gate.ts). */
  caller?: EventCaller;
  /** Read the order's lines with the saved row (`saved.order.lines`), for a caller that answers with the order. */
  withLines?: boolean;
}

export interface ApplyResult {
  orderId: string;
  from: string;
  state: string;
  status: ProcessSnapshot['status'];
  version: number;
  /** What the order now is, as saved: the order row (with its channel code) and the process, so a caller can answer without reading them back. */
  saved: {
    order: SavedOrder;
    def: CompiledDefinition;
    snapshot: ProcessSnapshot;
    exception: { kind: string; resolutions: string[] } | null;
  };
}

/**
 * Applies one event to an order's process in the caller's transaction: locks the order row
 * (SELECT … FOR UPDATE, so two commands on one order queue up), honours If-Match, runs the
 * engine on the version the order started with, carries out the effects and stores the result.
 * A disallowed event is 409 TRANSITION_NOT_ALLOWED with the events the order accepts now.
 */
export async function applyOrderEvent(...args: OrderEventArgs): Promise<ApplyResult | null> {
  const sent = await runOrderEvent(args, false);
  return sent && sent.result;
}

type OrderEventArgs = [
  ops: Operations,
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  event: ProcessEvent,
  opts?: ApplyOptions,
];

/** What an event did before its saving statement answered: the result comes with that answer. */
export interface SentOrderEvent {
  orderId: string;
  from: string;
  state: string;
  status: ProcessSnapshot['status'];
  saved: Omit<ApplyResult['saved'], 'order'>;
  /** The ApplyResult, once the statement saving the order (sent ahead) has answered. */
  result: Promise<ApplyResult>;
}

/**
 * applyOrderEvent with the statement that saves the order sent ahead (UnitOfWork.sendAhead): it
 * leaves with the unit of work's closing statement and commit, a round trip fewer, and the saved
 * order comes with `result` (awaited after the unit of work, or inside it at the cost of that
 * round trip). For a caller that answers with the order and does nothing after the event.
 */
export function sendOrderEvent(...args: OrderEventArgs): Promise<SentOrderEvent | null> {
  return runOrderEvent(args, true);
}

async function runOrderEvent(
  [ops, tx, actor, now, orderId, event, opts = {}]: OrderEventArgs,
  ahead: boolean,
): Promise<SentOrderEvent | null> {
  let query = tx.selectFrom('orders').select(['id', 'version', 'state']).where('id', '=', orderId).forUpdate();
  if (opts.lock === 'skip') query = query.skipLocked();
  // The process and fact rows are read by their own statement, after the lock: read in the locking
  // statement, a waiter would get the rows as they were before the holder committed (tested: an
  // event waiting for the lock). Both are sent together (one round trip): the server runs the
  // read once the lock is held, with a snapshot taken then.
  const [locked, read] = await sentTogether(tx.conn, query, factRowsQuery(tx, orderId));
  const order = locked.rows[0];
  if (!order) {
    if (
      opts.lock === 'skip' &&
      (await tx.selectFrom('orders').select('id').where('id', '=', orderId).executeTakeFirst())
    )
      return null;
    throw new AppError('NOT_FOUND', `order ${orderId} not found`);
  }
  if (opts.expectedVersion != null && opts.expectedVersion !== order.version) {
    throw new AppError(
      'VERSION_MISMATCH',
      `the order is at version ${order.version}, not ${opts.expectedVersion}`,
      [],
      { currentVersion: order.version },
    );
  }
  const { rows, process: proc } = factRowsOf(read.rows[0]!);
  if (!proc) {
    throw new AppError('TRANSITION_NOT_ALLOWED', `order ${orderId} runs no process; it stays ${order.state}`, [], {
      state: order.state,
      event: event.name,
      allowed: [],
      reason: 'NO_PROCESS',
    });
  }
  const def = await loadCompiled(ops.actions, tx, proc.definition_key, proc.definition_version);
  const snapshot = proc.snapshot as unknown as ProcessSnapshot;
  const gate = opts.caller ? gateEvent(def, snapshot.state, event.name, opts.caller) : { override: null };
  const facts = factsFrom(rows);
  const result = transition(def, snapshot, event, facts, now);
  if (!result.ok) {
    const { allowed, reason, state } = result.error;
    throw new AppError(
      'TRANSITION_NOT_ALLOWED',
      `${state} does not accept ${event.name} now${NOT_ALLOWED_WHY[reason] ?? ''}; allowed: ${allowed.join(', ') || 'none'}`,
      [],
      { state, event: event.name, allowed, reason },
    );
  }
  const exception = proc.exception_kind ? { kind: proc.exception_kind, resolutions: proc.exception_resolutions } : null;
  if (gate.override) {
    await writeHistory(tx, actor, now, [
      {
        orderId,
        action: 'process.override',
        fromState: snapshot.state,
        changes: { event: event.name, source: gate.override.source },
        reason: { reason: gate.override.reason, override: 'orders:override' },
      },
    ]);
  }
  const done = await driveProcess({
    ops,
    tx,
    actor,
    now,
    orderId,
    def,
    facts,
    first: result.value,
    action: opts.action ?? 'process.event',
    cause: event,
    fromState: snapshot.state,
    exception,
    rows,
  });
  const save = saveSnapshotQuery(tx, orderId, now, done.snapshot, done.exception, {
    insert: false,
    bumpVersion: true,
    withLines: opts.withLines ?? false,
  });
  const head = { orderId, from: snapshot.state, state: done.snapshot.state, status: done.snapshot.status };
  const saved = { def, snapshot: done.snapshot, exception: done.exception };
  const applied = (order: SavedOrder): ApplyResult => ({ ...head, version: order.version, saved: { order, ...saved } });
  if (!ahead) return { ...head, saved, result: Promise.resolve(applied(await save.executeTakeFirstOrThrow())) };
  const answer = tx.work.sendAhead(save).then(({ rows }) => applied(rows[0]!));
  answer.catch(() => {}); // a refusal fails the unit of work, which reports it
  return { ...head, saved, result: answer };
}
