import { z } from 'zod';

/**
 * What the engine knows of an action a definition may run as `{action: code, args}`. The engine
 * never performs an action: it returns an effect and the app runs it. `engine` actions change the
 * snapshot and are interpreted here; every other action is an operation registered by a
 * capability (app/<capability>/operations.ts) in the composition root, or an external action a
 * definition declares under `external:`. A code that is neither is refused at publish: a
 * process never moves past an action that nothing carries out.
 */
export interface ActionDefinition {
  code: string;
  description: string;
  argsSchema: z.ZodType;
  /**
   * `local`: runs inside the order's transaction and may feed back a result event.
   * `external`: requested through the outbox (`action.requested`); the state waits for `results`.
   * `engine`: interpreted by the engine itself.
   */
  runs: 'local' | 'external' | 'engine';
  /** Local: the events it may feed back (the first is the simulation's default). */
  resultEvents?: readonly string[];
  /** External: the events an integration sends back; the state that requests the action must accept both. */
  results?: ExternalResults;
}

export interface ExternalResults {
  succeeded: string;
  failed: string;
}

export type ActionRegistry = ReadonlyMap<string, ActionDefinition>;

const party = z.enum(['seller', 'customer']);
const snake = z.string().regex(/^[a-z][a-z0-9_]*$/);
const identifier = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/);

/** Actions interpreted by the engine: they change the snapshot, so later conditions in the same step see them. */
export const engineActions: readonly ActionDefinition[] = [
  {
    code: 'emit_event',
    description: 'publish a domain event through the outbox',
    runs: 'engine',
    argsSchema: z
      .object({ name: z.string().regex(/^[a-z][a-z0-9_.]*$/), data: z.record(z.string(), z.unknown()).optional() })
      .strict(),
  },
  {
    code: 'set_attribute',
    description: 'set a process attribute (visible to later conditions as attributes.<name>)',
    runs: 'engine',
    argsSchema: z
      .object({ name: identifier, value: z.unknown().optional(), expr: z.string().min(1).optional() })
      .strict()
      .refine((a) => (a.value === undefined) !== (a.expr === undefined), 'give exactly one of value or expr'),
  },
  {
    code: 'decide',
    description: 'evaluate a decision table and store its result as attributes.<as>',
    runs: 'engine',
    argsSchema: z.object({ table: z.string().min(1), as: identifier }).strict(),
  },
  {
    code: 'open_task',
    description: "open an extra human task (the state's `task:` is the usual way)",
    runs: 'engine',
    argsSchema: z
      .object({
        kind: z.enum(['approval', 'resolve', 'review', 'confirm', 'input']),
        role: z.string().min(1),
        party: party.optional(),
        due: z.string().optional(),
        title: z.string().optional(),
      })
      .strict(),
  },
  {
    code: 'schedule_timer',
    description: 'schedule a durable timer that fires an event',
    runs: 'engine',
    argsSchema: z.object({ name: snake, event: snake, in: z.string().min(2) }).strict(),
  },
  {
    code: 'cancel_timer',
    description: 'cancel a timer scheduled by schedule_timer',
    runs: 'engine',
    argsSchema: z.object({ name: snake }).strict(),
  },
];

/** The engine's actions plus the given ones (operations of the capabilities); a code defined twice is a wiring bug. */
export function actionRegistry(actions: Iterable<ActionDefinition>): ActionRegistry {
  const match = new Map<string, ActionDefinition>();
  for (const actionDefinition of [...engineActions, ...actions]) {
    if (match.has(actionDefinition.code)) throw new Error(`action ${actionDefinition.code} is defined twice`);
    if (actionDefinition.runs === 'external' && !actionDefinition.results)
      throw new Error(`external action ${actionDefinition.code} must name its result events`);
    match.set(actionDefinition.code, actionDefinition);
  }
  return match;
}

/** The registry with only the engine's own actions: what a definition may use when nothing else is wired. */
export const engineOnlyRegistry: ActionRegistry = actionRegistry([]);

/** Arguments of an action a definition declares under `external:`: free-form, handed to the integration as they are. */
export const externalArgsSchema = z.record(z.string(), z.unknown());

/** The default result events of a declared external action: `<code>_succeeded` and `<code>_failed`. */
export function defaultResults(code: string): ExternalResults {
  return { succeeded: `${code}_succeeded`, failed: `${code}_failed` };
}
