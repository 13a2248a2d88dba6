import { useEffect, useRef, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { OrderSummary } from '../api';
import { useI18n, type MessageKey } from '../i18n/index';
import { formatDateTime, formatMoney } from '../format';
import { Link, navigate } from '../router';
import { StateBadge } from './status';
import { useChannelName } from './channel-names';

const ROW = 40;

/** The list's columns: label, width, the server sort behind the header (if any) and the cell. */
export const ORDER_COLUMNS = [
  { id: 'number', label: 'orders.col.number', width: '130px', sort: 'number' },
  { id: 'placed', label: 'orders.col.placed', width: '150px', sort: 'placed' },
  { id: 'channel', label: 'orders.col.channel', width: '120px' },
  { id: 'customer', label: 'orders.col.customer', width: 'minmax(160px, 1fr)' },
  { id: 'state', label: 'orders.col.state', width: '170px', sort: 'state' },
  { id: 'lines', label: 'orders.col.lines', width: '70px', num: true },
  { id: 'total', label: 'orders.col.total', width: '140px', sort: 'total', num: true },
] as const satisfies readonly { id: string; label: MessageKey; width: string; sort?: string; num?: boolean }[];
export type OrderColumn = (typeof ORDER_COLUMNS)[number]['id'];

interface Props {
  rows: OrderSummary[];
  loading: boolean;
  hasMore: boolean;
  fetchingMore: boolean;
  loadMore: () => void;
  /** Visible columns (all when absent). */
  columns?: readonly OrderColumn[];
  /** The server sort ("placed", "-total"…) and how to change it; headers become buttons. */
  sort?: string;
  onSort?: (sort: string) => void;
  sortLabel?: (column: string) => string;
  /** Row selection for bulk actions. */
  selected?: ReadonlySet<string>;
  onSelect?: (ids: string[], on: boolean) => void;
  selectLabel?: (number: string) => string;
  selectAllLabel?: string;
  /** Shown in the footer (e.g. the total of matches). */
  footer?: ReactNode;
}

/**
 * Only the rows in view are in the DOM (TanStack Virtual), so scrolling through a hundred
 * thousand loaded orders costs the same as through a hundred. The next page is fetched as the
 * end comes into view; "Load more" does the same from the keyboard. Sorting is the server's
 * (a header click asks for the list again in that order); column choice is the caller's.
 */
export function OrdersTable(props: Props) {
  const { rows, loading, hasMore, fetchingMore, loadMore, sort, onSort, selected, onSelect } = props;
  const { t, locale } = useI18n();
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 12,
  });
  const items = v.getVirtualItems();
  const last = items.at(-1)?.index ?? -1;

  useEffect(() => {
    if (hasMore && !fetchingMore && last >= rows.length - 30) loadMore();
  }, [last, rows.length, hasMore, fetchingMore, loadMore]);

  const visible = ORDER_COLUMNS.filter((c) => !props.columns || props.columns.includes(c.id));
  const template = [...(onSelect ? ['32px'] : []), ...visible.map((c) => c.width)].join(' ');
  const allSelected = rows.length > 0 && rows.every((o) => selected?.has(o.id));
  const channelName = useChannelName();
  const cell = (o: OrderSummary, id: OrderColumn) => {
    switch (id) {
      case 'number':
        return (
          <Link to={`/orders/${o.id}`} className="mono">
            {o.number}
          </Link>
        );
      case 'placed':
        return formatDateTime(o.placedAt, locale);
      case 'channel':
        return channelName(o.channel);
      case 'customer':
        return o.customer.id ? (
          <Link to={`/customers/${o.customer.id}`}>{o.customer.name ?? o.customer.email ?? '—'}</Link>
        ) : (
          (o.customer.name ?? o.customer.email ?? '—')
        );
      case 'state':
        return <StateBadge state={o.state} />;
      case 'lines':
        return o.lineCount;
      case 'total':
        return formatMoney(o.grandTotal, o.currency, locale);
    }
  };
  return (
    <div
      className="orders-table"
      role="table"
      aria-label={t('orders.title')}
      aria-rowcount={hasMore ? -1 : rows.length + 1}
      aria-busy={loading || fetchingMore}
    >
      <div role="rowgroup">
        <div role="row" className="orow head" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
          {onSelect && (
            <div role="columnheader">
              <input
                type="checkbox"
                aria-label={props.selectAllLabel}
                checked={allSelected}
                onChange={(e) =>
                  onSelect(
                    rows.map((o) => o.id),
                    e.target.checked,
                  )
                }
              />
            </div>
          )}
          {visible.map((c) => {
            const sortable = 'sort' in c && onSort;
            const current =
              sortable && sort?.replace('-', '') === c.sort ? (sort?.startsWith('-') ? 'desc' : 'asc') : null;
            return (
              <div
                key={c.id}
                role="columnheader"
                className={'num' in c && c.num ? 'num' : undefined}
                aria-sort={current === 'asc' ? 'ascending' : current === 'desc' ? 'descending' : undefined}
              >
                {sortable ? (
                  <button
                    type="button"
                    className="sort-head"
                    title={props.sortLabel?.(t(c.label))}
                    onClick={() => onSort(current === 'asc' ? `-${c.sort}` : c.sort)}
                  >
                    {t(c.label)}
                    {current === 'asc' ? ' ▲' : current === 'desc' ? ' ▼' : ''}
                  </button>
                ) : (
                  t(c.label)
                )}
              </div>
            );
          })}
        </div>
      </div>
      <div ref={scroller} className="orders-scroll" role="rowgroup" data-testid="orders-scroll">
        {loading ? (
          <p className="loading" role="status">
            {t('common.loading')}
          </p>
        ) : rows.length === 0 ? (
          <p className="empty">{t('orders.empty')}</p>
        ) : (
          <div style={{ height: v.getTotalSize(), position: 'relative' }}>
            {items.map((it) => {
              const o = rows[it.index]!;
              return (
                <div
                  key={o.id}
                  role="row"
                  className="orow"
                  aria-rowindex={it.index + 2}
                  aria-selected={onSelect ? Boolean(selected?.has(o.id)) : undefined}
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    height: ROW,
                    transform: `translateY(${it.start}px)`,
                    gridTemplateColumns: template,
                  }}
                  onClick={(e) => {
                    if (!(e.target as HTMLElement).closest('a, input, label')) navigate(`/orders/${o.id}`);
                  }}
                >
                  {onSelect && (
                    <div role="cell">
                      <input
                        type="checkbox"
                        aria-label={props.selectLabel?.(o.number)}
                        checked={Boolean(selected?.has(o.id))}
                        onChange={(e) => onSelect([o.id], e.target.checked)}
                      />
                    </div>
                  )}
                  {visible.map((c) => (
                    <div
                      key={c.id}
                      role="cell"
                      className={c.id === 'customer' ? 'ellipsis' : 'num' in c && c.num ? 'num' : undefined}
                      title={c.id === 'customer' ? (o.customer.email ?? undefined) : undefined}
                    >
                      {cell(o, c.id)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        )}
      </div>
      <div className="table-foot">
        <span aria-live="polite">
          {props.footer ? <>{props.footer} · </> : null}
          {t('orders.loaded', { count: rows.length })} · {hasMore ? t('orders.moreAvailable') : t('orders.allLoaded')}
        </span>
        {hasMore && (
          <button type="button" onClick={loadMore} disabled={fetchingMore}>
            {fetchingMore ? t('common.loading') : t('common.loadMore')}
          </button>
        )}
      </div>
    </div>
  );
}
