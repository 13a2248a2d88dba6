import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, request } from '../api';
import { useI18n } from '../i18n/index';
import { formatDateTime, formatNumber } from '../format';
import { ErrorBox, Loading } from './status';

/**
 * The events the order's process accepts now, as buttons: each POSTs the event with If-Match,
 * so a stale page is refused (412) rather than acting on an order someone else moved on.
 */
export function OrderActions({
  orderId,
  etag,
  events,
  writable,
}: {
  orderId: string;
  etag: string;
  events: string[];
  writable: boolean;
}) {
  const { t, tMaybe } = useI18n();
  const client = useQueryClient();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const send = async (name: string) => {
    setBusy(name);
    setResult(null);
    try {
      await request(
        'POST',
        `/orders/${orderId}/events`,
        { name, ...(comment.trim() ? { comment: comment.trim() } : {}) },
        { 'if-match': etag, 'idempotency-key': crypto.randomUUID() },
      );
      setResult({ ok: true, text: t('order.actionDone', { event: tMaybe(`outcome.${name}`, name) }) });
      setComment('');
      await Promise.all([
        client.invalidateQueries({ queryKey: ['order', orderId] }),
        client.invalidateQueries({ queryKey: ['history', orderId] }),
        client.invalidateQueries({ queryKey: ['reservations', orderId] }),
      ]);
    } catch (e) {
      const stale = e instanceof ApiError && e.status === 412;
      setResult({
        ok: false,
        text: stale
          ? t('order.actionStale')
          : t('common.error', { detail: e instanceof Error ? e.message : String(e) }),
      });
    } finally {
      setBusy(null);
    }
  };
  return (
    <section className="card" aria-labelledby="actions-title" data-testid="order-actions">
      <h2 id="actions-title">{t('order.actions')}</h2>
      {events.length === 0 ? (
        <p className="muted">{t('order.noActions')}</p>
      ) : (
        <>
          {writable && (
            <label>
              {t('inbox.comment')}
              <input value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} />
            </label>
          )}
          <div className="actions" role="group" aria-label={t('order.actions')}>
            {events.map((ev) => (
              <button key={ev} type="button" disabled={!writable || Boolean(busy)} onClick={() => send(ev)}>
                {tMaybe(`outcome.${ev}`, ev.replaceAll('_', ' '))}
              </button>
            ))}
          </div>
        </>
      )}
      {result && (
        <p className={result.ok ? 'form-ok' : 'form-error'} role={result.ok ? 'status' : 'alert'}>
          {result.text}
        </p>
      )}
    </section>
  );
}

// The API declares this answer as an untyped object (src/api/routes/inventory.ts), so its shape is written here.
interface Reservations {
  reservations: {
    id: string;
    sku: string;
    location: string;
    quantity: number;
    originalQuantity: number;
    status: string;
    expiresAt: string | null;
    createdAt: string;
  }[];
  backorders: { id: string; quantity: number; status: string; promisedOn: string | null }[];
}

/** Stock reserved for the order, per SKU and location, and its backorders. */
export function OrderReservations({ orderId }: { orderId: string }) {
  const { t, tMaybe, locale } = useI18n();
  const q = useQuery({
    queryKey: ['reservations', orderId],
    queryFn: () => get<Reservations>(`/inventory/orders/${orderId}/reservations`),
    retry: false,
  });
  if (q.error instanceof ApiError && q.error.status === 403) return null;
  return (
    <section className="card" aria-labelledby="res-title">
      <h2 id="res-title">{t('order.reservations')}</h2>
      {q.error ? (
        <ErrorBox error={q.error} />
      ) : q.isPending ? (
        <Loading />
      ) : q.data.reservations.length === 0 && q.data.backorders.length === 0 ? (
        <p className="muted">{t('order.noReservations')}</p>
      ) : (
        <div className="table-wrap">
          <table className="compact" data-testid="reservations">
            <thead>
              <tr>
                <th scope="col">{t('order.line.sku')}</th>
                <th scope="col">{t('order.resLocation')}</th>
                <th scope="col" className="num">
                  {t('order.line.quantity')}
                </th>
                <th scope="col">{t('order.resStatus')}</th>
                <th scope="col">{t('order.resSince')}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.reservations.map((r) => (
                <tr key={r.id}>
                  <td className="mono">{r.sku}</td>
                  <td className="mono">{r.location}</td>
                  <td className="num">
                    {formatNumber(r.quantity, locale)}
                    {r.originalQuantity !== r.quantity ? ` / ${formatNumber(r.originalQuantity, locale)}` : ''}
                  </td>
                  <td>{tMaybe(`reservation.${r.status}`, r.status)}</td>
                  <td className="nowrap">{formatDateTime(r.createdAt, locale)}</td>
                </tr>
              ))}
              {q.data.backorders.map((b) => (
                <tr key={b.id}>
                  <td colSpan={2}>{t('order.backorder')}</td>
                  <td className="num">{formatNumber(b.quantity, locale)}</td>
                  <td>{tMaybe(`reservation.${b.status}`, b.status)}</td>
                  <td>{b.promisedOn ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
