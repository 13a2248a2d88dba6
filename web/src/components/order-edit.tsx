import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, request, type Address, type Order } from '../api';
import { useI18n, type MessageKey } from '../i18n/index';
import { AddressView } from './address-view';

type Status =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved' }
  | { kind: 'conflict'; version: number | string }
  | { kind: 'invalid'; errors: Record<string, string> }
  | { kind: 'error'; message: string };

/**
 * PATCH with If-Match: a stale version is a 412, shown as a clear message with a reload. The
 * version sent is the one the user saw when they began editing (or reloaded to), not whatever
 * live updates brought since: someone else's change meanwhile is refused and shown, never
 * silently overwritten by a form filled in over the older order.
 */
function usePatch(order: Order, etag: string) {
  const client = useQueryClient();
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [seen, setSeen] = useState<string | null>(null);
  const save = async (patch: Record<string, unknown>): Promise<boolean> => {
    setStatus({ kind: 'saving' });
    try {
      const r = await request<Order>('PATCH', `/orders/${order.id}`, patch, { 'if-match': seen ?? etag });
      client.setQueryData(['order', order.id], r);
      void client.invalidateQueries({ queryKey: ['history', order.id] });
      void client.invalidateQueries({ queryKey: ['orders'] });
      setSeen(null);
      setStatus({ kind: 'saved' });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setStatus({ kind: 'conflict', version: (e.problem.currentVersion as number | undefined) ?? '?' });
      } else if (e instanceof ApiError && e.status === 400 && e.problem.errors?.length) {
        setStatus({
          kind: 'invalid',
          errors: Object.fromEntries(e.problem.errors.map((x) => [x.path.split('/').pop() ?? x.path, x.message])),
        });
      } else {
        setStatus({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
      }
      return false;
    }
  };
  /** Editing begins: the order on screen now is the one a save must find unchanged. */
  const begin = () => {
    setSeen(etag);
    setStatus({ kind: 'idle' });
  };
  const end = () => {
    setSeen(null);
    setStatus({ kind: 'idle' });
  };
  /** After a conflict: the current order is fetched, shown and becomes the one the user saw. */
  const reload = async () => {
    setStatus({ kind: 'idle' });
    void client.invalidateQueries({ queryKey: ['history', order.id] });
    await client.refetchQueries({ queryKey: ['order', order.id] });
    const fresh = client.getQueryData<Awaited<ReturnType<typeof request<Order>>>>(['order', order.id]);
    if (fresh) setSeen(fresh.etag ?? `"${fresh.body.version}"`);
  };
  return { status, save, reload, begin, end };
}

function StatusLine({ status, reload }: { status: Status; reload: () => Promise<void> }) {
  const { t } = useI18n();
  switch (status.kind) {
    case 'saved':
      return (
        <p className="form-ok" role="status">
          {t('order.saved')}
        </p>
      );
    case 'conflict':
      return (
        <div className="form-error" role="alert" data-testid="conflict">
          <p>{t('order.conflict', { version: status.version })}</p>
          <button type="button" onClick={() => void reload()}>
            {t('common.reload')}
          </button>
        </div>
      );
    case 'invalid':
      return (
        <p className="form-error" role="alert">
          {t('order.invalid')}
        </p>
      );
    case 'error':
      return (
        <p className="form-error" role="alert">
          {t('common.error', { detail: status.message })}
        </p>
      );
    default:
      return null;
  }
}

export function NotesEditor({ order, etag }: { order: Order; etag: string }) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(order.notes ?? '');
  const { status, save, reload, begin, end } = usePatch(order, etag);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await save({ notes: draft.trim() ? draft : null })) setEditing(false);
  };
  if (!editing) {
    return (
      <div>
        <p className="pre" data-testid="notes">
          {order.notes ?? <span className="muted">{t('order.noNotes')}</span>}
        </p>
        <StatusLine status={status} reload={reload} />
        <button
          type="button"
          onClick={() => {
            setDraft(order.notes ?? '');
            begin();
            setEditing(true);
          }}
        >
          {t('order.editNotes')}
        </button>
      </div>
    );
  }
  return (
    <form onSubmit={submit}>
      <label>
        <span className="sr-only">{t('order.notes')}</span>
        <textarea
          name="notes"
          rows={4}
          maxLength={4000}
          value={draft}
          autoFocus
          aria-label={t('order.notes')}
          onChange={(e) => setDraft(e.target.value)}
        />
      </label>
      <StatusLine status={status} reload={reload} />
      <div className="actions">
        <button type="submit" className="primary" disabled={status.kind === 'saving'}>
          {status.kind === 'saving' ? t('common.saving') : t('common.save')}
        </button>
        <button
          type="button"
          onClick={() => {
            setEditing(false);
            end();
          }}
        >
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

const FIELDS: { key: keyof Address; label: MessageKey; required?: boolean; wide?: boolean }[] = [
  { key: 'name', label: 'address.name', required: true, wide: true },
  { key: 'company', label: 'address.company', wide: true },
  { key: 'line1', label: 'address.line1', required: true, wide: true },
  { key: 'line2', label: 'address.line2', wide: true },
  { key: 'postalCode', label: 'address.postalCode' },
  { key: 'city', label: 'address.city', required: true },
  { key: 'region', label: 'address.region' },
  { key: 'country', label: 'address.country', required: true },
  { key: 'phone', label: 'address.phone' },
  { key: 'email', label: 'address.email' },
];

export function AddressEditor({ order, etag }: { order: Order; etag: string }) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const { status, save, reload, begin, end } = usePatch(order, etag);
  const start = () => {
    const a = order.shippingAddress;
    setDraft(Object.fromEntries(FIELDS.map((f) => [f.key, a?.[f.key] === undefined ? '' : String(a[f.key])])));
    begin();
    setEditing(true);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // Keep the coordinates the channel sent: the form edits the postal part only.
    const kept = Object.fromEntries(
      Object.entries(order.shippingAddress ?? {}).filter(([k]) => k === 'latitude' || k === 'longitude'),
    );
    const edited = Object.fromEntries(
      Object.entries(draft)
        .map(([k, v]) => [k, v.trim()])
        .filter(([, v]) => v !== ''),
    );
    if (edited.country) edited.country = edited.country.toUpperCase();
    if (await save({ shippingAddress: { ...kept, ...edited } })) setEditing(false);
  };
  if (!editing) {
    return (
      <div>
        <AddressView address={order.shippingAddress} />
        <StatusLine status={status} reload={reload} />
        <button type="button" onClick={start}>
          {t('order.editAddress')}
        </button>
      </div>
    );
  }
  const errors = status.kind === 'invalid' ? status.errors : {};
  return (
    <form className="address-form" onSubmit={submit}>
      {FIELDS.map((f) => (
        <label key={f.key} className={f.wide ? 'wide' : undefined}>
          {t(f.label)}
          {f.required && <span aria-hidden="true"> *</span>}
          <input
            name={f.key}
            value={draft[f.key] ?? ''}
            required={f.required}
            maxLength={f.key === 'country' ? 2 : 300}
            aria-invalid={errors[f.key] ? true : undefined}
            aria-describedby={errors[f.key] ? `err-${f.key}` : undefined}
            onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
          />
          {errors[f.key] && (
            <span className="field-error" id={`err-${f.key}`}>
              {errors[f.key]}
            </span>
          )}
        </label>
      ))}
      <div className="wide">
        <StatusLine status={status} reload={reload} />
      </div>
      <div className="actions wide">
        <button type="submit" className="primary" disabled={status.kind === 'saving'}>
          {status.kind === 'saving' ? t('common.saving') : t('common.save')}
        </button>
        <button
          type="button"
          onClick={() => {
            setEditing(false);
            end();
          }}
        >
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
