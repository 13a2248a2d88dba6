import { holds, invalidate, trace } from './run-context.js';
import type { Run } from './run-context.js';
import { openTask } from './run-actions.js';
import type { ApprovalProgress, CompiledState, OpenTask } from './types.js';

/**
 * Open the state's human task. For an approval chain the steps whose `when` holds are
 * chosen now; returns false when a chain has no step that applies (nothing to approve).
 */
export function openStateTasks(run: Run, st: CompiledState): boolean {
  const task = st.task;
  if (!task) return true;
  const party = task.party ?? 'seller';
  if (!task.chain) {
    openTask(
      run,
      st.name,
      {
        kind: task.kind,
        role: task.role ?? 'order_desk',
        party,
        ...(task.title ? { title: task.title } : {}),
        ...(task.options ? { options: task.options } : {}),
      },
      task.due,
      task.escalate,
    );
    return true;
  }
  const chain = task.chain;
  const steps = chain.steps
    .filter((s) => s.when === undefined || holds(run, run.def.exprs.get(s.when)!))
    .map((s, i) => ({
      name: s.name ?? `${s.role}-${i + 1}`,
      role: s.role,
      party: s.party ?? party,
      ...((s.due ?? task.due) ? { due: s.due ?? task.due } : {}),
    }));
  if (steps.length === 0) return false;
  const policy = chain.mode === 'sequential' ? 'all-of' : (chain.policy ?? 'all-of');
  const required = policy === 'any-of' ? 1 : policy === 'n-of' ? Math.min(chain.n ?? 1, steps.length) : steps.length;
  const progress: ApprovalProgress = { mode: chain.mode, required, steps, next: 0, votes: [] };
  run.snap.approval = progress;
  const open = chain.mode === 'sequential' ? [0] : steps.map((_, i) => i);
  for (const index of open) openStep(run, st, index);
  progress.next = open.length;
  invalidate(run);
  return true;
}

function openStep(run: Run, st: CompiledState, index: number): void {
  const step = run.snap.approval!.steps[index]!;
  openTask(
    run,
    st.name,
    {
      kind: 'approval',
      role: step.role,
      party: step.party,
      step: index,
      title: st.task?.title ?? `Approval: ${step.name}`,
    },
    step.due,
    st.task?.escalate,
  );
}

export type VoteOutcome =
  { kind: 'pending' } | { kind: 'decided'; event: 'approve' | 'reject' } | { kind: 'unknown_task' };

/**
 * Record an approve/reject vote on a chain step and say whether the chain is decided.
 * The chain is approved once `required` approvals are in; rejected once that can no
 * longer happen (for all-of and sequential chains: at the first rejection).
 */
export function vote(run: Run, st: CompiledState): VoteOutcome {
  const ap = run.snap.approval!;
  const ev = run.event!;
  const open = run.snap.tasks.filter((t) => t.step !== undefined);
  const task: OpenTask | undefined = ev.taskId ? open.find((t) => t.id === ev.taskId) : open[0];
  if (!task) return { kind: 'unknown_task' };
  const outcome = ev.name as 'approve' | 'reject';
  ap.votes.push({
    step: task.step!,
    outcome,
    at: run.nowIso,
    ...(ev.actor ? { by: ev.actor.id } : {}),
    ...(ev.comment ? { comment: ev.comment } : {}),
  });
  run.snap.tasks = run.snap.tasks.filter((t) => t.id !== task.id);
  run.snap.timers = run.snap.timers.filter((timer) => {
    if (timer.taskId !== task.id) return true;
    run.effects.push({ type: 'cancel_timer', timerId: timer.id });
    return false;
  });
  run.effects.push({
    type: 'close_task',
    taskId: task.id,
    outcome: 'completed',
    event: outcome,
    ...(ev.actor ? { by: ev.actor.id } : {}),
  });
  invalidate(run);

  const approved = ap.votes.filter((v) => v.outcome === 'approve').length;
  const stillOpen = run.snap.tasks.filter((t) => t.step !== undefined).length + (ap.steps.length - ap.next);
  let result: VoteOutcome;
  if (approved >= ap.required) result = { kind: 'decided', event: 'approve' };
  else if (approved + stillOpen < ap.required) result = { kind: 'decided', event: 'reject' };
  else result = { kind: 'pending' };
  trace(run, {
    state: st.name,
    event: outcome,
    kind: 'approval',
    note:
      `${ap.steps[task.step!]!.name}: ${outcome}; ${approved}/${ap.required} approvals` +
      (result.kind === 'decided' ? `; chain ${result.event === 'approve' ? 'approved' : 'rejected'}` : ''),
  });
  if (result.kind === 'pending' && ap.mode === 'sequential' && ap.next < ap.steps.length) {
    openStep(run, st, ap.next);
    ap.next += 1;
  }
  return result;
}
