import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, request, type Me, type Order, type Schemas } from '../api';
import { humanise, useProcessLabel, useProcessWords } from '../i18n/process-words';
import { ConfirmDialog } from './confirm-dialog';
import { useI18n } from '../i18n/index';
import { formatDateTime, formatNumber } from '../format';
import { ErrorBox, Loading } from './status';

type AllowedEvent = Schemas['AllowedEvent'];

/** Who may override: orders:override is held by admins (src/domain/identity/roles.ts). */
export function canOverrideEvents(me: Me | undefined) {
  return Boolean(me?.roles.includes('admin'));
}

type Pending = { event: AllowedEvent; override: boolean };

/**
 * The events the order's process accepts now, as words. A person sees only the events people raise;
 * system, carrier, payment and timer events sit in a manual-override section for those allowed to
 * override, behind a reason and a confirmation. Destructive events (cancel) open a confirmation
 * that asks why and lists the risks the process flags. Each POST carries If-Match, so a stale page
 * is refused (412) rather than acting on an order someone else moved on.
 */
export function OrderActions({
  orderId,
  number,
  etag,
  details,
  writable,
  canOverride,
}: {
  orderId: string;
  number: string;
  etag: string;
  details: AllowedEvent[];
  writable: boolean;
  canOverride: boolean;
}) {
  const { t } = useI18n();
  const pw = useProcessWords();
  const label = useProcessLabel();
  const client = useQueryClient();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [reason, setReason] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const eventName = (ev: AllowedEvent) => label(ev.labels, `outcome.${ev.name}`, ev.name);
  const manual = details.filter((ev) => ev.manual);
  const overridable = canOverride ? details.filter((ev) => !ev.manual) : [];

  const post = async (ev: AllowedEvent, body: Record<string, string>) => {
    const answer = await request<Order>(
      'POST',
      `/orders/${orderId}/events`,
      { name: ev.name, ...body },
      { 'if-match': etag, 'idempotency-key': crypto.randomUUID() },
    );
    const now = answer.body;
    setResult({
      ok: true,
      text: pw('pw.done', {
        event: eventName(ev),
        state: label(now.stateLabels, `state.${now.state}`, now.state),
      }),
    });
    setComment('');
    await Promise.all([
      client.invalidateQueries({ queryKey: ['order', orderId] }),
      client.invalidateQueries({ queryKey: ['history', orderId] }),
      client.invalidateQueries({ queryKey: ['reservations', orderId] }),
    ]);
  };
  const sendNow = async (ev: AllowedEvent) => {
    setBusy(ev.name);
    setResult(null);
    try {
      await post(ev, comment.trim() ? { comment: comment.trim() } : {});
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
  const ask = (ev: AllowedEvent, override: boolean) => {
    setResult(null);
    setReason('');
    setPending({ event: ev, override });
  };
  const click = (ev: AllowedEvent) => (ev.destructive ? ask(ev, false) : sendNow(ev));

  if (!writable) {
    return (
      <section className="card" aria-labelledby="actions-title" data-testid="order-actions">
        <h2 id="actions-title">{t('order.actions')}</h2>
        <p className="muted">{t('order.readOnly')}</p>
      </section>
    );
  }
  const pendingName = pending ? eventName(pending.event) : '';
  return (
    <section className="card" aria-labelledby="actions-title" data-testid="order-actions">
      <h2 id="actions-title">{t('order.actions')}</h2>
      {manual.length === 0 ? (
        <p className="muted">{t('order.noActions')}</p>
      ) : (
        <>
          <label>
            {t('inbox.comment')}
            <input value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} />
          </label>
          <div className="actions" role="group" aria-label={t('order.actions')}>
            {manual.map((ev) => (
              <button
                key={ev.name}
                type="button"
                data-event={ev.name}
                className={ev.destructive ? 'danger' : undefined}
                title={ev.destructive ? pw('pw.destructive') : undefined}
                disabled={Boolean(busy)}
                onClick={() => click(ev)}
              >
                {eventName(ev)}
              </button>
            ))}
          </div>
        </>
      )}
      {overridable.length > 0 && (
        <details className="override" data-testid="override">
          <summary>{pw('pw.overrideTitle')}</summary>
          <p className="muted">{pw('pw.overrideHint')}</p>
          <div className="actions" role="group" aria-label={pw('pw.overrideTitle')}>
            {overridable.map((ev) => (
              <button
                key={ev.name}
                type="button"
                data-event={ev.name}
                disabled={Boolean(busy)}
                onClick={() => ask(ev, true)}
              >
                {eventName(ev)}{' '}
                <span className="muted">({pw('pw.raisedBy', { source: pw(`pw.source.${ev.source}` as never) })})</span>
              </button>
            ))}
          </div>
        </details>
      )}
      {result && (
        <p className={result.ok ? 'form-ok' : 'form-error'} role={result.ok ? 'status' : 'alert'}>
          {result.text}
        </p>
      )}
      {pending && (
        <ConfirmDialog
          title={pw('pw.confirmTitle', { event: pendingName })}
          question={
            pending.override
              ? pw('pw.overrideQuestion', {
                  event: pendingName,
                  number,
                  source: pw(`pw.source.${pending.event.source}` as never),
                })
              : pw('pw.confirmQuestion', { event: pendingName, number })
          }
          confirmLabel={pw('pw.confirm', { event: pendingName })}
          danger
          ready={reason.trim().length > 0}
          run={() =>
            post(pending.event, {
              reason: reason.trim(),
              ...(comment.trim() ? { comment: comment.trim() } : {}),
            })
          }
          onClose={() => setPending(null)}
        >
          <RisksAndReason event={pending.event} reason={reason} onReason={setReason} />
        </ConfirmDialog>
      )}
    </section>
  );
}

/** In a destructive event's confirmation: what the process says it risks, and the reason asked for (kept in the history). */
export function RisksAndReason({
  event,
  reason,
  onReason,
}: {
  event: AllowedEvent;
  reason: string;
  onReason: (reason: string) => void;
}) {
  const { lang } = useI18n();
  const pw = useProcessWords();
  return (
    <>
      {event.risks.length > 0 && (
        <div className="risks" role="note" data-testid="risks">
          <strong>{pw('pw.risks')}</strong>
          <ul>
            {event.risks.map((risk, index) => (
              <li key={`${risk.code ?? ''}${index}`}>
                {risk.labels[lang] ?? risk.labels.en ?? humanise(risk.code ?? '')}
              </li>
            ))}
          </ul>
        </div>
      )}
      <label>
        {pw('pw.reason')}
        <textarea
          required
          data-testid="reason"
          value={reason}
          maxLength={2000}
          placeholder={pw('pw.reasonHint')}
          onChange={(e) => onReason(e.target.value)}
        />
      </label>
    </>
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
