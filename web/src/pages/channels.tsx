import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, request, type Me } from '../api';
import { Link, navigate } from '../router';
import { ErrorBox, Loading } from '../components/status';
import { FieldError, fieldErrors } from '../components/field-errors';
import { ComingSoon } from './coming-soon';
import {
  canWriteChannels,
  channelsForbidden,
  settingValue,
  type ChannelKind,
  type Connection,
  type ConnectionCreate,
} from '../channels-api';
import { Pill, useChannelWords, type ChannelWords } from './channels-words';
import { ConnectionPage } from './channels-connection';

/** /channels: the connections and the form to connect one; /channels/:id: one connection. */
export default function ChannelsPage({ me, id }: { me: Me; id?: string | undefined }) {
  if (id) return <ConnectionPage key={id} id={id} me={me} />;
  return <ChannelsList me={me} />;
}

function ChannelsList({ me }: { me: Me }) {
  const w = useChannelWords();
  const { t } = w;
  const list = useQuery({
    queryKey: ['channel-connections'],
    queryFn: () => get<{ items: Connection[] }>('/channel-connections'),
    retry: false,
  });
  if (channelsForbidden(list.error)) return <ComingSoon title={t('ch.title')} text={t('common.forbidden')} />;
  const notSetUp = list.error instanceof ApiError && list.error.status === 404;

  return (
    <section className="page channels-page">
      <div className="page-head">
        <h1>{t('ch.title')}</h1>
      </div>
      <p className="muted">{t('ch.intro')}</p>
      <section className="card" aria-labelledby="ch-list-title">
        <h2 id="ch-list-title">{t('ch.connections')}</h2>
        {notSetUp ? (
          <p className="muted">{t('ch.notSetUp')}</p>
        ) : list.error ? (
          <ErrorBox error={list.error} onRetry={() => list.refetch()} />
        ) : list.isPending ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <p className="muted">{t('ch.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table className="compact" data-testid="channel-connections">
              <thead>
                <tr>
                  <th scope="col">{t('ch.col.channel')}</th>
                  <th scope="col">{t('ch.col.kind')}</th>
                  <th scope="col">{t('ch.col.status')}</th>
                  <th scope="col">{t('ch.col.lastPoll')}</th>
                  <th scope="col">{t('ch.col.lastError')}</th>
                  <th scope="col" className="num">
                    {t('ch.col.failures')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link to={`/channels/${c.id}`}>{c.channel}</Link>
                    </td>
                    <td>{w.kind(c.kind)}</td>
                    <td>
                      <Pill tone={c.status === 'active' ? 'ok' : 'off'}>{w.status(c.status)}</Pill>
                    </td>
                    <td className="nowrap">{w.when(c.lastPolledAt)}</td>
                    <td>
                      {c.lastError ? (
                        <span title={c.lastErrorAt ? w.when(c.lastErrorAt) : undefined}>{c.lastError}</span>
                      ) : (
                        <span className="muted">{t('ch.none')}</span>
                      )}
                    </td>
                    <td className="num">{c.failures}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {canWriteChannels(me) && !notSetUp && <ConnectForm words={w} />}
    </section>
  );
}

type Row = { key: string; value: string };

/** "Connect a channel": the kind decides which keys are asked for and which settings are explained. */
function ConnectForm({ words: w }: { words: ChannelWords }) {
  const { t } = w;
  const client = useQueryClient();
  const kinds = useQuery({
    queryKey: ['channel-kinds'],
    queryFn: () => get<{ items: ChannelKind[] }>('/channel-kinds'),
    retry: false,
  });
  const [kind, setKind] = useState('');
  const [channel, setChannel] = useState('');
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [settings, setSettings] = useState<Row[]>([]);
  const [pollEvery, setPollEvery] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const chosen = kinds.data?.items.find((k) => k.kind === kind);
  const errs = fieldErrors(error);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!chosen) return;
    setBusy(true);
    setError(null);
    const body: ConnectionCreate = {
      channel: channel.trim(),
      kind: chosen.kind as ConnectionCreate['kind'],
      credentials: Object.fromEntries(chosen.requiredCredentials.map((k) => [k, secrets[k] ?? ''])),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(baseUrl.trim() ? { baseUrl: baseUrl.trim() } : {}),
      ...(settings.some((r) => r.key.trim())
        ? {
            settings: Object.fromEntries(
              settings.filter((r) => r.key.trim()).map((r) => [r.key.trim(), settingValue(r.value)]),
            ),
          }
        : {}),
      ...(pollEvery ? { pollEverySeconds: Number(pollEvery) } : {}),
    };
    try {
      const created = await request<Connection>('POST', '/channel-connections', body, {
        'idempotency-key': crypto.randomUUID(),
      });
      await client.invalidateQueries({ queryKey: ['channel-connections'] });
      navigate(`/channels/${created.body.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const unusedHelp = chosen ? Object.keys(chosen.settingsHelp).filter((k) => !settings.some((r) => r.key === k)) : [];
  return (
    <section
      className="card"
      aria-labelledby="ch-connect-title"
      data-testid="connect-form"
      style={{ marginTop: '1rem' }}
    >
      <h2 id="ch-connect-title">{t('ch.connect')}</h2>
      <p className="muted">{t('ch.connectHint')}</p>
      {kinds.error ? (
        <ErrorBox error={kinds.error} onRetry={() => kinds.refetch()} />
      ) : (
        <form onSubmit={submit} className="address-form" style={{ maxWidth: 900 }}>
          <label>
            {t('ch.kind')}
            <select value={kind} onChange={(e) => setKind(e.target.value)} required>
              <option value="">{t('ch.chooseKind')}</option>
              {(kinds.data?.items ?? []).map((k) => (
                <option key={k.kind} value={k.kind}>
                  {w.kind(k.kind)}
                </option>
              ))}
            </select>
            <FieldError errors={errs} path="/kind" />
            {chosen && (
              <span className="muted">
                {t('ch.features', {
                  list: [
                    chosen.webhooks ? t('ch.features.webhooks') : null,
                    chosen.polling ? t('ch.features.polling') : null,
                    chosen.stockPush ? t('ch.features.stock') : null,
                  ]
                    .filter(Boolean)
                    .join(', '),
                })}
              </span>
            )}
          </label>
          <span />
          <label>
            {t('ch.channelCode')}
            <input value={channel} onChange={(e) => setChannel(e.target.value)} required maxLength={50} />
            <span className="muted">{t('ch.channelCodeHint')}</span>
            <FieldError errors={errs} path="/channel" />
          </label>
          <label>
            {t('ch.channelName')}
            <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} />
            <FieldError errors={errs} path="/name" />
          </label>
          {chosen && (
            <>
              <label className="wide">
                {t('ch.baseUrl')}
                <input
                  type="url"
                  value={baseUrl}
                  onChange={(e) => setBaseUrl(e.target.value)}
                  placeholder={chosen.defaultBaseUrl}
                />
                <span className="muted">{t('ch.baseUrlHint', { url: chosen.defaultBaseUrl })}</span>
                <FieldError errors={errs} path="/baseUrl" />
              </label>
              <fieldset className="wide" style={{ border: 0, padding: 0, margin: 0 }}>
                <legend>
                  <strong>{t('ch.credentials')}</strong>
                </legend>
                <div className="address-form">
                  {chosen.requiredCredentials.map((k) => (
                    <label key={k}>
                      <span className="mono">{k}</span>
                      <input
                        type="password"
                        autoComplete="off"
                        aria-label={k}
                        value={secrets[k] ?? ''}
                        onChange={(e) => setSecrets({ ...secrets, [k]: e.target.value })}
                        required
                      />
                      <FieldError errors={errs} path={`/credentials/${k}`} />
                    </label>
                  ))}
                </div>
              </fieldset>
              <fieldset className="wide" style={{ border: 0, padding: 0, margin: 0 }}>
                <legend>
                  <strong>{t('ch.settings')}</strong>
                </legend>
                <p className="muted" style={{ margin: '0.2rem 0' }}>
                  {t('ch.settingsHint')}
                </p>
                {settings.map((r, i) => (
                  <div key={i} className="inline-form" style={{ marginBottom: '0.4rem' }}>
                    <label>
                      {t('ch.settingKey')}
                      <select
                        value={r.key}
                        aria-label={`${t('ch.settingKey')} ${i + 1}`}
                        onChange={(e) =>
                          setSettings(settings.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))
                        }
                      >
                        <option value="">{t('ch.chooseKind')}</option>
                        {[r.key, ...unusedHelp].filter(Boolean).map((k) => (
                          <option key={k} value={k}>
                            {k}
                          </option>
                        ))}
                      </select>
                    </label>
                    <label style={{ flex: '1 1 240px' }}>
                      {t('ch.settingValue')}
                      <input
                        value={r.value}
                        aria-label={r.key || `${t('ch.settingValue')} ${i + 1}`}
                        onChange={(e) =>
                          setSettings(settings.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))
                        }
                      />
                    </label>
                    <button
                      type="button"
                      className="icon"
                      aria-label={t('ch.removeRow', { n: i + 1 })}
                      onClick={() => setSettings(settings.filter((_, j) => j !== i))}
                    >
                      ✕
                    </button>
                    {r.key && chosen.settingsHelp[r.key] && (
                      <span className="muted" style={{ flexBasis: '100%' }}>
                        {chosen.settingsHelp[r.key]}
                      </span>
                    )}
                  </div>
                ))}
                <FieldError errors={errs} path="/settings" />
                {unusedHelp.length > 0 && (
                  <button type="button" onClick={() => setSettings([...settings, { key: unusedHelp[0]!, value: '' }])}>
                    {t('ch.addSetting')}
                  </button>
                )}
              </fieldset>
              {chosen.polling && (
                <label>
                  {t('ch.pollEvery')}
                  <input
                    type="number"
                    min={5}
                    max={86400}
                    value={pollEvery}
                    placeholder="300"
                    onChange={(e) => setPollEvery(e.target.value)}
                  />
                  <span className="muted">{t('ch.pollEveryHint')}</span>
                  <FieldError errors={errs} path="/pollEverySeconds" />
                </label>
              )}
            </>
          )}
          <div className="actions wide">
            <button type="submit" className="primary" disabled={busy || !chosen}>
              {busy ? t('ch.connecting') : t('ch.connectSubmit')}
            </button>
          </div>
          {error ? (
            <p className="form-error wide" role="alert" data-testid="problem">
              {t('ch.refused', { detail: w.problem(error) })}
            </p>
          ) : null}
        </form>
      )}
    </section>
  );
}
