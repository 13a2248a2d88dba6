import { divRound, parseMoney, parseRate, percentOf, type ParseMoneyError } from '../../shared/money.js';
import type { FieldError } from '../../shared/errors.js';
import { allocateDiscounts } from './discount-allocation.js';

export interface LineInput {
  quantity: number;
  unitPrice: string;
  discount?: string | undefined;
  taxRate?: string | undefined;
}

export interface ShippingInput {
  amount: string;
  discount?: string | undefined;
  taxRate?: string | undefined;
}

export interface DiscountInput {
  /** 'order' discounts are spread over the lines, 'shipping' discounts over the shipping lines. */
  target: 'order' | 'shipping';
  amount: string;
}

/** One discount's share of a line: `index` is the discount's position in the order's discounts. */
export interface AllocatedShare {
  index: number;
  amount: bigint;
}

export interface PricedLine {
  quantity: number;
  unitPrice: bigint;
  /** quantity × unit price */
  gross: bigint;
  /** the line's own discount plus its share of the order's discounts */
  discount: bigint;
  /** the line's share of the order-level discounts (part of `discount`) */
  allocatedDiscount: bigint;
  allocations: AllocatedShare[];
  /** gross − discount: what the line sells for, before tax (or tax included, see pricesIncludeTax) */
  net: bigint;
  taxRate: string | null;
  tax: bigint;
  /** what the customer pays for the line */
  total: bigint;
}

export interface PricedShipping {
  amount: bigint;
  /** the shipping line's own discount plus its share of the shipping discounts */
  discount: bigint;
  allocatedDiscount: bigint;
  allocations: AllocatedShare[];
  /** amount − discount */
  net: bigint;
  taxRate: string | null;
  tax: bigint;
  total: bigint;
}

export interface Totals {
  subtotal: bigint;
  discountTotal: bigint;
  taxTotal: bigint;
  shippingTotal: bigint;
  grandTotal: bigint;
}

/** Amounts beyond this (10^15 minor units) are refused: no order is that large, and int8 stays safe. */
const MAX_AMOUNT = 10n ** 15n;

const moneyMessage: Record<ParseMoneyError, string> = {
  NOT_A_DECIMAL: 'must be a decimal string such as "12.50"',
  TOO_MANY_DECIMALS: 'has more decimal places than the currency allows',
  UNKNOWN_CURRENCY: 'unknown currency',
};

function tax(net: bigint, rate: { num: bigint; den: bigint } | null, included: boolean): bigint {
  if (!rate) return 0n;
  if (!included) return percentOf(net, rate);
  // Tax contained in a gross amount: net × r / (100 + r), rounded half away from zero.
  return divRound(net * rate.num, rate.den * 100n + rate.num);
}

/**
 * Prices an order exactly in minor units. With pricesIncludeTax (usual in EU retail) the unit
 * price already contains tax and the tax is extracted; otherwise tax is added (usual in B2B).
 *
 * `shipping` is one charge (the `shipping` shorthand, errors at /shipping/…) or shipping lines
 * (errors at /shippingLines/i/…). `discounts` are order-level: each 'order' discount is spread
 * over the lines in proportion to their net after their own discount, each 'shipping' discount
 * over the shipping lines the same way, exactly, by the largest-remainder method (see
 * discount-allocation.ts); tax is computed on the net after that. A discount larger than what it
 * applies to is refused at /discounts/i/amount. Every problem is reported with the path of the
 * field at fault.
 */
export function priceOrder(
  currency: string,
  lines: LineInput[],
  shipping: ShippingInput | readonly ShippingInput[] | undefined,
  pricesIncludeTax: boolean,
  discounts: readonly DiscountInput[] = [],
): { lines: PricedLine[]; shipping: PricedShipping[]; totals: Totals } | { errors: FieldError[] } {
  const errors: FieldError[] = [];
  const money = (text: string, path: string, allowNegative = false): bigint => {
    const money = parseMoney(text, currency);
    if (typeof money === 'string') {
      errors.push({ path, message: moneyMessage[money], code: money });
      return 0n;
    }
    if (money < 0n && !allowNegative) errors.push({ path, message: 'must not be negative', code: 'NEGATIVE' });
    if (money > MAX_AMOUNT || money < -MAX_AMOUNT) errors.push({ path, message: 'is too large', code: 'TOO_LARGE' });
    return money;
  };
  const rate = (text: string | undefined, path: string) => {
    if (text === undefined) return null;
    const rate = parseRate(text);
    if (!rate) errors.push({ path, message: 'must be a percentage such as "23" or "8.5"', code: 'BAD_RATE' });
    else if (rate.num > rate.den * 100n) errors.push({ path, message: 'must be at most 100', code: 'BAD_RATE' });
    return rate;
  };

  const shippingLines: readonly ShippingInput[] =
    shipping === undefined ? [] : 'amount' in shipping ? [shipping] : shipping;
  const shippingPath = (index: number, field: string) =>
    shipping !== undefined && 'amount' in shipping ? `/shipping/${field}` : `/shippingLines/${index}/${field}`;

  const base = lines.map((line, index) => {
    const unitPrice = money(line.unitPrice, `/lines/${index}/unitPrice`);
    const discount = line.discount === undefined ? 0n : money(line.discount, `/lines/${index}/discount`);
    const lineRate = rate(line.taxRate, `/lines/${index}/taxRate`);
    const gross = unitPrice * BigInt(line.quantity);
    if (gross > MAX_AMOUNT)
      errors.push({ path: `/lines/${index}`, message: 'quantity × unit price is too large', code: 'TOO_LARGE' });
    if (unitPrice >= 0n && discount > gross)
      errors.push({
        path: `/lines/${index}/discount`,
        message: 'is larger than quantity × unit price',
        code: 'DISCOUNT_TOO_LARGE',
      });
    return { line, unitPrice, gross, discount, rate: lineRate };
  });
  const shipBase = shippingLines.map((ship, index) => {
    const amount = money(ship.amount, shippingPath(index, 'amount'));
    const discount = ship.discount === undefined ? 0n : money(ship.discount, shippingPath(index, 'discount'));
    if (amount >= 0n && discount > amount)
      errors.push({
        path: shippingPath(index, 'discount'),
        message: 'is larger than the amount',
        code: 'DISCOUNT_TOO_LARGE',
      });
    return { ship, amount, discount, rate: rate(ship.taxRate, shippingPath(index, 'taxRate')) };
  });
  const discountAmounts = discounts.map((d, index) => ({
    index,
    target: d.target,
    amount: money(d.amount, `/discounts/${index}/amount`),
  }));
  if (errors.length) return { errors };

  // Order-level discounts, each over what its lines still sell for (see discount-allocation.ts).
  const allocate = (target: DiscountInput['target'], nets: bigint[]) => {
    const applying = discountAmounts.filter((d) => d.target === target);
    const result = allocateDiscounts(
      applying.map((d) => d.amount),
      nets,
    );
    if (!result.ok) {
      const refused = applying[result.index]!;
      errors.push({
        path: `/discounts/${refused.index}/amount`,
        message:
          target === 'order'
            ? 'is larger than what the lines sell for after their own and earlier discounts'
            : 'is larger than the shipping after its own and earlier discounts',
        code: 'DISCOUNT_TOO_LARGE',
      });
      return nets.map(() => [] as AllocatedShare[]);
    }
    return result.value.shares.map((row) =>
      row.map((amount, k) => ({ index: applying[k]!.index, amount })).filter((share) => share.amount !== 0n),
    );
  };
  const lineShares = allocate(
    'order',
    base.map((b) => b.gross - b.discount),
  );
  const shipShares = allocate(
    'shipping',
    shipBase.map((b) => b.amount - b.discount),
  );
  if (errors.length) return { errors };
  const sumShares = (shares: AllocatedShare[]) => shares.reduce((sum, share) => sum + share.amount, 0n);

  const priced: PricedLine[] = base.map((entry, index) => {
    const allocatedDiscount = sumShares(lineShares[index]!);
    const discount = entry.discount + allocatedDiscount;
    const net = entry.gross - discount;
    const value = tax(net, entry.rate, pricesIncludeTax);
    return {
      quantity: entry.line.quantity,
      unitPrice: entry.unitPrice,
      gross: entry.gross,
      discount,
      allocatedDiscount,
      allocations: lineShares[index]!,
      net,
      taxRate: entry.line.taxRate ?? null,
      tax: value,
      total: pricesIncludeTax ? net : net + value,
    };
  });
  const pricedShipping: PricedShipping[] = shipBase.map((entry, index) => {
    const allocatedDiscount = sumShares(shipShares[index]!);
    const discount = entry.discount + allocatedDiscount;
    const net = entry.amount - discount;
    const value = tax(net, entry.rate, pricesIncludeTax);
    return {
      amount: entry.amount,
      discount,
      allocatedDiscount,
      allocations: shipShares[index]!,
      net,
      taxRate: entry.ship.taxRate ?? null,
      tax: value,
      total: pricesIncludeTax ? net : net + value,
    };
  });

  const sum = <T>(rows: T[], f: (row: T) => bigint) => rows.reduce((a, row) => a + f(row), 0n);
  const subtotal = sum(priced, (l) => l.gross);
  const discountTotal = sum(priced, (l) => l.discount);
  const taxTotal = sum(priced, (l) => l.tax) + sum(pricedShipping, (l) => l.tax);
  const shippingTotal = sum(pricedShipping, (l) => l.net);
  const grandTotal = sum(priced, (l) => l.total) + sum(pricedShipping, (l) => l.total);
  return {
    lines: priced,
    shipping: pricedShipping,
    totals: { subtotal, discountTotal, taxTotal, shippingTotal, grandTotal },
  };
}
