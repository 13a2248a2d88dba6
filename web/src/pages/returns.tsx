import { useEffect, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, query, request, type HistoryEntry, type Me } from '../api';
import { formatDateTime, formatNumber } from '../format';
import { Link, navigate, useLocation } from '../router';
import { ErrorBox, Loading, StateBadge } from '../components/status';
import { Timeline } from '../components/timeline';
import { useReturnWords, type ReturnWords } from '../components/return-words';
import { InspectForm, problemText, ReceiveForm, ReturnDecisions } from '../components/return-actions';
import { ComingSoon } from './coming-soon';
import {
  canWriteReturns,
  FINAL_RETURN_STATES,
  returnsHidden,
  type QueuedReceipt,
  type ReturnSummary,
  type ReturnView,
} from '../returns-api';

/** The states of processes/returns.yaml, in the order a return passes them (for the filter). */
const RETURN_STATES = [
  'requested',
  'awaiting_approval',
  'accepted',
  'sending_replacement',
  'issuing_label',
  'label_exception',
  'awaiting_parcel',
  'receiving',
  'parcel_missing',
  'inspecting',
  'restocking',
  'exchanging',
  'crediting',
  'refunding',
  'refund_exception',
  'closed',
  'refused',
  'rejected',
  'cancelled',
];
/** States the process leaves by itself (its effects run after the commit): the page looks again shortly. */
const PASSING = [
  'requested',
  'accepted',
  'sending_replacement',
  'issuing_label',
  'restocking',
  'exchanging',
  'crediting',
  'refunding',
];
const RECEIVING = ['awaiting_parcel', 'receiving', 'parcel_missing', 'label_exception', 'issuing_label'];

export default function ReturnsPage({ me, id }: { me: Me; id?: string | undefined }) {
  if (id) return <ReturnDetail key={id} id={id} me={me} />;
  return <ReturnsQueue me={me} />;
}

function ReturnsQueue({ me }: { me: Me }) {
  const w = useReturnWords();
  const { t } = w;
  const { search } = useLocation();
  const state = search.get('state') ?? '';
  const all = search.get('all') === '1';
  const list = useQuery({
    queryKey: ['returns', state, all],
    queryFn: () =>
      get<{ items: ReturnSummary[] }>(`/returns${query({ state, open: all || state ? undefined : 'true' })}`),
    retry: false,
  });
  if (returnsHidden(list.error)) return <ComingSoon title={t('ret.title')} text={t('common.forbidden')} />;
  const setFilter = (next: { state?: string; all?: boolean }) => {
    const s = next.state ?? state;
    const a = next.all ?? all;
    navigate(`/returns${query({ state: s, all: a ? '1' : undefined })}`, { replace: true });
  };

  return (
    <section className="page returns-page">
      <div className="page-head">
        <h1>{t('ret.title')}</h1>
      </div>
      <div className="filters" role="search">
        <label>
          {t('ret.state')}
          <select value={state} onChange={(e) => setFilter({ state: e.target.value })} aria-label={t('ret.state')}>
            <option value="">{t('ret.anyState')}</option>
            {RETURN_STATES.map((s) => (
              <option key={s} value={s}>
                {w.state(s)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={!all}
            disabled={Boolean(state)}
            onChange={(e) => setFilter({ all: !e.target.checked })}
          />
          {t('ret.openOnly')}
        </label>
      </div>
      <section className="card" aria-labelledby="ret-queue-title">
        <h2 id="ret-queue-title">{t('ret.queue')}</h2>
        {list.error ? (
          <ErrorBox error={list.error} onRetry={() => list.refetch()} />
        ) : list.isPending ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <p className="muted">{t('ret.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table className="compact" data-testid="returns-queue">
              <thead>
                <tr>
                  <th scope="col">{t('ret.number')}</th>
                  <th scope="col">{t('ret.state')}</th>
                  <th scope="col">{t('ret.order')}</th>
                  <th scope="col">{t('ret.customer')}</th>
                  <th scope="col">{t('ret.wish')}</th>
                  <th scope="col">{t('ret.reason')}</th>
                  <th scope="col" className="num">
                    {t('ret.receivedCol')}
                  </th>
                  <th scope="col" className="num">
                    {t('ret.value')}
                  </th>
                  <th scope="col">{t('ret.requested')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link to={`/returns/${r.id}`}>{r.number}</Link>
                    </td>
                    <td>
                      <StateBadge state={r.state} />
                    </td>
                    <td>
                      <Link to={`/orders/${r.orderId}`}>{r.orderNumber}</Link>
                    </td>
                    <td>{r.customerName ?? '—'}</td>
                    <td>{w.wish(r.wish)}</td>
                    <td>{w.reason(r.reason)}</td>
                    <td className="num">{t('ret.unitsOf', { received: r.received, units: r.units })}</td>
                    <td className="num">{w.money(r.value, r.currency)}</td>
                    <td className="nowrap">{formatDateTime(r.createdAt, w.locale)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <UnexpectedReceipts me={me} words={w} />
    </section>
  );
}

/** Parcels no return asked for: a person restocks them, writes them off or matches them to a return. */
function UnexpectedReceipts({ me, words: w }: { me: Me; words: ReturnWords }) {
  const { t } = w;
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ['return-receipts'],
    queryFn: () => get<{ items: QueuedReceipt[] }>('/return-receipts'),
    retry: false,
  });
  const open = useQuery({
    queryKey: ['returns', '', false],
    queryFn: () => get<{ items: ReturnSummary[] }>(`/returns${query({ open: 'true' })}`),
    retry: false,
  });
  const [choice, setChoice] = useState<Record<string, { action: string; returnId: string }>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  if (returnsHidden(q.error)) return null;
  const writable = canWriteReturns(me);

  const resolve = async (r: QueuedReceipt) => {
    const c = choice[r.id] ?? { action: 'restock', returnId: '' };
    setBusy(r.id);
    setMsg(null);
    try {
      await request(
        'POST',
        `/return-receipts/${r.id}/resolve`,
        { action: c.action, ...(c.action === 'match' && c.returnId ? { returnId: c.returnId } : {}) },
        { 'idempotency-key': crypto.randomUUID() },
      );
      setMsg({ ok: true, text: t('ret.resolved', { action: w.resolution(c.action) }) });
      await Promise.all([
        client.invalidateQueries({ queryKey: ['return-receipts'] }),
        client.invalidateQueries({ queryKey: ['returns'] }),
        client.invalidateQueries({ queryKey: ['return'] }),
      ]);
    } catch (e) {
      setMsg({ ok: false, text: problemText(t, e) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card" aria-labelledby="ret-unexpected-title" data-testid="unexpected-receipts">
      <h2 id="ret-unexpected-title">{t('ret.unexpected')}</h2>
      {q.error ? (
        <ErrorBox error={q.error} onRetry={() => q.refetch()} />
      ) : q.isPending ? (
        <Loading />
      ) : q.data.items.length === 0 ? (
        <p className="muted">{t('ret.unexpectedNone')}</p>
      ) : (
        <>
          <p className="muted">{t('ret.unexpectedHint')}</p>
          <div className="table-wrap">
            <table className="compact">
              <thead>
                <tr>
                  <th scope="col">{t('ret.sku')}</th>
                  <th scope="col" className="num">
                    {t('ret.quantity')}
                  </th>
                  <th scope="col">{t('ret.location')}</th>
                  <th scope="col">{t('ret.note')}</th>
                  <th scope="col">{t('ret.requested')}</th>
                  {writable && <th scope="col">{t('ret.resolve')}</th>}
                </tr>
              </thead>
              <tbody>
                {q.data.items.map((r) => {
                  const c = choice[r.id] ?? { action: 'restock', returnId: r.returnId ?? '' };
                  return (
                    <tr key={r.id}>
                      <td className="mono">{r.sku}</td>
                      <td className="num">{formatNumber(r.quantity, w.locale)}</td>
                      <td className="mono">{r.location}</td>
                      <td>{r.note ?? ''}</td>
                      <td className="nowrap">{formatDateTime(r.receivedAt, w.locale)}</td>
                      {writable && (
                        <td>
                          <span className="inline-form">
                            <select
                              aria-label={t('ret.resolve')}
                              value={c.action}
                              onChange={(e) => setChoice({ ...choice, [r.id]: { ...c, action: e.target.value } })}
                            >
                              <option value="restock">{t('ret.restock')}</option>
                              <option value="write_off">{t('ret.writeOffAction')}</option>
                              <option value="match">{t('ret.match')}</option>
                            </select>
                            {c.action === 'match' && (
                              <select
                                aria-label={t('ret.matchTo')}
                                value={c.returnId}
                                onChange={(e) => setChoice({ ...choice, [r.id]: { ...c, returnId: e.target.value } })}
                              >
                                <option value="">{t('ret.choose')}</option>
                                {(open.data?.items ?? []).map((x) => (
                                  <option key={x.id} value={x.id}>
                                    {x.number} · {x.customerName ?? ''}
                                  </option>
                                ))}
                              </select>
                            )}
                            <button
                              type="button"
                              disabled={busy === r.id || (c.action === 'match' && !c.returnId)}
                              onClick={() => resolve(r)}
                            >
                              {t('ret.resolve')}
                            </button>
                          </span>
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      {msg && (
        <p className={msg.ok ? 'form-ok' : 'form-error'} role={msg.ok ? 'status' : 'alert'}>
          {msg.text}
        </p>
      )}
    </section>
  );
}

function ReturnDetail({ id, me }: { id: string; me: Me }) {
  const w = useReturnWords();
  const { t, locale } = w;
  // Said here, not in the form: a receipt or a grade moves the return on and the form goes away.
  const [notice, setNotice] = useState<string | null>(null);
  // It was said in one language: switching language clears it, as the money panels do.
  useEffect(() => setNotice(null), [w.lang]);
  const q = useQuery({
    queryKey: ['return', id],
    queryFn: () => get<ReturnView>(`/returns/${id}`),
    retry: false,
    // The process runs its steps (restock, credit note, refund) after the commit: look again while it moves.
    refetchInterval: (query) => (query.state.data && PASSING.includes(query.state.data.state) ? 1500 : false),
  });
  const history = useQuery({
    queryKey: ['history', id],
    queryFn: () => get<{ items: HistoryEntry[] }>(`/orders/${id}/history`),
    retry: false,
  });
  const back = (
    <p className="back">
      <Link to="/returns">← {t('ret.back')}</Link>
    </p>
  );
  if (q.isPending) return <Loading />;
  if (q.error)
    return (
      <section className="page">
        {back}
        <ErrorBox error={q.error} onRetry={() => q.refetch()} />
      </section>
    );
  const r = q.data;
  const cur = r.currency;
  const final = FINAL_RETURN_STATES.includes(r.state);
  const writable = canWriteReturns(me) && !final;
  const graded = (l: ReturnView['lines'][number]) => l.resell + l.refurbish + l.writeOff;
  const ungraded = r.lines.reduce((n, l) => n + Math.max(0, l.received - graded(l)), 0);
  const expecting = r.lines.some((l) => l.received < l.quantity);

  return (
    <article className="page return-page" aria-labelledby="return-title">
      {back}
      <header className="order-head">
        <div>
          <h1 id="return-title">
            {t('ret.heading', { number: r.number })} <StateBadge state={r.state} />
          </h1>
          <dl className="facts" data-testid="return-facts">
            <div>
              <dt>{t('ret.ofOrder')}</dt>
              <dd>
                <Link to={`/orders/${r.orderId}`}>{r.orderNumber}</Link>
              </dd>
            </div>
            <div>
              <dt>{t('ret.customer')}</dt>
              <dd>{r.customerName ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('ret.wish')}</dt>
              <dd>{w.wish(r.wish)}</dd>
            </div>
            <div>
              <dt>{t('ret.reason')}</dt>
              <dd>{w.reason(r.reason)}</dd>
            </div>
            <div>
              <dt>{t('ret.source')}</dt>
              <dd>{w.source(r.source)}</dd>
            </div>
            <div>
              <dt>{t('ret.requested')}</dt>
              <dd>{formatDateTime(r.createdAt, locale)}</dd>
            </div>
            {r.dropOff.kind && (
              <div>
                <dt>{t('ret.dropOff')}</dt>
                <dd>
                  {w.dropOff(r.dropOff.kind)}
                  {r.dropOff.locationCode ? ` · ${r.dropOff.locationCode}` : ''}
                  {r.dropOff.point ? ` · ${r.dropOff.point}` : ''}
                </dd>
              </div>
            )}
            {r.receivingLocation && (
              <div>
                <dt>{t('ret.receivingAt')}</dt>
                <dd className="mono">{r.receivingLocation}</dd>
              </div>
            )}
            {r.label && (
              <div>
                <dt>{t('ret.label')}</dt>
                <dd>
                  {r.label.carrier ?? ''}
                  {r.label.trackingNumber && (
                    <>
                      {' · '}
                      {t('ret.tracking')}: <span className="mono">{r.label.trackingNumber}</span>
                    </>
                  )}
                  {typeof r.label.error === 'string' && (
                    <span className="field-error"> {t('ret.labelFailed', { detail: r.label.error })}</span>
                  )}
                </dd>
              </div>
            )}
            {r.exchangeOrder && (
              <div>
                <dt>{t('ret.exchangeOrder')}</dt>
                <dd>
                  <Link to={`/orders/${r.exchangeOrder.id}`}>{r.exchangeOrder.number ?? r.exchangeOrder.id}</Link>
                  {r.exchangeOrder.state && <> {w.state(r.exchangeOrder.state)}</>}
                </dd>
              </div>
            )}
            {r.exchange?.lines && (
              <div>
                <dt>{t('ret.exchangeItems')}</dt>
                <dd>
                  {r.exchange.lines.map((l) => `${formatNumber(l.quantity, locale)} × ${l.sku}`).join(', ')}
                  {r.exchange.advance ? ` (${t('ret.advance')})` : ''}
                </dd>
              </div>
            )}
          </dl>
          {r.note && <p className="pre">{r.note}</p>}
        </div>
        <div className="totals card" aria-label={t('ret.money')} data-testid="return-money">
          <dl>
            <div>
              <dt>{t('ret.value')}</dt>
              <dd>{w.money(r.value, cur)}</dd>
            </div>
            <div>
              <dt>{t('ret.refunded')}</dt>
              <dd>{w.money(r.refunded, cur)}</dd>
            </div>
            {/[1-9]/.test(r.storeCredit) && (
              <div>
                <dt>{t('ret.storeCredit')}</dt>
                <dd>{w.money(r.storeCredit, cur)}</dd>
              </div>
            )}
            {r.creditNoteId && (
              <div>
                <dt>{t('ret.creditNote')}</dt>
                <dd>✓</dd>
              </div>
            )}
          </dl>
          {(r.state === 'refunding' || r.state === 'refund_exception') && r.wish === 'refund' && (
            <p className="muted">
              {t('ret.refundWaits')} <Link to={`/orders/${r.orderId}`}>{r.orderNumber}</Link>
            </p>
          )}
        </div>
      </header>

      <div className="order-grid">
        <div className="order-main">
          <ReturnDecisions r={r} me={me} words={w} />
          <section className="card" aria-labelledby="ret-lines-title">
            <h2 id="ret-lines-title">{t('ret.lines')}</h2>
            <div className="table-wrap">
              <table className="compact" data-testid="return-lines">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      {t('order.line.no')}
                    </th>
                    <th scope="col">{t('ret.sku')}</th>
                    <th scope="col">{t('order.line.name')}</th>
                    <th scope="col" className="num">
                      {t('ret.line.requested')}
                    </th>
                    <th scope="col" className="num">
                      {t('ret.line.received')}
                    </th>
                    <th scope="col">{t('ret.line.graded')}</th>
                    <th scope="col" className="num">
                      {t('ret.value')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.lines.map((l) => (
                    <tr key={l.id}>
                      <td className="num">{l.lineNo}</td>
                      <td className="mono">{l.sku}</td>
                      <td>
                        {l.name}
                        {l.reason && l.reason !== r.reason && <span className="muted"> · {w.reason(l.reason)}</span>}
                      </td>
                      <td className="num">{formatNumber(l.quantity, locale)}</td>
                      <td className="num">{formatNumber(l.received, locale)}</td>
                      <td>
                        {(
                          [
                            ['resell', l.resell],
                            ['refurbish', l.refurbish],
                            ['write_off', l.writeOff],
                          ] as const
                        )
                          .filter(([, n]) => n > 0)
                          .map(([g, n]) => `${w.grade(g)}: ${formatNumber(n, locale)}`)
                          .join(' · ') || '—'}
                      </td>
                      <td className="num">{w.money(l.value, cur)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {r.photos.length > 0 && (
              <div className="photos" aria-label={t('ret.photos')}>
                {r.photos.map((p, i) => (
                  <a key={i} href={p} target="_blank" rel="noreferrer">
                    <img src={p} alt={`${t('ret.photos')} ${i + 1}`} height={80} />
                  </a>
                ))}
              </div>
            )}
          </section>
          {notice && (
            <p className="form-ok" role="status">
              {notice}
            </p>
          )}
          {writable && RECEIVING.includes(r.state) && expecting && (
            <ReceiveForm key={r.version} r={r} words={w} onDone={setNotice} />
          )}
          {writable && ungraded > 0 && <InspectForm key={r.version} r={r} words={w} onDone={setNotice} />}
        </div>
        <section className="card timeline-card" aria-labelledby="ret-history-title">
          <h2 id="ret-history-title">{t('ret.history')}</h2>
          {history.error ? (
            <ErrorBox error={history.error} />
          ) : history.isPending ? (
            <Loading />
          ) : (
            <Timeline entries={history.data.items} />
          )}
        </section>
      </div>
    </article>
  );
}
