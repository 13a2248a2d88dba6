import { AppError } from '../../shared/errors.js';
import type { Clock } from '../../shared/clock.js';
import { priceOrder } from '../../domain/order/totals.js';
import type { OrderInput } from './schemas.js';
import { admitOrder } from '../tenants/order-quota.js';
import { isWork, transaction, type TenantScope, type Work } from '../../store/tenant-scope.js';
import { historyRows, writeHistory, type Actor } from '../../store/history.js';
import { appendsWith } from '../../store/unit-of-work.js';
import { annotateOrder } from '../../shared/tracing.js';
import { orderView } from './order-view.js';
import { noProcessView, processViewOf } from '../process/order-process-view.js';
import { orderProcessColumns, saveFirstSnapshotAtClose } from '../process/drive-process.js';
import { reserveOnIntake } from '../inventory/reserve.js';
import { companyFactRowsAtIntake } from '../companies/company-facts-sql.js';
import { companyApproval } from '../../domain/company/company-facts.js';
import { skippedOnIntake, type ReservationOutcome } from '../../domain/inventory/allocation.js';
import { emitEvent, eventRows, wakeOutboxWorkers } from '../events/emit-event.js';
import { notSelected, processConfigured, type StartOutcome } from '../process/start-order-process.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { channelRules } from '../../domain/inventory/stock.js';
import { destinationOf } from '../../domain/sourcing/geo.js';
import { recordChannelPayments } from '../money/channel-payments.js';
import { rememberNewOrderMoney } from '../money/payment-rows.js';
import { applyPriceLists, checkMinimumOrder } from '../pricing/price-order.js';
import { resolveReferences } from './intake-references.js';
import { channelMoney, orderRows, type NewOrder } from './order-rows.js';
import { holdOrder, insertOrder, refuseDuplicate, sendOrder } from './insert-order.js';

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
 *   Idempotency-Key), or a new one. When the intake ends that unit of work (`endsWork`) the order's
 *   row is inserted once, by its closing statement, in the process's first state (holdOrder); a
 *   duplicate then fails the whole unit of work, answered as DUPLICATE_ORDER all the same.
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
  // When intake ends its unit of work, the order's row is held from its reservation on and inserted
  // once, in its process's first state (holdOrder; a paid channel payment's row or an action's read
  // sends it ahead first). Otherwise it is sent ahead now: it leaves with the reservation's first
  // read (one round trip fewer), and whether it took (an order of this channel with this external
  // id may exist) is known before anything that refers to the order is written.
  const holds = hooks.endsWork === true;
  const taken = holds ? null : sendOrder(work, order);
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
    beforeWrites: taken ? () => taken : undefined,
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
  const held = holds ? holdOrder(work, order) : null;
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
  const rowHeld = held?.atClose(started.started ? orderProcessColumns(order.now, started.snapshot) : {}) ?? false;
  if (started.started && hooks.endsWork)
    saveFirstSnapshotAtClose(work, order.id, order.now, started.snapshot, started.exception, rowHeld);
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
