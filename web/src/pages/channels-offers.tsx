import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, request } from '../api';
import { ErrorBox, Loading } from '../components/status';
import { parseOffersCsv, type Connection, type Mappings, type Offer } from '../channels-api';
import type { ChannelWords } from './channels-words';

type Pair = { a: string; b: string };

/** Offer → SKU mappings: the saved ones, and rows to add (typed or pasted as CSV), errors per row. */
export function OffersCard({ id, writable, words: w }: { id: string; writable: boolean; words: ChannelWords }) {
  const { t } = w;
  const client = useQueryClient();
  const offers = useQuery({
    queryKey: ['channel-offers', id],
    queryFn: () => get<{ items: Offer[] }>(`/channel-connections/${id}/offers`),
    retry: false,
  });
  const [rows, setRows] = useState<Pair[]>([{ a: '', b: '' }]);
  const [csv, setCsv] = useState('');
  const [csvOpen, setCsvOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});

  const fromCsv = () => {
    const parsed = parseOffersCsv(csv);
    const kept = rows.filter((r) => r.a || r.b);
    setRows([...kept, ...parsed.offers.map((o) => ({ a: o.offerId, b: o.sku }))]);
    setNote(parsed.bad.length ? { ok: false, text: t('ch.csvBad', { lines: parsed.bad.join(', ') }) } : null);
    if (!parsed.bad.length) {
      setCsv('');
      setCsvOpen(false);
    }
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    const filled = rows.map((r, i) => ({ ...r, i })).filter((r) => r.a.trim() || r.b.trim());
    if (!filled.length) return;
    setBusy(true);
    setNote(null);
    setRowErrors({});
    try {
      const r = await request<{ saved: number }>('PUT', `/channel-connections/${id}/offers`, {
        offers: filled.map((r) => ({ offerId: r.a.trim(), sku: r.b.trim() })),
      });
      setNote({ ok: true, text: t('ch.offersSaved', { count: r.body.saved }) });
      setRows([{ a: '', b: '' }]);
      await client.invalidateQueries({ queryKey: ['channel-offers', id] });
    } catch (err) {
      // errors[].path is /offers/{index}/…: the index of the rows sent, mapped back to the rows shown
      const byRow: Record<number, string> = {};
      if (err instanceof ApiError)
        for (const x of err.problem.errors ?? []) {
          const m = /^\/offers\/(\d+)/.exec(x.path);
          const row = m ? filled[Number(m[1])] : undefined;
          if (row) byRow[row.i] = byRow[row.i] ? `${byRow[row.i]}; ${x.message}` : x.message;
        }
      setRowErrors(byRow);
      setNote({ ok: false, text: t('ch.refused', { detail: w.problem(err) }) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="ch-offers-title" data-testid="offers-card">
      <h2 id="ch-offers-title">{t('ch.offers')}</h2>
      <p className="muted">{t('ch.offersHint')}</p>
      {offers.error ? (
        <ErrorBox error={offers.error} onRetry={() => offers.refetch()} />
      ) : offers.isPending ? (
        <Loading />
      ) : offers.data.items.length === 0 ? (
        <p className="muted">{t('ch.offersEmpty')}</p>
      ) : (
        <div className="table-wrap">
          <table className="compact" data-testid="offers-list">
            <thead>
              <tr>
                <th scope="col">{t('ch.offerId')}</th>
                <th scope="col">{t('ch.sku')}</th>
                <th scope="col" className="num">
                  {t('ch.pushed')}
                </th>
                <th scope="col">{t('ch.pushError')}</th>
              </tr>
            </thead>
            <tbody>
              {offers.data.items.map((o) => (
                <tr key={o.offerId}>
                  <td className="mono">{o.offerId}</td>
                  <td className="mono">{o.sku}</td>
                  <td className="num" title={o.pushedAt ? w.when(o.pushedAt) : undefined}>
                    {o.pushedQuantity ?? '—'}
                  </td>
                  <td>{o.pushError ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {writable && (
        <form onSubmit={save} data-testid="offers-form" style={{ marginTop: '0.75rem' }}>
          {rows.map((r, i) => (
            <div key={i} className="inline-form" style={{ marginBottom: '0.4rem' }}>
              <label>
                {t('ch.offerId')}
                <input
                  value={r.a}
                  aria-label={`${t('ch.offerId')} ${i + 1}`}
                  onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, a: e.target.value } : x)))}
                />
              </label>
              <label>
                {t('ch.sku')}
                <input
                  value={r.b}
                  aria-label={`${t('ch.sku')} ${i + 1}`}
                  onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, b: e.target.value } : x)))}
                />
              </label>
              <button
                type="button"
                className="icon"
                aria-label={t('ch.removeRow', { n: i + 1 })}
                onClick={() => setRows(rows.length > 1 ? rows.filter((_, j) => j !== i) : [{ a: '', b: '' }])}
              >
                ✕
              </button>
              {rowErrors[i] && (
                <span className="field-error" role="alert" data-row={i + 1}>
                  {t('ch.rowError', { n: i + 1, message: rowErrors[i] })}
                </span>
              )}
            </div>
          ))}
          <details
            style={{ margin: '0.4rem 0' }}
            open={csvOpen}
            onToggle={(e) => setCsvOpen((e.target as HTMLDetailsElement).open)}
          >
            <summary>{t('ch.pasteCsv')}</summary>
            <label>
              <textarea
                rows={4}
                value={csv}
                aria-label={t('ch.pasteCsv')}
                placeholder={'offerId,sku\n93,KUBEK-ZOLTY'}
                onChange={(e) => setCsv(e.target.value)}
              />
            </label>
            <button type="button" disabled={!csv.trim()} onClick={fromCsv}>
              {t('ch.addCsv')}
            </button>
          </details>
          <div className="actions">
            <button type="button" onClick={() => setRows([...rows, { a: '', b: '' }])}>
              {t('ch.addRow')}
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t('common.saving') : t('ch.saveOffers')}
            </button>
          </div>
          {note && (
            <p className={note.ok ? 'form-ok' : 'form-error'} role={note.ok ? 'status' : 'alert'}>
              {note.text}
            </p>
          )}
        </form>
      )}
    </section>
  );
}

const toPairs = (o: Record<string, string> | undefined): Pair[] =>
  Object.entries(o ?? {}).map(([a, b]) => ({ a, b: String(b) }));
const fromPairs = (rows: Pair[]) =>
  Object.fromEntries(rows.filter((r) => r.a.trim() && r.b.trim()).map((r) => [r.a.trim(), r.b.trim()]));

/** Channel warehouses → Ordo locations and Ordo cancellation reasons → the channel's codes. */
export function MappingsCard({
  connection: c,
  writable,
  words: w,
}: {
  connection: Connection;
  writable: boolean;
  words: ChannelWords;
}) {
  const { t } = w;
  const client = useQueryClient();
  const [locations, setLocations] = useState<Pair[]>(() => toPairs(c.mappings.locations));
  const [reasons, setReasons] = useState<Pair[]>(() => toPairs(c.mappings.cancelReasons));
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setNote(null);
    const mappings: Mappings = {
      ...c.mappings,
      locations: fromPairs(locations),
      cancelReasons: fromPairs(reasons),
    };
    try {
      await request('PATCH', `/channel-connections/${c.id}`, { mappings });
      setNote({ ok: true, text: t('ch.mappingsSaved') });
      await client.invalidateQueries({ queryKey: ['channel-connection', c.id] });
    } catch (err) {
      setNote({ ok: false, text: t('ch.refused', { detail: w.problem(err) }) });
    } finally {
      setBusy(false);
    }
  };

  const table = (rows: Pair[], set: (rows: Pair[]) => void, labels: [string, string], testId: string) => (
    <div data-testid={testId}>
      {rows.map((r, i) => (
        <div key={i} className="inline-form" style={{ marginBottom: '0.4rem' }}>
          <label>
            {labels[0]}
            <input
              value={r.a}
              disabled={!writable}
              style={{ width: '8.5rem' }}
              aria-label={`${labels[0]} ${i + 1}`}
              onChange={(e) => set(rows.map((x, j) => (j === i ? { ...x, a: e.target.value } : x)))}
            />
          </label>
          <label>
            {labels[1]}
            <input
              value={r.b}
              disabled={!writable}
              style={{ width: '8.5rem' }}
              aria-label={`${labels[1]} ${i + 1}`}
              onChange={(e) => set(rows.map((x, j) => (j === i ? { ...x, b: e.target.value } : x)))}
            />
          </label>
          {writable && (
            <button
              type="button"
              className="icon"
              aria-label={t('ch.removeRow', { n: i + 1 })}
              onClick={() => set(rows.filter((_, j) => j !== i))}
            >
              ✕
            </button>
          )}
        </div>
      ))}
      {writable && (
        <button type="button" onClick={() => set([...rows, { a: '', b: '' }])}>
          {t('ch.addRow')}
        </button>
      )}
    </div>
  );

  return (
    <section className="card" aria-labelledby="ch-mappings-title" data-testid="mappings-card">
      <h2 id="ch-mappings-title">{t('ch.mappings')}</h2>
      <form onSubmit={save}>
        <h3>{t('ch.locations')}</h3>
        <p className="muted">{t('ch.locationsHint')}</p>
        {table(locations, setLocations, [t('ch.channelWarehouse'), t('ch.ordoLocation')], 'location-mappings')}
        <h3>{t('ch.cancelReasons')}</h3>
        <p className="muted">{t('ch.cancelReasonsHint')}</p>
        {table(reasons, setReasons, [t('ch.ordoReason'), t('ch.channelReason')], 'reason-mappings')}
        {writable && (
          <div className="actions" style={{ marginTop: '0.75rem' }}>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? t('common.saving') : t('ch.saveMappings')}
            </button>
          </div>
        )}
        {note && (
          <p className={note.ok ? 'form-ok' : 'form-error'} role={note.ok ? 'status' : 'alert'}>
            {note.text}
          </p>
        )}
      </form>
    </section>
  );
}
