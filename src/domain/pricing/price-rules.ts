import { divRound, formatMoney, parseRate } from '../../shared/money.js';
import type { FieldError } from '../../shared/errors.js';

/**
 * Price lists' pure rules (docs/pricing.md): which list applies to an order, which entry of it
 * prices a line (quantity breaks), the floor, the deviation of a price the channel sent from the
 * list's, and the minimum order rules. Amounts are bigint minor units.
 */

export type PriceListScope = 'base' | 'channel' | 'customer_group' | 'company';

/** One price list entry for an SKU, as intake reads it (already valid at the order's time). */
export interface PriceCandidate {
  list: string;
  listVersion: number;
  scope: PriceListScope;
  scopeRef: string | null;
  priority: number;
  pricesIncludeTax: boolean;
  sku: string;
  minQuantity: number;
  unitPrice: bigint;
  floorPrice: bigint | null;
  taxRate: string | null;
}

/** Who the order is for: what decides which lists apply. */
export interface PricingParty {
  channel: string;
  /** the channel's own list (channels.price_list) */
  channelList?: string | null;
  companyCode?: string | null;
  /** the company's contract list (terms.priceList) */
  contractList?: string | null;
  /** the customer's segment and the company's: a customer-group list names one */
  segments: readonly string[];
}

/**
 * The order in which lists are tried, lowest first: the company's contract list, lists scoped to
 * the company, to the customer's group, the channel's own list, lists scoped to the channel, then
 * base lists; `null` when the list does not apply to this party.
 */
export function listRank(
  candidate: Pick<PriceCandidate, 'list' | 'scope' | 'scopeRef'>,
  party: PricingParty,
): number | null {
  if (party.contractList && candidate.list === party.contractList) return 0;
  switch (candidate.scope) {
    case 'company':
      return party.companyCode && candidate.scopeRef === party.companyCode ? 1 : null;
    case 'customer_group':
      return candidate.scopeRef !== null && party.segments.includes(candidate.scopeRef) ? 2 : null;
    case 'channel':
      if (party.channelList && candidate.list === party.channelList) return 3;
      return candidate.scopeRef === party.channel ? 4 : null;
    case 'base':
      return party.channelList && candidate.list === party.channelList ? 3 : 5;
  }
}

const RANK_NAMES = ['contract', 'company', 'customer group', 'channel', 'channel', 'base'];

/** The price a line gets: the entry chosen and, in words, why. */
export interface ChosenPrice {
  entry: PriceCandidate;
  /** e.g. "contract list KONTRAKT-ACME v3, from 10 pcs" */
  rule: string;
}

/**
 * The applicable entry for `sku` at `quantity`: lists in rank order (then priority, higher first,
 * then code); the first list with an entry whose quantity break the line reaches wins, and within
 * it the highest break reached.
 */
export function choosePrice(
  candidates: readonly PriceCandidate[],
  party: PricingParty,
  sku: string,
  quantity: number,
): ChosenPrice | null {
  const ranked = candidates
    .filter((c) => c.sku === sku)
    .map((c) => ({ c, rank: listRank(c, party) }))
    .filter((x): x is { c: PriceCandidate; rank: number } => x.rank !== null)
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        b.c.priority - a.c.priority ||
        (a.c.list < b.c.list ? -1 : a.c.list > b.c.list ? 1 : 0) ||
        b.c.minQuantity - a.c.minQuantity,
    );
  for (const { c: entry, rank } of ranked) {
    // sorted by list, then by break descending: the first reached break of the first list wins
    if (entry.minQuantity <= quantity) {
      const from = entry.minQuantity > 1 ? `, from ${entry.minQuantity}` : '';
      return { entry, rule: `${RANK_NAMES[rank]} list ${entry.list} v${entry.listVersion}${from}` };
    }
  }
  return null;
}

/**
 * A list price on the order's basis: a tax-inclusive list price for a net order loses its tax (and
 * the reverse), rounded half up at the unit price; `null` when the rate needed is unknown.
 */
export function onOrderBasis(
  price: bigint,
  listIncludesTax: boolean,
  orderIncludesTax: boolean,
  taxRate: string | null | undefined,
): bigint | null {
  if (listIncludesTax === orderIncludesTax) return price;
  const rate = taxRate ? parseRate(taxRate) : null;
  if (!rate) return null;
  const hundred = 100n * rate.den;
  return listIncludesTax
    ? divRound(price * hundred, hundred + rate.num)
    : divRound(price * (hundred + rate.num), hundred);
}

/**
 * How far `given` is from `listed`, in percent of the list price (positive: dearer), to two decimal
 * places, exact: basis points as an integer.
 */
export function deviationBasisPoints(given: bigint, listed: bigint): bigint {
  if (listed === 0n) return given === 0n ? 0n : 1_000_000n;
  return divRound((given - listed) * 10_000n, listed);
}

/** Percent from basis points, for messages: 250n → "2.50". */
export const percentText = (bp: bigint) => {
  const neg = bp < 0n;
  const abs = neg ? -bp : bp;
  return `${neg ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
};

/** A tolerance as basis points from "2.5" (percent); null when not a valid non-negative percentage. */
export function toleranceBasisPoints(value: unknown): bigint | null {
  if (value === undefined || value === null) return null;
  const rate = parseRate(String(value));
  if (!rate) return null;
  return divRound(rate.num * 100n, rate.den);
}

/** The minimum order rules: per SKU (least quantity, multiples) and the order amount. */
export interface MinimumRules {
  lines: ReadonlyArray<{ sku: string; quantity: number; minQuantity: number | null; multiple: number | null }>;
  /** goods value after discounts (what is compared with the minimum) */
  amount: bigint;
  currency: string;
  /** the strictest minimum that applies and who set it */
  minimum?: { amount: bigint; source: string } | undefined;
  /** JSON pointer prefix of the lines (`/lines`) */
  linesPath?: string;
}

/** Every minimum order rule the order breaks, each naming the rule and the field at fault. */
export function minimumOrderErrors(rules: MinimumRules): FieldError[] {
  const errors: FieldError[] = [];
  const path = rules.linesPath ?? '/lines';
  rules.lines.forEach((line, index) => {
    if (line.minQuantity !== null && line.quantity < line.minQuantity)
      errors.push({
        path: `${path}/${index}/quantity`,
        message: `SKU ${line.sku} is sold from ${line.minQuantity} units (minimum batch), ${line.quantity} asked`,
        code: 'BELOW_MIN_QUANTITY',
      });
    if (line.multiple !== null && line.multiple > 1 && line.quantity % line.multiple !== 0)
      errors.push({
        path: `${path}/${index}/quantity`,
        message: `SKU ${line.sku} is sold in multiples of ${line.multiple}, ${line.quantity} asked`,
        code: 'NOT_A_MULTIPLE',
      });
  });
  if (rules.minimum && rules.amount < rules.minimum.amount)
    errors.push({
      path,
      message: `the order's goods come to ${formatMoney(rules.amount, rules.currency)} ${rules.currency}, below the minimum order of ${formatMoney(rules.minimum.amount, rules.currency)} ${rules.currency} (${rules.minimum.source})`,
      code: 'BELOW_MIN_ORDER_AMOUNT',
    });
  return errors;
}
