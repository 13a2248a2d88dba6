import { z } from 'zod';

/**
 * Actions a definition may run, as `{action: code, args}`. The engine never performs an
 * action: it returns an effect `{type: code, args}` and the app layer runs it. `local`
 * actions touch only our database and run inside the order's transaction; `external`
 * ones go out through the outbox and their result comes back as an event. A few actions
 * (set_attribute, decide, schedule_timer, cancel_timer, emit_event, open_task) are
 * interpreted by the engine itself because they change the snapshot.
 */
export interface ActionDefinition {
  code: string;
  description: string;
  argsSchema: z.ZodType;
  runs: 'local' | 'external' | 'engine';
  /** Events the app feeds back after running it; the first is the simulation's default. */
  resultEvents?: readonly string[];
}

const noArgs = z.object({}).strict();
const party = z.enum(['seller', 'customer']);

const actions: ActionDefinition[] = [
  { code: 'validate', description: 'persist the verification result (the `validation` fact) on the order', runs: 'local',
    argsSchema: z.object({ ruleset: z.string().optional() }).strict() },
  { code: 'reserve', description: 'reserve stock for the open lines', runs: 'local', resultEvents: ['reserved', 'shortage'],
    argsSchema: z.object({ allowPartial: z.boolean().optional(), against: z.enum(['stock', 'production_plan', 'inbound']).optional() }).strict() },
  { code: 'release', description: 'release the order\'s live reservations', runs: 'local',
    argsSchema: z.object({ lines: z.enum(['all', 'cancelled']).optional() }).strict() },
  { code: 'route', description: 'choose ship-from locations (sourcing)', runs: 'local', resultEvents: ['routed', 'unroutable'],
    argsSchema: z.object({ strategy: z.enum(['nearest', 'cheapest', 'fastest', 'single_location', 'consolidate']).optional(), allowSplit: z.boolean().optional() }).strict() },
  { code: 'create_fulfilment', description: 'create fulfilment orders for the routed lines', runs: 'local', resultEvents: ['shipped'],
    argsSchema: z.object({ kind: z.enum(['ship', 'pickup', 'service_visit', 'internal_transfer']).optional(), captureSerials: z.boolean().optional(), allowPartialShipments: z.boolean().optional() }).strict() },
  { code: 'cancel_fulfilment', description: 'cancel the order\'s open fulfilment orders (shipments not handed over, their reservations); shipped ones are noted, not recalled', runs: 'local',
    argsSchema: z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict() },
  { code: 'check_credit', description: 'check the order total against the customer\'s available credit', runs: 'local', resultEvents: ['credit_ok', 'credit_exceeded'],
    argsSchema: noArgs },
  { code: 'authorize_payment', description: 'authorise the payment with the provider', runs: 'external', resultEvents: ['payment_authorized', 'payment_failed'],
    argsSchema: noArgs },
  { code: 'capture_payment', description: 'capture an authorised payment', runs: 'external', resultEvents: ['payment_captured', 'payment_failed'],
    argsSchema: z.object({ amount: z.enum(['total', 'remaining', 'prepayment']).optional() }).strict() },
  { code: 'refund_payment', description: 'refund captured money', runs: 'external', resultEvents: ['refunded'],
    argsSchema: noArgs },
  { code: 'issue_invoice', description: 'issue the invoice (and УПД where required)', runs: 'local',
    argsSchema: z.object({ documents: z.array(z.enum(['invoice', 'upd', 'proforma', 'receipt'])).min(1).optional() }).strict() },
  { code: 'request_production', description: 'ask the plant (ERP) to produce the lines without stock', runs: 'external', resultEvents: ['produced'],
    argsSchema: noArgs },
  { code: 'create_order_from_quote', description: 'create the sales order keeping the quote\'s negotiated prices', runs: 'local',
    argsSchema: noArgs },
  { code: 'create_recurrence', description: 'create the next delivery or service visit of a subscription', runs: 'local',
    argsSchema: z.object({ kind: z.enum(['delivery', 'service_visit']) }).strict() },
  { code: 'sync_erp', description: 'send the order or its documents to the ERP (1C)', runs: 'external',
    argsSchema: z.object({ what: z.enum(['order', 'invoice', 'payment', 'shipment']).optional() }).strict() },
  { code: 'notify', description: 'notify the customer or a role (e-mail queued through the outbox)', runs: 'local',
    argsSchema: z.object({ template: z.string().min(1), to: z.enum(['customer', 'seller', 'approvers', 'order_desk']).optional() }).strict() },
  { code: 'emit_event', description: 'publish a domain event through the outbox', runs: 'engine',
    argsSchema: z.object({ name: z.string().regex(/^[a-z][a-z0-9_.]*$/), data: z.record(z.string(), z.unknown()).optional() }).strict() },
  { code: 'set_attribute', description: 'set a process attribute (visible to later conditions as attributes.<name>)', runs: 'engine',
    argsSchema: z.object({ name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), value: z.unknown().optional(), expr: z.string().min(1).optional() }).strict()
      .refine((a) => (a.value === undefined) !== (a.expr === undefined), 'give exactly one of value or expr') },
  { code: 'decide', description: 'evaluate a decision table and store its result as attributes.<as>', runs: 'engine',
    argsSchema: z.object({ table: z.string().min(1), as: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/) }).strict() },
  { code: 'open_task', description: 'open an extra human task (the state\'s `task:` is the usual way)', runs: 'engine',
    argsSchema: z.object({ kind: z.enum(['approval', 'resolve', 'review', 'confirm', 'input']), role: z.string().min(1), party: party.optional(), due: z.string().optional(), title: z.string().optional() }).strict() },
  { code: 'schedule_timer', description: 'schedule a durable timer that fires an event', runs: 'engine',
    argsSchema: z.object({ name: z.string().regex(/^[a-z][a-z0-9_]*$/), event: z.string().regex(/^[a-z][a-z0-9_]*$/), in: z.string().min(2) }).strict() },
  { code: 'cancel_timer', description: 'cancel a timer scheduled by schedule_timer', runs: 'engine',
    argsSchema: z.object({ name: z.string().regex(/^[a-z][a-z0-9_]*$/) }).strict() },
  { code: 'flag', description: 'raise a flag on the order for people (e.g. rating risk on a marketplace)', runs: 'local',
    argsSchema: z.object({ code: z.string().min(1), message: z.string().optional() }).strict() },
];

export type ActionRegistry = ReadonlyMap<string, ActionDefinition>;

export const defaultActionRegistry: ActionRegistry = new Map(actions.map((a) => [a.code, a]));

/** A registry with extra (tenant- or plugin-provided) actions; later entries win. */
export function extendRegistry(base: ActionRegistry, extra: ActionDefinition[]): ActionRegistry {
  const m = new Map(base);
  for (const a of extra) m.set(a.code, a);
  return m;
}
