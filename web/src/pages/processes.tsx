import { useState, type FormEvent } from 'react';
import { useQuery } from '@tanstack/react-query';
import { ApiError, canWriteProcesses, get, type Me, type Schemas } from '../api';
import { useI18n } from '../i18n/index';
import { formatDateTime, formatNumber } from '../format';
import { Link, navigate } from '../router';
import { ErrorBox, Loading } from '../components/status';
import { useStateWords } from '../components/state-words';
import { ComingSoon } from './coming-soon';

type Summary = Schemas['ProcessSummary'];

const KEY = /^[a-z][a-z0-9-]*$/;

/** Processes with their versions; each opens in the designer. */
export function ProcessesPage({ me }: { me: Me }) {
  const { t, tMaybe, locale } = useI18n();
  const [newKey, setNewKey] = useState('');
  const [keyError, setKeyError] = useState<string | null>(null);
  const words = useStateWords();
  const list = useQuery({
    queryKey: ['processes'],
    queryFn: () => get<{ items: Summary[] }>('/processes'),
    retry: false,
  });
  if (list.error instanceof ApiError && list.error.status === 404)
    return <ComingSoon title={t('processes.title')} text={t('processes.coming')} />;
  const open = (key: string, v?: number) => `/processes/${encodeURIComponent(key)}${v ? `?v=${v}` : ''}`;
  const create = (e: FormEvent) => {
    e.preventDefault();
    const k = newKey.trim();
    if (!KEY.test(k) || k.length > 64) return setKeyError(t('processes.badKey'));
    if (list.data?.items.some((p) => p.key === k)) return setKeyError(t('processes.keyExists', { key: k }));
    navigate(open(k));
  };
  return (
    <section className="page">
      <h1>{t('processes.title')}</h1>
      <p className="muted">{t('processes.viewerNote')}</p>
      {canWriteProcesses(me) && (
        <form className="inline-form card" onSubmit={create} noValidate>
          <label>
            {t('processes.newKey')}
            <input
              value={newKey}
              onChange={(e) => {
                setNewKey(e.target.value);
                setKeyError(null);
              }}
              placeholder="b2b-approvals"
              aria-invalid={keyError ? true : undefined}
              aria-describedby={keyError ? 'new-key-error' : undefined}
            />
          </label>
          <button type="submit" className="primary" disabled={!newKey.trim()}>
            {t('processes.create')}
          </button>
          {keyError && (
            <span id="new-key-error" className="form-error" role="alert">
              {keyError}
            </span>
          )}
        </form>
      )}
      {list.error ? (
        <ErrorBox error={list.error} onRetry={() => list.refetch()} />
      ) : list.isPending ? (
        <Loading />
      ) : (
        <div className="card table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('col.name')}</th>
                <th scope="col">{t('processes.versions')}</th>
                <th scope="col" className="num">
                  {t('processes.running')}
                </th>
                <th scope="col">{t('order.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.length === 0 && (
                <tr>
                  <td colSpan={4} className="empty">
                    {t('processes.empty')}
                  </td>
                </tr>
              )}
              {list.data.items.map((p) => (
                <tr key={p.key}>
                  {/* the name in the user's language (the published version's labels), else the title;
                      the key, which YAML and the API use, only as small secondary text */}
                  <td>
                    <Link to={open(p.key)} data-testid="process-name">
                      {words.process(p.key, { title: p.title ?? null })}
                    </Link>
                    <div className="muted small mono" data-testid="process-key">
                      {p.key}
                    </div>
                  </td>
                  <td>
                    <div className="actions">
                      {p.versions.map((v) => (
                        <Link key={v.version} className="chip" to={open(p.key, v.version)}>
                          {`v${v.version} · ${tMaybe(`processes.status.${v.status}`, v.status)}`}
                        </Link>
                      ))}
                    </div>
                  </td>
                  <td className="num">{formatNumber(p.runningOrders, locale)}</td>
                  <td className="nowrap">{formatDateTime(p.updatedAt, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
