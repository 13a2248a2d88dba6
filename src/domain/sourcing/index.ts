/** Sourcing and routing (capability C6): the pure part. See docs/routing.md. */
export type * from './types.js';
export {
  compileStrategy,
  conditionContext,
  stepApplies,
  strategySchema,
  type CompiledStep,
  type CompiledStrategy,
  type ConditionContext,
  type RoutingStep,
  type RoutingStrategy,
  type RoutingStrategyInput,
} from './strategy.js';
export { haversineKm } from './geo.js';
export {
  bestQuote,
  parseRateCsv,
  quoteRates,
  type RateCsvError,
  type RateMode,
  type RateQuote,
  type RateRow,
  type RateTable,
} from './rates.js';
export { solve, solveModel, type ModelAnswer, type ModelSolveOptions } from './solve.js';
export { reroute, type RerouteEvent, type RerouteResult, type RoutingAttempt } from './reroute.js';
export { decisionTrace, planToJson, type DecisionTrace, type Jsonified, type PlanJson } from './trace.js';
export { shutdownExactSolver, warmUpExactSolver, warmUpExactSolverOnFirstUse } from './exact.js';
export { buildStepModel, destinationOf, type Candidate, type StepModel } from './candidates.js';
export type { Allocation as AllocationMatrix, RoutingModel, Score } from './model.js';
export { naiveFirstLocation } from './naive.js';
export {
  CITIES,
  DEMO_RATES_PLN_CSV,
  DEMO_RATES_RUB_CSV,
  demoLocations,
  demoStock,
  demoStrategy,
} from './demo-network.js';
