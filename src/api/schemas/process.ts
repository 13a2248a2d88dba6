import { z } from 'zod';
import { channelLocationQuery, code, int4, int4String, text, timestamp, uuid } from './common.js';
import { allowedEventDetail, labels } from './order.js';

const json = z.record(z.string(), z.unknown());
export const processKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z][a-z0-9-]*$/, 'lower-kebab-case, e.g. b2b-approvals');
export const keyParams = z.object({ key: processKey });
export const versionParams = z.object({ key: processKey, version: int4String(1) });

/** The definition's text: YAML (or JSON), as analysts write it; line numbers in problems refer to it. */
export const definitionSource = z
  .object({
    source: z
      .string()
      .min(1)
      .max(512 * 1024)
      .describe('YAML or JSON text of the definition'),
  })
  .strict()
  .meta({ id: 'ProcessDefinitionSource' });

export const definitionProblem = z
  .object({
    path: z.string(),
    line: z.number(),
    column: z.number(),
    code: z.string(),
    message: z.string(),
  })
  .meta({ id: 'ProcessDefinitionProblem' });

export const definitionVersion = z
  .object({
    id: z.string(),
    key: z.string(),
    version: z.number(),
    status: z.enum(['draft', 'published', 'retired']),
    title: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    publishedAt: z.string().nullable(),
    retiredAt: z.string().nullable(),
    source: z.string().optional(),
    changed: z.boolean().optional(),
    runningOrders: z.number().optional(),
  })
  .meta({ id: 'ProcessDefinitionVersion' });

export const processSummary = z
  .object({
    key: z.string(),
    title: z.string().nullable(),
    currentVersion: z.number().nullable(),
    draftVersion: z.number().nullable(),
    versions: z.array(z.object({ version: z.number(), status: z.string() })),
    runningOrders: z.number(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ProcessSummary' });

export const validationResult = z
  .object({
    valid: z.boolean(),
    key: z.string().nullable(),
    problems: z.array(definitionProblem),
    summary: z
      .object({
        states: z.number(),
        terminal: z.array(z.string()),
        exceptions: z.array(z.string()),
        tasks: z.array(z.string()),
      })
      .optional(),
  })
  .meta({ id: 'ProcessValidation' });

export const definitionChange = z
  .object({
    id: z.string(),
    version: z.number().nullable(),
    action: z.string(),
    at: z.string(),
    actor: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
    diff: z.string().describe('unified diff of the text'),
    details: json,
  })
  .meta({ id: 'ProcessDefinitionChange' });

const processEvent = z
  .object({
    name: z.string().min(1).max(100),
    data: json.optional(),
    taskId: z.string().max(200).optional(),
    comment: text(2000).optional(),
    reason: text(2000)
      .optional()
      .describe(
        'why a person raises it: required for a manual override of a system, carrier, payment, timer or integration event (orders:override); kept in the history',
      ),
  })
  .strict();

export const orderEventInput = processEvent.meta({ id: 'OrderProcessEvent' });

export const oracle = z
  .object({
    actions: z
      .record(z.string(), z.string().nullable())
      .optional()
      .describe('action code → result event (default: the first result event, e.g. reserve → reserved)'),
    tasks: z
      .record(z.string(), z.string())
      .optional()
      .describe('task role or kind → answer, e.g. {"approval": "approve"}'),
    waits: z.record(z.string(), z.string()).optional().describe('state → event fed when the order waits there'),
    fireTimers: z.boolean().optional(),
  })
  .strict();

export const simulateInput = z
  .object({
    version: int4(1).optional().describe('stored version to try; default the draft'),
    source: z
      .string()
      .min(1)
      .max(512 * 1024)
      .optional()
      .describe('or the text of a definition, not stored'),
    orderIds: z.array(uuid).max(500).optional(),
    last: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        'look at the last N stored orders when no orders or cases are given (default 1,000 with select=process, 50 with select=all); at most 500 are simulated',
      ),
    select: z
      .enum(['process', 'all'])
      .optional()
      .describe(
        'process (default): only the orders this process would get under the selection rules and channels; all: every one',
      ),
    filter: z
      .object({
        channel: z.array(code).min(1).max(50).optional().describe('channel codes'),
        placedFrom: z.iso.datetime({ offset: true }).optional(),
        placedTo: z.iso.datetime({ offset: true }).optional().describe('exclusive'),
      })
      .strict()
      .optional()
      .describe('narrows the last N orders before selection'),
    cases: z
      .array(
        z
          .object({ id: z.string().min(1).max(100), facts: json, events: z.array(processEvent).max(100).optional() })
          .strict(),
      )
      .max(500)
      .optional(),
    oracle: oracle.optional(),
    includeTrace: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'ProcessSimulationRequest' });

const simRun = z.object({
  path: z.array(z.string()),
  endState: z.string(),
  status: z.string(),
  outcome: z.string().nullable(),
  approvalTasks: z.number(),
  exceptions: z.number(),
  eventsApplied: z.number(),
  waitingFor: z.object({ tasks: z.array(json), events: z.array(z.string()) }).nullable(),
  rejectedEvents: z.array(z.object({ event: z.string(), state: z.string(), allowed: z.array(z.string()) })),
  trace: z.array(z.unknown()).optional().describe('decision trace entries'),
});

export const simulationResult = z
  .object({
    key: z.string(),
    current: z.string().nullable(),
    draft: z.string(),
    sample: z
      .object({
        considered: z.number().describe('recent orders looked at, after the filter'),
        selected: z.number().describe('of those, the ones the process would get (all with select=all)'),
        simulated: z.number().describe('the newest selected, at most 500'),
        select: z.enum(['process', 'all']),
      })
      .nullable()
      .describe('how the orders were chosen; null when orders or cases were given'),
    orders: z.array(
      z.object({
        id: z.string(),
        number: z.string().nullable(),
        current: simRun.nullable(),
        draft: simRun,
        differences: z.array(z.string()),
      }),
    ),
    summary: z
      .unknown()
      .describe('ComparisonSummary: counts under current and draft and their deltas; null without a published version'),
  })
  .meta({ id: 'ProcessSimulationResult' });

export const migrationInput = z
  .object({
    toVersion: int4(1),
    fromVersion: int4(1).optional(),
    orderIds: z.array(uuid).max(500).optional(),
    mapping: z
      .record(z.string(), z.string())
      .optional()
      .describe('old state → new state, for states the new version renamed or dropped'),
    limit: z.number().int().min(1).max(500).optional(),
  })
  .strict()
  .meta({ id: 'ProcessMigrationRequest' });

const migrationProblem = z.object({ code: z.string(), blocking: z.boolean(), message: z.string() });
const migrationEnds = z.object({ key: z.string(), version: z.number(), state: z.string().nullable() });
export const migrationPreview = z
  .object({
    key: z.string(),
    toVersion: z.number(),
    total: z.number(),
    migratable: z.number(),
    items: z.array(
      z.object({
        orderId: z.string(),
        number: z.string(),
        from: migrationEnds,
        to: migrationEnds,
        via: z.string(),
        canMigrate: z.boolean(),
        problems: z.array(migrationProblem),
      }),
    ),
  })
  .meta({ id: 'ProcessMigrationPreview' });
export const migrationResult = z
  .object({
    key: z.string(),
    toVersion: z.number(),
    migrated: z.number(),
    blocked: z.number(),
    items: z.array(
      z.object({
        orderId: z.string(),
        number: z.string(),
        migrated: z.boolean(),
        from: migrationEnds,
        to: migrationEnds,
        problems: z.array(migrationProblem),
      }),
    ),
  })
  .meta({ id: 'ProcessMigrationResult' });

export const selectionRules = z
  .object({
    rules: z.array(json).max(500).describe('[{process, channel?, segment?, orderType?, when?}] — first match wins'),
  })
  .strict()
  .meta({ id: 'ProcessSelectionRulesChange' });
export const selectionRulesView = z
  .object({ rules: z.array(z.unknown()), version: z.number(), updatedAt: z.string().nullable() })
  .meta({ id: 'ProcessSelectionRules' });

export const task = z
  .object({
    id: z.string(),
    orderId: z.string(),
    engineTaskId: z.string(),
    kind: z.string(),
    role: z.string(),
    party: z.string(),
    title: z.string().nullable(),
    options: z.array(z.string()),
    step: z.number().nullable(),
    state: z.string(),
    assignee: z.string().nullable(),
    dueAt: z.string().nullable(),
    overdue: z.boolean(),
    escalateTo: z.string().nullable(),
    outcome: z.string().nullable(),
    comment: z.string().nullable(),
    completedBy: z.string().nullable(),
    completedAt: z.string().nullable(),
    delegatedFrom: z.string().nullable(),
    processState: z.string(),
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    titleLabels: labels
      .nullable()
      .optional()
      .describe("the task's title in words, from the process definition (issue 18)"),
    roleLabels: labels.nullable().optional().describe("the role's name in words"),
    stateLabels: labels.nullable().optional().describe("the order's state in words"),
  })
  .meta({ id: 'Task' });

/** What a person needs beside a task or an exception to decide: the order at a glance, what is short where. */
export const orderContext = {
  order: z
    .object({
      number: z.string(),
      state: z.string(),
      customerName: z.string().nullable(),
      currency: z.string(),
      grandTotal: z.string().describe('decimal string in the currency'),
      channel: z.object({ code: z.string(), name: z.string() }),
      placedAt: z.string(),
      ageSeconds: z.number().describe('seconds since the order was placed'),
    })
    .meta({ id: 'OrderContext' }),
  shortages: z
    .array(
      z.object({
        sku: z.string(),
        name: z.string(),
        quantity: z.number().describe('units short (open backorder)'),
        location: z
          .object({ code: z.string(), name: z.string() })
          .nullable()
          .describe('where part of the line is held, else the pickup location; null when no location has any'),
      }),
    )
    .meta({ id: 'Shortage' }),
};

export const taskRow = task
  .extend({
    assigneeName: z.string().nullable().describe("the assignee's name (user or API key)"),
    completedByName: z.string().nullable(),
    ...orderContext,
  })
  .meta({ id: 'TaskRow' });

export const taskListQuery = z.object({
  role: z.string().max(500).optional().describe('comma-separated roles'),
  assignee: z.string().max(200).optional(),
  state: z
    .enum(['open', 'claimed', 'completed', 'cancelled', 'active'])
    .optional()
    .describe('default active = open or claimed'),
  party: z.enum(['seller', 'customer']).optional(),
  orderId: uuid.optional(),
  ...channelLocationQuery,
  dueBefore: timestamp.optional(),
  overdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  mine: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe("only tasks the caller may act on: its business roles, or its company's approvals (a member's key)"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: uuid.optional().describe("the previous page's nextCursor"),
});

export const completeTaskInput = z
  .object({ outcome: z.string().min(1).max(100), comment: text(2000).optional(), data: json.optional() })
  .strict()
  .meta({ id: 'TaskCompletion' });
export const delegateTaskInput = z
  .object({
    assignee: z.string().min(1).max(200).optional(),
    role: z.string().min(1).max(100).optional(),
    comment: text(2000).optional(),
  })
  .strict()
  .meta({ id: 'TaskDelegation' });
export const taskCompletion = z.object({
  task,
  order: z.object({ id: z.string(), state: z.string(), version: z.number() }),
});

/** A process named for people (issue 18): the console shows `labels[lang]`, else `title`, else the key made readable. */
export const processName = z.object({
  title: z.string().nullable().describe("the definition's title"),
  labels: labels.nullable().describe("the definition's name per language (its `labels`)"),
});

export const exceptionsQuery = z.object({
  kind: z.string().max(100).optional(),
  orderId: uuid.optional().describe('one order: is it in an exception state, and why'),
  ...channelLocationQuery,
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const exceptionsView = z
  .object({
    total: z.number(),
    groups: z.array(
      z.object({
        kind: z.string(),
        count: z.number(),
        orders: z.array(
          z.object({
            orderId: z.string(),
            number: z.string(),
            orderVersion: z.number(),
            state: z.string(),
            process: z
              .object({ key: z.string(), version: z.number() })
              .extend(processName.shape)
              .describe('the process the order runs, with its name in words'),
            resolutions: z.array(z.string()),
            stateLabels: labels.nullable().describe("the exception state's name in words, from the order's process"),
            resolutionLabels: z
              .record(z.string(), labels)
              .describe('the words for each resolution event whose process gives them'),
            resolutionDetails: z
              .array(allowedEventDetail)
              .describe(
                'the resolutions as the order describes its events: who raises them, whether destructive (the console asks for a reason and a confirmation) and their risks',
              ),
            since: z.string(),
            tasks: z.array(z.object({ id: z.string(), role: z.string(), options: z.array(z.string()) })),
            ...orderContext,
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'ExceptionQueue' });

export const operationList = z
  .object({
    items: z.array(
      z.object({
        code: z.string(),
        description: z.string(),
        runs: z.enum(['local', 'external', 'engine']),
        resultEvents: z
          .array(z.string())
          .describe("events the action answers with; an external action's state must accept both"),
        results: z.object({ succeeded: z.string(), failed: z.string() }).optional(),
        args: z.record(z.string(), z.unknown()).describe('JSON Schema of the arguments'),
      }),
    ),
  })
  .meta({ id: 'ProcessOperations' });
