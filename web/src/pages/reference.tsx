import { useEffect, useState } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { get, query, type Page, type Reference } from '../api';
import { useI18n, type MessageKey } from '../i18n/index';
import { formatNumber } from '../format';
import { Link } from '../router';
import { ErrorBox, Loading } from '../components/status';

type Col = { key: string; label: MessageKey; kind?: 'bool' | 'num' | 'list' | 'mono' | 'lang' };
const KINDS: Record<string, { title: MessageKey; cols: Col[] }> = {
  products: {
    title: 'reference.products',
    cols: [
      { key: 'sku', label: 'col.sku', kind: 'mono' },
      { key: 'name', label: 'col.name' },
      { key: 'unit', label: 'col.unit' },
      { key: 'weightG', label: 'col.weight', kind: 'num' },
      { key: 'active', label: 'col.active', kind: 'bool' },
    ],
  },
  locations: {
    title: 'reference.locations',
    cols: [
      { key: 'code', label: 'col.code', kind: 'mono' },
      { key: 'name', label: 'col.name' },
      { key: 'kind', label: 'col.kind' },
      { key: 'country', label: 'col.country' },
      { key: 'capabilities', label: 'col.capabilities', kind: 'list' },
      { key: 'active', label: 'col.active', kind: 'bool' },
    ],
  },
  customers: {
    title: 'reference.customers',
    cols: [
      { key: 'code', label: 'col.code', kind: 'mono' },
      { key: 'name', label: 'col.name' },
      { key: 'email', label: 'col.email' },
      { key: 'phone', label: 'col.phone' },
      { key: 'segment', label: 'col.segment' },
      { key: 'locale', label: 'col.locale', kind: 'lang' },
    ],
  },
  channels: {
    title: 'reference.channels',
    cols: [
      { key: 'code', label: 'col.code', kind: 'mono' },
      { key: 'name', label: 'col.name' },
      { key: 'kind', label: 'col.kind' },
      { key: 'currency', label: 'col.currency' },
      { key: 'processKey', label: 'col.process', kind: 'mono' },
      { key: 'active', label: 'col.active', kind: 'bool' },
    ],
  },
  companies: {
    title: 'reference.companies',
    cols: [
      { key: 'code', label: 'col.code', kind: 'mono' },
      { key: 'name', label: 'col.name' },
      { key: 'taxId', label: 'col.taxId', kind: 'mono' },
      { key: 'segment', label: 'col.segment' },
    ],
  },
};

/** Read-only lists of reference data with search; changes go through the API or imports. */
export function ReferencePage({ kind }: { kind: string }) {
  const { t, tMaybe, locale } = useI18n();
  const def = KINDS[kind];
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  useEffect(() => {
    const id = setTimeout(() => setQ(text.trim()), 300);
    return () => clearTimeout(id);
  }, [text]);
  useEffect(() => {
    setText('');
    setQ('');
  }, [kind]);

  const list = useInfiniteQuery({
    queryKey: ['reference', kind, q],
    queryFn: ({ pageParam, signal }) =>
      get<Page<Reference>>(`/${kind}${query({ q, limit: 100, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: Boolean(def),
  });
  if (!def)
    return (
      <section className="page">
        <h1>404</h1>
        <p>{t('common.notFound')}</p>
      </section>
    );
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  const cell = (r: Reference, c: Col) => {
    const v = r[c.key];
    if (v === null || v === undefined || v === '') return '—';
    if (c.kind === 'bool') return v ? t('common.yes') : t('common.no');
    if (c.kind === 'num' && typeof v === 'number') return formatNumber(v, locale);
    if (c.kind === 'list' && Array.isArray(v)) return v.join(', ');
    if (c.kind === 'lang') return tMaybe(`lang.${String(v)}`, String(v));
    return String(v);
  };

  return (
    <section className="page">
      <h1>{t('reference.title')}</h1>
      <nav className="tabs" aria-label={t('reference.tabs')}>
        {Object.entries(KINDS).map(([k, d]) => (
          <Link key={k} to={`/reference/${k}`} aria-current={k === kind ? 'page' : undefined}>
            {t(d.title)}
          </Link>
        ))}
      </nav>
      <div className="filters" role="search">
        <label className="grow">
          {t('reference.search')}
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} aria-describedby="ref-note" />
        </label>
      </div>
      <p className="muted" id="ref-note">
        {t('reference.readOnly')}
      </p>
      {list.error ? (
        <ErrorBox error={list.error} onRetry={() => list.refetch()} />
      ) : list.isPending ? (
        <Loading />
      ) : (
        <div className="card table-wrap">
          <table className="ref-table">
            <caption className="sr-only">{t(def.title)}</caption>
            <thead>
              <tr>
                {def.cols.map((c) => (
                  <th key={c.key} scope="col" className={c.kind === 'num' ? 'num' : undefined}>
                    {t(c.label)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 && (
                <tr>
                  <td colSpan={def.cols.length} className="empty">
                    {t('common.noResults')}
                  </td>
                </tr>
              )}
              {rows.map((r) => (
                <tr key={r.id}>
                  {def.cols.map((c) => (
                    <td key={c.key} className={c.kind === 'num' ? 'num' : c.kind === 'mono' ? 'mono' : undefined}>
                      {cell(r, c)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {list.hasNextPage && (
            <div className="table-foot">
              <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
                {list.isFetchingNextPage ? t('common.loading') : t('common.loadMore')}
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
