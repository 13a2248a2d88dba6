import { useMemo, useState, type FormEvent } from 'react';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, query, request, type Me, type ResponseOf, type Schemas } from '../api';
import { useI18n } from '../i18n/index';
import { formatDateTime, formatNumber } from '../format';
import { ErrorBox, Loading } from '../components/status';
import { ComingSoon } from './coming-soon';

type SkuAvailability = Schemas['SkuAvailability'];
type ChannelAvailability = Schemas['ChannelAvailability'];
type LocationFigures = SkuAvailability['locations'][number];
type Feed = ResponseOf<'/api/v1/inventory/feed'>;
// The API declares the movements answer as an untyped object (src/api/routes/inventory.ts), so a movement is written here.
interface Movement {
  id: string;
  at: string;
  kind: string;
  sku: string;
  location: string;
  onHandDelta: number;
  reservedDelta: number;
  reference: string | null;
  reason: string | null;
  actor: { type: string };
}

const KINDS = ['receipt', 'adjustment', 'return', 'write_off', 'count'] as const;
type Row = LocationFigures & { sku: string };

/** Stock per SKU and location (the availability feed), the ledger of one row, and adjustments with a reason. */
export function InventoryPage({ me }: { me: Me }) {
  const { t, tMaybe, locale } = useI18n();
  const [filter, setFilter] = useState('');
  const [picked, setPicked] = useState<{ sku: string; location: string } | null>(null);
  const feed = useInfiniteQuery({
    queryKey: ['stock'],
    queryFn: ({ pageParam, signal }) => get<Feed>(`/inventory/feed${query({ limit: 500, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.more ? last.nextCursor : undefined),
    retry: false,
  });
  const rows = useMemo(() => {
    const bySku = new Map<string, SkuAvailability>();
    for (const p of feed.data?.pages ?? []) for (const s of p.items) bySku.set(s.sku, s);
    const needle = filter.trim().toLowerCase();
    return [...bySku.values()]
      .filter((s) => !needle || s.sku.toLowerCase().includes(needle))
      .sort((a, b) => a.sku.localeCompare(b.sku))
      .flatMap((s) => s.locations.map((l): Row => ({ ...l, sku: s.sku })));
  }, [feed.data, filter]);

  // No inventory module on this server: the page says what will be here.
  if (feed.error instanceof ApiError && feed.error.status === 404)
    return <ComingSoon title={t('inventory.title')} text={t('inventory.coming')} />;
  const n = (v: number) => formatNumber(v, locale);
  const canWrite = me.roles.some((r) => r === 'admin' || r === 'operator' || r === 'integration');

  return (
    <section className="page inventory-page">
      <h1>{t('inventory.title')}</h1>
      <div className="filters" role="search">
        <label className="grow">
          {t('inventory.sku')}
          <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </label>
      </div>
      <div className="inventory-grid">
        <section className="card table-wrap" aria-labelledby="stock-title">
          <h2 id="stock-title">{t('inventory.stock')}</h2>
          {feed.error ? (
            <ErrorBox error={feed.error} onRetry={() => feed.refetch()} />
          ) : feed.isPending ? (
            <Loading />
          ) : (
            <table data-testid="stock-table">
              <thead>
                <tr>
                  <th scope="col">{t('inventory.sku')}</th>
                  <th scope="col">{t('inventory.location')}</th>
                  <th scope="col" className="num">
                    {t('inventory.onHand')}
                  </th>
                  <th scope="col" className="num">
                    {t('inventory.reserved')}
                  </th>
                  <th scope="col" className="num">
                    {t('inventory.available')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={5} className="empty">
                      {t('common.noResults')}
                    </td>
                  </tr>
                )}
                {rows.map((r) => {
                  const active = picked?.sku === r.sku && picked.location === r.location;
                  return (
                    <tr key={`${r.sku}@${r.location}`} className={active ? 'selected' : undefined}>
                      <td>
                        <button
                          type="button"
                          className="link mono"
                          aria-pressed={active}
                          onClick={() => setPicked({ sku: r.sku, location: r.location })}
                        >
                          {r.sku}
                        </button>
                      </td>
                      <td className="mono">{r.location}</td>
                      <td className="num">{n(r.onHand)}</td>
                      <td className="num">{n(r.reserved)}</td>
                      <td className="num">{n(r.available)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {feed.hasNextPage && (
            <div className="table-foot">
              <button type="button" onClick={() => feed.fetchNextPage()}>
                {t('common.loadMore')}
              </button>
            </div>
          )}
        </section>
        <section className="card" aria-labelledby="mov-title">
          <h2 id="mov-title">
            {t('inventory.movements')}
            {picked ? ` · ${picked.sku} @ ${picked.location}` : ''}
          </h2>
          {!picked ? (
            <p className="muted">{t('inventory.pickSku')}</p>
          ) : (
            <>
              <PerChannel sku={picked.sku} />
              {canWrite && <AdjustForm sku={picked.sku} location={picked.location} />}
              <Movements sku={picked.sku} location={picked.location} kindLabel={(k) => tMaybe(`movement.${k}`, k)} />
            </>
          )}
        </section>
      </div>
    </section>
  );
}

/** What each channel may show of the picked SKU: its feeding locations, what its rules hold back, the figure. */
function PerChannel({ sku }: { sku: string }) {
  const { t, locale } = useI18n();
  const q = useQuery({
    queryKey: ['stock-channels', sku],
    queryFn: () => get<ChannelAvailability>(`/inventory/availability/${encodeURIComponent(sku)}/channels`),
  });
  if (q.error) return <ErrorBox error={q.error} onRetry={() => q.refetch()} />;
  if (q.isPending) return <Loading />;
  const n = (v: number) => formatNumber(v, locale);
  const heldBack = (r: ChannelAvailability['items'][number]['rules']) =>
    [
      r.bufferPct ? `${formatNumber(r.bufferPct, locale)} %` : '',
      r.bufferQty ? n(r.bufferQty) : '',
      r.cap !== null ? t('inventory.capAt', { n: n(r.cap) }) : '',
    ]
      .filter(Boolean)
      .join(' + ') || '—';
  return (
    <div className="table-wrap">
      <h3>{t('inventory.perChannel')}</h3>
      <table data-testid="per-channel">
        <thead>
          <tr>
            <th scope="col">{t('inventory.channel')}</th>
            <th scope="col">{t('inventory.feeding')}</th>
            <th scope="col">{t('inventory.heldBack')}</th>
            <th scope="col" className="num">
              {t('inventory.shown')}
            </th>
          </tr>
        </thead>
        <tbody>
          {q.data.items.map((c) => (
            <tr key={c.code} className={c.active ? undefined : 'muted'}>
              <td>
                {c.name}
                {!c.active && <span className="muted small"> · {t('inventory.inactive')}</span>}
              </td>
              <td className="small">
                <span className="mono">{c.locations.join(', ') || '—'}</span>
                {!c.rules.locations.length && <span className="muted"> · {t('inventory.everyShipping')}</span>}
              </td>
              <td className="small">{heldBack(c.rules)}</td>
              <td className="num">{n(c.available)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Movements({ sku, location, kindLabel }: { sku: string; location: string; kindLabel: (k: string) => string }) {
  const { t, locale } = useI18n();
  const m = useQuery({
    queryKey: ['movements', sku, location],
    queryFn: () => get<{ items: Movement[] }>(`/inventory/movements${query({ sku, location, limit: 50 })}`),
  });
  if (m.error) return <ErrorBox error={m.error} onRetry={() => m.refetch()} />;
  if (m.isPending) return <Loading />;
  const signed = (v: number) => (v > 0 ? `+${formatNumber(v, locale)}` : formatNumber(v, locale));
  return (
    <div className="table-wrap">
      <table data-testid="movements">
        <thead>
          <tr>
            <th scope="col">{t('inventory.at')}</th>
            <th scope="col">{t('inventory.kind')}</th>
            <th scope="col" className="num">
              {t('inventory.onHand')}
            </th>
            <th scope="col" className="num">
              {t('inventory.reserved')}
            </th>
            <th scope="col">{t('inventory.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {m.data.items.length === 0 && (
            <tr>
              <td colSpan={5} className="empty">
                {t('common.noResults')}
              </td>
            </tr>
          )}
          {m.data.items.map((x) => (
            <tr key={x.id}>
              <td className="nowrap">{formatDateTime(x.at, locale)}</td>
              <td>{kindLabel(x.kind)}</td>
              <td className="num">{x.onHandDelta ? signed(x.onHandDelta) : ''}</td>
              <td className="num">{x.reservedDelta ? signed(x.reservedDelta) : ''}</td>
              <td>{[x.reason, x.reference].filter(Boolean).join(' · ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AdjustForm({ sku, location }: { sku: string; location: string }) {
  const { t, tMaybe } = useI18n();
  const client = useQueryClient();
  const [kind, setKind] = useState<(typeof KINDS)[number]>('adjustment');
  const [delta, setDelta] = useState('');
  const [reason, setReason] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const valid = /^[+-]?\d+$/.test(delta.trim()) && Number(delta) !== 0 && reason.trim().length > 0;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setMsg(null);
    try {
      await request(
        'POST',
        '/inventory/stock:adjust',
        { sku, location, kind, delta: Number(delta), reason: reason.trim() },
        { 'idempotency-key': crypto.randomUUID() },
      );
      setMsg({ ok: true, text: t('inventory.adjusted') });
      setDelta('');
      setReason('');
      void client.invalidateQueries({ queryKey: ['stock'] });
      void client.invalidateQueries({ queryKey: ['movements', sku, location] });
      void client.invalidateQueries({ queryKey: ['stock-channels', sku] });
    } catch (err) {
      setMsg({ ok: false, text: t('common.error', { detail: err instanceof Error ? err.message : String(err) }) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="adjust-form" onSubmit={submit} aria-label={t('inventory.adjust')}>
      <label>
        {t('inventory.kind')}
        <select value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {tMaybe(`movement.${k}`, k)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('inventory.delta')}
        <input inputMode="numeric" value={delta} onChange={(e) => setDelta(e.target.value)} required />
      </label>
      <label className="grow">
        {t('inventory.reason')}
        <input value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} required />
      </label>
      <button type="submit" className="primary" disabled={!valid || busy}>
        {busy ? t('common.saving') : t('inventory.adjust')}
      </button>
      {msg && (
        <p className={msg.ok ? 'form-ok' : 'form-error'} role={msg.ok ? 'status' : 'alert'}>
          {msg.text}
        </p>
      )}
    </form>
  );
}
