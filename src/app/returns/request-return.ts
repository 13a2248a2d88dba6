import { sql } from 'kysely';
import { AppError, type FieldError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { divRound, formatMoney, parseMoney } from '../../shared/money.js';
import { checkReturnLines, type OrderLineState } from '../../domain/returns/returns.js';
import { writeHistory, type Actor } from '../../store/history.js';
import type { Work } from '../../store/tenant-scope.js';
import type { DropOff, ExchangeRequest, ReturnSource, ReturnWish } from '../../store/schema-returns.js';
import { emitEvent } from '../events/emit-event.js';
import { loadFactRows } from '../process/load-facts.js';
import type { OrderProcesses } from '../process/order-processes.js';
import { reasonCatalogue } from './reasons.js';
import { refuse } from './return-common.js';
import '../../store/schema-returns.js';
import '../../store/schema-process.js';

/** The process a return order runs when no selection rule names one for order type `return`. */
export const RETURNS_PROCESS = 'returns';
/** The state a returns process ends in when a request is not eligible (the request is then refused, nothing kept). */
export const REFUSED_STATE = 'refused';

export interface ReturnRequestInput {
  lines: Array<{ lineId: string; quantity: number; reason?: string | undefined }>;
  reason: string;
  wish: ReturnWish;
  note?: string | undefined;
  photos?: string[] | undefined;
  dropOff?: DropOff | undefined;
  exchange?:
    | { lines: Array<{ sku: string; quantity: number; unitPrice?: string | undefined }>; advance?: boolean | undefined }
    | undefined;
  source: ReturnSource;
}

interface OriginalOrder {
  id: string;
  number: string;
  order_type: string;
  channel_id: string;
  customer_id: string | null;
  customer_name: string | null;
  customer_email: string | null;
  company_id: string | null;
  currency: string;
  shipping_address: Record<string, unknown> | null;
  billing_address: Record<string, unknown> | null;
}

interface LineRow {
  id: string;
  line_no: number;
  product_id: string;
  sku: string;
  name: string;
  quantity: number;
  unit_price: string;
  discount: string;
  tax_rate: string | null;
  tax: string;
  net: string;
  total: string;
  shipped: number;
  returned: number;
  returnable: boolean;
  shipped_from: string | null;
}

/** The original order's lines with what left for the customer and what is already on a return (not refused or cancelled). */
export async function returnableLines(tx: Work, orderId: string): Promise<LineRow[]> {
  const tenant = tx.tenantId;
  const { rows } = await sql<LineRow>`select l.id, l.line_no, l.product_id, l.sku, l.name, l.quantity,
      l.unit_price::text, l.discount::text, l.tax_rate, l.tax::text, l.net::text, l.total::text,
      coalesce((select sum(-m.on_hand_delta) from stock_movements m where m.tenant_id = l.tenant_id
        and m.order_line_id = l.id and m.kind = 'shipment'), 0)::int as shipped,
      coalesce((select sum(rl.quantity) from return_lines rl join orders ro on ro.tenant_id = rl.tenant_id and ro.id = rl.return_id
        where rl.tenant_id = l.tenant_id and rl.order_line_id = l.id and ro.state not in ('rejected', 'cancelled')), 0)::int as returned,
      coalesce((p.attributes->>'returnable') is distinct from 'false', true) as returnable,
      (select m.location_id from stock_movements m where m.tenant_id = l.tenant_id and m.order_line_id = l.id
        and m.kind = 'shipment' order by m.at desc limit 1) as shipped_from
    from order_lines l join products p on p.tenant_id = l.tenant_id and p.id = l.product_id
    where l.tenant_id = ${tenant} and l.order_id = ${orderId} order by l.line_no`.execute(tx.conn);
  return rows;
}

/**
 * A customer (or the console, or a channel) asks to send units back. Checked against the order
 * (lines of this order, no more than shipped and not already on a return, returnable SKUs, a reason
 * from the tenant's catalogue, a photo where the reason needs one), then written as a return order
 * with its lines, and its process started in the same transaction. When the process finds the
 * request not eligible (its eligibility rules name why), the request is refused with those rules
 * and nothing is kept. The original order is locked, so two requests for the same units never
 * both pass.
 */
export async function requestReturn(
  processes: OrderProcesses,
  tx: Work,
  actor: Actor,
  now: Date,
  orderId: string,
  input: ReturnRequestInput,
) {
  const original = await tx
    .selectFrom('orders')
    .select([
      'id',
      'number',
      'order_type',
      'channel_id',
      'customer_id',
      'customer_name',
      'customer_email',
      'company_id',
      'currency',
      'shipping_address',
      'billing_address',
    ])
    .where('id', '=', orderId)
    .forUpdate()
    .executeTakeFirst();
  if (!original) throw new AppError('NOT_FOUND', `order ${orderId} not found`);
  const order = original as unknown as OriginalOrder;
  if (order.order_type === 'return')
    throw new AppError(
      'RETURN_NOT_ALLOWED',
      `${order.number} is a return; a return is requested on the original order`,
    );

  const lines = await returnableLines(tx, orderId);
  const states: OrderLineState[] = lines.map((l) => ({
    id: l.id,
    sku: l.sku,
    quantity: l.quantity,
    total: BigInt(l.total),
    shipped: l.shipped,
    returned: l.returned,
    returnable: l.returnable,
  }));
  const checked = checkReturnLines(states, input.lines);
  if (!checked.ok) refuse(`the return cannot be accepted: ${checked.problems[0]!.message}`, checked.problems);

  const reasons = await reasonCatalogue(tx);
  const errors: FieldError[] = [];
  const reason = reasons.find((r) => r.code === input.reason && r.active);
  if (!reason)
    errors.push({
      path: '/reason',
      message: `unknown reason; one of ${reasons
        .filter((r) => r.active)
        .map((r) => r.code)
        .join(', ')}`,
      code: 'UNKNOWN_RETURN_REASON',
    });
  else if (reason.needsPhoto && !(input.photos?.length ?? 0))
    errors.push({
      path: '/photos',
      message: `a photo is needed when the reason is "${reason.code}"`,
      code: 'REQUIRED',
    });
  input.lines.forEach((line, index) => {
    if (line.reason && !reasons.some((r) => r.code === line.reason && r.active))
      errors.push({ path: `/lines/${index}/reason`, message: 'unknown reason', code: 'UNKNOWN_RETURN_REASON' });
  });
  if (input.wish === 'store_credit' && !order.customer_id)
    errors.push({
      path: '/wish',
      message: 'store credit needs a known customer; the order has none',
      code: 'VALIDATION_FAILED',
    });
  if (input.wish === 'exchange' && !input.exchange?.lines.length)
    errors.push({ path: '/exchange', message: 'an exchange names what the customer gets instead', code: 'REQUIRED' });
  if (input.wish !== 'exchange' && input.exchange)
    errors.push({ path: '/exchange', message: 'only an exchange names replacement items', code: 'VALIDATION_FAILED' });

  const dropOff: DropOff = { kind: input.dropOff?.kind ?? 'label', ...input.dropOff };
  let receivingLocationId: string | null = null;
  if (dropOff.kind === 'store') {
    const loc = dropOff.locationCode
      ? await tx
          .selectFrom('locations')
          .select(['id', 'active'])
          .where('code', '=', dropOff.locationCode)
          .executeTakeFirst()
      : undefined;
    if (!loc || !loc.active)
      errors.push({
        path: '/dropOff/locationCode',
        message: 'a store drop-off names an active location',
        code: 'UNKNOWN_LOCATION',
      });
    else receivingLocationId = loc.id;
  }
  if (dropOff.kind === 'point' && !dropOff.point)
    errors.push({ path: '/dropOff/point', message: 'a pickup-point drop-off names the point', code: 'REQUIRED' });
  receivingLocationId ??= lines.find((l) => l.shipped_from)?.shipped_from ?? null;

  const exchange = input.exchange ? await exchangeLines(tx, order, lines, input.exchange, errors) : null;
  if (errors.length) refuse(`the return cannot be accepted: ${errors[0]!.message}`, errors);
  if (!checked.ok) throw new Error('unreachable');

  // The return order: its lines are the units coming back, priced at what was paid for them.
  const previous = await tx
    .selectFrom('returns')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('order_id', '=', orderId)
    .executeTakeFirstOrThrow();
  const returnId = newId();
  const number = `${order.number}-R${Number(previous.n) + 1}`;
  const byId = new Map(lines.map((l) => [l.id, l]));
  let subtotal = 0n;
  let discountTotal = 0n;
  let taxTotal = 0n;
  let grand = 0n;
  const orderLines = checked.lines.map((req, index) => {
    const src = byId.get(req.lineId)!;
    const share = (v: string) => divRound(BigInt(v) * BigInt(req.quantity), BigInt(src.quantity));
    const discount = share(src.discount);
    const tax = share(src.tax);
    subtotal += BigInt(src.unit_price) * BigInt(req.quantity);
    discountTotal += discount;
    taxTotal += tax;
    grand += req.value;
    return {
      order_id: returnId,
      id: newId(),
      line_no: index + 1,
      external_line_id: null,
      product_id: src.product_id,
      sku: src.sku,
      name: src.name,
      quantity: req.quantity,
      unit_price: src.unit_price,
      discount: String(discount),
      tax_rate: src.tax_rate,
      tax: String(tax),
      net: String(req.value - tax),
      total: String(req.value),
      attributes: JSON.stringify({ originalLineId: src.id }),
    };
  });
  await tx
    .insertInto('orders', {
      id: returnId,
      number,
      channel_id: order.channel_id,
      external_id: null,
      order_type: 'return',
      customer_id: order.customer_id,
      customer_name: order.customer_name,
      customer_email: order.customer_email,
      company_id: order.company_id,
      currency: order.currency,
      state: 'requested',
      process_key: null,
      process_version: null,
      subtotal: String(subtotal),
      discount_total: String(discountTotal),
      tax_total: String(taxTotal),
      shipping_total: '0',
      grand_total: String(grand),
      delivery_method: 'return',
      pickup_location_id: null,
      shipping_address: JSON.stringify(order.shipping_address),
      billing_address: JSON.stringify(order.billing_address),
      payment_terms: JSON.stringify({}),
      attributes: JSON.stringify({ returnOf: order.id, returnOfNumber: order.number }),
      notes: input.note ?? null,
      line_count: orderLines.length,
      search_text: [number, order.number, order.customer_name, order.customer_email]
        .filter(Boolean)
        .join(' ')
        .toLowerCase(),
      placed_at: now,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await tx.insertInto('order_lines', orderLines).execute();
  await tx
    .insertInto('returns', {
      id: returnId,
      order_id: order.id,
      source: input.source,
      wish: input.wish,
      reason_code: input.reason,
      note: input.note ?? null,
      photos: JSON.stringify(input.photos ?? []),
      drop_off: JSON.stringify(dropOff),
      exchange: exchange ? JSON.stringify(exchange) : null,
      exchange_order_id: null,
      receiving_location_id: receivingLocationId,
      label: null,
      credit_note_id: null,
      created_at: now,
      updated_at: now,
      closed_at: null,
    })
    .execute();
  await tx
    .insertInto(
      'return_lines',
      checked.lines.map((req, i) => ({
        id: newId(),
        return_id: returnId,
        order_line_id: req.lineId,
        product_id: byId.get(req.lineId)!.product_id,
        sku: req.sku,
        quantity: req.quantity,
        value: String(req.value),
        reason_code: input.lines[i]!.reason ?? null,
      })),
    )
    .execute();

  const summary = checked.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity }));
  await writeHistory(tx, actor, now, [
    {
      orderId: order.id,
      action: 'return.requested',
      changes: { returnId, returnNumber: number, wish: input.wish, source: input.source, lines: summary },
      reason: { code: input.reason, ...(input.note ? { note: input.note } : {}) },
    },
    {
      orderId: returnId,
      action: 'return.created',
      fromState: null,
      toState: 'requested',
      changes: { returnOf: order.number, lines: summary, value: formatMoney(grand, order.currency) },
      reason: { code: input.reason, source: input.source },
    },
  ]);
  await emitEvent(tx, {
    type: 'return.requested',
    subject: order.id,
    time: now,
    payload: {
      orderId: order.id,
      returnId,
      returnNumber: number,
      source: input.source,
      wish: input.wish,
      reason: input.reason,
      lines: summary,
      value: formatMoney(grand, order.currency),
      currency: order.currency,
    },
  });

  const outcome = await startReturnProcess(processes, tx, actor, now, returnId);
  if (outcome.state === REFUSED_STATE) {
    const rules = refusalRules(outcome.attributes);
    throw new AppError(
      'RETURN_NOT_ELIGIBLE',
      `the return is not eligible: ${rules.map((r) => r.message).join('; ') || 'a rule of the returns process refused it'}`,
      rules.map((r) => ({ path: r.path ?? '/', message: r.message, code: r.rule })),
      { rules },
    );
  }
  return { returnId, number, state: outcome.state };
}

/** The rules the eligibility decision named, from the refusal the process recorded (`decide … as: refusal`). */
function refusalRules(attributes: Record<string, unknown>): Array<{ rule: string; message: string; path?: string }> {
  const raw = attributes.refusal;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.map((rule) => {
    if (rule && typeof rule === 'object') {
      const fields = rule as Record<string, unknown>;
      return {
        rule: String(fields.rule ?? 'not_eligible'),
        message: String(fields.message ?? fields.rule ?? 'not eligible'),
        ...(typeof fields.path === 'string' ? { path: fields.path } : {}),
      };
    }
    return { rule: String(rule), message: String(rule) };
  });
}

/**
 * Starts a return order's process: a selection rule for order type `return` when the tenant has
 * one, else the `returns` process. Without a published version the return stays `requested` with a
 * note (a person moves it on), as any order without a process does.
 */
async function startReturnProcess(processes: OrderProcesses, tx: Work, actor: Actor, now: Date, returnId: string) {
  const [rules, published, channel] = await Promise.all([
    tx.selectFrom('process_selection_rules').select(['rules', 'version']).executeTakeFirst(),
    tx
      .selectFrom('process_definitions')
      .select(['key', 'version', 'source_hash'])
      .where('status', '=', 'published')
      .orderBy('key')
      .orderBy('version', 'desc')
      .execute(),
    tx
      .selectFrom('orders')
      .innerJoin('channels', (j) =>
        j.onRef('channels.tenant_id', '=', 'orders.tenant_id').onRef('channels.id', '=', 'orders.channel_id'),
      )
      .select('channels.code')
      .where('orders.id', '=', returnId)
      .executeTakeFirstOrThrow(),
  ]);
  // Only rules written for returns choose a return's process: a rule for a channel means its sales.
  const forReturns = ((rules?.rules ?? []) as Array<Record<string, unknown>>).filter((r) =>
    [r.orderType].flat().includes('return'),
  );
  const rows = await loadFactRows(tx, returnId);
  const started = await processes.start(tx, actor, now, returnId, {
    order: { state: 'requested', process_key: RETURNS_PROCESS, channel_code: channel.code },
    rows,
    rules: forReturns.length ? { rules: forReturns, version: rules!.version } : null,
    published: published.filter((p, i, all) => all.findIndex((q) => q.key === p.key) === i),
  });
  if (!started.started) return { state: 'requested', attributes: {} as Record<string, unknown> };
  return { state: started.state, attributes: started.snapshot.attributes };
}

/** Replacement items for an exchange: known, sold SKUs, priced as given or as on the original order. */
async function exchangeLines(
  tx: Work,
  order: OriginalOrder,
  lines: LineRow[],
  exchange: NonNullable<ReturnRequestInput['exchange']>,
  errors: FieldError[],
): Promise<ExchangeRequest & { lines: Array<{ sku: string; quantity: number; unitPrice: string }> }> {
  const skus = [...new Set(exchange.lines.map((l) => l.sku))];
  const products = await tx.selectFrom('products').select(['sku', 'active']).where('sku', 'in', skus).execute();
  const out: Array<{ sku: string; quantity: number; unitPrice: string }> = [];
  exchange.lines.forEach((line, index) => {
    const product = products.find((p) => p.sku === line.sku);
    if (!product || !product.active) {
      errors.push({ path: `/exchange/lines/${index}/sku`, message: `unknown SKU ${line.sku}`, code: 'UNKNOWN_SKU' });
      return;
    }
    let price: bigint | undefined;
    if (line.unitPrice !== undefined) {
      const parsed = parseMoney(line.unitPrice, order.currency);
      if (typeof parsed !== 'bigint' || parsed < 0n) {
        errors.push({
          path: `/exchange/lines/${index}/unitPrice`,
          message: `not an amount in ${order.currency}`,
          code: 'INVALID_AMOUNT',
        });
        return;
      }
      price = parsed;
    } else {
      const same = lines.find((x) => x.sku === line.sku);
      // What one unit cost, tax and discount included (the replacement is priced tax-inclusive).
      if (same && same.quantity > 0) price = divRound(BigInt(same.total), BigInt(same.quantity));
    }
    if (price === undefined) {
      errors.push({
        path: `/exchange/lines/${index}/unitPrice`,
        message: `${line.sku} is not on the order: give its price`,
        code: 'REQUIRED',
      });
      return;
    }
    out.push({ sku: line.sku, quantity: line.quantity, unitPrice: formatMoney(price, order.currency) });
  });
  return { lines: out, advance: exchange.advance ?? false };
}
