/**
 * One entry point for both solvers: walk the strategy's steps, build the model of the first
 * step whose condition holds, solve it, and apply the step's fallback when units are left.
 */
import { buildStepModel, destinationOf, type StepModel } from './candidates.js';
import { pickBetter, solveExact } from './exact.js';
import { solveHeuristic } from './heuristic.js';
import type { Allocation, RoutingModel, Score } from './model.js';
import { buildPlan } from './plan.js';
import { conditionContext, stepApplies, type CompiledStep } from './strategy.js';
import type { Plan, RoutingProblem, SolveOptions, SolverChoice, SolverUsed, StepAttempt } from './types.js';

export interface ModelAnswer {
  x: Allocation;
  score: Score;
  solver: SolverUsed;
  optimal: boolean;
}

export interface ModelSolveOptions {
  solver: SolverChoice;
  exactTimeLimitMs: number;
  autoExactMaxCells: number;
}

/**
 * Solves one numeric model. The exact path always computes the heuristic first: it is the
 * answer on timeout or error, and the optimiser's answer is kept only if it is not worse.
 */
export async function solveModel(routingModel: RoutingModel, modelSolve: ModelSolveOptions): Promise<ModelAnswer> {
  const heuristicResult = solveHeuristic(routingModel);
  const heuristic: ModelAnswer = { ...heuristicResult, solver: 'heuristic', optimal: false };
  const useExact =
    modelSolve.solver === 'exact' ||
    (modelSolve.solver === 'auto' &&
      routingModel.lines.length * routingModel.locs.length <= modelSolve.autoExactMaxCells);
  if (!useExact || routingModel.locs.length === 0) return heuristic;
  const exactOutcome = await solveExact(routingModel, modelSolve.exactTimeLimitMs, heuristicResult.x);
  if (exactOutcome.kind === 'timeout') return { ...heuristic, solver: 'exact-timeout-heuristic' };
  if (exactOutcome.kind === 'error') return { ...heuristic, solver: 'exact-error-heuristic' };
  const exact: ModelAnswer = {
    x: exactOutcome.x,
    score: exactOutcome.score,
    solver: 'exact',
    optimal: exactOutcome.optimal,
  };
  return pickBetter(exact, heuristic);
}

function modelOptions(problem: RoutingProblem, options: SolveOptions): ModelSolveOptions {
  const compiledStrategy = problem.strategy;
  return {
    solver: options.solver ?? compiledStrategy.solver,
    exactTimeLimitMs: options.exactTimeLimitMs ?? compiledStrategy.exactTimeLimitMs,
    autoExactMaxCells: options.autoExactMaxCells ?? compiledStrategy.autoExactMaxCells,
  };
}

/** Routes an order. Never throws for business outcomes: those are the plan's status. */
export async function solve(problem: RoutingProblem, options: SolveOptions = {}): Promise<Plan> {
  const maxAlternatives = options.maxAlternatives ?? 50;
  const mo = modelOptions(problem, options);
  const leg = destinationOf(problem);
  const stepsTried: StepAttempt[] = [];
  if (typeof leg === 'string') {
    const plan = buildPlan({ problem, step: null, sm: null, x: null, solver: 'none', optimal: false, maxAlternatives });
    return { ...plan, status: 'exception', exceptionReason: 'PICKUP_LOCATION_UNAVAILABLE', stepsTried };
  }
  const ctx = conditionContext(problem.order);
  let last: Plan | null = null;
  for (const step of problem.strategy.steps) {
    const { applies, error } = stepApplies(step, ctx);
    if (!applies) {
      stepsTried.push({
        stepId: step.id,
        applied: false,
        outcome: 'condition_false',
        ...(error ? { conditionError: error } : {}),
      });
      continue;
    }
    const sm = buildStepModel(problem, step, leg);
    const plan = await planStep(problem, step, sm, mo, maxAlternatives);
    const unfilledUnits = plan.unfilled.reduce((n, u) => n + u.quantity, 0);
    const outcome = sm.candidates.length === 0 ? 'no_candidates' : unfilledUnits === 0 ? 'complete' : 'partial';
    stepsTried.push({ stepId: step.id, applied: true, outcome, unfilledUnits });
    if (unfilledUnits === 0) return { ...plan, status: 'complete', stepsTried };
    last = plan;
    if (step.fallback === 'backorder') return { ...plan, status: 'backorder', stepsTried };
    if (step.fallback === 'exception') return { ...plan, status: 'exception', exceptionReason: 'UNFILLED', stepsTried };
  }
  if (last) return { ...last, status: 'exception', exceptionReason: 'UNFILLED', stepsTried };
  const plan = buildPlan({ problem, step: null, sm: null, x: null, solver: 'none', optimal: false, maxAlternatives });
  return { ...plan, status: 'exception', exceptionReason: 'NO_STEP_APPLIES', stepsTried };
}

async function planStep(
  problem: RoutingProblem,
  step: CompiledStep,
  sm: StepModel,
  mo: ModelSolveOptions,
  maxAlternatives: number,
): Promise<Plan> {
  const modelAnswer = await solveModel(sm.model, mo);
  return buildPlan({
    problem,
    step,
    sm,
    x: modelAnswer.x,
    solver: modelAnswer.solver,
    optimal: modelAnswer.optimal,
    maxAlternatives,
  });
}
