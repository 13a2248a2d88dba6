import { useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { OrderSummary } from '../api';
import { useI18n } from '../i18n/index';
import { formatDateTime, formatMoney } from '../format';
import { Link, navigate } from '../router';
import { StateBadge } from './status';

const ROW = 40;

interface Props {
  rows: OrderSummary[];
  loading: boolean;
  hasMore: boolean;
  fetchingMore: boolean;
  loadMore: () => void;
}

/**
 * Only the rows in view are in the DOM (TanStack Virtual), so scrolling through a hundred
 * thousand loaded orders costs the same as through a hundred. The next page is fetched as the
 * end comes into view; "Load more" does the same from the keyboard.
 */
export function OrdersTable({ rows, loading, hasMore, fetchingMore, loadMore }: Props) {
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

  const cols = [
    'orders.col.number',
    'orders.col.placed',
    'orders.col.channel',
    'orders.col.customer',
    'orders.col.state',
    'orders.col.lines',
    'orders.col.total',
  ] as const;
  return (
    <div
      className="orders-table"
      role="table"
      aria-label={t('orders.title')}
      aria-rowcount={hasMore ? -1 : rows.length + 1}
      aria-busy={loading || fetchingMore}
    >
      <div role="rowgroup">
        <div role="row" className="orow head" aria-rowindex={1}>
          {cols.map((c) => (
            <div key={c} role="columnheader" className={c.endsWith('total') || c.endsWith('lines') ? 'num' : undefined}>
              {t(c)}
            </div>
          ))}
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
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    height: ROW,
                    transform: `translateY(${it.start}px)`,
                  }}
                  onClick={(e) => {
                    if (!(e.target as HTMLElement).closest('a')) navigate(`/orders/${o.id}`);
                  }}
                >
                  <div role="cell">
                    <Link to={`/orders/${o.id}`} className="mono">
                      {o.number}
                    </Link>
                  </div>
                  <div role="cell">{formatDateTime(o.placedAt, locale)}</div>
                  <div role="cell">{o.channel}</div>
                  <div role="cell" className="ellipsis" title={o.customer.email ?? undefined}>
                    {o.customer.name ?? o.customer.email ?? '—'}
                  </div>
                  <div role="cell">
                    <StateBadge state={o.state} />
                  </div>
                  <div role="cell" className="num">
                    {o.lineCount}
                  </div>
                  <div role="cell" className="num">
                    {formatMoney(o.grandTotal, o.currency, locale)}
                  </div>
                </div>
              );
            })}
          </div>
        )}
      </div>
      <div className="table-foot">
        <span aria-live="polite">
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
