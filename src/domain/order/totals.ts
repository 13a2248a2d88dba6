import { divRound, parseMoney, parseRate, percentOf, type ParseMoneyError } from '../../shared/money.js';
import type { FieldError } from '../../shared/errors.js';

export interface LineInput {
  quantity: number;
  unitPrice: string;
  discount?: string | undefined;
  taxRate?: string | undefined;
}

export interface PricedLine {
  quantity: number;
  unitPrice: bigint;
  /** quantity × unit price */
  gross: bigint;
  discount: bigint;
  /** gross − discount: what the line sells for, before tax (or tax included, see pricesIncludeTax) */
  net: bigint;
  taxRate: string | null;
  tax: bigint;
  /** what the customer pays for the line */
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
 * Every problem is reported with the path of the field at fault.
 */
export function priceOrder(
  currency: string,
  lines: LineInput[],
  shipping: { amount: string; taxRate?: string | undefined } | undefined,
  pricesIncludeTax: boolean,
): { lines: PricedLine[]; totals: Totals } | { errors: FieldError[] } {
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

  const priced: PricedLine[] = lines.map((line, index) => {
    const unitPrice = money(line.unitPrice, `/lines/${index}/unitPrice`);
    const discount = line.discount === undefined ? 0n : money(line.discount, `/lines/${index}/discount`);
    const result = rate(line.taxRate, `/lines/${index}/taxRate`);
    const gross = unitPrice * BigInt(line.quantity);
    if (gross > MAX_AMOUNT)
      errors.push({ path: `/lines/${index}`, message: 'quantity × unit price is too large', code: 'TOO_LARGE' });
    if (unitPrice >= 0n && discount > gross)
      errors.push({
        path: `/lines/${index}/discount`,
        message: 'is larger than quantity × unit price',
        code: 'DISCOUNT_TOO_LARGE',
      });
    const net = gross - discount;
    const value = tax(net, result, pricesIncludeTax);
    return {
      quantity: line.quantity,
      unitPrice,
      gross,
      discount,
      net,
      taxRate: line.taxRate ?? null,
      tax: value,
      total: pricesIncludeTax ? net : net + value,
    };
  });

  const shipNet = shipping ? money(shipping.amount, '/shipping/amount') : 0n;
  const shipRate = shipping ? rate(shipping.taxRate, '/shipping/taxRate') : null;
  const shipTax = tax(shipNet, shipRate, pricesIncludeTax);
  if (errors.length) return { errors };

  const sum = (f: (pricedLine: PricedLine) => bigint) => priced.reduce((a, l) => a + f(l), 0n);
  const subtotal = sum((l) => l.gross);
  const discountTotal = sum((l) => l.discount);
  const taxTotal = sum((l) => l.tax) + shipTax;
  const grandTotal = sum((l) => l.total) + (pricesIncludeTax ? shipNet : shipNet + shipTax);
  return { lines: priced, totals: { subtotal, discountTotal, taxTotal, shippingTotal: shipNet, grandTotal } };
}
