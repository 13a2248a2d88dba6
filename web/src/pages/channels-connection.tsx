import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { get, request, type Me } from '../api';
import { formatDuration } from '../format';
import { Link } from '../router';
import { ErrorBox, Loading } from '../components/status';
import { ComingSoon } from './coming-soon';
import {
  canWriteChannels,
  channelsForbidden,
  webhookUrl,
  type ChannelKind,
  type Connection,
  type PollAnswer,
  type StockAnswer,
  type TestAnswer,
} from '../channels-api';
import { Pill, useChannelWords, type ChannelWords } from './channels-words';
import { MappingsCard, OffersCard } from './channels-offers';
import { ErrorQueue, IngestionLog } from './channels-log';
import { SettingsCard } from './channels-settings';

type Note = { ok: boolean; text: string };

/** One connection: its health and actions, the webhook address, the mappings and the ingestion log. */
export function ConnectionPage({ id, me }: { id: string; me: Me }) {
  const w = useChannelWords();
  const { t } = w;
  const client = useQueryClient();
  const conn = useQuery({
    queryKey: ['channel-connection', id],
    queryFn: () => get<Connection>(`/channel-connections/${id}`),
    retry: false,
  });
  const kinds = useQuery({
    queryKey: ['channel-kinds'],
    queryFn: () => get<{ items: ChannelKind[] }>('/channel-kinds'),
    retry: false,
  });
  const [busy, setBusy] = useState<string | null>(null);
  const [note, setNote] = useState<Note | null>(null);
  if (channelsForbidden(conn.error)) return <ComingSoon title={t('ch.title')} text={t('common.forbidden')} />;
  if (conn.error) return <ErrorBox error={conn.error} onRetry={() => conn.refetch()} />;
  if (conn.isPending) return <Loading />;
  const c = conn.data;
  const kind = kinds.data?.items.find((k) => k.kind === c.kind);
  const writable = canWriteChannels(me);

  const refresh = () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['channel-connection', id] }),
      client.invalidateQueries({ queryKey: ['channel-connections'] }),
      client.invalidateQueries({ queryKey: ['channel-ingestions', id] }),
      client.invalidateQueries({ queryKey: ['channel-offers', id] }),
    ]);
  const act = async (what: string, run: () => Promise<Note>) => {
    setBusy(what);
    setNote(null);
    try {
      setNote(await run());
    } catch (e) {
      setNote({ ok: false, text: t('ch.refused', { detail: w.problem(e) }) });
    } finally {
      setBusy(null);
      await refresh();
    }
  };
  const post = async <T,>(path: string, body?: unknown) =>
    (await request<T>('POST', `/channel-connections/${id}${path}`, body)).body;

  const test = () =>
    act('test', async () => {
      const r = await post<TestAnswer>('/test');
      const detail = [r.detail, ...(r.channelMessages ?? [])].filter(Boolean).join(' — ');
      return { ok: r.ok, text: r.ok ? t('ch.testOk', { detail }) : t('ch.testFailed', { detail }) };
    });
  const toggle = () =>
    act('toggle', async () => {
      const status = c.status === 'active' ? 'paused' : 'active';
      await request('PATCH', `/channel-connections/${id}`, { status });
      return { ok: true, text: status === 'paused' ? t('ch.paused') : t('ch.resumed') };
    });
  const poll = () =>
    act('poll', async () => {
      const r = await post<PollAnswer>('/poll', {});
      if (r.error) return { ok: false, text: t('ch.pollFailed', { detail: r.error.message }) };
      return { ok: true, text: t('ch.polled', { count: r.pages, counts: countsText(w, r.counts) }) };
    });
  const stock = () =>
    act('stock', async () => {
      const r = await post<StockAnswer>('/stock-sync', {});
      if (r.error) return { ok: false, text: t('ch.stockFailed', { detail: r.error.message }) };
      return { ok: true, text: t('ch.stockSynced', { pushed: r.pushed, refused: r.refused, remaining: r.remaining }) };
    });

  return (
    <section className="page channel-page">
      <p className="back">
        <Link to="/channels">← {t('ch.back')}</Link>
      </p>
      <div className="page-head">
        <h1 id="channel-title">
          {t('ch.heading', { channel: c.channel })}{' '}
          <Pill tone={c.status === 'active' ? 'ok' : 'off'}>{w.status(c.status)}</Pill>
        </h1>
      </div>
      <section className="card" aria-labelledby="channel-title" data-testid="connection-facts">
        <dl className="facts">
          <div>
            <dt>{t('ch.facts.kind')}</dt>
            <dd>{w.kind(c.kind)}</dd>
          </div>
          <div>
            <dt>{t('ch.facts.baseUrl')}</dt>
            <dd className="mono" style={{ overflowWrap: 'anywhere' }}>
              {c.baseUrl}
            </dd>
          </div>
          <div>
            <dt>{t('ch.facts.credentials')}</dt>
            <dd>
              <span className="mono">{c.credentialNames.join(', ')}</span>
              {!c.credentialsReadable && <p className="form-error">{t('ch.facts.credentialsUnreadable')}</p>}
            </dd>
          </div>
          {(!kind || kind.polling) && (
            <div>
              <dt>{t('ch.facts.pollEvery')}</dt>
              <dd>{formatDuration(c.pollEverySeconds, w.locale)}</dd>
            </div>
          )}
          <div>
            <dt>{t('ch.facts.lastPoll')}</dt>
            <dd>{w.when(c.lastPolledAt)}</dd>
          </div>
          <div>
            <dt>{t('ch.facts.stockSynced')}</dt>
            <dd>{w.when(c.stockSyncedAt)}</dd>
          </div>
          <div>
            <dt>{t('ch.facts.lastError')}</dt>
            <dd>
              {c.lastError ? (
                <>
                  {c.lastError} <span className="muted">({w.when(c.lastErrorAt)})</span>
                </>
              ) : (
                <span className="muted">{t('ch.none')}</span>
              )}
            </dd>
          </div>
          <div>
            <dt>{t('ch.col.failures')}</dt>
            <dd>{c.failures}</dd>
          </div>
          <div>
            <dt>{t('ch.facts.created')}</dt>
            <dd>{w.when(c.createdAt)}</dd>
          </div>
        </dl>
        {writable && (
          <div className="actions" style={{ flexWrap: 'wrap', marginTop: '1rem' }}>
            <button type="button" className="primary" disabled={busy !== null} onClick={test}>
              {busy === 'test' ? t('ch.testing') : t('ch.test')}
            </button>
            <button type="button" disabled={busy !== null} onClick={toggle}>
              {c.status === 'active' ? t('ch.pause') : t('ch.resume')}
            </button>
            {(!kind || kind.polling) && (
              <button type="button" disabled={busy !== null || c.status === 'paused'} onClick={poll}>
                {busy === 'poll' ? t('ch.busy') : t('ch.pollNow')}
              </button>
            )}
            {(!kind || kind.stockPush) && (
              <button type="button" disabled={busy !== null || c.status === 'paused'} onClick={stock}>
                {busy === 'stock' ? t('ch.busy') : t('ch.syncStock')}
              </button>
            )}
          </div>
        )}
        {note && (
          <p
            className={note.ok ? 'form-ok' : 'form-error'}
            role={note.ok ? 'status' : 'alert'}
            data-testid="connection-note"
          >
            {note.text}
          </p>
        )}
      </section>
      <div className="order-main" style={{ marginTop: '1rem' }}>
        <ErrorQueue id={id} writable={writable} words={w} />
        <div className="order-grid">
          <div className="order-main">
            <OffersCard id={id} writable={writable} words={w} />
            {writable && <SettingsCard connection={c} kind={kind} words={w} />}
          </div>
          <div className="order-main">
            <WebhookCard connection={c} kind={kind} words={w} />
            <MappingsCard connection={c} writable={writable} words={w} />
          </div>
        </div>
        <IngestionLog id={id} words={w} />
      </div>
    </section>
  );
}

/** The events a poll read, by outcome, in words: "Order created: 2, Needs attention: 1". */
function countsText(w: ChannelWords, counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${w.outcome(k)}: ${n}`);
  return parts.length ? parts.join(', ') : w.t('ch.nothing');
}

/** The secret address the channel sends its webhooks to, hidden until asked for, with a copy button. */
function WebhookCard({
  connection: c,
  kind,
  words: w,
}: {
  connection: Connection;
  kind: ChannelKind | undefined;
  words: ChannelWords;
}) {
  const { t } = w;
  const [shown, setShown] = useState(false);
  const [copied, setCopied] = useState(false);
  const url = webhookUrl(c);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      // without clipboard access (plain http, an old browser) the address is shown to copy by hand
      setShown(true);
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2500);
  };
  return (
    <section className="card" aria-labelledby="ch-webhook-title" data-testid="webhook-card">
      <h2 id="ch-webhook-title">{t('ch.webhook')}</h2>
      {kind && !kind.webhooks ? (
        <p className="muted">{t('ch.webhookNone')}</p>
      ) : (
        <>
          <p className="muted">{t('ch.webhookHint')}</p>
          <p className="mono" data-testid="webhook-url" style={{ overflowWrap: 'anywhere' }}>
            {shown ? url : `${window.location.origin}/api/v1/channel-webhooks/${'•'.repeat(12)}`}
          </p>
          <div className="actions">
            <button type="button" onClick={copy}>
              {t('ch.copy')}
            </button>
            <button type="button" onClick={() => setShown(!shown)}>
              {shown ? t('ch.hide') : t('ch.show')}
            </button>
            {copied && (
              <span className="form-ok" role="status">
                {t('ch.copied')}
              </span>
            )}
          </div>
        </>
      )}
    </section>
  );
}
