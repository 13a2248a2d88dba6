import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useStateWords } from '../components/state-words';
import type { SimResult } from '../designer/panels';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, canWriteProcesses, get, query, request, type Me, type Schemas } from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { designerMessages } from '../designer/messages';
import { formatDuration } from '../format';
import { Link, navigate, useLocation } from '../router';
import { ErrorBox, Loading } from '../components/status';
import { CodeEditor, type CodeEditorHandle } from '../designer/code-editor';
import {
  deleteState,
  deleteTransition,
  graphOf,
  parseSource,
  sourceOf,
  stateOfPath,
  tablesOf,
  type Doc,
  type Graph,
} from '../designer/model';
import type { Heat } from '../designer/designer-graph';
import { ElementPanel, HistoryView, SimulationView } from '../designer/panels';
import { DecisionTables } from '../designer/decision-tables';

const DesignerGraph = lazy(() => import('../designer/designer-graph'));

export type Version = Schemas['ProcessDefinitionVersion'];
type Problem = Schemas['ProcessDefinitionProblem'];
export type HeatState = Schemas['ProcessHeatmap']['states'][number];

const template = (key: string) => `key: ${key}
title: ${key}
start: received
states:
  received:
    always:
      - { to: completed }
  completed: { terminal: true }
`;

/** The process designer: graph and YAML side by side, validation at the element, simulate, publish, history. */
export default function ProcessDesigner({ processKey, me }: { processKey: string; me: Me }) {
  const { tMaybe, locale } = useI18n();
  const t = useMessages(designerMessages);
  const client = useQueryClient();
  const names = useStateWords();
  const { search } = useLocation();
  const canWrite = canWriteProcesses(me);
  // A key not in the list is a new process: no request that can only answer 404.
  const list = useQuery({
    queryKey: ['processes'],
    queryFn: () => get<{ items: { key: string }[] }>('/processes'),
    retry: false,
  });
  const known = list.data ? list.data.items.some((p) => p.key === processKey) : null;
  const versions = useQuery({
    queryKey: ['process-versions', processKey],
    queryFn: () => get<{ items: Version[] }>(`/processes/${encodeURIComponent(processKey)}`),
    retry: false,
    enabled: known === true,
  });
  const isNew = known === false || (versions.error instanceof ApiError && versions.error.status === 404);
  const items = versions.data?.items ?? [];
  const draft = items.find((v) => v.status === 'draft') ?? null;
  // New orders start on the newest published version: that is the current one.
  const published = items.filter((v) => v.status === 'published').at(-1) ?? null;
  const asked = Number(search.get('v')) || null;
  const shown = items.find((v) => v.version === asked) ?? draft ?? published ?? items.at(-1) ?? null;
  const version = useQuery({
    queryKey: ['process-version', processKey, shown?.version],
    queryFn: () => get<Version>(`/processes/${encodeURIComponent(processKey)}/versions/${shown!.version}`),
    enabled: Boolean(shown),
  });

  // The text is the truth; the graph is drawn from it. `editing` = the user may change it now.
  const [source, setSource] = useState<string | null>(null);
  const [loadedFrom, setLoadedFrom] = useState<string | null>(null);
  const [forked, setForked] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [serverProblems, setServerProblems] = useState<Problem[]>([]);
  const [sim, setSim] = useState<SimResult | null>(null);
  const [simScope, setSimScope] = useState<'process' | 'all'>('process');
  const [confirmPublish, setConfirmPublish] = useState(false);
  const [selected, setSelected] = useState<{ node?: string; edge?: string }>({});
  const [showHeat, setShowHeat] = useState(true);
  const [pendingTarget, setPendingTarget] = useState<{ from: string; to: string } | null>(null);
  const editorRef = useRef<CodeEditorHandle>(null);
  const eventInput = useRef<HTMLInputElement>(null);

  const loadedId = isNew ? `new:${processKey}` : version.data ? `${version.data.id}:${version.data.version}` : null;
  useEffect(() => {
    if (!loadedId || loadedId === loadedFrom) return;
    setSource(isNew ? template(processKey) : (version.data?.source ?? ''));
    setLoadedFrom(loadedId);
    setForked(false);
    setSim(null);
    setServerProblems([]);
  }, [loadedId, loadedFrom, isNew, processKey, version.data]);

  const baseline = isNew ? '' : (version.data?.source ?? '');
  const text = source ?? baseline;
  const dirty = text !== baseline;
  const editing = canWrite && (isNew || forked || shown?.status === 'draft');

  // Parse on every change; a text that does not parse keeps the last graph drawn.
  const parsed = useMemo(() => parseSource(text), [text]);
  const lastGraph = useRef<Graph | null>(null);
  const drawn = useMemo(() => (parsed.errors.length ? null : graphOf(parsed.doc)), [parsed]);
  if (drawn) lastGraph.current = drawn;
  const graph = drawn ?? lastGraph.current;
  const tables = useMemo(() => (parsed.errors.length ? [] : tablesOf(parsed.doc)), [parsed]);

  // The server validates (CEL, unknown states and actions, reachability) a moment after typing stops.
  const [validated, setValidated] = useState<{ text: string; problems: Problem[] } | null>(null);
  useEffect(() => {
    if (parsed.errors.length || !text.trim()) return;
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      request<{ problems: Problem[] }>('POST', '/processes:validate', { source: text }, {}, ctl.signal)
        .then((r) => setValidated({ text, problems: r.body.problems }))
        .catch(() => {
          /* a failed check is retried on the next edit */
        });
    }, 350);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [text, parsed.errors.length]);

  const problems: Problem[] = useMemo(
    () =>
      parsed.errors.length
        ? parsed.errors.map((e) => ({ path: '', line: e.line, column: e.column, code: 'YAML', message: e.message }))
        : // While a check of new text is under way, the last answer stays on screen (no flicker).
          validated
          ? validated.problems
          : serverProblems,
    [parsed, validated, serverProblems],
  );
  const byState = useMemo(() => {
    const m = new Map<string, string[]>();
    for (const p of problems) {
      const s = stateOfPath(p.path);
      if (s) m.set(s, [...(m.get(s) ?? []), p.message]);
    }
    return m;
  }, [problems]);

  const heatQ = useQuery({
    queryKey: ['process-heatmap', processKey],
    queryFn: () => get<{ states: HeatState[] }>(`/reports/process-heatmap${query({ key: processKey })}`),
    enabled: showHeat && !isNew,
    refetchInterval: 15_000,
    retry: false,
  });
  const heat = useMemo(
    () => (showHeat && heatQ.data ? new Map<string, Heat>(heatQ.data.states.map((h) => [h.state, h])) : null),
    [showHeat, heatQ.data],
  );
  const heatText = useCallback(
    (h: Heat) =>
      h.count === 0
        ? t('designer.heatNone')
        : t('designer.heatCell', {
            count: h.count,
            median: h.medianSeconds === null ? '—' : formatDuration(h.medianSeconds, locale),
          }),
    [t, locale],
  );

  /** A graph edit: change the parsed document, write it back as text. */
  const edit = (fn: (doc: Doc) => void) => {
    if (!editing || parsed.errors.length) return;
    const { doc } = parseSource(text);
    fn(doc);
    setSource(sourceOf(doc));
    setNotice(null);
  };

  const fail = (e: unknown) => {
    if (e instanceof ApiError && Array.isArray(e.problem.problems)) setServerProblems(e.problem.problems as Problem[]);
    setError(e);
  };
  const run = async (what: string, fn: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    setNotice(null);
    try {
      await fn();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  };
  const saveDraft = () =>
    run('save', async () => {
      const r = await request<Version>('PUT', `/processes/${encodeURIComponent(processKey)}/draft`, { source: text });
      await client.invalidateQueries({ queryKey: ['process-versions', processKey] });
      await client.invalidateQueries({ queryKey: ['processes'] });
      await client.invalidateQueries({ queryKey: ['process-history', processKey] });
      client.setQueryData(['process-version', processKey, r.body.version], { ...r.body, source: text });
      setSource(text);
      setLoadedFrom(`${r.body.id}:${r.body.version}`);
      setForked(false);
      setServerProblems([]);
      navigate(`/processes/${encodeURIComponent(processKey)}?v=${r.body.version}`, { replace: true });
      setNotice(t('designer.saved', { version: r.body.version }));
    });
  const simulate = () =>
    run('simulate', async () => {
      // A saved draft is simulated as stored (its version in the result); unsaved text inline.
      // By default only the recent orders this process would get (selection rules, channels).
      const body =
        shown?.status === 'draft' && !dirty && !forked
          ? { version: shown.version, select: simScope }
          : { source: text, select: simScope };
      const r = await request<SimResult>('POST', `/processes/${encodeURIComponent(processKey)}/simulate`, body);
      setSim(r.body);
    });
  const publish = () =>
    run('publish', async () => {
      const v = shown!.version;
      await request<Version>('POST', `/processes/${encodeURIComponent(processKey)}/versions/${v}/publish`);
      setConfirmPublish(false);
      await client.invalidateQueries({ queryKey: ['process-versions', processKey] });
      await client.invalidateQueries({ queryKey: ['process-version', processKey, v] });
      await client.invalidateQueries({ queryKey: ['processes'] });
      await client.invalidateQueries({ queryKey: ['process-history', processKey] });
      setLoadedFrom(null);
      setNotice(t('designer.published', { version: v }));
    });

  if (list.error)
    return (
      <section className="page">
        <ErrorBox error={list.error} onRetry={() => list.refetch()} />
      </section>
    );
  if ((list.isPending || versions.isPending) && !isNew) return <Loading />;
  if (versions.error && !isNew)
    return (
      <section className="page">
        <ErrorBox error={versions.error} onRetry={() => versions.refetch()} />
      </section>
    );
  if (!isNew && (version.isPending || (!graph && !parsed.errors.length))) return <Loading />;
  if (version.error)
    return (
      <section className="page">
        <ErrorBox error={version.error} />
      </section>
    );

  const processName = names.process(processKey, { title: version.data?.title ?? null });
  const canPublish = canWrite && shown?.status === 'draft' && !dirty && !forked && problems.length === 0;
  const invalid = problems.length > 0;
  const selTransition = graph?.transitions.find((x) => x.id === selected.edge) ?? null;

  return (
    <section className="page designer" aria-labelledby="designer-title">
      <p className="back">
        <Link to="/processes">← {t('designer.back')}</Link>
      </p>
      <header className="designer-head">
        <div>
          {/* the process's name in the user's language (its labels), else its title; the key as small text */}
          <h1 id="designer-title">{processName}</h1>
          <p className="muted small mono" data-testid="designer-key">
            {t('designer.title', { key: processKey })}
          </p>
        </div>
        <div className="actions" role="group" aria-label={t('designer.versions')}>
          {items.map((v) => (
            <button
              key={v.version}
              type="button"
              aria-pressed={shown?.version === v.version}
              onClick={() => navigate(`/processes/${encodeURIComponent(processKey)}?v=${v.version}`)}
            >
              {`v${v.version} · ${tMaybe(`processes.status.${v.status}`, v.status)}${v.version === published?.version ? ` (${t('processes.current')})` : ''}`}
            </button>
          ))}
          {isNew && <span className="badge">{t('designer.newProcess')}</span>}
        </div>
      </header>

      <div className="designer-toolbar" role="toolbar" aria-label={t('designer.toolbar')}>
        {canWrite && !editing && (
          <button
            type="button"
            onClick={() => {
              setForked(true);
              setNotice(t('designer.forkNote', { version: shown?.version ?? 1 }));
            }}
          >
            {draft ? t('designer.editDraftInstead') : t('designer.editAsDraft')}
          </button>
        )}
        {editing && (
          <button
            type="button"
            className="primary"
            disabled={Boolean(busy) || (!dirty && !forked && !isNew)}
            onClick={saveDraft}
          >
            {busy === 'save' ? t('common.saving') : t('designer.saveDraft')}
          </button>
        )}
        <label className="inline">
          {t('designer.sim.scope')}{' '}
          <select value={simScope} onChange={(e) => setSimScope(e.target.value as 'process' | 'all')}>
            <option value="process">{t('designer.sim.scope.process')}</option>
            <option value="all">{t('designer.sim.scope.all')}</option>
          </select>
        </label>
        <button type="button" disabled={Boolean(busy) || Boolean(parsed.errors.length) || invalid} onClick={simulate}>
          {busy === 'simulate' ? t('designer.simulating') : t('designer.simulate')}
        </button>
        {canWrite && shown?.status === 'draft' && !confirmPublish && (
          <button
            type="button"
            disabled={!canPublish || Boolean(busy)}
            onClick={() => setConfirmPublish(true)}
            title={canPublish ? undefined : t('designer.publishHint')}
          >
            {t('designer.publish', { version: shown.version })}
          </button>
        )}
        {confirmPublish && shown && (
          <span className="confirm" role="group" aria-label={t('designer.publish', { version: shown.version })}>
            <span>{t('designer.publishConfirm', { version: shown.version })}</span>
            <button type="button" className="primary" disabled={Boolean(busy)} onClick={publish}>
              {t('designer.publishNow')}
            </button>
            <button type="button" onClick={() => setConfirmPublish(false)}>
              {t('common.cancel')}
            </button>
          </span>
        )}
        <label className="inline">
          <input type="checkbox" checked={showHeat} onChange={(e) => setShowHeat(e.target.checked)} disabled={isNew} />{' '}
          {t('designer.heatmap')}
        </label>
        {!canWrite && <span className="muted">{t('designer.readOnly')}</span>}
      </div>
      <div aria-live="polite" className="designer-status">
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {error !== null && <ErrorBox error={error} />}
      </div>

      <div className="designer-grid">
        <section className="card" aria-labelledby="dgraph-title">
          <h2 id="dgraph-title">
            {t('processes.graph')}
            {invalid && (
              <span className="badge state-error"> {t('designer.problemCount', { count: problems.length })}</span>
            )}
          </h2>
          {graph && (
            <Suspense fallback={<Loading />}>
              <DesignerGraph
                graph={graph}
                problems={byState}
                heat={heat}
                heatText={heatText}
                editable={editing && !parsed.errors.length}
                selected={selected}
                label={t('processes.graphLabel', { count: graph.states.length })}
                onSelect={setSelected}
                onConnect={(from, to) => {
                  setSelected({ node: from });
                  setPendingTarget({ from, to });
                  requestAnimationFrame(() => eventInput.current?.focus());
                }}
                onDeleteStates={(names) => {
                  edit((d) => names.forEach((n) => deleteState(d, n)));
                  setSelected({});
                }}
                onDeleteTransitions={(ts) => {
                  edit((d) => [...ts].sort((a, b) => b.index - a.index).forEach((x) => deleteTransition(d, x)));
                  setSelected({});
                }}
              />
            </Suspense>
          )}
          {showHeat && heatQ.data && <HeatLegend states={heatQ.data.states} />}
          {editing && graph && (
            <ElementPanel
              graph={graph}
              selected={selected}
              selTransition={selTransition}
              problems={byState}
              eventInput={eventInput}
              pendingTarget={pendingTarget}
              setPendingTarget={setPendingTarget}
              setSelected={setSelected}
              edit={edit}
              disabled={Boolean(parsed.errors.length)}
            />
          )}
        </section>
        <section className="card" aria-labelledby="dsource-title">
          <h2 id="dsource-title">
            <label htmlFor="designer-source">{t('processes.source')}</label>
          </h2>
          <CodeEditor
            ref={editorRef}
            id="designer-source"
            value={text}
            onChange={(v) => {
              setSource(v);
              setNotice(null);
            }}
            readOnly={!editing}
            label={t('processes.source')}
            marks={problems.map((p) => ({ line: p.line, message: p.message }))}
          />
          {problems.length > 0 ? (
            <ul className="problems" aria-label={t('designer.problems')} data-testid="problems">
              {problems.map((p, i) => (
                <li key={i}>
                  <button type="button" className="link" onClick={() => editorRef.current?.goTo(p.line, p.column)}>
                    {t('designer.lineCol', { line: p.line, column: p.column })}
                  </button>
                  {stateOfPath(p.path) && <span className="mono"> {stateOfPath(p.path)}</span>} — {p.message}
                </li>
              ))}
            </ul>
          ) : (
            <p className="ok-text" data-testid="valid">
              {validated?.text === text ? t('designer.valid') : '\u00a0'}
            </p>
          )}
        </section>
      </div>

      {tables.length > 0 && (
        <DecisionTables tables={tables} problems={problems} editable={editing && !parsed.errors.length} edit={edit} />
      )}
      {sim && <SimulationView sim={sim} />}
      {!isNew && <HistoryView processKey={processKey} items={items} shown={shown?.version ?? null} />}
    </section>
  );
}

function HeatLegend({ states }: { states: HeatState[] }) {
  const { locale } = useI18n();
  const t = useMessages(designerMessages);
  const words = useStateWords();
  const total = states.reduce((n, s) => n + s.count, 0);
  const waiting = [...states]
    .filter((s) => s.count > 0)
    .sort((a, b) => (b.medianSeconds ?? 0) - (a.medianSeconds ?? 0))
    .slice(0, 3);
  return (
    <p className="heat-legend muted" data-testid="heat-legend">
      <span className="heat-scale" aria-hidden="true" /> {t('designer.heatLegend', { count: total })}
      {waiting.length > 0 &&
        ` · ${t('designer.heatSlowest')}: ${waiting.map((s) => `${words.state(s.state)} (${s.medianSeconds === null ? '—' : formatDuration(s.medianSeconds, locale)}, p90 ${s.p90Seconds === null ? '—' : formatDuration(s.p90Seconds, locale)})`).join(', ')}`}
    </p>
  );
}
