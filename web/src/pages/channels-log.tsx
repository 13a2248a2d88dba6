import { Fragment, useState } from 'react';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { get, query, request } from '../api';
import { Link } from '../router';
import { ErrorBox, Loading } from '../components/status';
import { INGESTION_STATUSES, type Ingestion, type ReplayAnswer } from '../channels-api';
import { OUTCOME_TONE, Pill, type ChannelWords } from './channels-words';

const PAGE = 50;

/** One page of the log, older pages by `before` (the id of the last row). */
function useIngestions(id: string, status: string) {
  return useInfiniteQuery({
    queryKey: ['channel-ingestions', id, status],
    queryFn: ({ pageParam }) =>
      get<{ items: Ingestion[] }>(
        `/channel-connections/${id}/ingestions${query({ status, limit: PAGE, before: pageParam })}`,
      ),
    initialPageParam: undefined as string | undefined,
    // the log moves while the page is open (webhooks, polling): looked at again every half minute
    refetchInterval: 30_000,
    getNextPageParam: (last) => (last.items.length === PAGE ? last.items[last.items.length - 1]!.id : undefined),
    retry: false,
  });
}

/** The error queue: failed entries, each with its reason and Replay. */
export function ErrorQueue({ id, writable, words: w }: { id: string; writable: boolean; words: ChannelWords }) {
  const { t } = w;
  return (
    <section className="card" aria-labelledby="ch-queue-title" data-testid="error-queue">
      <h2 id="ch-queue-title">{t('ch.queue')}</h2>
      <p className="muted">{t('ch.queueHint')}</p>
      <Entries id={id} status="failed" writable={writable} words={w} empty={t('ch.queueEmpty')} />
    </section>
  );
}

/** The whole log with a filter by outcome. */
export function IngestionLog({ id, words: w }: { id: string; words: ChannelWords }) {
  const { t } = w;
  const [status, setStatus] = useState('');
  return (
    <section className="card" aria-labelledby="ch-log-title" data-testid="ingestion-log">
      <h2 id="ch-log-title">{t('ch.log')}</h2>
      <p className="muted">{t('ch.logHint')}</p>
      <div className="filters">
        <label>
          {t('ch.filter')}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('ch.anyOutcome')}</option>
            {INGESTION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {w.outcome(s)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Entries id={id} status={status} writable={false} words={w} empty={t('ch.logEmpty')} />
    </section>
  );
}

type Replayed = { ok: boolean; text: string; orderId?: string | null };

function Entries({
  id,
  status,
  writable,
  words: w,
  empty,
}: {
  id: string;
  status: string;
  writable: boolean;
  words: ChannelWords;
  empty: string;
}) {
  const { t } = w;
  const client = useQueryClient();
  const list = useIngestions(id, status);
  const [busy, setBusy] = useState<string | null>(null);
  const [replayed, setReplayed] = useState<Record<string, Replayed>>({});
  const [last, setLast] = useState<Replayed | null>(null);

  const replay = async (row: Ingestion) => {
    setBusy(row.id);
    try {
      const r = (
        await request<ReplayAnswer>('POST', `/channel-connections/${id}/ingestions/${row.id}/replay`, undefined, {
          'idempotency-key': crypto.randomUUID(),
        })
      ).body;
      const outcome: Replayed =
        r.outcome === 'created'
          ? { ok: true, text: t('ch.replayCreated'), orderId: r.orderId }
          : r.outcome === 'updated'
            ? { ok: true, text: t('ch.replayUpdated'), orderId: r.orderId }
            : r.outcome === 'failed'
              ? {
                  ok: false,
                  text: t('ch.replayFailed', { reason: w.reason(r.reason), when: w.when(new Date().toISOString()) }),
                }
              : { ok: true, text: t('ch.replayOther', { outcome: w.outcome(r.outcome) }) };
      setReplayed({ ...replayed, [row.id]: outcome });
      setLast(outcome);
    } catch (e) {
      const outcome = { ok: false, text: t('ch.replayRefused', { detail: w.problem(e) }) };
      setReplayed({ ...replayed, [row.id]: outcome });
      setLast(outcome);
    } finally {
      setBusy(null);
      await Promise.all([
        client.invalidateQueries({ queryKey: ['channel-ingestions', id] }),
        client.invalidateQueries({ queryKey: ['channel-connection', id] }),
      ]);
    }
  };

  if (list.error) return <ErrorBox error={list.error} onRetry={() => list.refetch()} />;
  if (list.isPending) return <Loading />;
  const rows = list.data.pages.flatMap((p) => p.items);
  // A row that left the queue (its replay made an order) still says so above the table.
  const gone = last && !rows.some((r) => replayed[r.id] === last);
  return (
    <>
      {gone && last && <ReplayNote note={last} open={t('ch.replayOpen')} />}
      {rows.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <div className="table-wrap">
          <table className="compact" data-testid={`ingestions-${status || 'all'}`}>
            <thead>
              <tr>
                <th scope="col">{t('ch.col.received')}</th>
                <th scope="col">{t('ch.col.event')}</th>
                <th scope="col">{t('ch.col.outcome')}</th>
                <th scope="col">{t('ch.col.reason')}</th>
                <th scope="col" className="num">
                  {t('ch.col.attempts')}
                </th>
                {writable && <th scope="col" aria-label={t('ch.replay')} />}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <Fragment key={r.id}>
                  <tr data-id={r.id} className="entry">
                    <td className="nowrap">
                      {w.when(r.receivedAt)}
                      <br />
                      <span className="muted">{w.via(r.via)}</span>
                    </td>
                    <td className="nowrap">
                      {w.event(r.eventType)}
                      {r.externalId && <span className="mono"> #{r.externalId}</span>}
                    </td>
                    <td>
                      <Pill tone={OUTCOME_TONE[r.status] ?? 'off'}>{w.outcome(r.status)}</Pill>
                      {r.orderId && (
                        <>
                          <br />
                          <Link to={`/orders/${r.orderId}`}>{t('ch.replayOpen')}</Link>
                        </>
                      )}
                    </td>
                    <td className="pre" data-testid="reason" style={{ minWidth: '16rem' }}>
                      {w.reason(r.reason)}
                    </td>
                    <td className="num" data-testid="attempts">
                      {r.attempts}
                    </td>
                    {writable && (
                      <td className="num">
                        <button type="button" disabled={busy !== null} onClick={() => replay(r)}>
                          {busy === r.id ? t('ch.replaying') : t('ch.replay')}
                        </button>
                      </td>
                    )}
                  </tr>
                  <tr data-detail-of={r.id}>
                    <td colSpan={writable ? 6 : 5} style={{ paddingTop: 0 }}>
                      {replayed[r.id] && <ReplayNote note={replayed[r.id]!} open={t('ch.replayOpen')} />}
                      <details>
                        <summary className="muted">{t('ch.payload')}</summary>
                        <pre className="mono" style={{ maxHeight: 360, overflow: 'auto', whiteSpace: 'pre-wrap' }}>
                          {JSON.stringify(r.payload, null, 2)}
                        </pre>
                      </details>
                    </td>
                  </tr>
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.hasNextPage && (
        <button type="button" disabled={list.isFetchingNextPage} onClick={() => list.fetchNextPage()}>
          {t('ch.loadOlder')}
        </button>
      )}
    </>
  );
}

function ReplayNote({ note, open }: { note: Replayed; open: string }) {
  return (
    <p className={note.ok ? 'form-ok' : 'form-error'} role={note.ok ? 'status' : 'alert'} data-testid="replay-note">
      {note.text}
      {note.orderId && (
        <>
          {' '}
          <Link to={`/orders/${note.orderId}`}>{open}</Link>
        </>
      )}
    </p>
  );
}
