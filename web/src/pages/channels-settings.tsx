import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { request } from '../api';
import { FieldError, fieldErrors } from '../components/field-errors';
import { settingText, settingValue, type ChannelKind, type Connection, type ConnectionChange } from '../channels-api';
import type { ChannelWords } from './channels-words';

type Row = { key: string; value: string };

/**
 * Change a connection: its API address, settings and poll interval; and new keys (all of them at
 * once: the stored ones are never shown, so they are replaced, not edited).
 */
export function SettingsCard({
  connection: c,
  kind,
  words: w,
}: {
  connection: Connection;
  kind: ChannelKind | undefined;
  words: ChannelWords;
}) {
  const { t } = w;
  const client = useQueryClient();
  const [baseUrl, setBaseUrl] = useState(c.baseUrl);
  const [rows, setRows] = useState<Row[]>(() =>
    Object.entries(c.settings).map(([key, value]) => ({ key, value: settingText(value) })),
  );
  const [pollEvery, setPollEvery] = useState(String(c.pollEverySeconds));
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const names = kind?.requiredCredentials ?? c.credentialNames;
  const replacing = names.some((k) => secrets[k]);
  const errs = fieldErrors(error);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setNote(null);
    setError(null);
    const patch: ConnectionChange = {
      settings: Object.fromEntries(rows.filter((r) => r.key.trim()).map((r) => [r.key.trim(), settingValue(r.value)])),
      ...(baseUrl.trim() && baseUrl.trim() !== c.baseUrl ? { baseUrl: baseUrl.trim() } : {}),
      ...(pollEvery && Number(pollEvery) !== c.pollEverySeconds ? { pollEverySeconds: Number(pollEvery) } : {}),
      ...(replacing ? { credentials: Object.fromEntries(names.map((k) => [k, secrets[k] ?? ''])) } : {}),
    };
    try {
      await request('PATCH', `/channel-connections/${c.id}`, patch);
      setSecrets({});
      setNote({ ok: true, text: t('ch.settingsSaved') });
      await Promise.all([
        client.invalidateQueries({ queryKey: ['channel-connection', c.id] }),
        client.invalidateQueries({ queryKey: ['channel-connections'] }),
      ]);
    } catch (err) {
      setError(err);
      setNote({ ok: false, text: t('ch.refused', { detail: w.problem(err) }) });
    } finally {
      setBusy(false);
    }
  };

  const unused = Object.keys(kind?.settingsHelp ?? {}).filter((k) => !rows.some((r) => r.key === k));
  return (
    <section className="card" aria-labelledby="ch-settings-title" data-testid="settings-card">
      <h2 id="ch-settings-title">{t('ch.change')}</h2>
      <form onSubmit={save} style={{ display: 'grid', gap: '0.6rem', maxWidth: 640 }}>
        <label>
          {t('ch.facts.baseUrl')}
          <input type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
          <FieldError errors={errs} path="/baseUrl" />
        </label>
        {(!kind || kind.polling) && (
          <label>
            {t('ch.pollEvery')}
            <input type="number" min={5} max={86400} value={pollEvery} onChange={(e) => setPollEvery(e.target.value)} />
            <FieldError errors={errs} path="/pollEverySeconds" />
          </label>
        )}
        <h3 style={{ margin: '0.5rem 0 0' }}>{t('ch.settings')}</h3>
        {rows.map((r, i) => (
          <div key={i}>
            <div className="inline-form" style={{ margin: 0 }}>
              <label>
                <span className="mono">{r.key}</span>
                <input
                  value={r.value}
                  style={{ width: '14rem' }}
                  aria-label={r.key}
                  onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
                />
              </label>
              <button
                type="button"
                className="icon"
                aria-label={t('ch.removeRow', { n: i + 1 })}
                onClick={() => setRows(rows.filter((_, j) => j !== i))}
              >
                ✕
              </button>
            </div>
            {kind?.settingsHelp[r.key] && <span className="muted">{kind.settingsHelp[r.key]}</span>}
          </div>
        ))}
        {unused.length > 0 && (
          <label>
            {t('ch.addSetting')}
            <select value="" onChange={(e) => e.target.value && setRows([...rows, { key: e.target.value, value: '' }])}>
              <option value="">{t('ch.chooseKind')}</option>
              {unused.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
        )}
        <FieldError errors={errs} path="/settings" />
        <h3 style={{ margin: '0.5rem 0 0' }}>{t('ch.newKeys')}</h3>
        <p className="muted" style={{ margin: 0 }}>
          {t('ch.newKeysHint')}
        </p>
        {names.map((k) => (
          <label key={k}>
            <span className="mono">{k}</span>
            <input
              type="password"
              autoComplete="new-password"
              aria-label={`${t('ch.newKey')} ${k}`}
              value={secrets[k] ?? ''}
              required={replacing}
              onChange={(e) => setSecrets({ ...secrets, [k]: e.target.value })}
            />
            <FieldError errors={errs} path={`/credentials/${k}`} />
          </label>
        ))}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('common.saving') : t('ch.saveSettings')}
          </button>
        </div>
        {note && (
          <p className={note.ok ? 'form-ok' : 'form-error'} role={note.ok ? 'status' : 'alert'}>
            {note.text}
          </p>
        )}
      </form>
    </section>
  );
}
