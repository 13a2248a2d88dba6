import { ApiError, get, type Schemas } from '../api';
import { formatDuration, formatMoney } from '../format';
import { useI18n } from '../i18n/index';
import type { ChunkTranslate } from '../i18n/index';
import type { ContextKey } from '../i18n/context-messages';

export type OrderContext = Schemas['OrderContext'];
export type Shortage = Schemas['Shortage'][number];
type T = ChunkTranslate<ContextKey>;

/** "SKU-3 (Łyżka stołowa) short by 3 units at Warszawa" in the user's language. */
export function shortageText(t: T, s: Shortage): string {
  const params = { sku: s.sku, name: s.name, count: s.quantity };
  return s.location ? t('cx.short', { ...params, location: s.location.name }) : t('cx.shortNowhere', params);
}

/** The order at a glance: number, customer, amount with currency in the user's locale, channel, age. */
export function OrderContextLine({ order, t }: { order: OrderContext; t: T }) {
  const { locale } = useI18n();
  return (
    <span className="order-context">
      <span className="mono" title={t('cx.order')}>
        {order.number}
      </span>
      {' · '}
      <span title={t('cx.customer')}>{order.customerName ?? '—'}</span>
      {' · '}
      <strong title={t('cx.amount')}>{formatMoney(order.grandTotal, order.currency, locale)}</strong>
      {' · '}
      <span title={t('cx.channel')}>{order.channel.name}</span>
      {' · '}
      <span className="muted" title={t('cx.age')}>
        {t('cx.ageValue', { duration: formatDuration(order.ageSeconds, locale) })}
      </span>
    </span>
  );
}

export function ShortageList({ shortages, t }: { shortages: Shortage[]; t: T }) {
  if (!shortages.length) return null;
  return (
    <ul className="shortages" aria-label={t('cx.shortages')}>
      {shortages.map((s) => (
        <li key={`${s.sku}-${s.location?.code ?? ''}`}>{shortageText(t, s)}</li>
      ))}
    </ul>
  );
}

type ExceptionQueue = Schemas['ExceptionQueue'];

/**
 * What the order actually reached after an action, told from the server's answer and a re-read
 * of the exceptions queue for that order: "restocked — the order went back to Shortage: SKU-3
 * short by 2 at Warszawa", never just "sent".
 */
export async function describeOutcome(
  t: T,
  stateName: (state: string) => string,
  args: { orderId: string; number: string; action: string; before: string; after: string },
): Promise<string> {
  let why = '';
  try {
    const queue = await get<ExceptionQueue>(`/exceptions?orderId=${args.orderId}`);
    const item = queue.groups.flatMap((g) => g.orders).find((o) => o.orderId === args.orderId);
    if (item?.shortages.length) why = item.shortages.map((s) => shortageText(t, s)).join('; ');
  } catch {
    // the outcome is still told from the action's answer
  }
  const back = args.after === args.before;
  const key = why ? (back ? 'cx.outcomeBackWhy' : 'cx.outcomeWhy') : back ? 'cx.outcomeBack' : 'cx.outcomeNow';
  return t(key, { number: args.number, action: args.action, state: stateName(args.after), why });
}

/**
 * A refusal in plain words: a 412 (or a 409 version conflict) says someone changed the thing
 * meanwhile and offers a reload; other refusals say why. `stale` asks the page for a Reload button.
 */
export function refusal(t: T, error: unknown, what: 'task' | 'order'): { text: string; stale: boolean } {
  if (error instanceof ApiError && (error.status === 412 || error.problem.code === 'VERSION_MISMATCH')) {
    const version = (error.problem as Record<string, unknown>).currentVersion;
    const text =
      typeof version === 'number'
        ? t(what === 'task' ? 'cx.staleTask' : 'cx.staleOrder', { version })
        : t('cx.staleNoVersion');
    return { text, stale: true };
  }
  return { text: t('cx.conflict', { detail: error instanceof Error ? error.message : String(error) }), stale: false };
}

/** Money facts have names like these; the engine reads them in minor units (order.total 50513). */
const MONEY_FACT =
  /(total|subtotal|amount|price|creditlimit|availablecredit|budgetremaining|exposure|gross|net|tax|shipping|discount)$/i;

/** Minor units as a decimal string in the currency's exponent (50513 PLN → "505.13"). */
function fromMinor(units: string, currency: string): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // an unknown code: two decimals
  }
  const negative = units.startsWith('-');
  const abs = units.replace('-', '').padStart(digits + 1, '0');
  const whole = abs.slice(0, abs.length - digits);
  const fraction = digits ? `.${abs.slice(abs.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** A fact's value as a person reads it: money in the order's currency and the user's locale. */
export function factValue(name: string, value: unknown, currency: string, locale: string): string {
  const last = name.split('.').at(-1) ?? name;
  const integer =
    typeof value === 'number' ? Number.isInteger(value) : typeof value === 'string' && /^-?\d+$/.test(value);
  if (MONEY_FACT.test(last) && !/pct|percent|rate|count/i.test(last) && integer)
    return formatMoney(fromMinor(String(value), currency), currency, locale);
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return String(value);
  return JSON.stringify(value);
}

type Entry = { reason: Record<string, unknown> };

/** The inputs the decision that opened a task read, money formatted, each once. */
export function DecisionFacts({ entry, currency, t }: { entry: Entry; currency: string; t: T }) {
  const { locale } = useI18n();
  const facts = new Map<string, unknown>();
  const add = (inputs: unknown) => {
    if (inputs && typeof inputs === 'object')
      for (const [k, v] of Object.entries(inputs as Record<string, unknown>)) if (!facts.has(k)) facts.set(k, v);
  };
  add(entry.reason.inputs);
  if (Array.isArray(entry.reason.trace)) for (const step of entry.reason.trace) add((step as Entry['reason']).inputs);
  if (!facts.size) return null;
  return (
    <dl className="facts" aria-label={t('cx.facts')}>
      {[...facts].map(([k, v]) => (
        <div key={k}>
          <dt className="mono">{k}</dt>
          <dd>{factValue(k, v, currency, locale)}</dd>
        </div>
      ))}
    </dl>
  );
}
