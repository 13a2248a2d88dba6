import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, type Me, type Order } from '../api';
import {
  canMoney,
  isPositive,
  moneyHidden,
  operationNote,
  subtract,
  type OrderPayments,
  type Payment,
  type PaymentOperation,
} from '../money-api';
import { formatDateTime } from '../format';
import { ErrorBox, Loading } from './status';
import { useMoneyWords, useOutcome } from './money-words';
import { CaptureDialog, SettleDialog, VoidDialog } from './payment-dialogs';
import { RefundDialog } from './refund-dialog';

type Dialog =
  | { kind: 'capture' | 'void'; payment: Payment }
  | { kind: 'refund' }
  | { kind: 'settle'; payment: Payment; operation: PaymentOperation; succeeded: boolean };

/** The order's money: its payment status, each payment with its operations, and what finance may do next. */
export function PaymentsPanel({ order, me }: { order: Order; me: Me }) {
  const w = useMoneyWords();
  const { t, tMaybe, money, via, locale } = w;
  const q = useQuery({
    queryKey: ['payments', order.id],
    queryFn: () => get<OrderPayments>(`/orders/${order.id}/payments`),
    retry: false,
  });
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [outcome, setOutcome] = useOutcome();
  if (moneyHidden(q.error)) return null;
  const writable = canMoney(me, 'payments:write');
  const close = () => setDialog(null);
  const cur = order.currency;

  let body;
  if (q.error) body = <ErrorBox error={q.error} onRetry={() => q.refetch()} />;
  else if (!q.data) body = <Loading />;
  else {
    const { summary, payments } = q.data;
    const figures: [string, string, boolean][] = [
      [t('money.total'), q.data.total, true],
      [t('money.paid'), summary.paid, true],
      [t('money.outstanding'), summary.outstanding, true],
      [t('money.refunded'), summary.refunded, isPositive(summary.refunded)],
      [t('money.authorizedOpen'), summary.authorized, isPositive(summary.authorized)],
      [t('money.overpaid'), summary.overpaid, isPositive(summary.overpaid)],
    ];
    body = (
      <>
        <dl className="money-figures" data-testid="payment-summary">
          {figures
            .filter(([, , show]) => show)
            .map(([label, value]) => (
              <div key={label}>
                <dt>{label}</dt>
                <dd>{money(value, cur)}</dd>
              </div>
            ))}
        </dl>
        {writable && isPositive(summary.paid) && (
          <div className="actions">
            <button type="button" onClick={() => setDialog({ kind: 'refund' })}>
              {t('money.refund')}
            </button>
          </div>
        )}
        {payments.length === 0 ? (
          <p className="muted">{t('money.noPayments')}</p>
        ) : (
          <ul className="payments" data-testid="payments">
            {payments.map((p) => (
              <li key={p.id} className="payment">
                <div className="payment-head">
                  <strong>{via(p)}</strong>
                  <span className={`badge pay-${p.status}`}>{tMaybe(`payStatus.${p.status}`, p.status)}</span>
                  <span className="num">{money(p.amount, p.currency)}</span>
                </div>
                <p className="muted payment-figures">
                  {(['authorized', 'captured', 'refunded', 'voided'] as const)
                    .filter((k) => isPositive(p[k]))
                    .map((k) => `${t(`money.${k}`)}: ${money(p[k], p.currency)}`)
                    .join(' · ') || t('money.nothingYet')}
                  {p.reference ? ` · ${t('money.reference')}: ${p.reference}` : ''}
                </p>
                {p.status === 'pending' && p.redirectUrl && (
                  <p>
                    {t('money.redirect')}{' '}
                    <a href={p.redirectUrl} target="_blank" rel="noreferrer">
                      {t('money.redirectLink')}
                    </a>
                  </p>
                )}
                {p.operations.length > 0 && (
                  <ul className="operations">
                    {p.operations.map((o) => (
                      <li key={o.id} className={`op-${o.status}`}>
                        <span>{tMaybe(`opKind.${o.kind}`, o.kind)}</span>
                        <span className="num">{money(o.amount, p.currency)}</span>
                        <span className={`badge op-badge-${o.status}`}>{tMaybe(`opStatus.${o.status}`, o.status)}</span>
                        {o.createdAt && <time className="muted">{formatDateTime(o.createdAt, locale)}</time>}
                        {operationNote(o) && <span className="muted">{operationNote(o)}</span>}
                        {writable && o.kind === 'refund' && o.status === 'pending' && !p.provider && (
                          <span className="op-actions">
                            <button
                              type="button"
                              onClick={() => setDialog({ kind: 'settle', payment: p, operation: o, succeeded: true })}
                            >
                              {t('money.settleOk')}
                            </button>
                            <button
                              type="button"
                              className="danger"
                              onClick={() => setDialog({ kind: 'settle', payment: p, operation: o, succeeded: false })}
                            >
                              {t('money.settleFailed')}
                            </button>
                          </span>
                        )}
                      </li>
                    ))}
                  </ul>
                )}
                {writable && (
                  <div className="actions">
                    {canCapture(p) && (
                      <button type="button" onClick={() => setDialog({ kind: 'capture', payment: p })}>
                        {p.provider ? t('money.capture') : t('money.recordReceived')}
                      </button>
                    )}
                    {(p.status === 'pending' || p.status === 'authorized') && (
                      <button type="button" className="danger" onClick={() => setDialog({ kind: 'void', payment: p })}>
                        {p.provider && p.providerPaymentId ? t('money.void') : t('money.cancelPayment')}
                      </button>
                    )}
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
      </>
    );
  }

  const props = { order, words: w, done: setOutcome, onClose: close };
  return (
    <section className="card" aria-labelledby="pay-title" data-testid="payments-panel">
      <h2 id="pay-title" className="card-title">
        {t('money.payments')}
        {q.data && (
          <span className={`badge paystate-${q.data.summary.status}`} data-testid="payment-status">
            {tMaybe(`payState.${q.data.summary.status}`, q.data.summary.status)}
          </span>
        )}
      </h2>
      {body}
      {outcome && (
        <p className={outcome.ok ? 'form-ok' : 'form-error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
      {dialog?.kind === 'capture' && q.data && <CaptureDialog {...props} data={q.data} payment={dialog.payment} />}
      {dialog?.kind === 'void' && <VoidDialog {...props} payment={dialog.payment} />}
      {dialog?.kind === 'refund' && q.data && <RefundDialog {...props} data={q.data} />}
      {dialog?.kind === 'settle' && (
        <SettleDialog {...props} payment={dialog.payment} operation={dialog.operation} succeeded={dialog.succeeded} />
      )}
    </section>
  );
}

/** A provider's open authorisation, or money still to arrive on a cash, transfer or COD payment. */
function canCapture(p: Payment): boolean {
  if (p.provider) return p.status === 'authorized';
  return ['pending', 'authorized', 'captured'].includes(p.status) && isPositive(subtract(p.amount, p.captured));
}
