import { useEffect, useId, useState, type FormEvent, type RefObject } from 'react';
import { useQuery } from '@tanstack/react-query';
import { get, type Schemas } from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { designerMessages } from './messages';
import { formatDateTime, formatNumber } from '../format';
import { Link } from '../router';
import { ErrorBox, Loading } from '../components/status';
import { diffLines, withContext } from './line-diff';
import {
  addState,
  addTransition,
  deleteState,
  deleteTransition,
  renameState,
  STATE_NAME,
  type Doc,
  type Graph,
  type Transition,
} from './model';

const EVENT_NAME = /^[a-z][a-z0-9_]*$/;

/** Editing the selected state or transition, adding states and transitions: the keyboard's way to the graph. */
export function ElementPanel(p: {
  graph: Graph;
  selected: { node?: string; edge?: string };
  selTransition: Transition | null;
  problems: Map<string, string[]>;
  eventInput: RefObject<HTMLInputElement | null>;
  pendingTarget: { from: string; to: string } | null;
  setPendingTarget: (v: { from: string; to: string } | null) => void;
  setSelected: (s: { node?: string; edge?: string }) => void;
  edit: (fn: (doc: Doc) => void) => void;
  disabled: boolean;
}) {
  const t = useMessages(designerMessages);
  const names = p.graph.states.map((s) => s.name);
  const node = p.selected.node && names.includes(p.selected.node) ? p.selected.node : null;
  const [newState, setNewState] = useState('');
  const [rename, setRename] = useState('');
  const [from, setFrom] = useState(node ?? names[0] ?? '');
  const [to, setTo] = useState(names[1] ?? names[0] ?? '');
  const [event, setEvent] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const id = useId();

  useEffect(() => {
    if (node) {
      setFrom(node);
      setRename(node);
    }
  }, [node]);
  useEffect(() => {
    if (p.pendingTarget) {
      setFrom(p.pendingTarget.from);
      setTo(p.pendingTarget.to);
    }
  }, [p.pendingTarget]);

  const onAddState = (e: FormEvent) => {
    e.preventDefault();
    const n = newState.trim();
    if (!STATE_NAME.test(n)) return setFormError(t('designer.badName'));
    if (names.includes(n)) return setFormError(t('designer.stateExists', { name: n }));
    p.edit((d) => addState(d, n));
    setNewState('');
    setFormError(null);
    p.setSelected({ node: n });
  };
  const onRename = (e: FormEvent) => {
    e.preventDefault();
    const n = rename.trim();
    if (!node || n === node) return;
    if (!STATE_NAME.test(n)) return setFormError(t('designer.badName'));
    if (names.includes(n)) return setFormError(t('designer.stateExists', { name: n }));
    p.edit((d) => renameState(d, node, n));
    setFormError(null);
    p.setSelected({ node: n });
  };
  const onAddTransition = (e: FormEvent) => {
    e.preventDefault();
    const ev = event.trim();
    if (!EVENT_NAME.test(ev)) return setFormError(t('designer.badEvent'));
    p.edit((d) => addTransition(d, from, ev, to));
    setEvent('');
    setFormError(null);
    p.setPendingTarget(null);
  };
  const outgoing = node ? p.graph.transitions.filter((x) => x.from === node) : [];
  const label = (x: Transition) => `${x.from} → ${x.to} (${x.event ?? x.when ?? t('designer.automatic')})`;

  return (
    <div className="element-panel" aria-label={t('designer.elementPanel')} role="region">
      {formError && (
        <p className="form-error" role="alert">
          {formError}
        </p>
      )}
      <form className="inline-form" onSubmit={onAddState}>
        <label>
          {t('designer.newStateName')}
          <input
            value={newState}
            onChange={(e) => setNewState(e.target.value)}
            placeholder="manual_review"
            disabled={p.disabled}
          />
        </label>
        <button type="submit" disabled={p.disabled || !newState.trim()}>
          {t('designer.addState')}
        </button>
      </form>
      <form className="inline-form" onSubmit={onAddTransition} aria-labelledby={`${id}-tr`}>
        <span id={`${id}-tr`} className="sr-only">
          {t('designer.addTransition')}
        </span>
        <label>
          {t('designer.from')}
          <select value={from} onChange={(e) => setFrom(e.target.value)} disabled={p.disabled}>
            {names.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <label>
          {t('designer.event')}
          <input
            ref={p.eventInput}
            value={event}
            onChange={(e) => setEvent(e.target.value)}
            placeholder="approve"
            disabled={p.disabled}
          />
        </label>
        <label>
          {t('designer.to')}
          <select value={to} onChange={(e) => setTo(e.target.value)} disabled={p.disabled}>
            {names.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={p.disabled || !event.trim()}>
          {t('designer.addTransition')}
        </button>
      </form>
      {node && (
        <div className="selected-element" data-testid="selected-state">
          <h3>{t('designer.selectedState', { name: node })}</h3>
          {(p.problems.get(node) ?? []).map((m, i) => (
            <p key={i} className="form-error">
              ⚠ {m}
            </p>
          ))}
          <form className="inline-form" onSubmit={onRename}>
            <label>
              {t('designer.rename')}
              <input value={rename} onChange={(e) => setRename(e.target.value)} disabled={p.disabled} />
            </label>
            <button type="submit" disabled={p.disabled || rename.trim() === node}>
              {t('designer.renameButton')}
            </button>
            <button
              type="button"
              className="danger"
              disabled={p.disabled}
              onClick={() => {
                p.edit((d) => deleteState(d, node));
                p.setSelected({});
              }}
            >
              {t('designer.deleteState')}
            </button>
          </form>
          {outgoing.length > 0 && (
            <ul className="transitions">
              {outgoing.map((x) => (
                <li key={x.id}>
                  <span className="mono">{label(x)}</span>
                  <button
                    type="button"
                    className="icon"
                    aria-label={t('designer.deleteTransition', { name: label(x) })}
                    disabled={p.disabled}
                    onClick={() => p.edit((d) => deleteTransition(d, x))}
                  >
                    ✕
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {p.selTransition && (
        <div className="selected-element">
          <h3>{t('designer.selectedTransition')}</h3>
          <span className="mono">{label(p.selTransition)}</span>{' '}
          <button
            type="button"
            className="danger"
            disabled={p.disabled}
            onClick={() => {
              p.edit((d) => deleteTransition(d, p.selTransition!));
              p.setSelected({});
            }}
          >
            {t('designer.deleteTransitionButton')}
          </button>
        </div>
      )}
    </div>
  );
}

// The API's schema declares `summary` as unknown (src/api/schemas/process.ts), so its shape is written here.
interface Delta {
  current: number;
  draft: number;
  delta: number;
}
interface SimSummary {
  orders: number;
  differing: number;
  endStateChanged: number;
  approvalTasks: Delta;
  exceptions: Delta;
  cancellations: Delta;
  rejections: Delta;
  waiting: Delta;
  stuck: Delta;
}
export type SimResult = Omit<Schemas['ProcessSimulationResult'], 'summary'> & { summary: SimSummary | null };

/** What the draft would change over recent orders, against the published version. */
export function SimulationView({ sim }: { sim: SimResult }) {
  const { locale } = useI18n();
  const t = useMessages(designerMessages);
  const n = (v: number) => formatNumber(v, locale);
  const signed = (v: number) => (v > 0 ? `+${n(v)}` : n(v));
  const rows: [string, keyof SimSummary][] = [
    [t('designer.sim.approvals'), 'approvalTasks'],
    [t('designer.sim.exceptions'), 'exceptions'],
    [t('designer.sim.cancellations'), 'cancellations'],
    [t('designer.sim.rejections'), 'rejections'],
    [t('designer.sim.waiting'), 'waiting'],
    [t('designer.sim.stuck'), 'stuck'],
  ];
  const differing = sim.orders.filter((o) => o.differences.length > 0);
  const ends = new Map<string, number>();
  for (const o of sim.orders) ends.set(o.draft.endState, (ends.get(o.draft.endState) ?? 0) + 1);
  return (
    <section className="card sim" aria-labelledby="sim-title" data-testid="simulation">
      <h2 id="sim-title">
        {t('designer.sim.title', {
          current: sim.current ?? '—',
          draft:
            sim.draft === 'inline'
              ? t('designer.sim.unsaved')
              : sim.draft.replace('(draft)', `(${t('processes.status.draft')})`),
        })}
      </h2>
      {sim.sample && (
        <p className="muted" data-testid="sim-sample">
          {t(sim.sample.select === 'process' ? 'designer.sim.sample' : 'designer.sim.sampleAll', {
            count: sim.sample.considered,
            selected: n(sim.sample.selected),
            simulated: n(sim.sample.simulated),
          })}
        </p>
      )}
      {sim.summary ? (
        <>
          <p data-testid="sim-headline">
            {t('designer.sim.headline', {
              count: sim.summary.orders,
              differing: sim.summary.differing,
              ended: sim.summary.endStateChanged,
            })}
          </p>
          <div className="table-wrap">
            <table className="compact">
              <thead>
                <tr>
                  <th scope="col">{t('designer.sim.metric')}</th>
                  <th scope="col" className="num">
                    {sim.current}
                  </th>
                  <th scope="col" className="num">
                    {t('designer.sim.draft')}
                  </th>
                  <th scope="col" className="num">
                    Δ
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map(([labelText, k]) => {
                  const d = sim.summary![k] as Delta;
                  return (
                    <tr key={k}>
                      <th scope="row">{labelText}</th>
                      <td className="num">{n(d.current)}</td>
                      <td className="num">{n(d.draft)}</td>
                      <td className={`num ${d.delta ? 'changed' : ''}`}>{signed(d.delta)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {differing.length > 0 && (
            <>
              <h3>{t('designer.sim.differing')}</h3>
              <ul className="sim-orders">
                {differing.slice(0, 20).map((o) => (
                  <li key={o.id}>
                    <Link to={`/orders/${o.id}`}>{o.number ?? o.id}</Link>: {o.differences.join('; ')}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      ) : (
        <p>
          {t('designer.sim.noCurrent', { count: sim.orders.length })}{' '}
          {[...ends].map(([s, c]) => `${s}: ${n(c)}`).join(', ')}
        </p>
      )}
    </section>
  );
}

type Version = Schemas['ProcessDefinitionVersion'];
type Change = Schemas['ProcessDefinitionChange'];

/** The versions, who changed what and when, and the diff between any two versions. */
export function HistoryView({
  processKey,
  items,
  shown,
}: {
  processKey: string;
  items: Version[];
  shown: number | null;
}) {
  const { tMaybe, locale } = useI18n();
  const t = useMessages(designerMessages);
  const published = items.filter((v) => v.status === 'published').at(-1)?.version;
  const [a, setA] = useState<number | null>(null);
  const [b, setB] = useState<number | null>(null);
  const left = a ?? (published && published !== shown ? published : items.at(-2)?.version) ?? null;
  const right = b ?? shown ?? items.at(-1)?.version ?? null;
  const source = (v: number | null) => ({
    queryKey: ['process-version', processKey, v],
    queryFn: () => get<{ source?: string }>(`/processes/${encodeURIComponent(processKey)}/versions/${v}`),
    enabled: v !== null,
  });
  const qa = useQuery(source(left));
  const qb = useQuery(source(right));
  const history = useQuery({
    queryKey: ['process-history', processKey],
    queryFn: () => get<{ items: Change[] }>(`/processes/${encodeURIComponent(processKey)}/history`),
  });
  const diff = qa.data && qb.data ? withContext(diffLines(qa.data.source ?? '', qb.data.source ?? ''), 2) : null;
  const opts = items.map((v) => (
    <option
      key={v.version}
      value={v.version}
    >{`v${v.version} · ${tMaybe(`processes.status.${v.status}`, v.status)}`}</option>
  ));

  return (
    <section className="card history" aria-labelledby="hist-title">
      <h2 id="hist-title">{t('designer.history')}</h2>
      <div className="history-grid">
        <div>
          <h3>{t('designer.compare')}</h3>
          <div className="inline-form">
            <label>
              {t('designer.compareFrom')}
              <select value={left ?? ''} onChange={(e) => setA(Number(e.target.value))}>
                {opts}
              </select>
            </label>
            <label>
              {t('designer.compareTo')}
              <select value={right ?? ''} onChange={(e) => setB(Number(e.target.value))}>
                {opts}
              </select>
            </label>
          </div>
          {left === null || right === null ? (
            <p className="muted">{t('designer.compareNeedTwo')}</p>
          ) : qa.error || qb.error ? (
            <ErrorBox error={qa.error ?? qb.error} />
          ) : !diff ? (
            <Loading />
          ) : diff.length === 0 ? (
            <p className="muted">{t('designer.noDifference')}</p>
          ) : (
            <pre
              className="diff"
              data-testid="version-diff"
              tabIndex={0}
              aria-label={t('designer.diffLabel', { a: left, b: right })}
            >
              {diff.map((l, i) =>
                l === null ? (
                  <span key={i} className="gap">
                    ⋯{'\n'}
                  </span>
                ) : (
                  <span
                    key={i}
                    className={l.kind === '+' ? 'add' : l.kind === '-' ? 'del' : undefined}
                  >{`${l.kind} ${l.text}\n`}</span>
                ),
              )}
            </pre>
          )}
        </div>
        <div>
          <h3>{t('designer.changes')}</h3>
          {history.error ? (
            <ErrorBox error={history.error} />
          ) : !history.data ? (
            <Loading />
          ) : (
            <ol className="changes">
              {[...history.data.items]
                .reverse()
                .slice(0, 15)
                .map((c) => (
                  <li key={c.id}>
                    <details>
                      <summary>
                        <span className="nowrap">{formatDateTime(c.at, locale)}</span> ·{' '}
                        {c.actor.name ?? c.actor.id ?? '—'} ·{' '}
                        {t.maybe(`designer.action.${c.action}`, c.action.replaceAll('_', ' '))}
                        {c.version !== null ? ` v${c.version}` : ''}
                      </summary>
                      {c.diff ? (
                        <pre className="diff small">{c.diff}</pre>
                      ) : (
                        <p className="muted">{t('designer.noDifference')}</p>
                      )}
                    </details>
                  </li>
                ))}
            </ol>
          )}
        </div>
      </div>
    </section>
  );
}
