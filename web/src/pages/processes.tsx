import { lazy, Suspense, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { ApiError, get } from '../api';
import { useI18n } from '../i18n/index';
import { formatDateTime, formatNumber } from '../format';
import { ErrorBox, Loading } from '../components/status';
import { ComingSoon } from './coming-soon';

// The graph (xyflow and the YAML parser) loads only when a process is opened.
const ProcessGraph = lazy(() => import('../components/process-graph'));

interface Summary { key: string; title: string | null; currentVersion: number | null; draftVersion: number | null; versions: { version: number; status: string }[]; runningOrders: number; updatedAt: string }
interface Version { key: string; version: number; status: string; title: string | null; source?: string; publishedAt: string | null; createdBy: string | null }

/** Processes with their versions; one version drawn as a graph beside its text. */
export function ProcessesPage() {
  const { t, tMaybe, locale } = useI18n();
  const [picked, setPicked] = useState<{ key: string; version: number } | null>(null);
  const list = useQuery({ queryKey: ['processes'], queryFn: () => get<{ items: Summary[] }>('/processes'), retry: false });
  const version = useQuery({
    queryKey: ['process-version', picked?.key, picked?.version],
    queryFn: () => get<Version>(`/processes/${encodeURIComponent(picked!.key)}/versions/${picked!.version}`),
    enabled: Boolean(picked),
  });
  if (list.error instanceof ApiError && list.error.status === 404) return <ComingSoon title={t('processes.title')} text={t('processes.coming')} />;
  return (
    <section className="page">
      <h1>{t('processes.title')}</h1>
      <p className="muted">{t('processes.viewerNote')}</p>
      {list.error ? <ErrorBox error={list.error} onRetry={() => list.refetch()} /> : list.isPending ? <Loading /> : (
        <div className="card table-wrap">
          <table>
            <thead><tr>
              <th scope="col">{t('processes.key')}</th><th scope="col">{t('col.name')}</th><th scope="col">{t('processes.versions')}</th>
              <th scope="col" className="num">{t('processes.running')}</th><th scope="col">{t('order.updated')}</th>
            </tr></thead>
            <tbody>
              {list.data.items.length === 0 && <tr><td colSpan={5} className="empty">{t('processes.empty')}</td></tr>}
              {list.data.items.map((p) => (
                <tr key={p.key}>
                  <td className="mono">{p.key}</td>
                  <td>{p.title ?? '—'}</td>
                  <td>
                    <div className="actions">
                      {p.versions.map((v) => (
                        <button key={v.version} type="button" aria-pressed={picked?.key === p.key && picked.version === v.version}
                          onClick={() => setPicked({ key: p.key, version: v.version })}>
                          {`v${v.version} · ${tMaybe(`processes.status.${v.status}`, v.status)}`}
                        </button>
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
      {picked && (
        <div className="process-view">
          {version.error ? <ErrorBox error={version.error} /> : version.isPending ? <Loading /> : (
            <>
              <section className="card" aria-labelledby="graph-title">
                <h2 id="graph-title">{t('processes.graph')} · {version.data.key} v{version.data.version}</h2>
                <Suspense fallback={<Loading />}><ProcessGraph source={version.data.source ?? ''} /></Suspense>
              </section>
              <section className="card" aria-labelledby="source-title">
                <h2 id="source-title">{t('processes.source')}</h2>
                <pre className="source" tabIndex={0}>{version.data.source}</pre>
              </section>
            </>
          )}
        </div>
      )}
    </section>
  );
}
