import { useState } from 'react';
import { request } from '../api';
import {
  isPositive,
  operationNote,
  parseAmountInput,
  subtract,
  type OrderPayments,
  type Payment,
  type PaymentOperation,
  type PaymentResult,
} from '../money-api';
import { ConfirmDialog } from './confirm-dialog';
import { fresh, PROVIDER_CALL, useMoneyRefresh, type DialogProps, type MoneyWords, type Outcome } from './money-words';

/** What a capture takes by default: the open authorisation, or what is still to arrive (at most the outstanding). */
function openToCapture(p: Payment, outstanding: string): string {
  const captureOps = p.operations.filter((o) => o.kind === 'capture' && o.status === 'pending');
  if (p.provider) {
    let open = subtract(subtract(p.authorized, p.captured), p.voided);
    for (const o of captureOps) open = subtract(open, o.amount);
    return isPositive(open) ? open : '';
  }
  const left = subtract(p.amount, p.captured);
  return isPositive(subtract(left, outstanding)) ? outstanding : left;
}

/** What a provider operation's answer means: done, still under way at the provider, or refused. */
function operationOutcome(
  words: MoneyWords,
  payment: Payment,
  op: PaymentOperation | null,
  status: number,
  texts: { done: string; pending: string },
): Outcome {
  const { t, provider } = words;
  const who = payment.provider ? provider(payment.provider) : '';
  if (op?.status === 'failed') {
    const detail = operationNote(op);
    return {
      ok: false,
      text: who ? t('money.providerRefused', { provider: who, detail }) : t('money.operationFailed', { detail }),
    };
  }
  if (status === 202 || op?.status === 'pending') return { ok: true, text: texts.pending };
  return { ok: true, text: texts.done };
}

export function CaptureDialog({
  order,
  words,
  done,
  onClose,
  data,
  payment,
}: DialogProps & { data: OrderPayments; payment: Payment }) {
  const { t, money, via, provider } = words;
  const refresh = useMoneyRefresh(order.id);
  const [amount, setAmount] = useState(() => openToCapture(payment, data.summary.outstanding));
  const parsed = parseAmountInput(amount);
  const shown = parsed ? money(parsed, payment.currency) : '…';
  const atProvider = Boolean(payment.provider);
  return (
    <ConfirmDialog
      title={atProvider ? t('money.capture') : t('money.recordReceived')}
      question={t(atProvider ? 'money.captureQuestion' : 'money.receivedQuestion', {
        amount: shown,
        via: via(payment),
      })}
      note={atProvider ? undefined : t('money.receivedNote')}
      confirmLabel={atProvider ? t('money.capture') : t('money.recordReceived')}
      ready={Boolean(parsed)}
      onClose={onClose}
      run={async () => {
        const r = await request<PaymentResult>(
          'POST',
          `/payments/${payment.id}/capture`,
          { amount: parsed },
          PROVIDER_CALL,
        );
        await refresh();
        done(
          operationOutcome(words, payment, r.body.operation, r.status, {
            done: t(atProvider ? 'money.captureDone' : 'money.receivedDone', { amount: shown }),
            pending: t('money.capturePending', { amount: shown, provider: provider(payment.provider ?? '') }),
          }),
        );
      }}
    >
      <label>
        {t('field.amount')}
        <input
          name="amount"
          inputMode="decimal"
          autoComplete="off"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          aria-invalid={amount !== '' && !parsed ? true : undefined}
        />
      </label>
    </ConfirmDialog>
  );
}

export function VoidDialog({ order, words, done, onClose, payment }: DialogProps & { payment: Payment }) {
  const { t, money, via, provider } = words;
  const refresh = useMoneyRefresh(order.id);
  const [reason, setReason] = useState('');
  const atProvider = Boolean(payment.provider && payment.providerPaymentId);
  const open = payment.status === 'pending' ? payment.amount : subtract(payment.authorized, payment.captured);
  const shown = money(open, payment.currency);
  return (
    <ConfirmDialog
      title={atProvider ? t('money.void') : t('money.cancelPayment')}
      question={t(atProvider ? 'money.voidQuestion' : 'money.cancelQuestion', { amount: shown, via: via(payment) })}
      confirmLabel={atProvider ? t('money.void') : t('money.cancelPayment')}
      danger
      onClose={onClose}
      run={async () => {
        const body = reason.trim() ? { reason: reason.trim() } : {};
        const r = await request<PaymentResult>('POST', `/payments/${payment.id}/void`, body, PROVIDER_CALL);
        await refresh();
        done(
          operationOutcome(words, payment, r.body.operation, r.status, {
            done: t(atProvider ? 'money.voidDone' : 'money.cancelDone', { amount: shown }),
            pending: t('money.voidPending', { amount: shown, provider: provider(payment.provider ?? '') }),
          }),
        );
      }}
    >
      <label>
        {t('money.reasonOptional')}
        <input name="reason" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
    </ConfirmDialog>
  );
}

/** A refund Ordo cannot see happen (no provider): finance says whether the money went back. */
export function SettleDialog({
  order,
  words,
  done,
  onClose,
  payment,
  operation,
  succeeded,
}: DialogProps & { payment: Payment; operation: PaymentOperation; succeeded: boolean }) {
  const { t, money, via } = words;
  const refresh = useMoneyRefresh(order.id);
  const [reason, setReason] = useState('');
  const shown = money(operation.amount, payment.currency);
  const args = { amount: shown, via: via(payment) };
  return (
    <ConfirmDialog
      title={succeeded ? t('money.settleOk') : t('money.settleFailed')}
      question={t(succeeded ? 'money.settleOkQuestion' : 'money.settleFailedQuestion', args)}
      confirmLabel={succeeded ? t('money.settleOk') : t('money.settleFailed')}
      danger={!succeeded}
      ready={succeeded || Boolean(reason.trim())}
      onClose={onClose}
      run={async () => {
        await request(
          'POST',
          `/payment-operations/${operation.id}/confirm`,
          { succeeded, ...(reason.trim() ? { reason: reason.trim() } : {}) },
          fresh(),
        );
        await refresh();
        done({ ok: true, text: t(succeeded ? 'money.settledOk' : 'money.settledFailed', args) });
      }}
    >
      <label>
        {succeeded ? t('money.reasonOptional') : t('money.reason')}
        <input
          name="reason"
          maxLength={500}
          required={!succeeded}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
    </ConfirmDialog>
  );
}
