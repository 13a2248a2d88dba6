import { useState } from 'react';
import { get, request } from '../api';
import {
  isPositive,
  operationNote,
  parseAmountInput,
  subtract,
  type OrderPayments,
  type Payment,
  type RefundResult,
} from '../money-api';
import { formatNumber } from '../format';
import { ConfirmDialog } from './confirm-dialog';
import { PROVIDER_CALL, useMoneyRefresh, type DialogProps, type MoneyWords, type Outcome } from './money-words';

/** Refund an amount or lines (with quantities), with a reason; the server spreads it over the payments, newest first. */
export function RefundDialog({ order, words, done, onClose, data }: DialogProps & { data: OrderPayments }) {
  const { t, money, via, locale } = words;
  const refresh = useMoneyRefresh(order.id);
  const [mode, setMode] = useState<'amount' | 'lines'>('amount');
  const [amount, setAmount] = useState('');
  const [qty, setQty] = useState<Record<string, number>>({});
  const [reason, setReason] = useState('');
  const [paidOut, setPaidOut] = useState(false);

  // Newest first, as the server takes them.
  const refundable = data.payments.filter((p) => isPositive(subtract(p.captured, p.refunded))).reverse();
  const manual = refundable.some((p) => !p.provider);
  const ways = [...new Set(refundable.map(via))].join(', ') || '—';
  const parsed = parseAmountInput(amount);
  const chosen = order.lines.filter((l) => (qty[l.id] ?? 0) > 0);
  const ready = Boolean(reason.trim()) && (mode === 'amount' ? Boolean(parsed) : chosen.length > 0);
  const what = chosen.map((l) => `${formatNumber(qty[l.id]!, locale)} × ${l.name}`).join(', ') || '…';
  const question =
    mode === 'amount'
      ? t('money.refundQuestion', { amount: parsed ? money(parsed, order.currency) : '…', via: ways })
      : t('money.refundLinesQuestion', { lines: what, via: ways });

  return (
    <ConfirmDialog
      title={t('money.refund')}
      question={question}
      note={manual ? t(paidOut ? 'money.refundPaidOutNote' : 'money.refundManualNote') : undefined}
      confirmLabel={t('money.refund')}
      danger
      ready={ready}
      onClose={onClose}
      run={async () => {
        const body = {
          ...(mode === 'amount'
            ? { amount: parsed }
            : { lines: chosen.map((l) => ({ lineId: l.id, quantity: qty[l.id]! })) }),
          reason: reason.trim(),
          ...(manual && paidOut ? { paidOut: true } : {}),
        };
        const r = await request<RefundResult>('POST', `/orders/${order.id}/refunds`, body, PROVIDER_CALL);
        const after = await get<OrderPayments>(`/orders/${order.id}/payments`);
        await refresh();
        done(refundOutcome(words, r.body, r.status, after.payments, order.currency));
      }}
    >
      <fieldset className="segmented-field">
        <legend>{t('money.refundBy')}</legend>
        <label className="inline">
          <input type="radio" name="mode" checked={mode === 'amount'} onChange={() => setMode('amount')} />
          {t('money.refundByAmount')}
        </label>
        <label className="inline">
          <input type="radio" name="mode" checked={mode === 'lines'} onChange={() => setMode('lines')} />
          {t('money.refundByLines')}
        </label>
      </fieldset>
      {mode === 'amount' ? (
        <label>
          {t('field.amount')}
          <input
            name="amount"
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            placeholder={data.summary.paid}
            onChange={(e) => setAmount(e.target.value)}
            aria-invalid={amount !== '' && !parsed ? true : undefined}
          />
          <span className="muted">
            {t('money.refundableNow', { amount: money(data.summary.paid, order.currency) })}
          </span>
        </label>
      ) : (
        <LinePicker
          lines={order.lines.map((l) => ({ key: l.id, name: `${l.lineNo}. ${l.name}`, max: l.quantity }))}
          qty={qty}
          setQty={setQty}
          words={words}
        />
      )}
      <label>
        {t('money.reason')}
        <textarea
          name="reason"
          rows={2}
          maxLength={500}
          required
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      {manual && (
        <label className="check">
          <input type="checkbox" checked={paidOut} onChange={(e) => setPaidOut(e.target.checked)} />
          {t('money.paidOut')}
        </label>
      )}
    </ConfirmDialog>
  );
}

/** Quantities to take back per line (refund, credit note), each at most what the line holds. */
export function LinePicker({
  lines,
  qty,
  setQty,
  words,
}: {
  lines: { key: string; name: string; max: number }[];
  qty: Record<string, number>;
  setQty: (q: Record<string, number>) => void;
  words: MoneyWords;
}) {
  const { t, locale } = words;
  return (
    <table className="compact line-picker">
      <thead>
        <tr>
          <th scope="col">{t('order.line.name')}</th>
          <th scope="col" className="num">
            {t('money.ofQuantity')}
          </th>
          <th scope="col" className="num">
            {t('money.takeBack')}
          </th>
        </tr>
      </thead>
      <tbody>
        {lines.map((l) => (
          <tr key={l.key}>
            <td>{l.name}</td>
            <td className="num">{formatNumber(l.max, locale)}</td>
            <td className="num">
              <input
                type="number"
                min={0}
                max={l.max}
                step={1}
                aria-label={t('money.takeBackOf', { name: l.name })}
                value={qty[l.key] ?? 0}
                onChange={(e) =>
                  setQty({ ...qty, [l.key]: Math.max(0, Math.min(l.max, Math.trunc(Number(e.target.value) || 0))) })
                }
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Refunded at once, under way at a provider, waiting to be paid back by hand, or refused: said as it is. */
function refundOutcome(
  words: MoneyWords,
  r: RefundResult,
  status: number,
  payments: Payment[],
  currency: string,
): Outcome {
  const { t, money, provider, via } = words;
  const amount = money(r.amount, currency);
  const owner = (opId: string) => payments.find((p) => p.operations.some((o) => o.id === opId));
  const failed = r.operations.filter((o) => o.status === 'failed');
  if (failed.length) {
    const p = owner(failed[0]!.id);
    const detail = operationNote(failed[0]!);
    return {
      ok: false,
      text: p?.provider
        ? t('money.providerRefused', { provider: provider(p.provider), detail })
        : t('money.operationFailed', { detail }),
    };
  }
  const pending = r.operations.filter((o) => o.status === 'pending').map((o) => owner(o.id));
  if (status !== 202 && pending.length === 0) {
    const used = payments.filter((p) => p.operations.some((x) => r.operations.some((o) => o.id === x.id)));
    return { ok: true, text: t('money.refundDone', { amount, via: [...new Set(used.map(via))].join(', ') }) };
  }
  const providers = [...new Set(pending.filter((p) => p?.provider).map((p) => provider(p!.provider!)))];
  const texts = [];
  if (providers.length) texts.push(t('money.refundPending', { amount, provider: providers.join(', ') }));
  if (pending.some((p) => p && !p.provider)) texts.push(t('money.refundManualPending', { amount }));
  return { ok: true, text: texts.join(' ') || t('money.refundPending', { amount, provider: '—' }) };
}
