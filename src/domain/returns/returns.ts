import { divRound } from '../../shared/money.js';

/**
 * Returns' own rules, pure: what can still come back from an order line, what the units coming
 * back are worth, and what a refund for them is (items, shipping by rule, a restocking fee).
 * Money is bigint minor units; the value of units is their cumulative share of the line's total,
 * so returning a line in parts never gives back more (or less) than was paid for it.
 */

/** The reason catalogue every tenant starts with; a tenant adds its own or relabels these (return_reasons). */
export const DEFAULT_REASONS: ReadonlyArray<{
  code: string;
  labels: Record<'en' | 'pl' | 'ru', string>;
  needsPhoto: boolean;
}> = [
  {
    code: 'damaged',
    labels: { en: 'Arrived damaged', pl: 'Uszkodzony w transporcie', ru: 'Повреждён при доставке' },
    needsPhoto: true,
  },
  { code: 'defective', labels: { en: 'Does not work', pl: 'Nie działa', ru: 'Не работает' }, needsPhoto: false },
  {
    code: 'wrong_item',
    labels: { en: 'Wrong item sent', pl: 'Wysłano inny towar', ru: 'Прислали не тот товар' },
    needsPhoto: true,
  },
  {
    code: 'not_as_described',
    labels: { en: 'Not as described', pl: 'Niezgodny z opisem', ru: 'Не соответствует описанию' },
    needsPhoto: false,
  },
  {
    code: 'size_fit',
    labels: { en: 'Size or fit', pl: 'Rozmiar lub krój', ru: 'Не подошёл размер' },
    needsPhoto: false,
  },
  {
    code: 'changed_mind',
    labels: { en: 'Changed my mind', pl: 'Rozmyśliłem się', ru: 'Передумал' },
    needsPhoto: false,
  },
  {
    code: 'late',
    labels: { en: 'Arrived too late', pl: 'Dotarł za późno', ru: 'Доставлен слишком поздно' },
    needsPhoto: false,
  },
  { code: 'other', labels: { en: 'Other', pl: 'Inny powód', ru: 'Другая причина' }, needsPhoto: false },
];

/** The value of `quantity` more units of a line after `already` came back: cumulative, so parts add up to the line. */
export function unitsValue(lineTotal: bigint, lineQuantity: number, already: number, quantity: number): bigint {
  if (quantity <= 0) return 0n;
  const upTo = (n: number) => (n >= lineQuantity ? lineTotal : divRound(lineTotal * BigInt(n), BigInt(lineQuantity)));
  return upTo(already + quantity) - upTo(already);
}

export interface OrderLineState {
  id: string;
  sku: string;
  quantity: number;
  total: bigint;
  /** Units that left a location for the customer (shipment movements in the ledger). */
  shipped: number;
  /** Units on earlier returns still open or done (not refused or cancelled). */
  returned: number;
  returnable: boolean;
}

export interface RequestedLine {
  lineId: string;
  quantity: number;
}

export interface LineProblem {
  path: string;
  message: string;
  code: 'RETURN_LINE_NOT_ON_ORDER' | 'RETURN_EXCEEDS_DELIVERED' | 'RETURN_NOT_RETURNABLE' | 'VALIDATION_FAILED';
}

/**
 * Checks requested lines against the order: each names a line of this order once, for no more
 * units than were shipped and not already on another return, of a SKU that may be returned.
 * Returns every problem (with the field at fault) or the units and their value.
 */
export function checkReturnLines(
  lines: readonly OrderLineState[],
  requested: readonly RequestedLine[],
): { ok: true; lines: Array<RequestedLine & { sku: string; value: bigint }> } | { ok: false; problems: LineProblem[] } {
  const problems: LineProblem[] = [];
  const seen = new Set<string>();
  const out: Array<RequestedLine & { sku: string; value: bigint }> = [];
  requested.forEach((req, index) => {
    const line = lines.find((l) => l.id === req.lineId);
    if (!line) {
      problems.push({
        path: `/lines/${index}/lineId`,
        message: 'not a line of this order',
        code: 'RETURN_LINE_NOT_ON_ORDER',
      });
      return;
    }
    if (seen.has(line.id)) {
      problems.push({ path: `/lines/${index}/lineId`, message: 'the line is named twice', code: 'VALIDATION_FAILED' });
      return;
    }
    seen.add(line.id);
    if (!line.returnable) {
      problems.push({
        path: `/lines/${index}/lineId`,
        message: `${line.sku} cannot be returned`,
        code: 'RETURN_NOT_RETURNABLE',
      });
      return;
    }
    const left = line.shipped - line.returned;
    if (req.quantity > left) {
      problems.push({
        path: `/lines/${index}/quantity`,
        message:
          left <= 0
            ? `no unit of ${line.sku} can come back: ${line.shipped} shipped, ${line.returned} already on a return`
            : `at most ${left} unit(s) of ${line.sku}: ${line.shipped} shipped, ${line.returned} already on a return`,
        code: 'RETURN_EXCEEDS_DELIVERED',
      });
      return;
    }
    out.push({ ...req, sku: line.sku, value: unitsValue(line.total, line.quantity, line.returned, req.quantity) });
  });
  return problems.length ? { ok: false, problems } : { ok: true, lines: out };
}

/** When the delivery charge goes back: never, when every unit of the order comes back, or always. */
export type ShippingRefundRule = 'never' | 'full_return' | 'always';

export interface RefundRule {
  shipping: ShippingRefundRule;
  /** A fee kept from the items' value, in percent (0–100, up to two decimals as an integer of basis points / 100). */
  restockingFeeBasisPoints: number;
  /** Whether written-off units are refunded (damage on arrival: yes; damage by the customer: the process decides). */
  refundWriteOffs: boolean;
}

export interface RefundLineInput {
  quantity: number;
  received: number;
  writeOff: number;
  value: bigint;
}

export interface RefundFigures {
  items: bigint;
  shipping: bigint;
  fee: bigint;
  total: bigint;
}

/**
 * What a return's refund is: the value of the units received (written-off ones only when the rule
 * says so), the delivery charge when the rule and the return allow, less the restocking fee.
 * `fullReturn` says whether, with this return, every shipped unit of the order has come back.
 */
export function refundFigures(
  lines: readonly RefundLineInput[],
  rule: RefundRule,
  shippingTotal: bigint,
  fullReturn: boolean,
): RefundFigures {
  let items = 0n;
  for (const line of lines) {
    const counted = rule.refundWriteOffs ? line.received : line.received - line.writeOff;
    if (counted <= 0) continue;
    items += counted >= line.quantity ? line.value : divRound(line.value * BigInt(counted), BigInt(line.quantity));
  }
  const fee = rule.restockingFeeBasisPoints > 0 ? divRound(items * BigInt(rule.restockingFeeBasisPoints), 10_000n) : 0n;
  const shipping = rule.shipping === 'always' || (rule.shipping === 'full_return' && fullReturn) ? shippingTotal : 0n;
  return { items, shipping, fee, total: items - fee + shipping };
}

/** An exchange's price difference: positive = the customer pays more, negative = they get money back. */
export function exchangeDifference(returnedValue: bigint, replacementTotal: bigint): bigint {
  return replacementTotal - returnedValue;
}
