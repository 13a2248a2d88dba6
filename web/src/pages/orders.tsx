import { useEffect, useMemo, useState } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { get, query, type Me, type OrderSummary, type OrdersSummary, type Page, type Reference } from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { contextMessages } from '../i18n/context-messages';
import { navigate, useLocation } from '../router';
import { formatDateTime, localDayEnd, localDayStart } from '../format';
import { opsMessages, type OpsKey } from '../i18n/ops-messages';
import { useStateWords } from '../components/state-words';
import { ORDER_COLUMNS, OrdersTable, type OrderColumn } from '../components/orders-table';
import { ErrorBox } from '../components/status';
import { useLocationName } from '../components/location-names';
import { BulkActions, canBulk, type Combined, type Outcome } from '../components/bulk-actions';
import { deleteView, DRILL_DOWN, loadViews, normalise, saveView, type SavedView } from '../saved-views';

const PAGE = 100;

const COLUMNS_KEY = 'ordo.orders.columns';
const ALL_COLUMNS = ORDER_COLUMNS.map((c) => c.id);

/** The columns this browser chose (localStorage), all of them at first. */
function loadColumns(): OrderColumn[] {
  try {
    const saved = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null') as unknown;
    if (Array.isArray(saved)) {
      const known = ALL_COLUMNS.filter((c) => saved.includes(c));
      if (known.length) return known;
    }
  } catch {
    // a broken entry: all columns
  }
  return [...ALL_COLUMNS];
}

type ListPage = Page<OrderSummary> & { total?: number | null; totalExact?: boolean };

export function OrdersPage({ me }: { me: Me }) {
  const { t, tMaybe, locale } = useI18n();
  const cx = useMessages(contextMessages);
  const ops = useMessages(opsMessages);
  const bulk = canBulk(me);
  const words = useStateWords();
  const [columns, setColumns] = useState<OrderColumn[]>(loadColumns);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  // Kept here: the bar goes when the selection clears, each row's outcome stays visible.
  const [bulkResults, setBulkResults] = useState<Outcome[]>([]);
  const [combined, setCombined] = useState<Combined | undefined>();
  // a new print replaces the old file: its blob: address is let go
  useEffect(() => () => combined && URL.revokeObjectURL(combined.href), [combined]);
  const { search } = useLocation();
  const filters = normalise(search);
  const f = new URLSearchParams(filters);
  const [text, setText] = useState(f.get('q') ?? '');

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(filters);
    if (value) next.set(key, value);
    else next.delete(key);
    const s = normalise(next);
    navigate(`/orders${s ? `?${s}` : ''}`, { replace: true });
  };

  // Typing searches after a short pause, not on every key.
  useEffect(() => {
    const id = setTimeout(() => {
      if (text.trim() !== (f.get('q') ?? '')) setParam('q', text.trim());
    }, 300);
    return () => clearTimeout(id);
  }, [text]);
  useEffect(() => {
    setText(new URLSearchParams(filters).get('q') ?? '');
  }, [filters]);

  const apiFilters = useMemo(() => {
    const p = new URLSearchParams(filters);
    return {
      q: p.get('q') ?? undefined,
      state: p.get('state') ?? undefined,
      channel: p.get('channel') ?? undefined,
      placedFrom: p.get('from') ? localDayStart(p.get('from')!) : undefined,
      placedTo: p.get('to') ? localDayEnd(p.get('to')!) : undefined,
      sort: p.get('sort') ?? undefined,
      ...Object.fromEntries(DRILL_DOWN.flatMap((k) => (p.get(k) ? [[k, p.get(k)!]] : []))),
    };
  }, [filters]);
  const drillDown = DRILL_DOWN.filter((k) => f.get(k));
  // A drill-down filter's value in words: the figure, the stage, the location's name.
  const locationName = useLocationName(Boolean(f.get('location')));
  const chipValue = (key: string, value: string) =>
    key === 'kpi'
      ? tMaybe(`kpi.${value}`, '') || ops.maybe(`ops.kpi.${value}`, value)
      : key === 'placedFrom' || key === 'placedTo'
        ? Number.isNaN(Date.parse(value))
          ? value
          : formatDateTime(value, locale)
        : key === 'stage'
          ? words.state(value)
          : key === 'location'
            ? locationName(value)
            : value;
  useEffect(() => setSelected(new Set()), [apiFilters]);

  const list = useInfiniteQuery({
    queryKey: ['orders', apiFilters],
    queryFn: ({ pageParam, signal }) => fetchPage(apiFilters, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const channels = useQuery({
    queryKey: ['channels', 'all'],
    queryFn: () => get<Page<Reference>>('/channels?limit=500'),
    staleTime: 300_000,
  });
  const states = useQuery({
    queryKey: ['states'],
    queryFn: () => get<OrdersSummary>('/reports/orders-summary?days=366'),
    staleTime: 300_000,
  });

  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const total = list.data?.pages[0]?.total;
  // A count that stopped at its cap (a common needle at millions of orders) says "more than".
  const totalExact = list.data?.pages[0]?.totalExact !== false;
  const csvHref = `/api/v1/orders.csv${query({ ...apiFilters })}`;
  const toggleColumn = (id: OrderColumn, on: boolean) => {
    const next = ALL_COLUMNS.filter((c) => (c === id ? on : columns.includes(c)));
    if (!next.length) return;
    localStorage.setItem(COLUMNS_KEY, JSON.stringify(next));
    setColumns(next);
  };
  const stateOptions = [
    ...new Set([...(states.data?.byState.map((s) => s.state) ?? []), ...(f.get('state') ? [f.get('state')!] : [])]),
  ];

  return (
    <section className="page orders-page">
      <div className="page-head">
        <h1>{t('orders.title')}</h1>
        <details className="columns-menu">
          <summary>{cx('cx.columns')}</summary>
          <fieldset>
            <legend className="sr-only">{cx('cx.columns')}</legend>
            {ORDER_COLUMNS.map((c) => (
              <label key={c.id} className="check">
                <input
                  type="checkbox"
                  checked={columns.includes(c.id)}
                  onChange={(e) => toggleColumn(c.id, e.target.checked)}
                />{' '}
                {t(c.label)}
              </label>
            ))}
          </fieldset>
        </details>
        <a className="button" href={csvHref} download>
          {cx('cx.csv')}
        </a>
        <SavedViews current={filters} />
      </div>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setParam('q', text.trim());
        }}
      >
        <label className="grow">
          {t('orders.search')}
          <input
            type="search"
            name="q"
            value={text}
            placeholder={cx('cx.searchHint')}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <label>
          {t('orders.state')}
          <select name="state" value={f.get('state') ?? ''} onChange={(e) => setParam('state', e.target.value)}>
            <option value="">{t('common.any')}</option>
            {stateOptions.map((s) => (
              <option key={s} value={s}>
                {words.state(s, states.data?.stateLabels[s])}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('orders.channel')}
          <select name="channel" value={f.get('channel') ?? ''} onChange={(e) => setParam('channel', e.target.value)}>
            <option value="">{t('common.any')}</option>
            {(channels.data?.items ?? []).map((c) => (
              <option key={c.id} value={String(c.code)}>
                {String(c.name)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('orders.placedFrom')}
          <input
            type="date"
            name="from"
            value={f.get('from') ?? ''}
            onChange={(e) => setParam('from', e.target.value)}
          />
        </label>
        <label>
          {t('orders.placedTo')}
          <input type="date" name="to" value={f.get('to') ?? ''} onChange={(e) => setParam('to', e.target.value)} />
        </label>
        <button
          type="button"
          onClick={() => {
            setText('');
            navigate('/orders', { replace: true });
          }}
          disabled={!filters}
        >
          {t('orders.clear')}
        </button>
      </form>
      {drillDown.length > 0 && (
        <ul className="chips" aria-label={t('orders.drillDown')} data-testid="drill-down">
          {drillDown.map((k) => {
            const name = k === 'placedFrom' || k === 'placedTo' ? ops(`ops.filter.${k}`) : t(`orders.filter.${k}`);
            return (
              <li key={k}>
                <span>
                  {name}
                  {k === 'customerId' ? '' : `: ${chipValue(k, f.get(k)!)}`}
                </span>{' '}
                <button
                  type="button"
                  className="icon"
                  aria-label={t('orders.removeFilter', { name })}
                  onClick={() => setParam(k, '')}
                >
                  ✕
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {list.error ? (
        <ErrorBox error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <>
          {bulk && selected.size > 0 && (
            <BulkActions
              me={me}
              orders={rows.filter((o) => selected.has(o.id))}
              onDone={(results, pdf) => {
                setBulkResults(results);
                setCombined(pdf);
                setSelected(new Set());
                void list.refetch();
              }}
            />
          )}
          {bulkResults.length > 0 && (
            <div role="status">
              <p data-testid="bulk-summary">
                {ops('ops.bulkSummary', {
                  done: bulkResults.filter((r) => r.ok).length,
                  failed: bulkResults.filter((r) => !r.ok).length,
                })}
              </p>
              {combined && (
                <p className="bulk-combined">
                  <a className="button primary" href={combined.href} target="_blank" rel="noreferrer">
                    {ops(`ops.printAll.${combined.kind}` as OpsKey, { count: combined.count })}
                  </a>{' '}
                  <a href={combined.href} download={combined.filename}>
                    {ops('ops.download')}
                  </a>
                </p>
              )}
              <ul className="bulk-results card" aria-label={cx('cx.bulkResults')}>
                {bulkResults.map((r) => (
                  <li key={r.id} className={r.ok ? 'form-ok' : 'form-error'}>
                    {r.text}
                    {r.document && (
                      <>
                        {' '}
                        <a href={r.document} target="_blank" rel="noreferrer">
                          {ops('ops.bulkOpen')}
                        </a>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <OrdersTable
            rows={rows}
            columns={columns}
            sort={apiFilters.sort ?? '-created'}
            onSort={(next) => setParam('sort', next)}
            sortLabel={(column) => cx('cx.sort', { column })}
            selected={bulk ? selected : undefined}
            onSelect={
              bulk
                ? (ids, on) =>
                    setSelected((prev) => {
                      const next = new Set(prev);
                      for (const id of ids) {
                        if (on) next.add(id);
                        else next.delete(id);
                      }
                      return next;
                    })
                : undefined
            }
            selectLabel={(number) => cx('cx.select', { number })}
            selectAllLabel={cx('cx.selectAll')}
            footer={
              typeof total === 'number' ? (
                <strong data-testid="orders-total">
                  {totalExact ? cx('cx.matches', { count: total }) : cx('cx.matchesMore', { count: total })}
                </strong>
              ) : undefined
            }
            loading={list.isPending}
            hasMore={Boolean(list.hasNextPage)}
            fetchingMore={list.isFetchingNextPage}
            loadMore={() => {
              if (list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
            }}
          />
        </>
      )}
    </section>
  );
}

function fetchPage(f: Record<string, string | undefined>, cursor: string | undefined, signal: AbortSignal) {
  return get<ListPage>(`/orders${query({ ...f, limit: PAGE, cursor })}`, signal);
}

function SavedViews({ current }: { current: string }) {
  const { t } = useI18n();
  const [views, setViews] = useState<SavedView[]>(loadViews);
  const [name, setName] = useState('');
  const active = views.find((v) => v.search === current);
  return (
    <div className="saved-views">
      <label>
        <span className="sr-only">{t('orders.viewPick')}</span>
        <select
          aria-label={t('orders.viewPick')}
          value={active?.name ?? ''}
          onChange={(e) => {
            const v = views.find((x) => x.name === e.target.value);
            navigate(`/orders${v?.search ? `?${v.search}` : ''}`);
          }}
        >
          <option value="">
            {t('orders.views')}
            {views.length ? ` (${views.length})` : ''}
          </option>
          {views.map((v) => (
            <option key={v.name} value={v.name}>
              {v.name}
            </option>
          ))}
        </select>
      </label>
      {active ? (
        <button type="button" onClick={() => setViews(deleteView(active.name))}>
          {t('orders.deleteView')}
        </button>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) {
              setViews(saveView({ name: name.trim(), search: current }));
              setName('');
            }
          }}
        >
          <input
            aria-label={t('orders.viewName')}
            placeholder={t('orders.viewName')}
            value={name}
            maxLength={60}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" disabled={!name.trim()}>
            {t('orders.saveView')}
          </button>
        </form>
      )}
    </div>
  );
}
