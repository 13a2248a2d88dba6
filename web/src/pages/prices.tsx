import { useQuery } from '@tanstack/react-query';
import { ApiError, get } from '../api';
import { Link } from '../router';
import { ErrorBox, Loading } from '../components/status';
import { ComingSoon } from './coming-soon';
import { formatDate, formatDateTime, formatMoney } from '../format';
import { useI18n, useMessages, type ChunkTranslate } from '../i18n/index';
import { pricesMessages, type PricesKey } from '../i18n/prices-messages';

interface PriceListSummary {
  id: string;
  code: string;
  name: string;
  currency: string;
  pricesIncludeTax: boolean;
  scope: string;
  scopeRef: string | null;
  validFrom: string | null;
  validTo: string | null;
  active: boolean;
  version: number;
  entryCount?: number;
}
interface PriceList extends PriceListSummary {
  entries: Array<{
    sku: string;
    minQuantity: number;
    unitPrice: string;
    floorPrice: string | null;
    taxRate: string | null;
  }>;
}
interface HistoryItem {
  version: number;
  at: string;
  actor: { type: string; id: string | null };
  reason: string;
  changes: Record<string, any>;
}

const forbidden = (e: unknown) => e instanceof ApiError && e.status === 403;

/** /prices: the price lists; /prices/:code one list with its prices and its changes (who, when, why). */
export default function PricesPage({ code }: { code?: string | undefined }) {
  return code ? <PriceListPage code={code} /> : <PriceLists />;
}

function useWords() {
  const t = useMessages(pricesMessages);
  const { locale } = useI18n();
  const appliesTo = (l: PriceListSummary) => t(`pr.scope.${l.scope}` as PricesKey, { ref: l.scopeRef ?? '' });
  const valid = (l: PriceListSummary) => {
    if (!l.active) return t('pr.inactive');
    const parts = [
      l.validFrom ? t('pr.fromDate', { date: formatDate(l.validFrom, locale) }) : null,
      l.validTo ? t('pr.untilDate', { date: formatDate(l.validTo, locale) }) : null,
    ].filter(Boolean);
    return parts.length ? parts.join(' ') : t('pr.always');
  };
  return { t, locale, appliesTo, valid };
}

function PriceLists() {
  const { t, appliesTo, valid } = useWords();
  const lists = useQuery({
    queryKey: ['price-lists'],
    queryFn: () => get<{ items: PriceListSummary[] }>('/price-lists?limit=500'),
    retry: false,
  });
  if (forbidden(lists.error)) return <ComingSoon title={t('pr.title')} text={t('common.forbidden')} />;
  return (
    <section className="page prices-page">
      <div className="page-head">
        <h1>{t('pr.title')}</h1>
      </div>
      <p className="muted">{t('pr.intro')}</p>
      <section className="card">
        {lists.error ? (
          <ErrorBox error={lists.error} onRetry={() => lists.refetch()} />
        ) : lists.isPending ? (
          <Loading />
        ) : lists.data.items.length === 0 ? (
          <p className="muted">{t('pr.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table className="compact" data-testid="price-lists">
              <thead>
                <tr>
                  <th scope="col">{t('pr.col.name')}</th>
                  <th scope="col">{t('pr.col.code')}</th>
                  <th scope="col">{t('pr.col.appliesTo')}</th>
                  <th scope="col">{t('pr.col.currency')}</th>
                  <th scope="col">{t('pr.col.prices')}</th>
                  <th scope="col" className="num">
                    {t('pr.col.entries')}
                  </th>
                  <th scope="col">{t('pr.col.valid')}</th>
                  <th scope="col" className="num">
                    {t('pr.col.version')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {lists.data.items.map((l) => (
                  <tr key={l.id}>
                    <td>
                      <Link to={`/prices/${encodeURIComponent(l.code)}`}>{l.name}</Link>
                    </td>
                    <td className="nowrap">{l.code}</td>
                    <td>{appliesTo(l)}</td>
                    <td>{l.currency}</td>
                    <td>{l.pricesIncludeTax ? t('pr.gross') : t('pr.net')}</td>
                    <td className="num">{l.entryCount ?? 0}</td>
                    <td>{valid(l)}</td>
                    <td className="num">{l.version}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}

function who(t: ChunkTranslate<PricesKey>, actor: HistoryItem['actor']) {
  return actor.type === 'user' ? t('pr.byUser') : actor.type === 'api_key' ? t('pr.byKey') : t('pr.bySystem');
}

/** One history row in words: created, the prices changed (the first few), the fields changed. */
function changeLines(t: ChunkTranslate<PricesKey>, item: HistoryItem, currency: string, locale: string): string[] {
  const c = item.changes;
  if (c.created) return [t('pr.created', { count: c.entries ?? 0 })];
  const out: string[] = [];
  if (Array.isArray(c.entries)) {
    out.push(t('pr.changedPrices', { count: c.changed ?? c.entries.length }));
    for (const e of c.entries.slice(0, 5))
      out.push(
        t('pr.priceChange', {
          sku: e.sku,
          qty: e.minQuantity,
          from: e.price?.from ? formatMoney(e.price.from, currency, locale) : t('pr.none'),
          to: e.price?.to ? formatMoney(e.price.to, currency, locale) : t('pr.none'),
        }),
      );
  }
  for (const [field, value] of Object.entries(c))
    if (value && typeof value === 'object' && 'from' in value && 'to' in value && !Array.isArray(value))
      out.push(
        t('pr.fieldChange', { field, from: String(value.from ?? t('pr.none')), to: String(value.to ?? t('pr.none')) }),
      );
  return out;
}

function PriceListPage({ code }: { code: string }) {
  const { t, locale, appliesTo, valid } = useWords();
  const list = useQuery({
    queryKey: ['price-list', code],
    queryFn: () => get<PriceList>(`/price-lists/${encodeURIComponent(code)}`),
    retry: false,
  });
  const history = useQuery({
    queryKey: ['price-list-history', code],
    queryFn: () => get<{ items: HistoryItem[] }>(`/price-lists/${encodeURIComponent(code)}/history`),
    retry: false,
  });
  if (forbidden(list.error)) return <ComingSoon title={t('pr.title')} text={t('common.forbidden')} />;
  if (list.error) return <ErrorBox error={list.error} onRetry={() => list.refetch()} />;
  if (list.isPending) return <Loading />;
  const l = list.data;
  return (
    <section className="page prices-page">
      <p>
        <Link to="/prices">← {t('pr.back')}</Link>
      </p>
      <div className="page-head">
        <h1>{l.name}</h1>
      </div>
      <p className="muted">
        {l.code} · {appliesTo(l)} · {l.currency} · {l.pricesIncludeTax ? t('pr.gross') : t('pr.net')} · {valid(l)} ·{' '}
        {t('pr.col.version')} {l.version}
      </p>
      <section className="card">
        <h2>{t('pr.entries')}</h2>
        <div className="table-wrap">
          <table className="compact" data-testid="price-entries">
            <thead>
              <tr>
                <th scope="col">{t('pr.col.sku')}</th>
                <th scope="col" className="num">
                  {t('pr.col.from')}
                </th>
                <th scope="col" className="num">
                  {t('pr.col.price')}
                </th>
                <th scope="col" className="num">
                  {t('pr.col.floor')}
                </th>
                <th scope="col" className="num">
                  {t('pr.col.tax')}
                </th>
              </tr>
            </thead>
            <tbody>
              {l.entries.map((e) => (
                <tr key={`${e.sku}-${e.minQuantity}`}>
                  <td>{e.sku}</td>
                  <td className="num">{e.minQuantity}</td>
                  <td className="num">{formatMoney(e.unitPrice, l.currency, locale)}</td>
                  <td className="num">{e.floorPrice ? formatMoney(e.floorPrice, l.currency, locale) : t('pr.none')}</td>
                  <td className="num">{e.taxRate ? `${e.taxRate} %` : t('pr.none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card">
        <h2>{t('pr.history')}</h2>
        {history.error ? (
          <ErrorBox error={history.error} onRetry={() => history.refetch()} />
        ) : history.isPending ? (
          <Loading />
        ) : (
          <ol className="timeline" data-testid="price-history">
            {history.data.items.map((h) => (
              <li key={h.version}>
                <strong>
                  {t('pr.historyEntry', {
                    version: h.version,
                    when: formatDateTime(h.at, locale),
                    who: who(t, h.actor),
                  })}
                </strong>
                {/* 'created' is the API's default reason for a new list, not a person's words */}
                {h.reason !== 'created' && <div>{t('pr.reason', { reason: h.reason })}</div>}
                <ul>
                  {changeLines(t, h, l.currency, locale).map((line, index) => (
                    <li key={index}>{line}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        )}
      </section>
    </section>
  );
}
