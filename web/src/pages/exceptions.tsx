import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, query, request, type Schemas } from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { formatDateTime, formatDuration, formatMoney } from '../format';
import { contextMessages } from '../i18n/context-messages';
import { describeOutcome, refusal, shortageText } from '../components/order-context';
import { Link } from '../router';
import { useProcessLabel, useProcessWords } from '../i18n/process-words';
import { ConfirmDialog } from '../components/confirm-dialog';
import { RisksAndReason } from '../components/order-actions';
import { useStateWords } from '../components/state-words';
import { ErrorBox, Loading, StateBadge } from '../components/status';
import { ComingSoon } from './coming-soon';
import { ChannelLocationPicker, useChannelLocationFilter } from '../components/channel-location-picker';

type Queue = Schemas['ExceptionQueue'];
type ExceptionOrder = Queue['groups'][number]['orders'][number];
type Resolution = ExceptionOrder['resolutionDetails'][number];

/**
 * Orders waiting in exception states, grouped by kind; a resolution is an event sent to the order's
 * process. A destructive one (cancelling a marketplace order) asks first, with the reason and the
 * risks, as on the order's page.
 */
export function ExceptionsPage({ canResolve }: { canResolve: boolean }) {
  const { t, locale } = useI18n();
  const cx = useMessages(contextMessages);
  const client = useQueryClient();
  const label = useProcessLabel();
  const words = useStateWords();
  const [msg, setMsg] = useState<{ ok: boolean; text: string; stale?: boolean } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const pw = useProcessWords();
  const [pending, setPending] = useState<{ order: ExceptionOrder; resolution: Resolution } | null>(null);
  const [reason, setReason] = useState('');
  const { channel, location, filter, setFilter } = useChannelLocationFilter();
  const q = useQuery({
    queryKey: ['exceptions', channel, location],
    queryFn: () => get<Queue>(`/exceptions${query({ ...filter, limit: 200 })}`),
    retry: false,
  });
  if (q.error instanceof ApiError && q.error.status === 404)
    return <ComingSoon title={t('exceptions.title')} text={t('exceptions.coming')} />;

  const resolutionName = (o: ExceptionOrder, name: string) => label(o.resolutionLabels[name], `outcome.${name}`, name);
  const resolve = async (o: ExceptionOrder, name: string, why?: string) => {
    setBusy(o.orderId);
    setMsg(null);
    try {
      const res = await request<{ state: string }>(
        'POST',
        `/orders/${o.orderId}/events`,
        why ? { name, reason: why } : { name },
        { 'if-match': `"${o.orderVersion}"`, 'idempotency-key': crypto.randomUUID() },
      );
      // The state the order reached and why (a re-read of the queue), never just "sent".
      setMsg({
        ok: true,
        text: await describeOutcome(cx, (state) => words.state(state, state === o.state ? o.stateLabels : undefined), {
          orderId: o.orderId,
          number: o.number,
          action: resolutionName(o, name),
          before: o.state,
          after: res.body.state,
        }),
      });
      void client.invalidateQueries({ queryKey: ['exceptions'] });
      // the navigation's badges count exceptions: they follow at once, not at the next live update
      void client.invalidateQueries({ queryKey: ['nav-counts'] });
      void client.invalidateQueries({ queryKey: ['order', o.orderId] });
      void client.invalidateQueries({ queryKey: ['history', o.orderId] });
    } catch (e) {
      setMsg({ ok: false, ...refusal(cx, e, 'order') });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="page">
      <h1>{t('exceptions.title')}</h1>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label={t('dashboard.filter')}>
        <ChannelLocationPicker channel={channel} location={location} onChange={setFilter} />
      </form>
      {msg && (
        <p className={msg.ok ? 'form-ok' : 'form-error'} role={msg.ok ? 'status' : 'alert'}>
          {msg.text}
          {msg.stale && (
            <>
              {' '}
              <button
                type="button"
                onClick={() => {
                  setMsg(null);
                  void q.refetch();
                }}
              >
                {cx('cx.reload')}
              </button>
            </>
          )}
        </p>
      )}
      {q.error ? (
        <ErrorBox error={q.error} onRetry={() => q.refetch()} />
      ) : q.isPending ? (
        <Loading />
      ) : q.data.groups.length === 0 ? (
        <p className="card empty">{t(channel || location ? 'exceptions.emptyFiltered' : 'exceptions.empty')}</p>
      ) : (
        q.data.groups.map((g) => (
          <section key={g.kind} className="card exception-group" aria-labelledby={`ex-${g.kind}`}>
            <h2 id={`ex-${g.kind}`}>
              {label(g.orders[0]?.stateLabels, `state.${g.kind}`, g.kind)} <span className="badge">{g.count}</span>
            </h2>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('orders.col.number')}</th>
                    <th scope="col">{cx('cx.customer')}</th>
                    <th scope="col">{cx('cx.amount')}</th>
                    <th scope="col">{cx('cx.channel')}</th>
                    <th scope="col">{cx('cx.age')}</th>
                    <th scope="col">{cx('cx.shortages')}</th>
                    <th scope="col">{t('orders.col.state')}</th>
                    <th scope="col">{t('exceptions.since')}</th>
                    <th scope="col">{t('exceptions.resolve')}</th>
                  </tr>
                </thead>
                <tbody>
                  {g.orders.map((o) => (
                    <tr key={o.orderId}>
                      <td>
                        <Link to={`/orders/${o.orderId}`} className="mono">
                          {o.number}
                        </Link>
                      </td>
                      <td>{o.order.customerName ?? '—'}</td>
                      <td className="num nowrap">{formatMoney(o.order.grandTotal, o.order.currency, locale)}</td>
                      <td>{o.order.channel.name}</td>
                      <td className="nowrap">{formatDuration(o.order.ageSeconds, locale)}</td>
                      <td>
                        {o.shortages.length ? (
                          <ul className="shortages">
                            {o.shortages.map((x) => (
                              <li key={x.sku}>{shortageText(cx, x)}</li>
                            ))}
                          </ul>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td>
                        <StateBadge state={o.state} labels={o.stateLabels} />
                        <div className="muted small" data-testid="exception-process">
                          {t('exceptions.processVersion', {
                            process: words.process(o.process.key, o.process),
                            version: o.process.version,
                          })}
                        </div>
                      </td>
                      <td className="nowrap">{formatDateTime(o.since, locale)}</td>
                      <td>
                        <div className="actions">
                          {o.resolutionDetails.map((r) => (
                            <button
                              key={r.name}
                              type="button"
                              data-event={r.name}
                              className={r.destructive ? 'danger' : undefined}
                              title={r.destructive ? pw('pw.destructive') : undefined}
                              disabled={!canResolve || busy === o.orderId}
                              onClick={() => {
                                if (!r.destructive) return void resolve(o, r.name);
                                setReason('');
                                setPending({ order: o, resolution: r });
                              }}
                            >
                              {resolutionName(o, r.name)}
                            </button>
                          ))}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        ))
      )}
      {pending && (
        <ConfirmDialog
          title={pw('pw.confirmTitle', { event: resolutionName(pending.order, pending.resolution.name) })}
          question={pw('pw.confirmQuestion', {
            event: resolutionName(pending.order, pending.resolution.name),
            number: pending.order.number,
          })}
          confirmLabel={pw('pw.confirm', { event: resolutionName(pending.order, pending.resolution.name) })}
          danger
          ready={reason.trim().length > 0}
          // the outcome or the refusal is told on the page, as for any resolution
          run={() => resolve(pending.order, pending.resolution.name, reason.trim())}
          onClose={() => setPending(null)}
        >
          <RisksAndReason event={pending.resolution} reason={reason} onReason={setReason} />
        </ConfirmDialog>
      )}
    </section>
  );
}
