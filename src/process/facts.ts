import type { Environment, ASTNode } from '@marcbachmann/cel-js';
import { createCelEnvironment, readPaths as readPathsUnder } from '../domain/expressions/cel.js';

/**
 * The facts a CEL condition may read. The app loads them before calling the engine;
 * conditions never query anything. Money is exact: amounts are `int` counts of the
 * currency's minor unit (grosz, kopek, cent), never doubles. docs/process.md lists them.
 */
const TS = 'google.protobuf.Timestamp';

export const FACT_SCHEMA = {
  order: {
    id: 'string',
    number: 'string',
    type: 'string',
    currency: 'string',
    total: 'int',
    subtotal: 'int',
    discountTotal: 'int',
    maxDiscountPct: 'double',
    lineCount: 'int',
    paymentTerms: 'string',
    paymentMethod: 'string',
    deliveryMethod: 'string',
    createdAt: TS,
    shipBy: TS,
    deliverBy: TS,
    fulfilmentModel: 'string',
    displayNumber: 'string',
    tags: 'list<string>',
    allowPartial: 'bool',
    cycle: 'int',
    cyclesLeft: 'int',
    /** who placed it for the company: { id, role, roles, hasLimit, limit, costCentre, department } */
    placedBy: 'map<string, dyn>',
    /** the company's own approval: { required, steps, reasons } (docs/b2b-companies.md) */
    companyApproval: 'map<string, dyn>',
    costCentre: 'string',
    budgetRemaining: 'int',
  },
  lines: 'list<map<string, dyn>>',
  totals: { net: 'int', tax: 'int', gross: 'int', discount: 'int', shipping: 'int' },
  customer: {
    id: 'string',
    segment: 'string',
    creditLimit: 'int',
    availableCredit: 'int',
    allowsPartialShipments: 'bool',
    riskScore: 'double',
    tags: 'list<string>',
    requiresBuyerApproval: 'bool',
  },
  company: { id: 'string', department: 'string', costCentre: 'string', budgetRemaining: 'int' },
  payment: {
    status: 'string',
    method: 'string',
    authorized: 'int',
    captured: 'int',
    refunded: 'int',
    paid: 'int',
    outstanding: 'int',
  },
  credit: {
    limit: 'int',
    exposure: 'int',
    available: 'int',
    onHold: 'bool',
    overdueInvoices: 'int',
    overdueAmount: 'int',
  },
  channel: { code: 'string', kind: 'string', marketplace: 'string' },
  /** A return order's own facts (docs/returns.md); zero values on every other order. */
  rma: {
    id: 'string',
    orderId: 'string',
    orderNumber: 'string',
    reason: 'string',
    wish: 'string',
    source: 'string',
    dropOff: 'string',
    exchange: 'bool',
    advanceExchange: 'bool',
    exchangeOrder: 'string',
    photos: 'int',
    skus: 'list<string>',
    value: 'int',
    units: 'int',
    received: 'int',
    inspected: 'int',
    resell: 'int',
    refurbish: 'int',
    writeOff: 'int',
    fullyReceived: 'bool',
    fullyInspected: 'bool',
    refunded: 'int',
    storeCredit: 'int',
    fullReturn: 'bool',
    orderShipping: 'int',
    daysSinceDelivery: 'int',
    hasInvoice: 'bool',
    customerKnown: 'bool',
  },
  stock: { outcome: 'string', shortLines: 'int', allInStock: 'bool', producible: 'bool' },
  /** Prices against the price lists (docs/pricing.md): lines priced from a list, channel prices outside the channel's tolerance. */
  pricing: { linesFromLists: 'int', deviations: 'int', ok: 'bool' },
  validation: { ok: 'bool', errors: 'list<string>', warnings: 'list<string>' },
  approvals: { approved: 'int', rejected: 'int', pending: 'int', required: 'int' },
  attributes: 'map<string, dyn>',
  decisions: 'map<string, dyn>',
  event: { name: 'string', data: 'map<string, dyn>' },
  now: TS,
} as const;

export type FactName = keyof typeof FACT_SCHEMA;
export const FACT_NAMES = Object.keys(FACT_SCHEMA) as FactName[];

/** Integer keys of a line map, converted to CEL int so `l.quantity < l.minBatch` compares exactly. */
const LINE_INT_KEYS = new Set(['quantity', 'unitPrice', 'lineTotal', 'minBatch', 'available', 'reserved', 'shortBy']);

/** The limits are the one CEL environment's (domain/expressions/cel.ts). */
export { CEL_LIMITS, MAX_EXPRESSION_LENGTH } from '../domain/expressions/cel.js';

let sharedEnv: Environment | undefined;

/** One environment for the process: building it is costly, so it is shared and never mutated after. */
export function celEnvironment(): Environment {
  sharedEnv ??= createCelEnvironment(FACT_SCHEMA);
  return sharedEnv;
}

export type FactsInput = { [K in FactName]?: unknown };
export type Facts = Record<FactName, unknown> & { readonly __prepared: true };

const prepared = new WeakSet<object>();

function zero(text: string): unknown {
  if (text === 'int') return 0n;
  if (text === 'double') return 0;
  if (text === 'string') return '';
  if (text === 'bool') return false;
  if (text === TS) return new Date(0);
  if (text.startsWith('list')) return [];
  return {};
}

function toInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new TypeError(`expected an integer, got ${JSON.stringify(String(value))}`);
}

function coerce(text: string, value: unknown, where: string): unknown {
  if (value === undefined || value === null) return zero(text);
  try {
    if (text === 'int') return toInt(value);
    if (text === 'double') return typeof value === 'bigint' ? Number(value) : Number(value);
    if (text === 'string') return String(value);
    if (text === 'bool') return value === true;
    if (text === TS) return value instanceof Date ? value : new Date(String(value));
    if (text === 'list<string>') return Array.isArray(value) ? value.map(String) : [];
    if (text === 'list<map<string, dyn>>') return Array.isArray(value) ? value.map(lineToCel) : [];
    if (text.startsWith('map')) return typeof value === 'object' ? toCelDyn(value) : {};
  } catch (error) {
    throw new TypeError(`fact ${where}: ${(error as Error).message}`);
  }
  return value;
}

function lineToCel(line: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((line ?? {}) as Record<string, unknown>)) {
    // Weighed goods have fractional quantities: those stay doubles rather than failing.
    out[key] =
      LINE_INT_KEYS.has(key) &&
      (typeof value === 'bigint' || Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value)))
        ? toInt(value)
        : toCelDyn(value);
  }
  return out;
}

/** Free-form values (attributes, event data, decision outputs): whole numbers become CEL ints. */
export function toCelDyn(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelDyn);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const object: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) object[key] = toCelDyn(member);
    return object;
  }
  return value;
}

/**
 * Coerce loose input (numbers, decimal-free strings, ISO dates) to the CEL types the
 * facts declare and fill what is missing with zero values, so a condition never fails
 * on an absent field. Idempotent and cheap to call again on a prepared object.
 */
export function prepareFacts(input: FactsInput | Facts): Facts {
  if (prepared.has(input)) return input as Facts;
  const out: Record<string, unknown> = {};
  for (const name of FACT_NAMES) {
    const item = FACT_SCHEMA[name];
    const value = (input as Record<string, unknown>)[name];
    if (typeof item === 'string') {
      out[name] = coerce(item, value, name);
      continue;
    }
    const src = (value ?? {}) as Record<string, unknown>;
    const obj: Record<string, unknown> = {};
    for (const [key, kt] of Object.entries(item)) obj[key] = coerce(kt as string, src[key], `${name}.${key}`);
    out[name] = obj;
  }
  prepared.add(out);
  return out as Facts;
}

/** The same facts with some top-level values replaced (engine-owned: approvals, attributes, event, now). */
export function withFacts(base: Facts, patch: Partial<Record<FactName, unknown>>): Facts {
  const out = { ...base, ...patch };
  prepared.add(out);
  return out as Facts;
}

const FACT_ROOTS: ReadonlySet<string> = new Set(FACT_NAMES);

/** Dotted fact paths an expression reads (`order.total`, `customer.availableCredit`), for the trace and validation. */
export function readPaths(ast: ASTNode): string[] {
  return readPathsUnder(ast, FACT_ROOTS);
}

/** Read a dotted path from facts, JSON-safe (bigint → string, Date → ISO), for the decision trace. */
export function readFact(facts: Record<string, unknown>, path: string): unknown {
  let currentFacts: unknown = facts;
  for (const item of path.split('.')) {
    if (currentFacts === null || typeof currentFacts !== 'object') return undefined;
    currentFacts = (currentFacts as Record<string, unknown>)[item];
  }
  return jsonSafe(currentFacts);
}

export function jsonSafe(value: unknown, intsAsNumbers = false): unknown {
  if (typeof value === 'bigint')
    return intsAsNumbers && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((x) => jsonSafe(x, intsAsNumbers));
  if (value && typeof value === 'object') {
    const object: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) object[key] = jsonSafe(member, intsAsNumbers);
    return object;
  }
  return value;
}
