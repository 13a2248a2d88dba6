import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { orderInput } from './schemas.js';
import type { TenantScope, Work } from '../../store/tenant-scope.js';
import type { Actor } from '../../store/history.js';
import { createOrder } from './create-order.js';
import type { OrderProcesses } from '../process/order-processes.js';

/** One order to import, with the file rows it came from (for the report). */
interface Candidate { rows: number[]; body: Record<string, any> }

export interface ImportOutcome {
  rows: number[];
  externalId: string | null;
  status: 'accepted' | 'duplicate' | 'rejected';
  id?: string;
  number?: string;
  problem?: { code: string; detail: string; errors: Array<{ path: string; message: string }> };
}

export interface ImportReport { file: string; orders: number; accepted: number; duplicates: number; rejected: number; items: ImportOutcome[] }

export const CSV_COLUMNS = [
  'channel', 'external_id', 'order_type', 'customer_code', 'customer_name', 'customer_email', 'currency', 'prices_include_tax',
  'placed_at', 'line_id', 'sku', 'quantity', 'unit_price', 'discount', 'tax_rate', 'shipping_amount', 'shipping_tax_rate',
  'delivery_method', 'pickup_location', 'ship_name', 'ship_line1', 'ship_line2', 'ship_city', 'ship_postal_code', 'ship_country',
  'ship_phone', 'payment_terms', 'notes',
] as const;

const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/**
 * CSV: one row per order line; rows with the same channel + external_id form one order (they
 * need not be adjacent). Order-level columns are taken from the order's first row.
 */
async function readCsv(path: string): Promise<Candidate[]> {
  const orders = new Map<string, Candidate>();
  const parser = createReadStream(path).pipe(parse({ columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), bom: true, skip_empty_lines: true, relax_column_count: true }));
  let row = 1; // the header
  for await (const r of parser as AsyncIterable<Record<string, string>>) {
    row++;
    const key = blank(r.external_id) ? `${r.channel}\u0000${r.external_id}` : `row:${row}`;
    let c = orders.get(key);
    if (!c) {
      const ship = blank(r.ship_line1) || blank(r.ship_city)
        ? { name: blank(r.ship_name) ?? blank(r.customer_name), line1: blank(r.ship_line1), line2: blank(r.ship_line2), city: blank(r.ship_city), postalCode: blank(r.ship_postal_code), country: blank(r.ship_country), phone: blank(r.ship_phone) }
        : undefined;
      const shipping = blank(r.shipping_amount) ? { amount: blank(r.shipping_amount), taxRate: blank(r.shipping_tax_rate) } : undefined;
      c = {
        rows: [],
        body: {
          channel: blank(r.channel), externalId: blank(r.external_id), orderType: blank(r.order_type),
          customer: { code: blank(r.customer_code), name: blank(r.customer_name), email: blank(r.customer_email) },
          currency: blank(r.currency), pricesIncludeTax: blank(r.prices_include_tax) ? /^(true|1|yes|tak|да)$/i.test(r.prices_include_tax!.trim()) : undefined,
          placedAt: blank(r.placed_at), lines: [], shipping, shippingAddress: ship,
          delivery: { method: blank(r.delivery_method) ?? 'ship', pickupLocation: blank(r.pickup_location) },
          paymentTerms: blank(r.payment_terms) ? { kind: blank(r.payment_terms) } : undefined, notes: blank(r.notes),
        },
      };
      orders.set(key, c);
    }
    c.rows.push(row);
    const qty = blank(r.quantity);
    c.body.lines.push({
      id: blank(r.line_id), sku: blank(r.sku), quantity: qty !== undefined && /^-?\d+$/.test(qty) ? Number(qty) : qty,
      unitPrice: blank(r.unit_price), discount: blank(r.discount), taxRate: blank(r.tax_rate),
    });
  }
  return [...orders.values()];
}

/** JSON: an array of order bodies as POST /orders takes them, or { orders: [...] }. Rows are array indexes + 1. */
async function readJson(path: string): Promise<Candidate[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new AppError('MALFORMED_JSON', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { orders?: unknown }).orders;
  if (!Array.isArray(list)) throw new AppError('VALIDATION_FAILED', 'the JSON file must hold an array of orders or { "orders": [...] }');
  return list.map((body, i) => ({ rows: [i + 1], body: body as Record<string, any> }));
}

const strip = (o: unknown): unknown => {
  if (Array.isArray(o)) return o.map(strip);
  if (o && typeof o === 'object') return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, strip(v)]));
  return o;
};

/**
 * Imports orders from a file through the same validation and use case as the API. Every order is
 * reported — accepted, duplicate (already imported: re-running a file is safe) or rejected with
 * its rows and every problem — so nothing is silently dropped.
 */
export async function importOrders(processes: OrderProcesses, s: TenantScope, actor: Actor, clock: Clock, path: string, onProgress?: (done: number, total: number) => void): Promise<ImportReport> {
  const candidates = /\.json$/i.test(path) ? await readJson(path) : await readCsv(path);
  const items: ImportOutcome[] = [];
  for (const [i, c] of candidates.entries()) {
    const externalId = typeof c.body.externalId === 'string' ? c.body.externalId : null;
    const parsed = orderInput.safeParse(strip(c.body));
    if (!parsed.success) {
      items.push({ rows: c.rows, externalId, status: 'rejected', problem: { code: 'VALIDATION_FAILED', detail: 'the order is not valid', errors: parsed.error.issues.map((x) => ({ path: `/${x.path.join('/')}`, message: x.message })) } });
    } else {
      try {
        const o = await createOrder(processes, s, actor, clock, parsed.data);
        items.push({ rows: c.rows, externalId, status: 'accepted', id: o.id, number: o.number });
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        items.push({ rows: c.rows, externalId, status: e.code === 'DUPLICATE_ORDER' ? 'duplicate' : 'rejected', id: e.data.existingId as string | undefined, problem: { code: e.code, detail: e.message, errors: e.errors } });
      }
    }
    onProgress?.(i + 1, candidates.length);
  }
  const count = (st: ImportOutcome['status']) => items.filter((x) => x.status === st).length;
  return { file: path, orders: items.length, accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), items };
}
