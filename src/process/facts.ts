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
    id: 'string', number: 'string', type: 'string', currency: 'string',
    total: 'int', subtotal: 'int', discountTotal: 'int', maxDiscountPct: 'double', lineCount: 'int',
    paymentTerms: 'string', paymentMethod: 'string', deliveryMethod: 'string',
    createdAt: TS, shipBy: TS, tags: 'list<string>', allowPartial: 'bool',
    cycle: 'int', cyclesLeft: 'int',
  },
  lines: 'list<map<string, dyn>>',
  totals: { net: 'int', tax: 'int', gross: 'int', discount: 'int', shipping: 'int' },
  customer: {
    id: 'string', segment: 'string', creditLimit: 'int', availableCredit: 'int',
    allowsPartialShipments: 'bool', riskScore: 'double', tags: 'list<string>', requiresBuyerApproval: 'bool',
  },
  company: { id: 'string', department: 'string', costCentre: 'string', budgetRemaining: 'int' },
  channel: { code: 'string', kind: 'string', marketplace: 'string' },
  stock: { outcome: 'string', shortLines: 'int', allInStock: 'bool', producible: 'bool' },
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

function zero(t: string): unknown {
  if (t === 'int') return 0n;
  if (t === 'double') return 0;
  if (t === 'string') return '';
  if (t === 'bool') return false;
  if (t === TS) return new Date(0);
  if (t.startsWith('list')) return [];
  return {};
}

function toInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new TypeError(`expected an integer, got ${JSON.stringify(String(v))}`);
}

function coerce(t: string, v: unknown, where: string): unknown {
  if (v === undefined || v === null) return zero(t);
  try {
    if (t === 'int') return toInt(v);
    if (t === 'double') return typeof v === 'bigint' ? Number(v) : Number(v);
    if (t === 'string') return String(v);
    if (t === 'bool') return v === true;
    if (t === TS) return v instanceof Date ? v : new Date(String(v));
    if (t === 'list<string>') return Array.isArray(v) ? v.map(String) : [];
    if (t === 'list<map<string, dyn>>') return Array.isArray(v) ? v.map(lineToCel) : [];
    if (t.startsWith('map')) return typeof v === 'object' ? toCelDyn(v) : {};
  } catch (e) {
    throw new TypeError(`fact ${where}: ${(e as Error).message}`);
  }
  return v;
}

function lineToCel(line: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((line ?? {}) as Record<string, unknown>)) {
    // Weighed goods have fractional quantities: those stay doubles rather than failing.
    out[k] = LINE_INT_KEYS.has(k) && (typeof v === 'bigint' || Number.isInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v))) ? toInt(v) : toCelDyn(v);
  }
  return out;
}

/** Free-form values (attributes, event data, decision outputs): whole numbers become CEL ints. */
export function toCelDyn(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCelDyn);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toCelDyn(x);
    return o;
  }
  return v;
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
    const t = FACT_SCHEMA[name];
    const v = (input as Record<string, unknown>)[name];
    if (typeof t === 'string') { out[name] = coerce(t, v, name); continue; }
    const src = (v ?? {}) as Record<string, unknown>;
    const obj: Record<string, unknown> = {};
    for (const [k, kt] of Object.entries(t)) obj[k] = coerce(kt as string, src[k], `${name}.${k}`);
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
  let v: unknown = facts;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return jsonSafe(v);
}

export function jsonSafe(v: unknown, intsAsNumbers = false): unknown {
  if (typeof v === 'bigint') return intsAsNumbers && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x, intsAsNumbers));
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = jsonSafe(x, intsAsNumbers);
    return o;
  }
  return v;
}
