import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, request, type Me, type Order } from '../api';
import { canMoney, moneyHidden, parseAmountInput, type Invoice } from '../money-api';
import { formatDate, formatNumber } from '../format';
import { ErrorBox, Loading } from './status';
import { fresh, useMoneyRefresh, useMoneyWords, type DialogProps, useOutcome } from './money-words';
import { ConfirmDialog } from './confirm-dialog';
import { LinePicker } from './refund-dialog';

type Dialog = { kind: 'invoice' | 'proforma' } | { kind: 'credit'; invoice: Invoice };

/** The order's invoices, proformas and credit notes, with KSeF status and PDF; issuing for finance. */
export function InvoicesPanel({ order, me }: { order: Order; me: Me }) {
  const words = useMoneyWords();
  const { t, tMaybe, money, locale } = words;
  const q = useQuery({
    queryKey: ['invoices', order.id],
    queryFn: () => get<{ items: Invoice[] }>(`/orders/${order.id}/invoices`),
    retry: false,
  });
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [outcome, setOutcome] = useOutcome();
  if (moneyHidden(q.error)) return null;
  const writable = canMoney(me, 'invoices:write');
  const props = { order, words, done: setOutcome, onClose: () => setDialog(null) };
  const date = (d: string | null) => (d ? formatDate(`${d}T12:00:00Z`, locale) : '—');

  return (
    <section className="card" aria-labelledby="inv-title" data-testid="invoices-panel">
      <h2 id="inv-title">{t('money.invoices')}</h2>
      {writable && (
        <div className="actions">
          <button type="button" onClick={() => setDialog({ kind: 'invoice' })}>
            {t('money.issueInvoice')}
          </button>
          <button type="button" onClick={() => setDialog({ kind: 'proforma' })}>
            {t('money.issueProforma')}
          </button>
        </div>
      )}
      {q.error ? (
        <ErrorBox error={q.error} onRetry={() => q.refetch()} />
      ) : !q.data ? (
        <Loading />
      ) : q.data.items.length === 0 ? (
        <p className="muted">{t('money.noInvoices')}</p>
      ) : (
        <div className="table-wrap">
          <table className="compact" data-testid="invoices">
            <thead>
              <tr>
                <th scope="col">{t('money.invKind')}</th>
                <th scope="col" className="num">
                  {t('money.invGross')}
                </th>
                <th scope="col">{t('money.invIssuedDue')}</th>
                <th scope="col">{t('money.ksef')}</th>
                <th scope="col">
                  <span className="sr-only">{t('money.invDocuments')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((i) => (
                <tr key={i.id}>
                  <td>
                    <span className="mono nowrap">{i.number}</span>
                    <div className="muted small">{tMaybe(`invKind.${i.kind}`, i.kind)}</div>
                  </td>
                  <td className="num">{money(i.gross, i.currency)}</td>
                  <td className="nowrap">
                    {date(i.issueDate)}
                    {i.dueDate && <div className="muted small">{t('money.dueOn', { date: date(i.dueDate) })}</div>}
                  </td>
                  <td>
                    {i.ksef.status ? tMaybe(`ksef.${i.ksef.status}`, i.ksef.status) : t('ksef.none')}
                    {i.ksef.number && <div className="mono small">{i.ksef.number}</div>}
                  </td>
                  <td>
                    <div className="doc-actions">
                      <a href={i.links?.pdf ?? `/api/v1/invoices/${i.id}/pdf`} target="_blank" rel="noreferrer">
                        {t('money.pdf')}
                      </a>
                      {writable && i.kind === 'invoice' && (
                        <button
                          type="button"
                          className="link"
                          onClick={() => setDialog({ kind: 'credit', invoice: i })}
                        >
                          {t('money.creditNote')}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {outcome && (
        <p className={outcome.ok ? 'form-ok' : 'form-error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
      {(dialog?.kind === 'invoice' || dialog?.kind === 'proforma') && <IssueDialog {...props} kind={dialog.kind} />}
      {dialog?.kind === 'credit' && <CreditNoteDialog {...props} invoice={dialog.invoice} />}
    </section>
  );
}

function IssueDialog({ order, words, done, onClose, kind }: DialogProps & { kind: 'invoice' | 'proforma' }) {
  const { t, money } = words;
  const refresh = useMoneyRefresh(order.id);
  const proforma = kind === 'proforma';
  const label = proforma ? t('money.issueProforma') : t('money.issueInvoice');
  return (
    <ConfirmDialog
      title={label}
      question={t(proforma ? 'money.proformaQuestion' : 'money.invoiceQuestion', {
        number: order.number,
        amount: money(order.totals.grandTotal, order.currency),
      })}
      note={proforma ? undefined : t('money.invoiceNote')}
      confirmLabel={label}
      onClose={onClose}
      run={async () => {
        const r = await request<Invoice>('POST', `/orders/${order.id}/invoices`, { kind }, fresh());
        await refresh();
        const key = r.status === 200 ? 'Existing' : 'Issued';
        done({ ok: true, text: t(`money.${kind}${key}`, { number: r.body.number }) });
      }}
    />
  );
}

function CreditNoteDialog({ order, words, done, onClose, invoice }: DialogProps & { invoice: Invoice }) {
  const { t, money, locale } = words;
  const refresh = useMoneyRefresh(order.id);
  const [mode, setMode] = useState<'lines' | 'amount'>('lines');
  const [qty, setQty] = useState<Record<string, number>>({});
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const parsed = parseAmountInput(amount);
  const chosen = invoice.lines.filter((l) => (qty[l.no] ?? 0) > 0);
  const what = chosen.map((l) => `${formatNumber(qty[l.no]!, locale)} × ${l.name}`).join(', ') || '…';
  const ready = Boolean(reason.trim()) && (mode === 'amount' ? Boolean(parsed) : chosen.length > 0);
  return (
    <ConfirmDialog
      title={t('money.creditNote')}
      question={
        mode === 'amount'
          ? t('money.creditAmountQuestion', {
              number: invoice.number,
              amount: parsed ? money(parsed, invoice.currency) : '…',
            })
          : t('money.creditLinesQuestion', { number: invoice.number, lines: what })
      }
      note={t('money.creditNoteNote')}
      confirmLabel={t('money.issueCreditNote')}
      ready={ready}
      onClose={onClose}
      run={async () => {
        const body = {
          reason: reason.trim(),
          ...(mode === 'amount'
            ? { amount: parsed }
            : { lines: chosen.map((l) => ({ no: l.no, quantity: qty[l.no]! })) }),
        };
        const r = await request<Invoice>('POST', `/invoices/${invoice.id}/credit-notes`, body, fresh());
        await refresh();
        done({
          ok: true,
          text: t('money.creditNoteIssued', { number: r.body.number, amount: money(r.body.gross, r.body.currency) }),
        });
      }}
    >
      <fieldset className="segmented-field">
        <legend>{t('money.creditBy')}</legend>
        <label className="inline">
          <input type="radio" name="mode" checked={mode === 'lines'} onChange={() => setMode('lines')} />
          {t('money.refundByLines')}
        </label>
        <label className="inline">
          <input type="radio" name="mode" checked={mode === 'amount'} onChange={() => setMode('amount')} />
          {t('money.refundByAmount')}
        </label>
      </fieldset>
      {mode === 'amount' ? (
        <label>
          {t('money.grossAmount')}
          <input
            name="amount"
            inputMode="decimal"
            autoComplete="off"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            aria-invalid={amount !== '' && !parsed ? true : undefined}
          />
        </label>
      ) : (
        <LinePicker
          lines={invoice.lines.map((l) => ({ key: String(l.no), name: `${l.no}. ${l.name}`, max: l.quantity }))}
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
    </ConfirmDialog>
  );
}
