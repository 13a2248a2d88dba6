import { useEffect, useMemo, useState } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { get, query, type OrderSummary, type OrdersSummary, type Page, type Reference } from '../api';
import { useI18n } from '../i18n/index';
import { navigate, useLocation } from '../router';
import { localDayEnd, localDayStart } from '../format';
import { OrdersTable } from '../components/orders-table';
import { ErrorBox } from '../components/status';
import { deleteView, loadViews, normalise, saveView, type SavedView } from '../saved-views';

const PAGE = 100;

export function OrdersPage() {
  const { t, tMaybe } = useI18n();
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
    };
  }, [filters]);

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
  const stateOptions = [
    ...new Set([...(states.data?.byState.map((s) => s.state) ?? []), ...(f.get('state') ? [f.get('state')!] : [])]),
  ];

  return (
    <section className="page orders-page">
      <div className="page-head">
        <h1>{t('orders.title')}</h1>
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
            placeholder={t('orders.searchHint')}
            onChange={(e) => setText(e.target.value)}
          />
        </label>
        <label>
          {t('orders.state')}
          <select name="state" value={f.get('state') ?? ''} onChange={(e) => setParam('state', e.target.value)}>
            <option value="">{t('common.any')}</option>
            {stateOptions.map((s) => (
              <option key={s} value={s}>
                {tMaybe(`state.${s}`, s)}
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
      {list.error ? (
        <ErrorBox error={list.error} onRetry={() => list.refetch()} />
      ) : (
        <OrdersTable
          rows={rows}
          loading={list.isPending}
          hasMore={Boolean(list.hasNextPage)}
          fetchingMore={list.isFetchingNextPage}
          loadMore={() => {
            if (list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
          }}
        />
      )}
    </section>
  );
}

function fetchPage(f: Record<string, string | undefined>, cursor: string | undefined, signal: AbortSignal) {
  return get<Page<OrderSummary>>(`/orders${query({ ...f, limit: PAGE, cursor })}`, signal);
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
