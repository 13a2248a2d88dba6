import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FactsInput } from './facts.js';
import { loadDefinitionOrThrow } from './load-definition.js';
import type { CompiledDefinition } from './types.js';
import type { ActionRegistry } from './action-registry.js';
// Test support only (the layer rules exempt it): the engine's tests run the shipped definitions
// against the operations the composition root wires, as production does.
import { Operations } from '../app/process/operation.js';
import { processOperations } from '../compose.js';

/** The registry of every wired operation. */
export const testActions: ActionRegistry = new Operations(processOperations()).actions;

export const PROCESSES_DIR = fileURLToPath(new URL('../../processes/', import.meta.url));

export function shippedSources(): { file: string; source: string }[] {
  return readdirSync(PROCESSES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, source: readFileSync(PROCESSES_DIR + file, 'utf8') }));
}

export function shipped(key: string): CompiledDefinition {
  return loadDefinitionOrThrow(readFileSync(`${PROCESSES_DIR}${key}.yaml`, 'utf8'), { registry: testActions });
}

/** A plain retail order of Zofia Wójcik, prepaid, shipped, nothing unusual. */
export const baseFacts: FactsInput = {
  order: {
    id: '0193a1f0-0000-7000-8000-000000000001',
    number: 'ZAM/2026/0001',
    type: 'sale',
    currency: 'PLN',
    total: 129_900,
    subtotal: 129_900,
    maxDiscountPct: 0,
    lineCount: 1,
    paymentTerms: 'prepaid',
    deliveryMethod: 'ship',
    createdAt: '2026-03-02T07:00:00Z',
    shipBy: '2026-03-03T15:00:00Z',
    cyclesLeft: 3,
    budgetRemaining: 1_000_000,
  },
  lines: [{ sku: 'KUBEK-ŁÓDŹ', name: 'Kubek „Łódź”', quantity: 12, minBatch: 6, unitPrice: 10_825 }],
  customer: { id: 'c-1', segment: 'retail', creditLimit: 5_000_000, availableCredit: 5_000_000, riskScore: 0.1 },
  company: { id: 'org-1', department: 'Отдел снабжения', budgetRemaining: 1_000_000 },
  channel: { code: 'web-pl', kind: 'web' },
  stock: { outcome: 'unknown', producible: true },
  validation: { ok: true, errors: [] },
};

const merge = (patch: Record<string, Record<string, unknown> | unknown[]>): FactsInput => {
  const out: Record<string, unknown> = { ...baseFacts };
  for (const [k, v] of Object.entries(patch)) {
    out[k] = Array.isArray(v) ? v : { ...((baseFacts as Record<string, object>)[k] ?? {}), ...v };
  }
  return out as FactsInput;
};

/** Fact variants chosen so every automatic branch of every shipped process is taken. */
export const factVariants: FactsInput[] = [
  baseFacts,
  merge({ validation: { ok: false, errors: ['Brak kodu pocztowego'] } }),
  merge({ customer: { riskScore: 0.95 }, order: { paymentTerms: 'cod', deliveryMethod: 'pickup' } }),
  merge({
    order: {
      paymentTerms: 'deferred',
      maxDiscountPct: 22.5,
      total: 9_000_000,
      cyclesLeft: 1,
      type: 'service',
      budgetRemaining: 100,
      // the customer company's own approver signs first, in two steps (docs/b2b-companies.md)
      companyApproval: { required: true, steps: 2, reasons: ['above_amount'] },
    },
    customer: { availableCredit: 1_000_000, requiresBuyerApproval: true, allowsPartialShipments: true, segment: 'b2b' },
    company: { budgetRemaining: 100 },
    stock: { producible: false },
  }),
  merge({
    lines: [{ sku: 'ПАЛЛЕТА-1', quantity: 3, minBatch: 10 }],
    order: { maxDiscountPct: 12 },
    customer: { allowsPartialShipments: false },
    // a card authorisation Ordo holds: captured when the parcel leaves
    payment: { status: 'authorized', authorized: 129_900 },
  }),
  // returns.yaml: refused (a change of mind after 40 days), and an approved advance exchange by label
  merge({ rma: { daysSinceDelivery: 40, reason: 'changed_mind' } }),
  merge({ rma: { value: 250_000, dropOff: 'label', exchange: true, advanceExchange: true, fullyInspected: true } }),
  merge({ rma: { dropOff: 'label', exchange: true, fullyInspected: true } }),
];
