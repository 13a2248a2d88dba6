import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { AppError } from '../../shared/errors.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../shared/storable.js';
import type { Clock } from '../../shared/clock.js';
import { orderInput } from './schemas.js';
import type { TenantScope } from '../../store/tenant-scope.js';
import type { Actor } from '../../store/history.js';
import { createOrder } from './create-order.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { detectImportFormat, unknownFormatMessage, type ImportFormat } from './import-format.js';
import { readCommerceMlOrders } from './commerceml-orders.js';
import { receiveEdi } from '../edi/receive.js';

/** One order to import, with the file rows it came from (for the report). */
interface Candidate {
  rows: number[];
  body: Record<string, any>;
}

export interface ImportOutcome {
  rows: number[];
  externalId: string | null;
  status: 'accepted' | 'duplicate' | 'rejected';
  id?: string;
  number?: string;
  problem?: { code: string; detail: string; errors: Array<{ path: string; message: string }> };
}

export interface ImportReport {
  file: string;
  /** The format recognised from the content. */
  format: ImportFormat;
  orders: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  items: ImportOutcome[];
}

export const CSV_COLUMNS = [
  'channel',
  'external_id',
  'order_type',
  'customer_code',
  'customer_name',
  'customer_email',
  'currency',
  'prices_include_tax',
  'placed_at',
  'line_id',
  'sku',
  'quantity',
  'unit_price',
  'discount',
  'tax_rate',
  'shipping_amount',
  'shipping_tax_rate',
  'delivery_method',
  'pickup_location',
  'ship_name',
  'ship_line1',
  'ship_line2',
  'ship_city',
  'ship_postal_code',
  'ship_country',
  'ship_phone',
  'payment_terms',
  'notes',
] as const;

const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/**
 * CSV: one row per order line; rows with the same channel + external_id form one order (they
 * need not be adjacent). Order-level columns are taken from the order's first row.
 */
async function readCsv(bytes: Buffer): Promise<Candidate[]> {
  const orders = new Map<string, Candidate>();
  const parser = Readable.from([bytes]).pipe(
    parse({
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }),
  );
  let row = 1; // the header
  for await (const item of parser as AsyncIterable<Record<string, string>>) {
    row++;
    const key = blank(item.external_id) ? `${item.channel}\u0000${item.external_id}` : `row:${row}`;
    let order = orders.get(key);
    if (!order) {
      const ship =
        blank(item.ship_line1) || blank(item.ship_city)
          ? {
              name: blank(item.ship_name) ?? blank(item.customer_name),
              line1: blank(item.ship_line1),
              line2: blank(item.ship_line2),
              city: blank(item.ship_city),
              postalCode: blank(item.ship_postal_code),
              country: blank(item.ship_country),
              phone: blank(item.ship_phone),
            }
          : undefined;
      const shipping = blank(item.shipping_amount)
        ? { amount: blank(item.shipping_amount), taxRate: blank(item.shipping_tax_rate) }
        : undefined;
      order = {
        rows: [],
        body: {
          channel: blank(item.channel),
          externalId: blank(item.external_id),
          orderType: blank(item.order_type),
          // no customer columns filled: an order without a buyer (as a marketplace may send it)
          customer:
            blank(item.customer_code) || blank(item.customer_name) || blank(item.customer_email)
              ? {
                  code: blank(item.customer_code),
                  name: blank(item.customer_name),
                  email: blank(item.customer_email),
                }
              : undefined,
          currency: blank(item.currency),
          pricesIncludeTax: blank(item.prices_include_tax)
            ? /^(true|1|yes|tak|да)$/i.test(item.prices_include_tax!.trim())
            : undefined,
          placedAt: blank(item.placed_at),
          lines: [],
          shipping,
          shippingAddress: ship,
          delivery: { method: blank(item.delivery_method) ?? 'ship', pickupLocation: blank(item.pickup_location) },
          paymentTerms: blank(item.payment_terms) ? { kind: blank(item.payment_terms) } : undefined,
          notes: blank(item.notes),
        },
      };
      orders.set(key, order);
    }
    order.rows.push(row);
    const qty = blank(item.quantity);
    order.body.lines.push({
      id: blank(item.line_id),
      sku: blank(item.sku),
      quantity: qty !== undefined && /^-?\d+$/.test(qty) ? Number(qty) : qty,
      unitPrice: blank(item.unit_price),
      discount: blank(item.discount),
      taxRate: blank(item.tax_rate),
    });
  }
  return [...orders.values()];
}

/** JSON: an array of order bodies as POST /orders takes them, or { orders: [...] }. Rows are array indexes + 1. */
async function readJson(path: string, bytes: Buffer): Promise<Candidate[]> {
  let doc: unknown;
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  // refused before parsing: a hostile file nested thousands deep would overflow the readers after it
  if (jsonDepthExceeds(text))
    throw new AppError('VALIDATION_FAILED', `${path} is nested deeper than ${MAX_JSON_DEPTH} levels`, [
      { path: '/', message: `nested deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new AppError('MALFORMED_JSON', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : isObject(doc) ? doc.orders : undefined;
  if (!Array.isArray(list))
    throw new AppError('VALIDATION_FAILED', 'the JSON file must hold an array of orders or { "orders": [...] }');
  return list.map((body, i) => ({ rows: [i + 1], body: body as Record<string, any> }));
}

const isObject = (value: unknown): value is Record<string, any> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const strip = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, strip(v)]),
    );
  return value;
};

/**
 * Imports orders from a file through the same validation and use case as the API. Every order is
 * reported — accepted, duplicate (already imported: re-running a file is safe) or rejected with
 * its rows and every problem — so nothing is silently dropped.
 */
export async function importOrders(
  processes: OrderProcesses,
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  path: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ImportReport> {
  return importOrdersFrom(processes, scope, actor, clock, { name: path, bytes: await readFile(path) }, onProgress);
}

/**
 * The same, from bytes (the API's POST /orders:import): the format is recognised from the
 * content (detectImportFormat) and each goes to its reader; EDIFACT and UBL go through the EDI
 * intake (partner set-up, the EDI log, a CONTRL), so a file and a partner's message are one path.
 * A file in no known format is refused (IMPORT_FORMAT_UNKNOWN) naming the formats Ordo reads.
 */
export async function importOrdersFrom(
  processes: OrderProcesses,
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  source: { name: string; bytes: Buffer },
  onProgress?: (done: number, total: number) => void,
): Promise<ImportReport> {
  const path = source.name;
  const format = detectImportFormat(source.bytes);
  if (!format) throw new AppError('IMPORT_FORMAT_UNKNOWN', unknownFormatMessage(basename(path)));
  if (format === 'edifact' || format === 'ubl') {
    const report = await receiveEdi({ processes, clock }, scope, source.bytes);
    const items: ImportOutcome[] = report.messages.map((message, index) => ({
      rows: [index + 1],
      externalId: message.orderNumber,
      status:
        message.outcome === 'created' ? 'accepted' : message.outcome === 'duplicate_order' ? 'duplicate' : 'rejected',
      ...(message.orderId ? { id: message.orderId } : {}),
      ...(message.outcome === 'created'
        ? {}
        : {
            problem: {
              code: message.outcome === 'duplicate_order' ? 'DUPLICATE_ORDER' : 'EDI_REJECTED',
              detail: message.problems.map((p) => p.message).join('; '),
              errors: message.problems.map((p) => ({
                path:
                  p.path ??
                  `/${[p.messageRef, p.segment, p.position, p.element, p.component].filter((x) => x !== undefined).join('/')}`,
                message: p.message,
              })),
            },
          }),
    }));
    if (!items.length)
      items.push({
        rows: [],
        externalId: null,
        status: report.status === 'duplicate' ? 'duplicate' : 'rejected',
        problem: {
          code:
            report.status === 'duplicate'
              ? 'DUPLICATE_ORDER'
              : report.problems.some((p) => p.code === '23')
                ? 'EDI_UNKNOWN_PARTNER'
                : 'EDI_REJECTED',
          detail: report.problems.map((p) => p.message).join('; '),
          errors: report.problems.map((p) => ({
            path: p.path ?? `/${p.segment ?? 'interchange'}`,
            message: p.message,
          })),
        },
      });
    onProgress?.(items.length, items.length);
    const count = (st: ImportOutcome['status']) => items.filter((x) => x.status === st).length;
    return {
      file: path,
      format,
      orders: report.messages.length,
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      rejected: count('rejected'),
      items,
    };
  }
  const candidates =
    format === 'json'
      ? await readJson(path, source.bytes)
      : format === 'commerceml'
        ? await readCommerceMlOrders(scope, source.bytes)
        : await readCsv(source.bytes);
  const items: ImportOutcome[] = [];
  for (const [index, candidate] of candidates.entries()) {
    // a JSON file's entry may be anything: one that is not an object is that row's rejection
    const body: unknown = candidate.body;
    const externalId = isObject(body) && typeof body.externalId === 'string' ? body.externalId : null;
    const parsed = orderInput.safeParse(strip(body));
    if (!isObject(body)) {
      items.push({
        rows: candidate.rows,
        externalId,
        status: 'rejected',
        problem: {
          code: 'VALIDATION_FAILED',
          detail: 'the order is not valid',
          errors: [{ path: '/', message: 'an order must be a JSON object' }],
        },
      });
    } else if (!parsed.success) {
      items.push({
        rows: candidate.rows,
        externalId,
        status: 'rejected',
        problem: {
          code: 'VALIDATION_FAILED',
          detail: 'the order is not valid',
          errors: parsed.error.issues.map((x) => ({ path: `/${x.path.join('/')}`, message: x.message })),
        },
      });
    } else {
      try {
        const order = await createOrder(processes, scope, actor, clock, parsed.data);
        items.push({ rows: candidate.rows, externalId, status: 'accepted', id: order.id, number: order.number });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        items.push({
          rows: candidate.rows,
          externalId,
          status: error.code === 'DUPLICATE_ORDER' ? 'duplicate' : 'rejected',
          id: error.data.existingId as string | undefined,
          problem: { code: error.code, detail: error.message, errors: error.errors },
        });
      }
    }
    onProgress?.(index + 1, candidates.length);
  }
  const count = (st: ImportOutcome['status']) => items.filter((x) => x.status === st).length;
  return {
    file: path,
    format,
    orders: items.length,
    accepted: count('accepted'),
    duplicates: count('duplicate'),
    rejected: count('rejected'),
    items,
  };
}
