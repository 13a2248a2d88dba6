import { z } from 'zod';
import { INT4_MAX } from '../shared/storable.js';

/**
 * The process definition format. The zod schema is the source of truth; the published
 * JSON Schema (process-definition.schema.json) is generated from it, so editors and the
 * console validate with exactly the same rules as the loader.
 */

const NAME = /^[a-z][a-z0-9_]*$/;
/** ISO 8601 duration, e.g. PT24H, P2D, P1M, P1W; an optional leading '-' only where said. */
export const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const SIGNED_DURATION = /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

const stateName = z.string().regex(NAME, 'a state name is lower_snake_case');
const eventName = z.string().regex(NAME, 'an event name is lower_snake_case');
const cel = z.string().min(1).describe('a CEL expression over the documented facts');
const duration = z.string().regex(ISO_DURATION, 'an ISO 8601 duration such as PT24H or P2D');
const signedDuration = z.string().regex(SIGNED_DURATION, 'an ISO 8601 duration, optionally negative (-PT2H)');

/** The languages the console speaks; a label missing in one falls back to the console's catalogue, then the code. */
export const LABEL_LANGUAGES = ['en', 'pl', 'ru'] as const;
export const labelsSchema = z
  .object({
    en: z.string().min(1).max(200).optional(),
    pl: z.string().min(1).max(200).optional(),
    ru: z.string().min(1).max(200).optional(),
  })
  .strict()
  .describe('words for people, per language: { en: Cancel order, pl: Anuluj zamówienie, ru: Отменить заказ }');

/** Who may raise an event (the API refuses people raising anything but `person` events without an override). */
export const EVENT_SOURCES = ['person', 'system', 'carrier', 'payment', 'timer', 'integration'] as const;

export const riskSchema = z
  .object({
    code: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/, 'a risk code is SCREAMING_SNAKE_CASE')
      .optional(),
    labels: labelsSchema,
  })
  .strict();

export const eventSpecSchema = z
  .object({
    source: z
      .enum(EVENT_SOURCES)
      .optional()
      .describe(
        'who raises it: person (default), or system / carrier / payment / timer / integration, which people raise only by an override with a reason',
      ),
    destructive: z
      .boolean()
      .optional()
      .describe(
        'the console asks for a reason and confirmation; default: it leads to a final state that is not a success',
      ),
    risks: z
      .array(riskSchema)
      .max(10)
      .optional()
      .describe('what people must know before raising it; shown in the confirmation'),
    labels: labelsSchema.optional(),
  })
  .strict();

export const roleSpecSchema = z.object({ labels: labelsSchema.optional() }).strict();

export const actionRefSchema = z
  .object({
    action: z.string().min(1).describe('an action code from the registry'),
    args: z.record(z.string(), z.unknown()).optional(),
    when: cel.optional().describe('run the action only when this condition holds'),
    timeout: duration
      .optional()
      .describe('external actions: how long the state waits for the result; then the failure event fires'),
  })
  .strict();

export const transitionSchema = z
  .object({
    to: stateName.optional().describe('target state; omitted = stay in the state without re-entering it'),
    when: cel.optional(),
    actions: z.array(actionRefSchema).optional(),
  })
  .strict();

const onTargetSchema = z.union([stateName, transitionSchema, z.array(z.union([stateName, transitionSchema])).min(1)]);

export const alwaysSchema = z
  .object({ to: stateName, when: cel.optional(), actions: z.array(actionRefSchema).optional() })
  .strict();

export const approvalStepSchema = z
  .object({
    name: z.string().optional(),
    role: z.string().min(1),
    party: z.enum(['seller', 'customer']).optional().describe("whose approvers: ours or the B2B customer's"),
    when: cel.optional().describe('the step is part of the chain only when this holds at entry'),
    due: duration.optional(),
  })
  .strict();

export const approvalChainSchema = z
  .object({
    mode: z.enum(['sequential', 'parallel']),
    policy: z.enum(['all-of', 'any-of', 'n-of']).optional().describe('parallel only; default all-of'),
    n: z.number().int().positive().max(INT4_MAX).optional().describe('for n-of'),
    steps: z.array(approvalStepSchema).min(1),
  })
  .strict();

export const taskSchema = z
  .object({
    kind: z.enum(['approval', 'resolve', 'review', 'confirm', 'input']),
    title: z.string().optional(),
    labels: labelsSchema.optional().describe("the task's title in each language"),
    role: z.string().min(1).optional(),
    party: z.enum(['seller', 'customer']).optional(),
    due: duration.optional(),
    escalate: z
      .object({ role: z.string().min(1), after: duration.optional() })
      .strict()
      .optional(),
    options: z
      .array(eventName)
      .min(1)
      .optional()
      .describe('outcomes offered to the person; each is an event of the state'),
    chain: approvalChainSchema.optional(),
  })
  .strict();

export const timerSchema = z
  .object({
    in: duration.optional().describe('fires this long after entering the state'),
    at: cel.optional().describe('a deadline: CEL returning a timestamp'),
    offset: signedDuration.optional().describe('shift of the deadline, e.g. -PT2H'),
    event: eventName,
  })
  .strict();

export const exceptionSchema = z.union([
  z.literal(true),
  z.object({ kind: z.string().min(1), resolutions: z.array(eventName).min(1) }).strict(),
]);

export const stateSchema = z
  .object({
    description: z.string().optional(),
    labels: labelsSchema.optional().describe("the state's name in each language"),
    enter: z.array(actionRefSchema).optional(),
    exit: z.array(actionRefSchema).optional(),
    on: z.record(eventName, onTargetSchema).optional(),
    always: z.array(alwaysSchema).min(1).optional(),
    task: taskSchema.optional(),
    after: z.array(timerSchema).min(1).optional(),
    terminal: z.literal(true).optional(),
    outcome: z
      .enum(['completed', 'cancelled', 'rejected'])
      .optional()
      .describe('for terminal states; reporting and simulation'),
    exception: exceptionSchema.optional(),
  })
  .strict();

export const decisionTableSchema = z
  .object({
    description: z.string().optional(),
    hitPolicy: z.enum(['first', 'collect']),
    rules: z.array(z.object({ when: cel, output: z.unknown() }).strict()).min(1),
    default: z.unknown().optional().describe('first-hit: the result when no rule matches'),
  })
  .strict();

/**
 * An action carried out outside Ordo (an ERP, a payment or fraud service, a person with another
 * tool): requested through the outbox as `action.requested`; the state that runs it waits for
 * one of its result events, which the integration posts to the order.
 */
export const externalActionSchema = z
  .object({
    description: z.string().optional(),
    succeeded: eventName
      .optional()
      .describe('the event the integration sends when it is done; default <action>_succeeded'),
    failed: eventName.optional().describe('the event it sends when it could not; default <action>_failed'),
  })
  .strict();

export const processDefinitionSchema = z
  .object({
    $schema: z.string().optional(),
    key: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a process key is lower-kebab-case'),
    version: z.number().int().positive().max(INT4_MAX).optional(),
    title: z.string().optional(),
    labels: labelsSchema
      .optional()
      .describe("the process's name for people in each language; the console falls back to title, then the key"),
    description: z.string().optional(),
    start: stateName,
    settings: z
      .object({
        maxSteps: z.number().int().min(1).max(1000).optional().describe('automatic transitions per event; default 50'),
        stuckState: stateName.optional().describe('where a runaway loop goes; default "stuck"'),
      })
      .strict()
      .optional(),
    decisions: z.record(z.string().regex(NAME), decisionTableSchema).optional(),
    external: z
      .record(z.string().regex(NAME), externalActionSchema)
      .optional()
      .describe('actions this process asks integrations to carry out, by code'),
    events: z
      .record(eventName, eventSpecSchema)
      .optional()
      .describe('per event: who raises it, whether it is destructive, its risks and labels'),
    roles: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a role is lower_snake_case'), roleSpecSchema)
      .optional()
      .describe("labels of the business roles this process's tasks name"),
    states: z.record(stateName, stateSchema),
  })
  .strict();

export type ActionRef = z.infer<typeof actionRefSchema>;
export type ExternalActionSpec = z.infer<typeof externalActionSchema>;
export type TransitionSpec = z.infer<typeof transitionSchema>;
export type AlwaysSpec = z.infer<typeof alwaysSchema>;
export type ApprovalStepSpec = z.infer<typeof approvalStepSchema>;
export type ApprovalChainSpec = z.infer<typeof approvalChainSchema>;
export type TaskSpec = z.infer<typeof taskSchema>;
export type TimerSpec = z.infer<typeof timerSchema>;
export type StateSpec = z.infer<typeof stateSchema>;
export type DecisionTableSpec = z.infer<typeof decisionTableSchema>;
export type Labels = z.infer<typeof labelsSchema>;
export type EventSource = (typeof EVENT_SOURCES)[number];
export type EventSpec = z.infer<typeof eventSpecSchema>;
export type ProcessDefinitionSpec = z.infer<typeof processDefinitionSchema>;

/** The published JSON Schema document (draft 2020-12). */
export function processDefinitionJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(processDefinitionSchema, { target: 'draft-2020-12', unrepresentable: 'any' }),
    $id: 'https://ordo.dev/schemas/process-definition.schema.json',
    title: 'Ordo process definition',
  };
}
