import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, request, type Me } from '../api';
import { canMoney, moneyHidden, type CreditHold, type CreditPosition } from '../money-api';
import { formatDateTime } from '../format';
import { ErrorBox, Loading } from './status';
import { fresh, useMoneyWords, useOutcome } from './money-words';
import { ConfirmDialog } from './confirm-dialog';

/** A company's credit as finance sees it from one of its orders: limit, exposure, overdue invoices, holds. */
export function CreditPanel({ companyId, orderId, me }: { companyId: string; orderId: string; me: Me }) {
  const { t, money, locale } = useMoneyWords();
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ['credit', companyId],
    queryFn: () => get<CreditPosition>(`/companies/${companyId}/credit`),
    retry: false,
  });
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useOutcome();
  if (moneyHidden(q.error)) return null;
  const c = q.data;
  const m = (v: string | null) => (v === null ? t('credit.noLimit') : money(v, c?.currency ?? 'PLN'));
  const who = (h: CreditHold['placedBy']) => h?.name ?? (h?.type ? t(`actor.${h.type}` as 'actor.user') : '—');

  return (
    <section className="card" aria-labelledby="credit-title" data-testid="credit-panel">
      <h2 id="credit-title" className="card-title">
        {c?.company ? t('credit.titleOf', { company: c.company }) : t('credit.title')}
        {c && (
          <span className={`badge ${c.onHold ? 'state-on_hold' : 'state-completed'}`}>
            {c.onHold ? t('credit.onHold') : t('credit.notOnHold')}
          </span>
        )}
      </h2>
      {q.error ? (
        <ErrorBox error={q.error} onRetry={() => q.refetch()} />
      ) : !c ? (
        <Loading />
      ) : (
        <>
          <dl className="money-figures">
            <div>
              <dt>{t('credit.limit')}</dt>
              <dd>{m(c.limit)}</dd>
            </div>
            <div>
              <dt>{t('credit.exposure')}</dt>
              <dd>{m(c.exposure)}</dd>
            </div>
            <div>
              <dt>{t('credit.available')}</dt>
              <dd className={c.available?.startsWith('-') ? 'negative' : undefined}>{m(c.available)}</dd>
            </div>
            <div>
              <dt>{t('credit.overdue')}</dt>
              <dd>
                {t('credit.overdueInvoices', { count: c.overdueInvoices })}
                {c.overdueInvoices > 0 && ` · ${m(c.overdueAmount)}`}
              </dd>
            </div>
            {c.paymentTermsDays != null && (
              <div>
                <dt>{t('credit.terms')}</dt>
                <dd>{t('credit.termsDays', { count: c.paymentTermsDays })}</dd>
              </div>
            )}
          </dl>
          {canMoney(me, 'credit:write') && (
            <div className="actions">
              <button type="button" className={c.onHold ? undefined : 'danger'} onClick={() => setAsking(true)}>
                {c.onHold ? t('credit.release') : t('credit.hold')}
              </button>
            </div>
          )}
          {c.holds.length > 0 && (
            <>
              <h3>{t('credit.history')}</h3>
              <ul className="holds">
                {c.holds.map((h) => (
                  <li key={h.id}>
                    <div>
                      <strong>{t('credit.placed')}</strong>{' '}
                      {h.placedAt && <time className="muted">{formatDateTime(h.placedAt, locale)}</time>} ·{' '}
                      {who(h.placedBy)}: {h.reason}
                    </div>
                    {h.releasedAt ? (
                      <div>
                        <strong>{t('credit.released')}</strong>{' '}
                        <time className="muted">{formatDateTime(h.releasedAt, locale)}</time> · {who(h.releasedBy)}:{' '}
                        {h.releaseReason}
                      </div>
                    ) : (
                      <div className="muted">{t('credit.stillOpen')}</div>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
          {outcome && (
            <p className={outcome.ok ? 'form-ok' : 'form-error'} role={outcome.ok ? 'status' : 'alert'}>
              {outcome.text}
            </p>
          )}
          {asking && (
            <ConfirmDialog
              title={c.onHold ? t('credit.release') : t('credit.hold')}
              question={t(c.onHold ? 'credit.releaseQuestion' : 'credit.holdQuestion', {
                company: c.company ?? '—',
              })}
              confirmLabel={c.onHold ? t('credit.release') : t('credit.hold')}
              danger={!c.onHold}
              ready={Boolean(reason.trim())}
              onClose={() => setAsking(false)}
              run={async () => {
                const path = c.onHold ? 'credit-hold/release' : 'credit-hold';
                await request('POST', `/companies/${companyId}/${path}`, { reason: reason.trim() }, fresh());
                setReason('');
                await Promise.all([
                  client.invalidateQueries({ queryKey: ['credit', companyId] }),
                  client.invalidateQueries({ queryKey: ['order', orderId] }),
                ]);
                setOutcome({ ok: true, text: c.onHold ? t('credit.releasedDone') : t('credit.heldDone') });
              }}
            >
              <label>
                {t('money.reason')}
                <textarea
                  rows={2}
                  maxLength={500}
                  required
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                />
              </label>
            </ConfirmDialog>
          )}
        </>
      )}
    </section>
  );
}
