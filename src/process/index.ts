// The process capability's public surface: app/ and api/ import from here only.
export { actionRegistry, defaultResults, engineActions, engineOnlyRegistry } from './action-registry.js';
export type { ActionDefinition, ActionRegistry, ExternalResults } from './action-registry.js';
export { processDefinitionSchema, processDefinitionJsonSchema } from './definition-schema.js';
export type { ProcessDefinitionSpec, StateSpec, TaskSpec } from './definition-schema.js';
export { loadDefinition, loadDefinitionOrThrow } from './load-definition.js';
export type { LoadOptions } from './load-definition.js';
export type { ProblemCode } from './validate-definition.js';
export { FACT_SCHEMA, FACT_NAMES, prepareFacts, CEL_LIMITS, MAX_EXPRESSION_LENGTH } from './facts.js';
export type { Facts, FactsInput, FactName } from './facts.js';
export { compileCel } from './cel.js';
export { evaluateTable } from './decision-tables.js';
export type { DecisionResult } from './decision-tables.js';
export { startProcess, transition, allowedEvents } from './transition.js';
export { selectProcess, compileSelectionRules, selectionRulesSchema, ORDER_TYPES } from './select-process.js';
export type { SelectionRule, CompiledSelectionRules } from './select-process.js';
export { previewMigration } from './migration.js';
export type { MigrationPreview, MigrationProblem } from './migration.js';
export { simulate, compareDefinitions } from './simulate.js';
export type {
  Oracle,
  SimulationCase,
  SimulationRun,
  SimulateOptions,
  CaseComparison,
  ComparisonSummary,
} from './simulate.js';
export { addDuration, parseDuration, isDuration } from './durations.js';
export { exploreDefinition, candidateEvents } from './explore.js';
export type { Exploration } from './explore.js';
export type * from './types.js';
export {
  describeEvents,
  eventSource,
  isDestructive,
  isManual,
  stateLabels,
  taskLabels,
  roleLabels,
  eventLabels,
} from './event-info.js';
export type { EventInfo, EventRisk } from './event-info.js';
export { EVENT_SOURCES, LABEL_LANGUAGES } from './definition-schema.js';
export type { EventSource, Labels, EventSpec } from './definition-schema.js';
