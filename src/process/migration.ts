import type { CompiledDefinition, Effect, ProcessSnapshot } from './types.js';

export type MigrationProblemCode =
  | 'STATE_MISSING'
  | 'MAPPING_TARGET_UNKNOWN'
  | 'ORDER_FINISHED'
  | 'WRONG_DEFINITION'
  | 'TASK_CHANGED'
  | 'TIMERS_CHANGED'
  | 'EXCEPTION_CHANGED'
  | 'TARGET_TERMINAL';

export interface MigrationProblem {
  code: MigrationProblemCode;
  /** Blocking problems stop the migration; warnings are shown in the preview. */
  blocking: boolean;
  message: string;
}

export interface MigrationPreview {
  from: { key: string; version: number; state: string };
  to: { key: string; version: number; state: string | null };
  /** How the target was chosen. */
  via: 'same_name' | 'mapping' | 'none';
  problems: MigrationProblem[];
  canMigrate: boolean;
  /** The snapshot to store when applying (null when blocked). */
  snapshot: ProcessSnapshot | null;
  /** What applying does to open tasks and timers; the app runs them like transition effects. */
  effects: Effect[];
}

/**
 * Where an in-flight order would land on a newer definition. The order keeps its state
 * name when the new version has it; otherwise `mapping` must name the target. Nothing is
 * re-entered: entry actions do not run again, open tasks and timers carry over when the
 * state's task and timers are unchanged, and are otherwise cancelled with a warning.
 */
export function previewMigration(
  from: CompiledDefinition,
  to: CompiledDefinition,
  snapshot: ProcessSnapshot,
  mapping: Readonly<Record<string, string>> = {},
): MigrationPreview {
  const problems: MigrationProblem[] = [];
  const block = (code: MigrationProblemCode, message: string) => problems.push({ code, blocking: true, message });
  const warn = (code: MigrationProblemCode, message: string) => problems.push({ code, blocking: false, message });
  if (snapshot.definitionKey !== from.key || snapshot.definitionVersion !== from.version) {
    block(
      'WRONG_DEFINITION',
      `the order runs ${snapshot.definitionKey} v${snapshot.definitionVersion}, not ${from.key} v${from.version}`,
    );
  }
  if (snapshot.status === 'done') block('ORDER_FINISHED', 'the order has finished; there is nothing to migrate');

  let target: string | null = null;
  let via: MigrationPreview['via'] = 'none';
  const mapped = mapping[snapshot.state];
  if (mapped !== undefined) {
    via = 'mapping';
    if (to.states.has(mapped)) target = mapped;
    else
      block(
        'MAPPING_TARGET_UNKNOWN',
        `mapping sends "${snapshot.state}" to "${mapped}", which v${to.version} does not define`,
      );
  } else if (to.states.has(snapshot.state)) {
    via = 'same_name';
    target = snapshot.state;
  } else {
    block('STATE_MISSING', `v${to.version} has no state "${snapshot.state}"; give a mapping`);
  }

  const effects: Effect[] = [];
  let next: ProcessSnapshot | null = null;
  if (target !== null) {
    const state = from.states.get(snapshot.state);
    const compiledState = to.states.get(target)!;
    if (compiledState.terminal)
      warn('TARGET_TERMINAL', `"${target}" is terminal: the order finishes without its entry actions`);
    const sameTask =
      JSON.stringify(state?.task ?? null) === JSON.stringify(compiledState.task ?? null) && target === snapshot.state;
    const sameTimers =
      JSON.stringify(state?.timers ?? []) === JSON.stringify(compiledState.timers) && target === snapshot.state;
    if (!sameTask && snapshot.tasks.length > 0)
      warn(
        'TASK_CHANGED',
        `the task of "${target}" differs: ${snapshot.tasks.length} open task(s) will be cancelled; the new task is not opened automatically`,
      );
    if (!sameTimers && snapshot.timers.some((t) => !t.persistent))
      warn('TIMERS_CHANGED', `the timers of "${target}" differ: running timers will be cancelled`);
    if (JSON.stringify(state?.exception ?? null) !== JSON.stringify(compiledState.exception))
      warn(
        'EXCEPTION_CHANGED',
        `"${target}" ${compiledState.exception ? `is exception ${compiledState.exception.kind}` : 'is no longer an exception state'}`,
      );
    const keepTasks = sameTask ? snapshot.tasks : [];
    const keepTimers = snapshot.timers.filter(
      (t) => t.persistent || (sameTimers && !t.taskId) || (sameTask && t.taskId),
    );
    for (const task of snapshot.tasks)
      if (!keepTasks.includes(task)) effects.push({ type: 'close_task', taskId: task.id, outcome: 'cancelled' });
    for (const timer of snapshot.timers)
      if (!keepTimers.includes(timer)) effects.push({ type: 'cancel_timer', timerId: timer.id });
    if (target !== snapshot.state)
      effects.push({ type: 'state_changed', from: snapshot.state, to: target, event: null });
    next = {
      ...snapshot,
      definitionKey: to.key,
      definitionVersion: to.version,
      state: target,
      status: compiledState.terminal ? 'done' : compiledState.exception ? 'waiting_exception' : 'active',
      tasks: keepTasks,
      timers: keepTimers,
      approval: sameTask ? snapshot.approval : null,
    };
  }
  const canMigrate = !problems.some((p) => p.blocking);
  return {
    from: { key: from.key, version: from.version, state: snapshot.state },
    to: { key: to.key, version: to.version, state: target },
    via,
    problems,
    canMigrate,
    snapshot: canMigrate ? next : null,
    effects: canMigrate ? effects : [],
  };
}
