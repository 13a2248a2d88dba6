import { divRound, formatMoney, parseMoney } from '../../shared/money.js';
import type { ErrorCode, FieldError } from '../../shared/errors.js';
import { priceOrder, type Totals } from './totals.js';

/**
 * Changes after placement (issue 15), the pure part: typed actions applied to an order's lines
 * give its new lines, totals, stock effect per line and the approvals the change needs. No I/O:
 * the use cases load the lines (with what is fulfilled of each) and the catalogue, and write.
 */
export type ChangeAction =
  | {
      type: 'add_line';
      sku: string;
      quantity: number;
      unitPrice: string;
      discount?: string | undefined;
      taxRate?: string | undefined;
      name?: string | undefined;
    }
  | { type: 'remove_line'; lineId: string }
  /** Partial cancellation: `quantity` units of the line are cancelled (all of them = remove). */
  | { type: 'cancel_quantity'; lineId: string; quantity: number }
  | { type: 'change_quantity'; lineId: string; quantity: number }
  | { type: 'change_price'; lineId: string; unitPrice?: string | undefined; discount?: string | undefined }
  | {
      type: 'replace_item';
      lineId: string;
      sku: string;
      unitPrice?: string | undefined;
      name?: string | undefined;
    }
  /** Adds, changes or (amount "0") waives the delivery fee. */
  | { type: 'set_delivery_fee'; amount: string; taxRate?: string | undefined }
  | { type: 'change_delivery'; method: 'ship' | 'pickup'; pickupLocation?: string | undefined };

export type ChangeActionType = ChangeAction['type'];

/** A line as the change sees it: prices as decimal strings, and how much of it is past changing. */
export interface ChangeLine {
  /** The line's id; an added line gets one from the caller before it is applied. */
  id: string;
  lineNo: number;
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: string;
  discount: string;
  taxRate: string | null;
  /** Units shipped, picked or packed: the quantity never goes below this, and the line's price and item are fixed once it is above 0. */
  fulfilled: number;
  added?: boolean;
  /** 'service' lines (assembly, carry-in) hold no stock: a change to them moves none (absent: product). */
  kind?: string;
}

export interface ChangeOrder {
  currency: string;
  pricesIncludeTax: boolean;
  shipping: { amount: string; taxRate?: string | undefined } | undefined;
  /**
   * Shipping lines at different tax rates, as priced at intake (net after their discounts): the
   * order's shipping until a change sets the delivery fee (then `shipping` alone).
   */
  shippingLines?: Array<{ amount: string; taxRate?: string | undefined }> | undefined;
  deliveryMethod: string;
  pickupLocation: string | null;
  lines: ChangeLine[];
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  active: boolean;
}

/** What the change does to one line's stock: units to reserve (>0) or to release (<0), per SKU. */
export interface StockEffect {
  lineId: string;
  sku: string;
  productId: string;
  delta: number;
}

export interface AppliedChange {
  order: ChangeOrder;
  totals: Totals;
  before: Totals;
  stock: StockEffect[];
  /** One entry per action, for history: the line it touched and its values from → to. */
  effects: Array<{ action: ChangeActionType; lineId: string | null; from: unknown; to: unknown }>;
}

export type ChangeRefusal = { code: ErrorCode; errors: FieldError[] };

const refusalRank: Partial<Record<ErrorCode, number>> = {
  ORDER_CHANGE_LINE_SHIPPED: 0,
  ORDER_CHANGE_BELOW_FULFILLED: 1,
  UNKNOWN_SKU: 2,
  ORDER_CHANGE_INVALID: 3,
};

/**
 * Applies the actions in order to the order's lines. Every action is checked against the lines
 * as the earlier actions left them; every problem is reported with its path (`/actions/2/quantity`)
 * and the whole change is refused if any exists. A quantity change scales the line's discount
 * in proportion (half-up), so a per-unit discount stays per unit, unless the change sets it.
 * `newLineId` names added lines (ids are the caller's: the domain makes none).
 */
export function applyChanges(
  order: ChangeOrder,
  actions: readonly ChangeAction[],
  products: ReadonlyMap<string, Product>,
  newLineId: (index: number) => string,
): AppliedChange | ChangeRefusal {
  const errors: Array<FieldError & { code: string; rank: ErrorCode }> = [];
  const fail = (rank: ErrorCode, path: string, message: string, code: string = rank) =>
    errors.push({ path, message, code, rank });
  const lines = order.lines.map((l) => ({ ...l }));
  const original = new Map(order.lines.map((l) => [l.id, l]));
  let shipping = order.shipping ? { ...order.shipping } : undefined;
  let shippingLines = order.shippingLines;
  let deliveryMethod = order.deliveryMethod;
  let pickupLocation = order.pickupLocation;
  const effects: AppliedChange['effects'] = [];
  const money = (text: string) => parseMoney(text, order.currency);
  /** Which action last set each line's figures: priceOrder's line errors are reported there. */
  const lastAction = new Map<string, number>();

  const findLine = (lineId: string, at: number) => {
    const line = lines.find((l) => l.id === lineId);
    if (!line) fail('ORDER_CHANGE_INVALID', `/actions/${at}/lineId`, 'not a line of this order', 'UNKNOWN_LINE');
    else if (line.quantity === 0)
      fail('ORDER_CHANGE_INVALID', `/actions/${at}/lineId`, 'the line is cancelled already', 'LINE_CANCELLED');
    return line && line.quantity > 0 ? line : undefined;
  };
  const product = (sku: string, at: number) => {
    const found = products.get(sku);
    if (!found || !found.active) {
      fail('UNKNOWN_SKU', `/actions/${at}/sku`, found ? `SKU ${sku} is not sold any more` : `unknown SKU ${sku}`);
      return undefined;
    }
    return found;
  };
  const fixed = (line: ChangeLine, at: number, what: string) => {
    if (line.fulfilled === 0) return false;
    fail(
      'ORDER_CHANGE_LINE_SHIPPED',
      `/actions/${at}/lineId`,
      `${line.fulfilled} unit(s) of line ${line.lineNo} (${line.sku}) are shipped, picked or packed: its ${what} cannot change`,
    );
    return true;
  };
  const setQuantity = (line: ChangeLine, quantity: number, at: number, path: string) => {
    if (quantity < line.fulfilled) {
      fail(
        'ORDER_CHANGE_BELOW_FULFILLED',
        `/actions/${at}/${path}`,
        `${line.fulfilled} unit(s) of line ${line.lineNo} (${line.sku}) are shipped, picked or packed: at least ${line.fulfilled}`,
      );
      return;
    }
    const discount = money(line.discount);
    if (typeof discount === 'bigint' && line.quantity > 0 && discount !== 0n)
      line.discount = formatMoney(divRound(discount * BigInt(quantity), BigInt(line.quantity)), order.currency);
    effects.push({
      action: actions[at]!.type,
      lineId: line.id,
      from: { quantity: line.quantity },
      to: { quantity },
    });
    line.quantity = quantity;
    lastAction.set(line.id, at);
  };

  actions.forEach((action, at) => {
    switch (action.type) {
      case 'add_line': {
        const found = product(action.sku, at);
        if (!found) return;
        const line: ChangeLine = {
          id: newLineId(at),
          lineNo: Math.max(0, ...lines.map((l) => l.lineNo)) + 1,
          productId: found.id,
          sku: found.sku,
          name: action.name ?? found.name,
          quantity: action.quantity,
          unitPrice: action.unitPrice,
          discount: action.discount ?? '0',
          taxRate: action.taxRate ?? null,
          fulfilled: 0,
          added: true,
        };
        lines.push(line);
        lastAction.set(line.id, at);
        effects.push({
          action: action.type,
          lineId: line.id,
          from: null,
          to: { sku: line.sku, quantity: line.quantity, unitPrice: line.unitPrice, discount: line.discount },
        });
        return;
      }
      case 'remove_line': {
        const line = findLine(action.lineId, at);
        if (!line || fixed(line, at, 'existence')) return;
        setQuantity(line, 0, at, 'lineId');
        return;
      }
      case 'cancel_quantity': {
        const line = findLine(action.lineId, at);
        if (!line) return;
        if (action.quantity > line.quantity) {
          fail('ORDER_CHANGE_INVALID', `/actions/${at}/quantity`, `the line has ${line.quantity} unit(s)`, 'TOO_MANY');
          return;
        }
        setQuantity(line, line.quantity - action.quantity, at, 'quantity');
        return;
      }
      case 'change_quantity': {
        const line = findLine(action.lineId, at);
        if (line) setQuantity(line, action.quantity, at, 'quantity');
        return;
      }
      case 'change_price': {
        const line = findLine(action.lineId, at);
        if (!line || fixed(line, at, 'price')) return;
        const from = { unitPrice: line.unitPrice, discount: line.discount };
        if (action.unitPrice !== undefined) line.unitPrice = action.unitPrice;
        if (action.discount !== undefined) line.discount = action.discount;
        lastAction.set(line.id, at);
        effects.push({
          action: action.type,
          lineId: line.id,
          from,
          to: { unitPrice: line.unitPrice, discount: line.discount },
        });
        return;
      }
      case 'replace_item': {
        const line = findLine(action.lineId, at);
        const found = product(action.sku, at);
        if (!line || !found || fixed(line, at, 'item')) return;
        if (found.id === line.productId) {
          fail('ORDER_CHANGE_INVALID', `/actions/${at}/sku`, 'the line already carries this SKU', 'SAME_ITEM');
          return;
        }
        const from = { sku: line.sku, name: line.name, unitPrice: line.unitPrice };
        line.productId = found.id;
        line.sku = found.sku;
        line.name = action.name ?? found.name;
        if (action.unitPrice !== undefined) line.unitPrice = action.unitPrice;
        lastAction.set(line.id, at);
        effects.push({
          action: action.type,
          lineId: line.id,
          from,
          to: { sku: line.sku, name: line.name, unitPrice: line.unitPrice },
        });
        return;
      }
      case 'set_delivery_fee': {
        const from = shipping ?? null;
        shipping = {
          amount: action.amount,
          ...(action.taxRate !== undefined
            ? { taxRate: action.taxRate }
            : shipping?.taxRate
              ? { taxRate: shipping.taxRate }
              : {}),
        };
        shippingLines = undefined;
        effects.push({ action: action.type, lineId: null, from, to: shipping });
        lastAction.set('/shipping', at);
        return;
      }
      case 'change_delivery': {
        if (action.method === 'pickup' && !action.pickupLocation) {
          fail('ORDER_CHANGE_INVALID', `/actions/${at}/pickupLocation`, 'a pickup needs its location', 'REQUIRED');
          return;
        }
        const from = { method: deliveryMethod, pickupLocation };
        deliveryMethod = action.method;
        pickupLocation = action.method === 'pickup' ? action.pickupLocation! : null;
        effects.push({ action: action.type, lineId: null, from, to: { method: deliveryMethod, pickupLocation } });
        return;
      }
      default: {
        const never: never = action;
        throw new Error(`unknown action ${JSON.stringify(never)}`);
      }
    }
  });

  const next: ChangeOrder = { ...order, lines, shipping, shippingLines, deliveryMethod, pickupLocation };
  const before = price(order);
  const after = price(next);
  if ('errors' in after) {
    // priceOrder names /lines/i/… and /shipping/…: report them at the action that set the value.
    for (const error of after.errors) {
      const match = /^\/lines\/(\d+)(\/.*)?$/.exec(error.path);
      const at = match ? lastAction.get(lines[Number(match[1])]!.id) : lastAction.get('/shipping');
      const field = match ? (match[2] ?? '') : error.path.replace(/^\/shipping/, '');
      fail(
        'ORDER_CHANGE_INVALID',
        at === undefined ? error.path : `/actions/${at}${field}`,
        error.message,
        error.code ?? 'INVALID',
      );
    }
  }
  if (errors.length || 'errors' in after || 'errors' in before) {
    errors.sort((a, b) => (refusalRank[a.rank] ?? 9) - (refusalRank[b.rank] ?? 9));
    return { code: errors[0]?.rank ?? 'ORDER_CHANGE_INVALID', errors: errors.map(({ rank: _r, ...e }) => e) };
  }

  const stock: StockEffect[] = [];
  for (const line of lines) {
    if (line.kind === 'service') continue;
    const was = original.get(line.id);
    if (was && was.productId !== line.productId) {
      stock.push({ lineId: line.id, sku: was.sku, productId: was.productId, delta: -was.quantity });
      stock.push({ lineId: line.id, sku: line.sku, productId: line.productId, delta: line.quantity });
    } else if ((was?.quantity ?? 0) !== line.quantity) {
      stock.push({
        lineId: line.id,
        sku: line.sku,
        productId: line.productId,
        delta: line.quantity - (was?.quantity ?? 0),
      });
    }
  }
  return { order: next, totals: after.totals, before: before.totals, stock, effects };
}

/** The order's totals from its lines, exactly as intake prices them. */
export function price(order: ChangeOrder) {
  return priceOrder(
    order.currency,
    order.lines.map((l) => ({
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      discount: l.discount,
      taxRate: l.taxRate ?? undefined,
    })),
    order.shippingLines ?? order.shipping,
    order.pricesIncludeTax,
  );
}

/** Stock per SKU: units to reserve (>0) or to give back (<0), summed over the lines. */
export function stockBySku(stock: readonly StockEffect[]): Array<{ sku: string; delta: number }> {
  const sums = new Map<string, number>();
  for (const effect of stock) sums.set(effect.sku, (sums.get(effect.sku) ?? 0) + effect.delta);
  return [...sums].filter(([, d]) => d !== 0).map(([sku, delta]) => ({ sku, delta }));
}

export interface PaymentPosition {
  /** captured − refunded − refunds still pending */
  paid: bigint;
  /** authorised and neither captured nor voided */
  openAuthorization: bigint;
}

/**
 * What the change means for the money: the difference of totals; a refund when what was paid is
 * above the new total; an outstanding amount when it is below, and whether an open authorisation
 * covers it (then the capture at shipment takes it, nothing is charged now).
 */
export function paymentDifference(before: bigint, after: bigint, position: PaymentPosition) {
  const refund = position.paid > after ? position.paid - after : 0n;
  const outstanding = after > position.paid ? after - position.paid : 0n;
  return {
    difference: after - before,
    paid: position.paid,
    refund,
    outstanding,
    authorizationCovers: outstanding > 0n && position.openAuthorization >= outstanding,
  };
}

export interface ApprovalRule {
  role: string;
  rule: string;
}

/**
 * Who must approve, by a fixed documented rule (process definitions cannot express approvals of
 * a change yet, docs/order-changes.md): a lower price or a larger discount on a line is a price
 * concession (role `approver`); a change that gives money back needs `finance`; a change that
 * raises the total by more than `raiseLimit` minor units (tenant's choice) needs `approver`.
 */
export function approvalsFor(
  after: AppliedChange,
  refund: bigint,
  currency: string,
  raiseLimit: bigint | null,
): ApprovalRule[] {
  const out: ApprovalRule[] = [];
  const toMinor = (text: unknown) => {
    const value = typeof text === 'string' ? parseMoney(text, currency) : 0n;
    return typeof value === 'bigint' ? value : 0n;
  };
  const concession = after.effects.some((effect) => {
    if (effect.action !== 'change_price' && effect.action !== 'replace_item') return false;
    const from = effect.from as { unitPrice?: string; discount?: string };
    const to = effect.to as { unitPrice?: string; discount?: string };
    return (
      toMinor(to.unitPrice) < toMinor(from.unitPrice) || toMinor(to.discount ?? from.discount) > toMinor(from.discount)
    );
  });
  if (concession) out.push({ role: 'approver', rule: 'a line is sold for less than before (price or discount)' });
  if (refund > 0n)
    out.push({ role: 'finance', rule: `money goes back to the customer (${formatMoney(refund, currency)})` });
  const raise = after.totals.grandTotal - after.before.grandTotal;
  if (raiseLimit !== null && raise > raiseLimit)
    out.push({ role: 'approver', rule: `the total rises by more than ${formatMoney(raiseLimit, currency)}` });
  return out;
}
