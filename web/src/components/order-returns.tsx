import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { canWriteOrders, get, request, type Me, type Order } from '../api';
import { formatDateTime, formatNumber } from '../format';
import { Link } from '../router';
import { ConfirmDialog } from './confirm-dialog';
import { ErrorBox, Loading, StateBadge } from './status';
import { FieldError, fieldErrors } from './field-errors';
import { useReturnWords, type ReturnWords } from './return-words';
import { ChangeDialog } from './order-change-dialog';
import {
  canWriteReturns,
  returnsHidden,
  type DropOffKind,
  type ReturnSummary,
  type ReturnView,
  type ReturnWish,
} from '../returns-api';

/** States in which the order can no longer change (its lines are settled or it never went ahead). */
const CLOSED_ORDER = ['cancelled', 'rejected', 'completed', 'closed', 'refused'];
/** A return in these states holds no units: they may come back on another. */
const RELEASED = ['refused', 'rejected', 'cancelled'];

/** The order's returns, and the after-sale actions: a return or exchange, and a change of the order. */
export function OrderReturnsPanel({ order, etag, me }: { order: Order; etag: string; me: Me }) {
  const w = useReturnWords();
  const { t } = w;
  const isReturn = order.orderType === 'return';
  const list = useQuery({
    queryKey: ['order-returns', order.id],
    queryFn: () => get<{ items: ReturnSummary[] }>(`/orders/${order.id}/returns`),
    retry: false,
    enabled: !isReturn,
  });
  const [dialog, setDialog] = useState<'return' | 'change' | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  if (isReturn)
    return (
      <section className="card" data-testid="order-returns">
        <Link to={`/returns/${order.id}`}>{t('ret.openReturn', { number: order.number })}</Link>
      </section>
    );
  if (returnsHidden(list.error) && !canWriteOrders(me)) return null;
  const mayReturn = canWriteReturns(me) && !returnsHidden(list.error);
  const mayChange = canWriteOrders(me) && !CLOSED_ORDER.includes(order.state);

  return (
    <section className="card" aria-labelledby="ret-panel-title" data-testid="order-returns">
      <h2 id="ret-panel-title">{t('ret.panel')}</h2>
      {(mayReturn || mayChange) && (
        <div className="actions">
          {mayChange && (
            <button type="button" onClick={() => setDialog('change')}>
              {t('chg.button')}
            </button>
          )}
          {mayReturn && (
            <button type="button" onClick={() => setDialog('return')}>
              {t('ret.new')}
            </button>
          )}
        </div>
      )}
      {list.error && !returnsHidden(list.error) ? (
        <ErrorBox error={list.error} onRetry={() => list.refetch()} />
      ) : !list.data ? (
        returnsHidden(list.error) ? null : (
          <Loading />
        )
      ) : list.data.items.length === 0 ? (
        <p className="muted">{t('ret.panelNone')}</p>
      ) : (
        <div className="table-wrap">
          <table className="compact" data-testid="order-returns-list">
            <thead>
              <tr>
                <th scope="col">{t('ret.number')}</th>
                <th scope="col">{t('ret.state')}</th>
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
      {outcome && (
        <p className={outcome.ok ? 'form-ok' : 'form-error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      )}
      {dialog === 'return' && (
        <ReturnDialog
          order={order}
          words={w}
          existing={list.data?.items ?? []}
          done={setOutcome}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === 'change' && (
        <ChangeDialog order={order} etag={etag} words={w} done={setOutcome} onClose={() => setDialog(null)} />
      )}
    </section>
  );
}

interface ExchangeRow {
  sku: string;
  quantity: number;
}

const MAX_PHOTO = 200_000;

/**
 * A return or exchange: units per line (at most what is not on another return yet; the server
 * also checks against what was delivered), a reason from the tenant's catalogue in the user's
 * language, the wish, the drop-off and replacement items. Refusals come back next to the fields.
 */
function ReturnDialog({
  order,
  words: w,
  existing,
  done,
  onClose,
}: {
  order: Order;
  words: ReturnWords;
  existing: ReturnSummary[];
  done: (o: { ok: boolean; text: string }) => void;
  onClose: () => void;
}) {
  const { t, lang, locale } = w;
  const client = useQueryClient();
  // Units already on a return still holding them: their lines tell which order line they came from.
  const held = useQuery({
    queryKey: ['order-returns-lines', order.id, existing.map((r) => r.id).join(',')],
    queryFn: async () => {
      const views = await Promise.all(
        existing.filter((r) => !RELEASED.includes(r.state)).map((r) => get<ReturnView>(`/returns/${r.id}`)),
      );
      const out: Record<string, number> = {};
      for (const v of views) for (const l of v.lines) out[l.orderLineId] = (out[l.orderLineId] ?? 0) + l.quantity;
      return out;
    },
  });
  const [qty, setQty] = useState<Record<string, number>>({});
  const [reason, setReason] = useState('');
  const [wish, setWish] = useState<ReturnWish>('refund');
  const [note, setNote] = useState('');
  const [drop, setDrop] = useState<DropOffKind | ''>('');
  const [carrier, setCarrier] = useState('');
  const [store, setStore] = useState('');
  const [point, setPoint] = useState('');
  const [photo, setPhoto] = useState<string | null>(null);
  const [photoError, setPhotoError] = useState<string | null>(null);
  const [exchange, setExchange] = useState<ExchangeRow[]>([{ sku: '', quantity: 1 }]);
  const [advance, setAdvance] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const reasons = (w.reasons ?? []).filter((r) => r.active);
  const chosenReason = reasons.find((r) => r.code === reason);
  const max = (lineId: string, quantity: number) => Math.max(0, quantity - (held.data?.[lineId] ?? 0));
  const chosen = order.lines.filter((l) => (qty[l.id] ?? 0) > 0);
  const units = chosen.reduce((n, l) => n + qty[l.id]!, 0);
  const exchangeLines = exchange.filter((e) => e.sku.trim() && e.quantity > 0);
  const ready =
    units > 0 &&
    Boolean(reason) &&
    (!chosenReason?.needsPhoto || Boolean(photo)) &&
    (wish !== 'exchange' || exchangeLines.length > 0);

  const readPhoto = (file: File | undefined) => {
    setPhotoError(null);
    setPhoto(null);
    if (!file) return;
    if (file.size > MAX_PHOTO) {
      setPhotoError(t('ret.photoTooBig'));
      return;
    }
    const reader = new FileReader();
    reader.onload = () => setPhoto(String(reader.result));
    reader.readAsDataURL(file);
  };

  return (
    <ConfirmDialog
      title={t('ret.newTitle')}
      question={t('ret.question', { count: units, number: order.number, wish: w.wish(wish) })}
      confirmLabel={t('ret.requestButton')}
      ready={ready}
      onClose={onClose}
      onProblem={(e) => setErrors(fieldErrors(e))}
      run={async () => {
        const dropOff =
          drop === ''
            ? undefined
            : {
                kind: drop,
                ...(drop === 'label' && carrier.trim() ? { carrier: carrier.trim() } : {}),
                ...(drop === 'store' && store.trim() ? { locationCode: store.trim() } : {}),
                ...(drop === 'point' && point.trim() ? { point: point.trim() } : {}),
              };
        const body = {
          lines: chosen.map((l) => ({ lineId: l.id, quantity: qty[l.id]! })),
          reason,
          wish,
          ...(note.trim() ? { note: note.trim() } : {}),
          ...(photo ? { photos: [photo] } : {}),
          ...(dropOff ? { dropOff } : {}),
          ...(wish === 'exchange'
            ? {
                exchange: {
                  lines: exchangeLines.map((e) => ({ sku: e.sku.trim(), quantity: e.quantity })),
                  ...(advance ? { advance: true } : {}),
                },
              }
            : {}),
        };
        const created = await request<ReturnView>('POST', `/orders/${order.id}/returns`, body, {
          'idempotency-key': crypto.randomUUID(),
        });
        await Promise.all(
          [['order-returns', order.id], ['returns'], ['order', order.id], ['history', order.id]].map((queryKey) =>
            client.invalidateQueries({ queryKey }),
          ),
        );
        done({ ok: true, text: t('ret.created', { number: created.body.number, state: w.state(created.body.state) }) });
      }}
    >
      <fieldset>
        <legend>{t('ret.pick')}</legend>
        <table className="compact line-picker">
          <thead>
            <tr>
              <th scope="col">{t('order.line.name')}</th>
              <th scope="col" className="num">
                {t('ret.canReturn')}
              </th>
              <th scope="col" className="num">
                {t('ret.returnQty')}
              </th>
            </tr>
          </thead>
          <tbody>
            {order.lines
              .filter((l) => l.quantity > 0)
              .map((l) => {
                const m = max(l.id, l.quantity);
                const i = chosen.indexOf(l);
                return (
                  <tr key={l.id}>
                    <td>
                      {l.lineNo}. {l.name} <span className="muted mono">{l.sku}</span>
                    </td>
                    <td className="num">{formatNumber(m, locale)}</td>
                    <td className="num">
                      <input
                        type="number"
                        min={0}
                        max={m}
                        step={1}
                        disabled={m === 0}
                        aria-label={t('ret.returnQtyOf', { name: l.name })}
                        value={qty[l.id] ?? 0}
                        onChange={(e) =>
                          setQty({ ...qty, [l.id]: Math.max(0, Math.min(m, Math.trunc(Number(e.target.value) || 0))) })
                        }
                      />
                      {i >= 0 && (
                        <FieldError
                          errors={errors}
                          path={[`/lines/${i}/quantity`, `/lines/${i}/lineId`, `/lines/${i}`]}
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
          </tbody>
        </table>
        <FieldError errors={errors} path="/lines" />
      </fieldset>
      <label>
        {t('ret.reasonPick')}
        <select
          name="reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          aria-invalid={errors['/reason'] ? true : undefined}
        >
          <option value="">{t('ret.choose')}</option>
          {reasons.map((r) => (
            <option key={r.code} value={r.code}>
              {r.labels[lang] ?? r.labels.en ?? r.code}
            </option>
          ))}
        </select>
        <FieldError errors={errors} path="/reason" />
      </label>
      {(chosenReason?.needsPhoto || photo || errors['/photos']) && (
        <label>
          {t('ret.photo')}
          <input
            type="file"
            accept="image/png,image/jpeg,image/webp"
            onChange={(e) => readPhoto(e.target.files?.[0])}
          />
          {chosenReason?.needsPhoto && !photo && <span className="muted">{t('ret.needsPhoto')}</span>}
          {photoError && <span className="field-error">{photoError}</span>}
          <FieldError errors={errors} path={['/photos', '/photos/0']} />
        </label>
      )}
      <label>
        {t('ret.wishPick')}
        <select name="wish" value={wish} onChange={(e) => setWish(e.target.value as ReturnWish)}>
          {(['refund', 'exchange', 'store_credit'] as const).map((x) => (
            <option key={x} value={x}>
              {w.wish(x)}
            </option>
          ))}
        </select>
        <FieldError errors={errors} path="/wish" />
      </label>
      <label>
        {t('ret.dropOffPick')}
        <select name="dropOff" value={drop} onChange={(e) => setDrop(e.target.value as DropOffKind | '')}>
          <option value="">—</option>
          {(['label', 'store', 'point'] as const).map((x) => (
            <option key={x} value={x}>
              {w.dropOff(x)}
            </option>
          ))}
        </select>
        <FieldError errors={errors} path={['/dropOff', '/dropOff/kind']} />
      </label>
      {drop === 'label' && (
        <label>
          {t('ret.carrier')}
          <input value={carrier} onChange={(e) => setCarrier(e.target.value)} />
          <FieldError errors={errors} path="/dropOff/carrier" />
        </label>
      )}
      {drop === 'store' && (
        <label>
          {t('ret.storeCode')}
          <input
            value={store}
            onChange={(e) => setStore(e.target.value)}
            aria-invalid={errors['/dropOff/locationCode'] ? true : undefined}
          />
          <FieldError errors={errors} path="/dropOff/locationCode" />
        </label>
      )}
      {drop === 'point' && (
        <label>
          {t('ret.point')}
          <input value={point} onChange={(e) => setPoint(e.target.value)} />
          <FieldError errors={errors} path="/dropOff/point" />
        </label>
      )}
      {wish === 'exchange' && (
        <fieldset>
          <legend>{t('ret.exchangeLines')}</legend>
          {exchange.map((row, i) => (
            <div key={i} className="inline-form">
              <label>
                {t('ret.sku')}
                <input
                  value={row.sku}
                  onChange={(e) => setExchange(exchange.map((x, j) => (j === i ? { ...x, sku: e.target.value } : x)))}
                />
                <FieldError errors={errors} path={[`/exchange/lines/${i}/sku`, `/exchange/lines/${i}`]} />
              </label>
              <label>
                {t('ret.quantity')}
                <input
                  type="number"
                  min={1}
                  step={1}
                  value={row.quantity}
                  onChange={(e) =>
                    setExchange(
                      exchange.map((x, j) =>
                        j === i ? { ...x, quantity: Math.max(1, Math.trunc(Number(e.target.value) || 1)) } : x,
                      ),
                    )
                  }
                />
                <FieldError errors={errors} path={`/exchange/lines/${i}/quantity`} />
              </label>
              {exchange.length > 1 && (
                <button type="button" className="link" onClick={() => setExchange(exchange.filter((_, j) => j !== i))}>
                  {t('ret.removeItem')}
                </button>
              )}
            </div>
          ))}
          <button type="button" onClick={() => setExchange([...exchange, { sku: '', quantity: 1 }])}>
            {t('ret.addItem')}
          </button>
          <label className="check">
            <input type="checkbox" checked={advance} onChange={(e) => setAdvance(e.target.checked)} />
            {t('ret.advanceAsk')}
          </label>
          <FieldError errors={errors} path="/exchange" />
        </fieldset>
      )}
      <label>
        {t('ret.note')}
        <textarea name="note" rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} />
      </label>
    </ConfirmDialog>
  );
}
