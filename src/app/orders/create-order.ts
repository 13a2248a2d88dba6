import { sql, type RawBuilder } from 'kysely';
import { AppError, type FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/clock.js';
import { priceOrder } from '../../domain/order/totals.js';
import { formatMoney, parseMoney } from '../../shared/money.js';
import type { OrderInput } from './schemas.js';
import { admitOrder } from '../tenants/order-quota.js';
import { isWork, transaction, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { historyRows, writeHistory, type Actor, type HistoryEntry } from '../../store/history.js';
import { appendsWith } from '../../store/unit-of-work.js';
import { annotateOrder } from '../../shared/tracing.js';
import { orderView } from './order-view.js';
import { noProcessView, processViewOf } from '../process/order-process-view.js';
import { orderProcessColumns } from '../process/drive-process.js';
import { reserveOnIntake } from '../inventory/reserve.js';
import { companyFactRowsAtIntake } from '../companies/company-facts-sql.js';
import { companyApproval } from '../../domain/company/company-facts.js';
import { skippedOnIntake, type ReservationOutcome } from '../../domain/inventory/allocation.js';
import { emitEvent, eventRows, wakeOutboxWorkers } from '../events/emit-event.js';
import { orderAcceptedPayload } from '../../domain/events/order-payloads.js';
import { notSelected, processConfigured, type StartOutcome } from '../process/start-order-process.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { channelRules } from '../../domain/inventory/stock.js';
import { destinationOf } from '../../domain/sourcing/geo.js';
import { recordChannelPayments } from '../money/channel-payments.js';
import { rememberNewOrderMoney } from '../money/payment-rows.js';
import { applyPriceLists, checkMinimumOrder, type PricedInput } from '../pricing/price-order.js';
import { resolveReferences, type Refs } from './intake-references.js';

/** The initial state of an order before a process takes it (the process engine moves it on). */
export const ACCEPTED = 'accepted';

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
export async function createOrder(
  processes: OrderProcesses,
  scope: TenantScope,
  actor: Actor,
  clock: Clock,
  received: OrderInput,
  hooks: IntakeHooks = {},
) {
  const now = clock.now();
  // the tenant is active and within its orders per day and storage (docs/tenants.md)
  await admitOrder(scope);
  const refs = await resolveReferences(scope, received, received.placedAt ? new Date(received.placedAt) : now);
  // prices from the applicable lists where the order brings none, checked where it does
  const input = applyPriceLists(received, refs.pricing);
  const priced = priceOrder(
    input.currency,
    input.lines,
    input.shippingLines ?? input.shipping,
    input.pricesIncludeTax,
    input.discounts,
  );
  if ('errors' in priced) throw new AppError('VALIDATION_FAILED', 'some amounts are not valid', priced.errors);
  checkMinimumOrder(
    input,
    priced.lines.reduce((sum, line) => sum + line.net, 0n),
    refs.pricing,
  );
  const money = channelMoney(input, priced.totals.grandTotal);
  if ('errors' in money) throw new AppError('VALIDATION_FAILED', 'some amounts are not valid', money.errors);
  // company depth (0020): who placed it for the company, and the budget it draws on
  const company = await companyFactRowsAtIntake(scope, input, refs.customer, now);
  const rows = orderRows(scope, now, input, priced, money, refs, company);
  if (isWork(scope)) return acceptOrder(processes, scope, actor, rows, hooks);
  // paid channel payments go to the money ledger in the order's unit of work
  const paid = rows.payments.some((p) => p.status === 'paid');
  if (!hooks.beforeStart && !paid && intakePath(rows) === 'one-statement') return storeOrder(scope, actor, rows);
  // intake is all this unit of work does: the process row and state go with its closing statement
  return transaction(scope, (tx) => acceptOrder(processes, tx, actor, rows, { ...hooks, endsWork: true }));
}

/** What a caller adds to intake inside its transaction (an exchange pays the replacement before its process asks for money). */
export interface IntakeHooks {
  /** Runs after the order, its lines and reservations are written and before its process starts. */
  beforeStart?(work: Work, orderId: string): Promise<void>;
  /**
   * The caller's unit of work ends with this intake (POST /orders with an Idempotency-Key): nothing
   * reads the new order in it afterwards, so its process row and state are written by the closing
   * statement (one statement fewer).
   */
  endsWork?: boolean;
}

export type IntakePath = 'one-statement' | 'unit-of-work';

/** Which path a new order outside any caller's unit of work takes (see createOrder). */
export function intakePath(value: Pick<NewOrder, 'refs' | 'start'>): IntakePath {
  const reserves = channelRules(value.refs.channel.settings ?? {}).reserveOnIntake;
  return reserves || processConfigured(value.start) ? 'unit-of-work' : 'one-statement';
}

type Priced = Exclude<ReturnType<typeof priceOrder>, { errors: unknown }>;
type ChannelMoney = Exclude<ReturnType<typeof channelMoney>, { errors: unknown }>;

/**
 * The payments and the marketplace commission in minor units, checked: amounts exact in the
 * currency, not negative, and the payments together at most the grand total (/payments/i/amount
 * names the first payment past it).
 */
function channelMoney(input: PricedInput, grandTotal: bigint) {
  const errors: FieldError[] = [];
  const amount = (text: string, path: string) => {
    const value = parseMoney(text, input.currency);
    if (typeof value === 'string') {
      errors.push({ path, message: "must be a decimal string with the currency's decimal places", code: value });
      return 0n;
    }
    if (value < 0n) errors.push({ path, message: 'must not be negative', code: 'NEGATIVE' });
    return value;
  };
  const payments = (input.payments ?? []).map((payment, index) => ({
    ...payment,
    amount: amount(payment.amount, `/payments/${index}/amount`),
  }));
  let paid = 0n;
  for (const [index, payment] of payments.entries()) {
    paid += payment.amount;
    if (paid > grandTotal) {
      errors.push({
        path: `/payments/${index}/amount`,
        message: `the payments add up to more than the grand total ${formatMoney(grandTotal, input.currency)}`,
        code: 'PAYMENTS_EXCEED_TOTAL',
      });
      break;
    }
  }
  const commission =
    input.marketplace?.commission === undefined
      ? null
      : amount(input.marketplace.commission, '/marketplace/commission');
  if (errors.length) return { errors };
  return { payments, commission };
}
type NewOrder = ReturnType<typeof orderRows>;

/** The order and line rows to insert, built from the input, its prices and its references. */
function orderRows(
  scope: TenantScope,
  now: Date,
  input: PricedInput,
  priced: Priced,
  money: ChannelMoney,
  refs: Refs,
  company: Awaited<ReturnType<typeof companyFactRowsAtIntake>> = {},
) {
  const id = newId();
  const number = refs.number;
  const customerName = refs.customer?.name ?? input.customer?.name ?? null;
  const customerEmail = refs.customer?.email ?? input.customer?.email ?? null;
  const str = (v: bigint) => v.toString();
  const shares = (allocations: { index: number; amount: bigint }[]) =>
    allocations.map((share) => ({ index: share.index, amount: str(share.amount) }));
  const shippingInput = input.shippingLines ?? (input.shipping ? [input.shipping] : []);
  const shippingRates = new Set(shippingInput.map((l) => l.taxRate ?? null));
  const shippingTaxRate = shippingRates.size === 1 ? [...shippingRates][0] : null;
  const totals = priced.totals;
  const placedAt = input.placedAt ? new Date(input.placedAt) : now;
  const order = {
    id,
    number,
    channel_id: refs.channel.id,
    external_id: input.externalId ?? null,
    order_type: input.orderType,
    customer_id: refs.customer?.id ?? null,
    customer_name: customerName,
    customer_email: customerEmail,
    company_id: refs.customer?.company_id ?? null,
    currency: input.currency,
    state: ACCEPTED,
    process_key: refs.channel.process_key,
    process_version: null as number | null,
    subtotal: totals.subtotal,
    discount_total: totals.discountTotal,
    tax_total: totals.taxTotal,
    shipping_total: totals.shippingTotal,
    grand_total: totals.grandTotal,
    delivery_method: input.delivery.method,
    pickup_location_id: refs.pickupLocationId,
    shipping_address: input.shippingAddress ?? null,
    billing_address: input.billingAddress ?? null,
    payment_terms: input.paymentTerms as Record<string, unknown>,
    attributes: {
      ...(input.attributes ?? {}),
      ...(input.delivery.carrier || input.delivery.service
        ? {
            delivery: {
              ...(input.attributes?.delivery as object | undefined),
              carrier: input.delivery.carrier,
              service: input.delivery.service,
            },
          }
        : {}),
      ...(input.pricesIncludeTax ? { pricesIncludeTax: true } : {}),
      // The shipping's rate goes on its invoice line (its tax is in tax_total with the lines'):
      // one rate for all shipping lines, or none when they differ (shipping_lines keep each).
      ...(shippingTaxRate ? { shippingTaxRate } : {}),
    } as Record<string, unknown>,
    notes: input.notes ?? null,
    line_count: input.lines.length,
    search_text: [
      number,
      input.externalId,
      input.displayNumber,
      customerName,
      customerEmail,
      input.customer?.externalId,
    ]
      .filter(Boolean)
      .join(' ')
      .toLowerCase(),
    placed_at: placedAt,
    created_at: now,
    updated_at: now,
    version: 1,
    display_number: input.displayNumber ?? null,
    customer_external_id: input.customer?.externalId ?? null,
    customer_masked: input.customer?.masked ?? false,
    placed_by_member_id: company.member?.id ?? null,
    pickup_point:
      input.delivery.method === 'pickup_point' && input.delivery.pickupPoint
        ? (input.delivery.pickupPoint as Record<string, unknown>)
        : null,
    shipping_lines: shippingInput.map((line, index) => {
      const pricedShipping = priced.shipping[index]!;
      return {
        code: 'code' in line ? (line.code ?? null) : null,
        title: 'title' in line ? (line.title ?? null) : null,
        carrier: 'carrier' in line ? (line.carrier ?? null) : null,
        amount: str(pricedShipping.amount),
        discount: str(pricedShipping.discount),
        allocatedDiscount: str(pricedShipping.allocatedDiscount),
        allocations: shares(pricedShipping.allocations),
        taxRate: pricedShipping.taxRate,
        tax: str(pricedShipping.tax),
        net: str(pricedShipping.net),
        total: str(pricedShipping.total),
      };
    }) as Record<string, unknown>[],
    discounts: (input.discounts ?? []).map((d) => ({
      target: d.target,
      amount: str(parseMoney(d.amount, input.currency) as bigint),
      code: d.code ?? null,
      title: d.title ?? null,
    })) as Record<string, unknown>[],
    payments: money.payments.map((p) => ({
      method: p.method,
      amount: str(p.amount),
      status: p.status,
      provider: p.provider ?? null,
      reference: p.reference ?? null,
    })) as Record<string, unknown>[],
    marketplace: input.marketplace
      ? ({
          fulfilmentModel: input.marketplace.fulfilmentModel ?? null,
          shipBy: input.marketplace.shipBy ? new Date(input.marketplace.shipBy).toISOString() : null,
          deliverBy: input.marketplace.deliverBy ? new Date(input.marketplace.deliverBy).toISOString() : null,
          commission: money.commission === null ? null : str(money.commission),
          marketplaceId: input.marketplace.marketplaceId ?? null,
        } as Record<string, unknown>)
      : null,
  };
  const lines = input.lines.map((line, index) => {
    const pricedLine = priced.lines[index]!;
    const product = refs.bySku.get(line.sku)!;
    return {
      order_id: id,
      id: newId(),
      line_no: index + 1,
      external_line_id: line.id ?? null,
      kind: line.kind ?? 'product',
      product_id: product.id,
      sku: line.sku,
      name: line.name ?? product.name,
      quantity: line.quantity,
      unit_price: pricedLine.unitPrice,
      discount: pricedLine.discount,
      allocated_discount: pricedLine.allocatedDiscount,
      discount_allocations: shares(pricedLine.allocations),
      tax_rate: pricedLine.taxRate,
      tax: pricedLine.tax,
      net: pricedLine.net,
      total: pricedLine.total,
      attributes: line.attributes ?? {},
    };
  });
  const orderRow = {
    ...order,
    channel_code: refs.channel.code,
    channel_kind: refs.channel.kind,
    channel_settings: refs.channel.settings ?? {},
  };
  const accepted: HistoryEntry = {
    orderId: id,
    action: 'order.accepted',
    toState: ACCEPTED,
    changes: {
      number,
      lines: input.lines.length,
      grandTotal: formatMoney(totals.grandTotal, input.currency),
      currency: input.currency,
    },
    reason: { channel: input.channel, externalId: input.externalId ?? null },
  };
  const event = {
    type: 'order.accepted' as const,
    subject: id,
    time: now,
    payload: orderAcceptedPayload({
      id,
      number,
      channelId: refs.channel.id,
      channel: refs.channel.code,
      externalId: input.externalId ?? null,
      state: ACCEPTED,
      currency: input.currency,
      grandTotal: totals.grandTotal,
      lineCount: input.lines.length,
      customerId: refs.customer?.id ?? null,
      placedAt,
    }),
  };
  const start = {
    order: { state: ACCEPTED, process_key: refs.channel.process_key, channel_code: refs.channel.code },
    rows: {
      order: orderRow,
      lines,
      customer: refs.customer ? { segment: refs.customer.segment, attributes: refs.customer.attributes } : undefined,
      company: refs.customer?.company_id
        ? { segment: refs.customer.company_segment, terms: refs.customer.company_terms ?? {} }
        : undefined,
      // This order counts towards the company's exposure from the moment it is accepted.
      credit: refs.customer?.company_credit
        ? {
            ...refs.customer.company_credit,
            exposure: BigInt(refs.customer.company_credit.exposure) + totals.grandTotal,
          }
        : undefined,
      ...company,
    },
    rules: refs.rules,
    published: refs.published,
  };
  return { id, now, input, totals, refs, order, orderRow, lines, accepted, event, start, payments: money.payments };
}

/**
 * The order and its lines in one statement (with `appends`, also its history and events). On a
 * duplicate channel + external id the order insert does nothing, so nothing else is written and
 * `inserted` is 0.
 */
function insertOrder(scope: TenantScope, order: NewOrder, appends?: RawBuilder<unknown>) {
  const json = (v: unknown) => JSON.stringify(v);
  const row: Record<string, unknown> = {
    tenant_id: scope.tenantId,
    ...order.order,
    shipping_address: json(order.order.shipping_address),
    billing_address: json(order.order.billing_address),
    payment_terms: json(order.order.payment_terms),
    attributes: json(order.order.attributes),
    pickup_point: order.order.pickup_point === null ? null : json(order.order.pickup_point),
    shipping_lines: json(order.order.shipping_lines),
    discounts: json(order.order.discounts),
    payments: json(order.order.payments),
    marketplace: order.order.marketplace === null ? null : json(order.order.marketplace),
  };
  const columns = Object.keys(row);
  const linesJson = JSON.stringify(order.lines, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return sql<{ inserted: number; notified?: number }>`with o as (
      insert into orders (${sql.raw(columns.join(', '))}) values (${sql.join(columns.map((c) => row[c]))})
      on conflict (tenant_id, channel_id, external_id) where external_id is not null do nothing
      returning id
    ), l as (
      insert into order_lines (tenant_id, order_id, id, line_no, external_line_id, kind, product_id, sku, name, quantity, unit_price, discount,
        allocated_discount, discount_allocations, tax_rate, tax, net, total, attributes)
      select ${scope.tenantId}::uuid, o.id, x.id, x.line_no, x.external_line_id, x.kind, x.product_id, x.sku, x.name, x.quantity,
        x.unit_price, x.discount, x.allocated_discount, coalesce(x.discount_allocations, '[]'), x.tax_rate, x.tax, x.net, x.total, coalesce(x.attributes, '{}')
      from o cross join jsonb_to_recordset(${linesJson}::jsonb) as x(id uuid, line_no int, external_line_id text, kind text, product_id uuid, sku text, name text,
        quantity int, unit_price bigint, discount bigint, allocated_discount bigint, discount_allocations jsonb, tax_rate text, tax bigint, net bigint, total bigint, attributes jsonb)
    )${appends ? sql`, ${appends}` : sql``}
    select (select count(*) from o)::int as inserted${appends ? sql`, (select count(*) from notified)::int as notified` : sql``}`;
}

async function refuseDuplicate(scope: TenantScope, order: NewOrder): Promise<never> {
  const existing = await scope
    .selectFrom('orders')
    .select(['id', 'number'])
    .where('channel_id', '=', order.refs.channel.id)
    .where('external_id', '=', order.input.externalId!)
    .executeTakeFirstOrThrow();
  throw new AppError(
    'DUPLICATE_ORDER',
    `order ${order.input.externalId} from channel ${order.input.channel} exists as ${existing.number}`,
    [{ path: '/externalId', message: 'already received' }],
    { existingId: existing.id, existingNumber: existing.number },
  );
}

/** An order with no reservation and no process: stored with its history and event by one statement, outside any transaction. */
async function storeOrder(scope: TenantScope, actor: Actor, order: NewOrder) {
  const notes = [order.accepted];
  // the same note startOrderProcess writes when a tenant that uses processes has none for this order
  if (order.refs.published.length > 0) notes.push(notSelected(order.id, order.start.order, null).entry);
  annotateOrder(order.id, scope.tenantId);
  const appends = appendsWith('o', historyRows(scope, actor, order.now, notes), eventRows(scope, [order.event]));
  const { rows } = await insertOrder(scope, order, appends).execute(scope.conn);
  if (rows[0]!.inserted === 0) await refuseDuplicate(scope, order);
  wakeOutboxWorkers({ forWorker: (rows[0]!.notified ?? 0) > 0 });
  return respond(scope, order, { started: false }, skippedOnIntake());
}

async function acceptOrder(
  processes: OrderProcesses,
  work: Work,
  actor: Actor,
  order: NewOrder,
  hooks: IntakeHooks = {},
) {
  annotateOrder(order.id, work.tenantId);
  // Sent ahead: it leaves with the reservation's first read (one round trip fewer). Whether it took
  // (an order of this channel with this external id may exist) is known before anything that
  // refers to the order is written: the reservation's writes, the payments, the process.
  const taken = work.work.sendAhead(insertOrder(work, order)).then(async ({ rows }) => {
    if (rows[0]!.inserted === 0) await refuseDuplicate(work, order);
  });
  taken.catch(() => {}); // awaited below, or the unit of work reports the refusal
  await writeHistory(work, actor, order.now, [order.accepted]);
  // reservations (issue 3): reserve stock for the lines here, in this transaction
  const reserve = holdsNoStock(order.input) ? async () => skippedOnIntake() : reserveOnIntake;
  const reservation = await reserve(work, actor, order.now, {
    orderId: order.id,
    channelId: order.refs.channel.id,
    pickupLocationId: order.refs.pickupLocationId,
    locations: order.refs.locations,
    destination: destinationOf(order.input.shippingAddress, order.input.delivery.pickupPoint),
    // the customer company approves first (0020): nothing is held until it has (docs/b2b-companies.md)
    channelSettings: companyApproval(order.start.rows.member, order.totals.grandTotal, order.input.currency).required
      ? { ...order.refs.channel.settings, reserveOnIntake: false }
      : (order.refs.channel.settings ?? {}),
    beforeWrites: () => taken,
    // service lines hold no stock
    lines: order.lines
      .filter((l) => l.kind === 'product')
      .map((l) => ({
        lineId: l.id,
        lineNo: l.line_no,
        productId: l.product_id,
        sku: l.sku,
        quantity: l.quantity,
      })),
  });
  await taken;
  // outbox (issue 8): write the order.accepted event here, in this transaction
  await emitEvent(work, order.event);
  // what the channel says was paid is in the ledger before the process reads the payment facts
  const payments = await recordChannelPayments(
    work,
    actor,
    order.now,
    { id: order.id, currency: order.input.currency },
    order.payments,
  );
  const row = order.order;
  rememberNewOrderMoney(
    work,
    {
      id: row.id,
      number: row.number,
      currency: row.currency,
      total: row.grand_total,
      state: row.state,
      companyId: row.company_id,
      customerEmail: row.customer_email,
      paymentTerms: row.payment_terms,
      // as stored: JSON, so a key whose value is undefined is not there
      attributes: JSON.parse(JSON.stringify(row.attributes)) as Record<string, unknown>,
    },
    payments,
  );
  await hooks.beforeStart?.(work, order.id);
  // process (issue 4): choose and start the order's process here, in this transaction
  const started = await processes.start(work, actor, order.now, order.id, {
    ...order.start,
    saveAtClose: hooks.endsWork === true,
    rows: {
      ...order.start.rows,
      ...stockRowsOf(reservation),
      ...(payments.length
        ? {
            payments: payments.map((p) => ({
              method: p.method,
              status: p.status,
              authorized: p.authorized,
              captured: p.captured,
              refunded: p.refunded,
              voided: p.voided,
            })),
          }
        : {}),
    },
  });
  return respond(work, order, started, reservation);
}

/** The 201 body: the order as stored (from the rows written, or the process's saved row), its process and its reservation. */
async function respond(
  scope: TenantScope,
  order: NewOrder,
  started: StartOutcome | { started: false },
  reservation: ReservationOutcome,
) {
  const str = (v: bigint) => v.toString();
  const totals = order.totals;
  const written = {
    ...order.orderRow,
    tenant_id: scope.tenantId,
    subtotal: str(totals.subtotal),
    discount_total: str(totals.discountTotal),
    tax_total: str(totals.taxTotal),
    shipping_total: str(totals.shippingTotal),
    grand_total: str(totals.grandTotal),
  };
  // a process saved by the closing statement: the row as it will be (saveFirstSnapshotAtClose)
  const row = !started.started
    ? written
    : (started.order ?? { ...written, ...orderProcessColumns(order.now, started.snapshot) });
  const lineRows = order.lines.map((l) => ({
    ...l,
    tenant_id: scope.tenantId,
    unit_price: str(l.unit_price),
    discount: str(l.discount),
    allocated_discount: str(l.allocated_discount),
    tax: str(l.tax),
    net: str(l.net),
    total: str(l.total),
  }));
  const view = orderView(row, lineRows);
  const processView = started.started
    ? await processViewOf(scope, order.id, started.def, started.snapshot, started.exception)
    : noProcessView(row);
  return { ...view, ...processView, reservation };
}

/**
 * Quotes (issue 17, docs/quotes.md): a quote is an offer, not a sale, so intake reserves nothing
 * for it; a soft hold, when the channel asks for one, is the quote's own (app/quotes/create-quote.ts).
 */
function holdsNoStock(input: OrderInput): boolean {
  return input.orderType === 'quote';
}

/** The stock rows facts read, from the intake reservation's outcome (what the database now holds for the order). */
function stockRowsOf(reservationOutcome: ReservationOutcome) {
  return {
    reserved: reservationOutcome.lines
      .filter((l) => l.reserved > 0)
      .map((l) => ({ order_line_id: l.lineId, qty: l.reserved })),
    backorders: reservationOutcome.lines
      .filter((l) => l.backorder)
      .map((l) => ({ order_line_id: l.lineId, quantity: l.backorder!.quantity })),
  };
}
