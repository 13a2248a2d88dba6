import { sql, type RawBuilder } from 'kysely';
import { AppError, type FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/clock.js';
import { priceOrder } from '../../domain/order/totals.js';
import { formatMoney } from '../../shared/money.js';
import type { OrderInput } from './schemas.js';
import { isWork, transaction, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { historyRows, writeHistory, type Actor, type HistoryEntry } from '../../store/history.js';
import { appendsWith } from '../../store/unit-of-work.js';
import { orderView } from './order-view.js';
import { noProcessView, processViewOf } from '../process/order-process-view.js';
import { reserveOnIntake } from '../inventory/reserve.js';
import { skippedOnIntake, type ReservationOutcome } from '../../domain/inventory/allocation.js';
import { emitEvent, eventRows, wakeOutboxWorkers } from '../events/emit-event.js';
import { orderAcceptedPayload } from '../../domain/events/order-payloads.js';
import { notSelected, processConfigured, type StartOutcome } from '../process/start-order-process.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { channelRules } from '../../domain/inventory/stock.js';

/** The initial state of an order before a process takes it (the process engine moves it on). */
export const ACCEPTED = 'accepted';

interface RefsRow {
  channel: { id: string; code: string; kind: string; active: boolean; process_key: string | null; settings: Record<string, unknown> } | null;
  customer: { id: string; name: string; email: string | null; company_id: string | null; segment: string | null; attributes: Record<string, unknown>;
    company_segment: string | null; company_terms: Record<string, unknown> | null } | null;
  products: Array<{ id: string; sku: string; name: string; active: boolean }> | null;
  pickup: { id: string; capabilities: string[]; active: boolean } | null;
  rules: { rules: unknown[]; version: number } | null;
  published: Array<{ key: string; version: number; source_hash: string }> | null;
  n: string;
}

/**
 * Reference data an order needs, resolved and checked before anything is written, in one round
 * trip: the channel, the customer and company, the SKUs, the pickup point, the tenant's process
 * selection rules and published versions, and the next order number (a number taken by a refused
 * order is a gap, as with any sequence).
 */
async function resolveReferences(s: TenantScope, input: OrderInput) {
  const t = s.tenantId;
  const c = input.customer;
  const customerWhere = c.id ? sql`cu.id = ${c.id}` : c.code ? sql`cu.code = ${c.code}` : sql`false`;
  const skus = [...new Set(input.lines.map((l) => l.sku))];
  const { rows } = await sql<RefsRow>`select
    (select row_to_json(x) from (select id, code, kind, active, process_key, settings from channels where tenant_id = ${t} and code = ${input.channel}) x) as channel,
    (select row_to_json(x) from (select cu.id, cu.name, cu.email, cu.company_id, cu.segment, cu.attributes, co.segment as company_segment, co.terms as company_terms
       from customers cu left join companies co on co.tenant_id = cu.tenant_id and co.id = cu.company_id where cu.tenant_id = ${t} and ${customerWhere}) x) as customer,
    (select json_agg(x) from (select id, sku, name, active from products where tenant_id = ${t} and sku = any(${skus}::text[])) x) as products,
    (select row_to_json(x) from (select id, capabilities, active from locations where tenant_id = ${t} and code = ${input.delivery.pickupLocation ?? null}) x) as pickup,
    (select row_to_json(x) from (select rules, version from process_selection_rules where tenant_id = ${t}) x) as rules,
    (select json_agg(x) from (select distinct on (key) key, version, source_hash from process_definitions
       where tenant_id = ${t} and status = 'published' order by key, version desc) x) as published,
    nextval('order_number_seq')::text as n`.execute(s.conn);
  const r = rows[0]!;
  const channel = r.channel;
  if (!channel) throw new AppError('UNKNOWN_CHANNEL', `channel ${input.channel} does not exist`, [{ path: '/channel', message: 'unknown channel' }]);
  if (!channel.active) throw new AppError('CHANNEL_INACTIVE', `channel ${input.channel} is inactive`, [{ path: '/channel', message: 'channel is inactive' }]);
  if ((c.id || c.code) && !r.customer) {
    throw new AppError('UNKNOWN_CUSTOMER', 'the customer does not exist', [{ path: c.id ? '/customer/id' : '/customer/code', message: 'unknown customer' }]);
  }
  const customer = c.id || c.code ? r.customer! : undefined;

  const errors: FieldError[] = [];
  const bySku = new Map((r.products ?? []).map((p) => [p.sku, p]));
  input.lines.forEach((l, i) => {
    const p = bySku.get(l.sku);
    if (!p) errors.push({ path: `/lines/${i}/sku`, message: `unknown SKU ${l.sku}`, code: 'UNKNOWN_SKU' });
    else if (!p.active) errors.push({ path: `/lines/${i}/sku`, message: `SKU ${l.sku} is not sold any more`, code: 'UNKNOWN_SKU' });
  });
  if (errors.length) throw new AppError('UNKNOWN_SKU', `${errors.length} line(s) name an unknown SKU`, errors);

  let pickupLocationId: string | null = null;
  if (input.delivery.method === 'pickup') {
    const loc = r.pickup;
    if (!loc || !loc.active || !loc.capabilities.includes('pickup')) {
      throw new AppError('VALIDATION_FAILED', 'the pickup location does not exist or does not serve pickups',
        [{ path: '/delivery/pickupLocation', message: 'unknown pickup location' }]);
    }
    pickupLocationId = loc.id;
  }
  return { channel, customer, bySku, pickupLocationId, rules: r.rules, published: r.published ?? [], number: `ORD-${r.n.padStart(7, '0')}` };
}

/**
 * Accepts an order from any channel: checks references, prices it exactly, and writes the order,
 * its lines, its first history row and its `order.accepted` event atomically, then reserves stock
 * and starts the order's process in the same transaction. The same channel + external id twice
 * is refused with DUPLICATE_ORDER and the existing id — the unique index decides, so two
 * concurrent deliveries of the same marketplace order cannot both be accepted. Intake reads
 * nothing back that it wrote: the process facts and the response are built from the rows it
 * inserted.
 *
 * Two intake paths, chosen by `intakePath` and nowhere else:
 * - `unit-of-work` (the usual one): the order, its reservation, its process and every history row
 *   and event in one unit of work — the caller's, when it passes its Work (a batch item, an
 *   Idempotency-Key), or a new one.
 * - `one-statement`: an order with nothing to do beyond being stored (its channel reserves later,
 *   no process applies, no caller's unit of work) is written with its history and event by one
 *   statement, atomic on its own: two round trips in all. Reference data is read before any
 *   write either way; each statement sees committed data, so reading it ahead changes nothing.
 *
 * Inside the caller's unit of work a refusal leaves nothing written but aborts nothing either;
 * any other failure is the caller's to roll back (every caller does).
 */
export async function createOrder(processes: OrderProcesses, s: TenantScope, actor: Actor, clock: Clock, input: OrderInput) {
  const priced = priceOrder(input.currency, input.lines, input.shipping, input.pricesIncludeTax);
  if ('errors' in priced) throw new AppError('VALIDATION_FAILED', 'some amounts are not valid', priced.errors);
  const refs = await resolveReferences(s, input);
  const o = orderRows(s, clock.now(), input, priced, refs);
  if (isWork(s)) return acceptOrder(processes, s, actor, o);
  if (intakePath(o) === 'one-statement') return storeOrder(s, actor, o);
  return transaction(s, (tx) => acceptOrder(processes, tx, actor, o));
}

export type IntakePath = 'one-statement' | 'unit-of-work';

/** Which path a new order outside any caller's unit of work takes (see createOrder). */
export function intakePath(o: Pick<NewOrder, 'refs' | 'start'>): IntakePath {
  const reserves = channelRules(o.refs.channel.settings ?? {}).reserveOnIntake;
  return reserves || processConfigured(o.start) ? 'unit-of-work' : 'one-statement';
}

type Priced = Exclude<ReturnType<typeof priceOrder>, { errors: unknown }>;
type Refs = Awaited<ReturnType<typeof resolveReferences>>;
type NewOrder = ReturnType<typeof orderRows>;

/** The order and line rows to insert, built from the input, its prices and its references. */
function orderRows(s: TenantScope, now: Date, input: OrderInput, priced: Priced, refs: Refs) {
  const id = newId();
  const number = refs.number;
  const customerName = refs.customer?.name ?? input.customer.name ?? null;
  const customerEmail = refs.customer?.email ?? input.customer.email ?? null;
  const t = priced.totals;
  const placedAt = input.placedAt ? new Date(input.placedAt) : now;
  const order = {
    id, number, channel_id: refs.channel.id, external_id: input.externalId ?? null, order_type: input.orderType,
    customer_id: refs.customer?.id ?? null, customer_name: customerName, customer_email: customerEmail,
    company_id: refs.customer?.company_id ?? null, currency: input.currency, state: ACCEPTED,
    process_key: refs.channel.process_key, process_version: null as number | null,
    subtotal: t.subtotal, discount_total: t.discountTotal, tax_total: t.taxTotal, shipping_total: t.shippingTotal, grand_total: t.grandTotal,
    delivery_method: input.delivery.method, pickup_location_id: refs.pickupLocationId,
    shipping_address: input.shippingAddress ?? null, billing_address: input.billingAddress ?? null,
    payment_terms: input.paymentTerms as Record<string, unknown>,
    attributes: { ...(input.attributes ?? {}), ...(input.delivery.carrier || input.delivery.service
      ? { delivery: { ...(input.attributes?.delivery as object | undefined), carrier: input.delivery.carrier, service: input.delivery.service } } : {}),
    ...(input.pricesIncludeTax ? { pricesIncludeTax: true } : {}) } as Record<string, unknown>,
    notes: input.notes ?? null, line_count: input.lines.length,
    search_text: [number, input.externalId, customerName, customerEmail].filter(Boolean).join(' ').toLowerCase(),
    placed_at: placedAt, created_at: now, updated_at: now, version: 1,
  };
  const lines = input.lines.map((l, i) => {
    const p = priced.lines[i]!;
    const product = refs.bySku.get(l.sku)!;
    return {
      order_id: id, id: newId(), line_no: i + 1, external_line_id: l.id ?? null, product_id: product.id, sku: l.sku,
      name: l.name ?? product.name, quantity: l.quantity, unit_price: p.unitPrice, discount: p.discount,
      tax_rate: p.taxRate, tax: p.tax, net: p.net, total: p.total, attributes: l.attributes ?? {},
    };
  });
  const orderRow = { ...order, channel_code: refs.channel.code, channel_kind: refs.channel.kind, channel_settings: refs.channel.settings ?? {} };
  const accepted: HistoryEntry = {
    orderId: id, action: 'order.accepted', toState: ACCEPTED,
    changes: { number, lines: input.lines.length, grandTotal: formatMoney(t.grandTotal, input.currency), currency: input.currency },
    reason: { channel: input.channel, externalId: input.externalId ?? null },
  };
  const event = { type: 'order.accepted' as const, subject: id, time: now, payload: orderAcceptedPayload({
    id, number, channelId: refs.channel.id, channel: refs.channel.code, externalId: input.externalId ?? null, state: ACCEPTED,
    currency: input.currency, grandTotal: t.grandTotal, lineCount: input.lines.length, customerId: refs.customer?.id ?? null, placedAt,
  }) };
  const start = {
    order: { state: ACCEPTED, process_key: refs.channel.process_key, channel_code: refs.channel.code },
    rows: {
      order: orderRow, lines,
      customer: refs.customer ? { segment: refs.customer.segment, attributes: refs.customer.attributes } : undefined,
      company: refs.customer?.company_id ? { segment: refs.customer.company_segment, terms: refs.customer.company_terms ?? {} } : undefined,
    },
    rules: refs.rules, published: refs.published,
  };
  return { id, now, input, totals: t, refs, order, orderRow, lines, accepted, event, start };
}

/**
 * The order and its lines in one statement (with `appends`, also its history and events). On a
 * duplicate channel + external id the order insert does nothing, so nothing else is written and
 * `inserted` is 0.
 */
function insertOrder(s: TenantScope, o: NewOrder, appends?: RawBuilder<unknown>) {
  const json = (v: unknown) => JSON.stringify(v);
  const row: Record<string, unknown> = {
    tenant_id: s.tenantId, ...o.order, shipping_address: json(o.order.shipping_address), billing_address: json(o.order.billing_address),
    payment_terms: json(o.order.payment_terms), attributes: json(o.order.attributes),
  };
  const columns = Object.keys(row);
  const linesJson = JSON.stringify(o.lines, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return sql<{ inserted: number }>`with o as (
      insert into orders (${sql.raw(columns.join(', '))}) values (${sql.join(columns.map((c) => row[c]))})
      on conflict (tenant_id, channel_id, external_id) where external_id is not null do nothing
      returning id
    ), l as (
      insert into order_lines (tenant_id, order_id, id, line_no, external_line_id, product_id, sku, name, quantity, unit_price, discount, tax_rate, tax, net, total, attributes)
      select ${s.tenantId}::uuid, o.id, x.id, x.line_no, x.external_line_id, x.product_id, x.sku, x.name, x.quantity,
        x.unit_price, x.discount, x.tax_rate, x.tax, x.net, x.total, coalesce(x.attributes, '{}')
      from o cross join jsonb_to_recordset(${linesJson}::jsonb) as x(id uuid, line_no int, external_line_id text, product_id uuid, sku text, name text,
        quantity int, unit_price bigint, discount bigint, tax_rate text, tax bigint, net bigint, total bigint, attributes jsonb)
    )${appends ? sql`, ${appends}` : sql``}
    select (select count(*) from o)::int as inserted${appends ? sql`, (select count(*) from notified)::int as notified` : sql``}`.execute(s.conn);
}

async function refuseDuplicate(s: TenantScope, o: NewOrder): Promise<never> {
  const existing = await s.selectFrom('orders').select(['id', 'number'])
    .where('channel_id', '=', o.refs.channel.id).where('external_id', '=', o.input.externalId!).executeTakeFirstOrThrow();
  throw new AppError('DUPLICATE_ORDER', `order ${o.input.externalId} from channel ${o.input.channel} exists as ${existing.number}`,
    [{ path: '/externalId', message: 'already received' }], { existingId: existing.id, existingNumber: existing.number });
}

/** An order with no reservation and no process: stored with its history and event by one statement, outside any transaction. */
async function storeOrder(s: TenantScope, actor: Actor, o: NewOrder) {
  const notes = [o.accepted];
  // the same note startOrderProcess writes when a tenant that uses processes has none for this order
  if (o.refs.published.length > 0) notes.push(notSelected(o.id, o.start.order, null).entry);
  const appends = appendsWith('o', historyRows(s, actor, o.now, notes), eventRows(s, [o.event]));
  const { rows } = await insertOrder(s, o, appends);
  if (rows[0]!.inserted === 0) await refuseDuplicate(s, o);
  wakeOutboxWorkers();
  return respond(s, o, { started: false }, skippedOnIntake());
}

async function acceptOrder(processes: OrderProcesses, s: Work, actor: Actor, o: NewOrder) {
  const { rows } = await insertOrder(s, o);
  if (rows[0]!.inserted === 0) await refuseDuplicate(s, o);
  await writeHistory(s, actor, o.now, [o.accepted]);
  // reservations (issue 3): reserve stock for the lines here, in this transaction
  const reservation = await reserveOnIntake(s, actor, o.now, {
    orderId: o.id, channelId: o.refs.channel.id, pickupLocationId: o.refs.pickupLocationId, channelSettings: o.refs.channel.settings ?? {},
    lines: o.lines.map((l) => ({ lineId: l.id, lineNo: l.line_no, productId: l.product_id, sku: l.sku, quantity: l.quantity })),
  });
  // outbox (issue 8): write the order.accepted event here, in this transaction
  await emitEvent(s, o.event);
  // process (issue 4): choose and start the order's process here, in this transaction
  const started = await processes.start(s, actor, o.now, o.id, { ...o.start, rows: { ...o.start.rows, ...stockRowsOf(reservation) } });
  return respond(s, o, started, reservation);
}

/** The 201 body: the order as stored (from the rows written, or the process's saved row), its process and its reservation. */
async function respond(s: TenantScope, o: NewOrder, started: StartOutcome | { started: false }, reservation: ReservationOutcome) {
  const str = (v: bigint) => v.toString();
  const t = o.totals;
  const row = started.started ? started.order : {
    ...o.orderRow, tenant_id: s.tenantId, subtotal: str(t.subtotal), discount_total: str(t.discountTotal), tax_total: str(t.taxTotal),
    shipping_total: str(t.shippingTotal), grand_total: str(t.grandTotal),
  };
  const lineRows = o.lines.map((l) => ({ ...l, tenant_id: s.tenantId, unit_price: str(l.unit_price), discount: str(l.discount), tax: str(l.tax), net: str(l.net), total: str(l.total) }));
  const view = orderView(row, lineRows);
  const processView = started.started ? await processViewOf(s, o.id, started.def, started.snapshot, started.exception) : noProcessView(row);
  return { ...view, ...processView, reservation };
}

/** The stock rows facts read, from the intake reservation's outcome (what the database now holds for the order). */
function stockRowsOf(r: ReservationOutcome) {
  return {
    reserved: r.lines.filter((l) => l.reserved > 0).map((l) => ({ order_line_id: l.lineId, qty: l.reserved })),
    backorders: r.lines.filter((l) => l.backorder).map((l) => ({ order_line_id: l.lineId, quantity: l.backorder!.quantity })),
  };
}
