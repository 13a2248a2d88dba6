import { useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, get, request, type Order } from '../api';
import { parseAmountInput } from '../money-api';
import { formatNumber } from '../format';
import { ConfirmDialog } from './confirm-dialog';
import { FieldError, fieldErrors } from './field-errors';
import type { ReturnWords } from './return-words';
import type { ChangeAction, ChangeTotals, OrderChange } from '../returns-api';

type LineEdit = { kind: 'keep' | 'change_quantity' | 'cancel_quantity' | 'remove_line'; quantity: number };
interface AddRow {
  sku: string;
  quantity: number;
  unitPrice: string;
  taxRate: string;
}

/**
 * A change of the order in two steps: the actions (per line: new quantity, cancel units, remove;
 * new lines), previewed by the server as a draft; then the preview's new totals and payment
 * difference, confirmed with If-Match or discarded. A draft already open is shown instead.
 */
export function ChangeDialog({
  order,
  etag,
  words: w,
  done,
  onClose,
}: {
  order: Order;
  etag: string;
  words: ReturnWords;
  done: (o: { ok: boolean; text: string }) => void;
  onClose: () => void;
}) {
  const { t, locale } = w;
  const client = useQueryClient();
  // the order as it was when the dialog opened: a change confirmed over an order someone else
  // changed meanwhile (live updates refresh the page behind the dialog) is a 412, never silent
  const [seenEtag] = useState(etag);
  const [edits, setEdits] = useState<Record<string, LineEdit>>({});
  const [adds, setAdds] = useState<AddRow[]>([]);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [draft, setDraft] = useState<{ change: OrderChange; reopened: boolean } | null>(null);
  const drafted = useRef(false);
  const refresh = () =>
    Promise.all(
      [
        ['order', order.id],
        ['history', order.id],
        ['payments', order.id],
        ['reservations', order.id],
      ].map((queryKey) => client.invalidateQueries({ queryKey })),
    );

  // The actions in form order, and which field each one came from (errors name /actions/i/…).
  const built: { action: ChangeAction; key: string }[] = [];
  for (const l of order.lines) {
    const e = edits[l.id];
    if (!e || e.kind === 'keep') continue;
    built.push({
      key: `line:${l.id}`,
      action:
        e.kind === 'remove_line'
          ? { type: 'remove_line', lineId: l.id }
          : { type: e.kind, lineId: l.id, quantity: e.quantity },
    });
  }
  adds.forEach((a, i) => {
    const price = parseAmountInput(a.unitPrice);
    if (a.sku.trim() && price)
      built.push({
        key: `add:${i}`,
        action: {
          type: 'add_line',
          sku: a.sku.trim(),
          quantity: a.quantity,
          unitPrice: price,
          ...(a.taxRate.trim() ? { taxRate: a.taxRate.trim().replace(',', '.') } : {}),
        },
      });
  });
  const errorsOf = (key: string) => {
    const i = built.findIndex((b) => b.key === key);
    if (i < 0) return [];
    return Object.entries(errors)
      .filter(([p]) => p === `/actions/${i}` || p.startsWith(`/actions/${i}/`))
      .map(([, m]) => m);
  };
  const ErrorsAt = ({ k }: { k: string }) => {
    const list = errorsOf(k);
    return list.length ? (
      <span className="field-error" role="alert">
        {list.join('; ')}
      </span>
    ) : null;
  };

  if (draft) {
    const c = draft.change;
    const p = c.preview;
    const m = (v: string) => w.money(v, p.currency);
    const rows: [string, keyof ChangeTotals][] = [
      [t('order.subtotal'), 'subtotal'],
      [t('order.discount'), 'discountTotal'],
      [t('order.tax'), 'taxTotal'],
      [t('order.shipping'), 'shippingTotal'],
      [t('order.grandTotal'), 'grandTotal'],
    ];
    return (
      <ConfirmDialog
        key="preview"
        title={t('chg.previewTitle', { n: c.changeVersion })}
        question={t('chg.question', { number: order.number, total: m(p.totals.after.grandTotal) })}
        note={draft.reopened ? t('chg.openDraft') : undefined}
        confirmLabel={t('chg.confirm')}
        onClose={onClose}
        run={async () => {
          const r = await request<{ order: Order }>('POST', `/orders/${order.id}/changes/${c.id}/confirm`, undefined, {
            'if-match': seenEtag,
            'idempotency-key': crypto.randomUUID(),
          });
          await refresh();
          done({
            ok: true,
            text: t('chg.confirmed', { total: w.money(r.body.order.totals.grandTotal, order.currency) }),
          });
        }}
      >
        <table className="compact" data-testid="change-preview">
          <thead>
            <tr>
              <th scope="col" />
              <th scope="col" className="num">
                {t('chg.before')}
              </th>
              <th scope="col" className="num">
                {t('chg.after')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, k]) => (
              <tr key={k}>
                <th scope="row">{label}</th>
                <td className="num">{m(p.totals.before[k])}</td>
                <td className="num">{m(p.totals.after[k])}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <dl className="money-figures" data-testid="change-payment">
          <div>
            <dt>{t('chg.difference')}</dt>
            <dd>{m(p.payment.difference)}</dd>
          </div>
          <div>
            <dt>{t('chg.paid')}</dt>
            <dd>{m(p.payment.paid)}</dd>
          </div>
          <div>
            <dt>{t('chg.refund')}</dt>
            <dd>{m(p.payment.refund)}</dd>
          </div>
          <div>
            <dt>{t('chg.outstanding')}</dt>
            <dd>{m(p.payment.outstanding)}</dd>
          </div>
        </dl>
        {p.payment.authorizationCovers && /[1-9]/.test(p.payment.outstanding) && (
          <p className="muted">{t('chg.authCovers')}</p>
        )}
        {p.stock
          .filter((s) => s.shortage > 0)
          .map((s) => (
            <p key={s.sku} className="muted">
              {t('chg.shortage', { sku: s.sku, count: s.shortage })}
            </p>
          ))}
        {p.approvals.length > 0 && (
          <p className="muted">
            {t('chg.approvals', { roles: [...new Set(p.approvals.map((a) => a.role))].join(', ') })}
          </p>
        )}
        <div className="actions">
          <button
            type="button"
            className="danger"
            onClick={async () => {
              try {
                await request(
                  'POST',
                  `/orders/${order.id}/changes/${c.id}/discard`,
                  {},
                  {
                    'idempotency-key': crypto.randomUUID(),
                  },
                );
                done({ ok: true, text: t('chg.discarded') });
              } catch (e) {
                done({ ok: false, text: t('common.error', { detail: e instanceof Error ? e.message : String(e) }) });
              }
              onClose();
            }}
          >
            {t('chg.discard')}
          </button>
        </div>
      </ConfirmDialog>
    );
  }

  const lineName = (l: Order['lines'][number]) => `${l.lineNo}. ${l.name}`;
  return (
    <ConfirmDialog
      key="edit"
      title={t('chg.title', { number: order.number })}
      question={built.length ? t('chg.hint') : t('chg.nothing')}
      confirmLabel={t('chg.preview')}
      ready={built.length > 0}
      onClose={() => {
        if (!drafted.current) onClose();
      }}
      onProblem={(e) => setErrors(fieldErrors(e))}
      run={async () => {
        try {
          const r = await request<OrderChange>(
            'POST',
            `/orders/${order.id}/changes`,
            { actions: built.map((b) => b.action), ...(reason.trim() ? { reason: reason.trim() } : {}) },
            { 'idempotency-key': crypto.randomUUID() },
          );
          drafted.current = true;
          setDraft({ change: r.body, reopened: false });
        } catch (e) {
          if (!(e instanceof ApiError && e.problem.code === 'ORDER_CHANGE_ALREADY_OPEN')) throw e;
          const all = await get<{ items: OrderChange[] }>(`/orders/${order.id}/changes`);
          const open = all.items.find((x) => x.status === 'draft');
          if (!open) throw e;
          drafted.current = true;
          setDraft({ change: open, reopened: true });
        }
      }}
    >
      <table className="compact line-picker" data-testid="change-lines">
        <thead>
          <tr>
            <th scope="col">{t('order.line.name')}</th>
            <th scope="col" className="num">
              {t('order.line.quantity')}
            </th>
            <th scope="col">{t('field.action')}</th>
            <th scope="col" className="num">
              {t('ret.quantity')}
            </th>
          </tr>
        </thead>
        <tbody>
          {order.lines
            .filter((l) => l.quantity > 0)
            .map((l) => {
              const e = edits[l.id] ?? { kind: 'keep', quantity: l.quantity };
              const set = (patch: Partial<LineEdit>) => setEdits({ ...edits, [l.id]: { ...e, ...patch } });
              return (
                <tr key={l.id}>
                  <td>{lineName(l)}</td>
                  <td className="num">{formatNumber(l.quantity, locale)}</td>
                  <td>
                    <select
                      aria-label={t('chg.actionOf', { name: l.name })}
                      value={e.kind}
                      onChange={(ev) => {
                        const kind = ev.target.value as LineEdit['kind'];
                        set({ kind, quantity: kind === 'cancel_quantity' ? 1 : l.quantity });
                      }}
                    >
                      <option value="keep">{t('chg.keep')}</option>
                      <option value="change_quantity">{t('chg.setQty')}</option>
                      <option value="cancel_quantity">{t('chg.cancelQty')}</option>
                      <option value="remove_line">{t('chg.remove')}</option>
                    </select>
                    <ErrorsAt k={`line:${l.id}`} />
                  </td>
                  <td className="num">
                    {(e.kind === 'change_quantity' || e.kind === 'cancel_quantity') && (
                      <input
                        type="number"
                        min={1}
                        step={1}
                        aria-label={t('chg.valueOf', { name: l.name })}
                        value={e.quantity}
                        onChange={(ev) => set({ quantity: Math.max(1, Math.trunc(Number(ev.target.value) || 1)) })}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
        </tbody>
      </table>
      <fieldset>
        <legend>{t('chg.add')}</legend>
        {adds.map((a, i) => {
          const set = (patch: Partial<AddRow>) => setAdds(adds.map((x, j) => (j === i ? { ...x, ...patch } : x)));
          return (
            <div key={i} className="inline-form">
              <label>
                {t('ret.sku')}
                <input value={a.sku} onChange={(e) => set({ sku: e.target.value })} />
              </label>
              <label>
                {t('ret.quantity')}
                <input
                  type="number"
                  min={1}
                  step={1}
                  value={a.quantity}
                  onChange={(e) => set({ quantity: Math.max(1, Math.trunc(Number(e.target.value) || 1)) })}
                />
              </label>
              <label>
                {t('chg.unitPrice')}
                <input
                  inputMode="decimal"
                  value={a.unitPrice}
                  aria-invalid={a.unitPrice !== '' && !parseAmountInput(a.unitPrice) ? true : undefined}
                  onChange={(e) => set({ unitPrice: e.target.value })}
                />
              </label>
              <label>
                {t('chg.taxRate')}
                <input inputMode="decimal" value={a.taxRate} onChange={(e) => set({ taxRate: e.target.value })} />
              </label>
              <button type="button" className="link" onClick={() => setAdds(adds.filter((_, j) => j !== i))}>
                {t('ret.removeItem')}
              </button>
              <ErrorsAt k={`add:${i}`} />
            </div>
          );
        })}
        <button
          type="button"
          onClick={() => setAdds([...adds, { sku: '', quantity: 1, unitPrice: '', taxRate: '23' }])}
        >
          {t('chg.add')}
        </button>
      </fieldset>
      <label>
        {t('chg.reason')}
        <input value={reason} maxLength={1000} onChange={(e) => setReason(e.target.value)} />
        <FieldError errors={errors} path="/reason" />
      </label>
    </ConfirmDialog>
  );
}
