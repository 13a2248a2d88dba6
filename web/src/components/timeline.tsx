import { useState } from 'react';
import type { HistoryEntry } from '../api';
import { useI18n } from '../i18n/index';
import { humanise, useProcessWords, type Labels } from '../i18n/process-words';
import { formatDateTime } from '../format';
import { useStateWords } from './state-words';

type Words = { states?: Record<string, Labels>; events?: Record<string, Labels>; roles?: Record<string, Labels> };

/**
 * The order's history as a business timeline, newest first (issue 18): who (the user's or API
 * key's name, else "system" / "process"), what (the event and the state change in words), why (the
 * reason or comment), in the user's language and time zone. Consecutive steps the engine took on
 * its own are folded into one line. "Show details" brings back the engine's record: the rule,
 * process version, trace, inputs and changes of every entry.
 */
export function Timeline({
  entries,
  words,
  detailed: startDetailed = entries.length === 1,
}: {
  entries: HistoryEntry[];
  words?: Words | undefined;
  /** Start with the engine's record; default for one entry shown alone (the inbox's decision facts). */
  detailed?: boolean;
}) {
  const { t } = useI18n();
  const pw = useProcessWords();
  const [detailed, setDetailed] = useState(startDetailed);
  if (entries.length === 0) return <p className="muted">{t('timeline.empty')}</p>;
  const newest = [...entries].reverse();
  return (
    <>
      <p>
        <button type="button" className="link" aria-pressed={detailed} onClick={() => setDetailed(!detailed)}>
          {detailed ? pw('pw.hideDetails') : pw('pw.showDetails')}
        </button>
      </p>
      {detailed ? (
        <ol className="timeline" data-testid="timeline">
          {newest.map((e) => (
            <Entry key={e.id} e={e} />
          ))}
        </ol>
      ) : (
        <ol className="timeline business" data-testid="timeline">
          {groups(newest).map((group) =>
            group.entry ? (
              <BusinessEntry key={group.entry.id} e={group.entry} words={words} steps={group.steps.length} />
            ) : (
              <InternalSteps key={group.steps[0]!.id} steps={group.steps} words={words} />
            ),
          )}
        </ol>
      )}
    </>
  );
}

/** Records of the engine's own work (actions run, tasks opened, stock moved) rather than of a decision. */
const ENGINE_ACTIONS =
  /^(process\.(action|action_requested|exception_opened|timer|result_ignored)|task\.(opened|escalated)|stock\.|fulfilment\.event_not_accepted)/;

/**
 * Steps taken on their own, with nobody's reason attached and no change of state: what the engine
 * did, or anything the system or process did. A state change or a reason is always told.
 */
const isInternal = (e: HistoryEntry) =>
  !whyOf(e) &&
  !(e.toState && e.toState !== e.fromState) &&
  (ENGINE_ACTIONS.test(e.action) || e.actor.type === 'process' || e.actor.type === 'system');

/**
 * Newest first: the engine's steps are newer than the event that set them off, so each run of them
 * is told with the entry just below it (the cause) as "N automatic steps"; a run with no cause
 * below it stands on its own line.
 */
function groups(entries: HistoryEntry[]): { entry: HistoryEntry | null; steps: HistoryEntry[] }[] {
  const out: { entry: HistoryEntry | null; steps: HistoryEntry[] }[] = [];
  let pending: HistoryEntry[] = [];
  for (const e of entries) {
    if (isInternal(e)) pending.push(e);
    else {
      out.push({ entry: e, steps: pending });
      pending = [];
    }
  }
  if (pending.length) out.push({ entry: null, steps: pending });
  return out;
}

/** What a person or the process said about the entry: a reason, a comment, an override's reason. */
function whyOf(e: HistoryEntry): string | null {
  const reason = e.reason;
  // The cause's reason is repeated on every step it set off: told once, where the event is applied.
  const applied = !ENGINE_ACTIONS.test(e.action);
  const event = applied ? asObject(reason.event) : undefined;
  for (const value of [reason.reason, event?.reason, event?.comment, reason.comment]) {
    if (typeof value === 'string' && value.trim() && value !== 'created') return value;
  }
  return null;
}

function useWords(words: Words | undefined) {
  const shared = useStateWords();
  return {
    state: (code: string) => shared.state(code, words?.states?.[code]),
    event: (code: string) => shared.event(code, words?.events?.[code]),
  };
}

function Who({ e }: { e: HistoryEntry }) {
  const { tMaybe } = useI18n();
  const pw = useProcessWords();
  if (e.actor.name && e.actor.type !== 'system' && e.actor.type !== 'process') return <>{e.actor.name}</>;
  if (e.actor.type === 'process') return <>{pw('pw.process')}</>;
  if (e.actor.type === 'system') return <>{pw('pw.system')}</>;
  return <>{tMaybe(`actor.${e.actor.type}`, humanise(e.actor.type))}</>;
}

function BusinessEntry({ e, words, steps }: { e: HistoryEntry; words?: Words | undefined; steps: number }) {
  const { tMaybe, locale } = useI18n();
  const pw = useProcessWords();
  const say = useWords(words);
  const event = asObject(e.reason.event);
  const eventName = typeof event?.name === 'string' ? event.name : null;
  const why = whyOf(e);
  const override = e.action === 'process.override';
  const source = typeof e.changes.source === 'string' ? e.changes.source : '';
  const overridden = typeof e.changes.event === 'string' ? e.changes.event : '';
  const what = override
    ? `${pw('pw.override', { source: pw(`pw.source.${source}` as never) })}: ${say.event(overridden)}`
    : eventName
      ? say.event(eventName)
      : pw.maybe(
          `pw.action.${e.action}`,
          tMaybe(`action.${e.action}`, humanise(e.action.split('.').slice(-1)[0] ?? e.action)),
        );
  return (
    <li className={`tl-entry actor-${e.actor.type}${override ? ' tl-override' : ''}`}>
      <div className="tl-head">
        <strong>{what}</strong>
        <time dateTime={e.at}>{formatDateTime(e.at, locale)}</time>
      </div>
      <div className="tl-actor">
        <Who e={e} />
      </div>
      {e.toState && e.toState !== e.fromState && (
        <div className="tl-state">
          {e.fromState
            ? pw('pw.moved', { from: say.state(e.fromState), to: say.state(e.toState) })
            : pw('pw.entered', { to: say.state(e.toState) })}
        </div>
      )}
      {why && <div className="tl-why">{pw('pw.why', { text: why })}</div>}
      {steps > 0 && <div className="muted tl-steps">+ {pw('pw.engineSteps', { count: steps })}</div>}
    </li>
  );
}

function InternalSteps({ steps, words }: { steps: HistoryEntry[]; words?: Words | undefined }) {
  const { locale } = useI18n();
  const pw = useProcessWords();
  const say = useWords(words);
  // newest first: the last state reached is on the first step that moved
  const moved = steps.filter((e) => e.toState && e.toState !== e.fromState);
  const to = moved[0]?.toState;
  const from = moved[moved.length - 1]?.fromState;
  return (
    <li className="tl-entry tl-internal actor-process">
      <div className="tl-head">
        <strong>{pw('pw.engineSteps', { count: steps.length })}</strong>
        <time dateTime={steps[0]!.at}>{formatDateTime(steps[0]!.at, locale)}</time>
      </div>
      <div className="tl-actor">
        <Who e={steps[0]!} />
      </div>
      {to && (
        <div className="tl-state">
          {from
            ? pw('pw.moved', { from: say.state(from), to: say.state(to) })
            : pw('pw.entered', { to: say.state(to) })}
        </div>
      )}
    </li>
  );
}

// The creation entry records the total in minor units; the order header shows it properly.
const HIDDEN_CHANGES: Record<string, string[]> = { 'order.accepted': ['grandTotal', 'currency'] };
const REASON_KEYS = [
  'rule',
  'processKey',
  'process',
  'processVersion',
  'definition',
  'event',
  'trace',
  'inputs',
  'command',
  'comment',
];

interface TraceStep {
  step?: number;
  state?: string;
  event?: string | null;
  kind?: string;
  to?: string;
  condition?: string | null;
  inputs?: Record<string, unknown>;
  rejected?: string[];
  note?: string;
}
/** Money history values in words: the catalogue prefix per field (an invoice's kind only on invoice entries). */
const VALUE_WORDS: Record<string, string> = {
  method: 'payMethod',
  operation: 'opKind',
  provider: 'provider',
  paymentStatus: 'payState',
};
const valuePrefix = (action: string, field: string) =>
  VALUE_WORDS[field] ?? (field === 'kind' && /^(invoice|credit_note)\./.test(action) ? 'invKind' : undefined);

const asObject = (v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

function Entry({ e }: { e: HistoryEntry }) {
  const { t, tMaybe, locale } = useI18n();
  const shared = useStateWords();
  const state = (s: string | null) => (s ? shared.state(s) : '');
  const changes = Object.entries(e.changes).filter(([k]) => !(HIDDEN_CHANGES[e.action] ?? []).includes(k));
  const reason = e.reason;
  // The process engine writes { definition: {key, version}, event, trace }; other writers a rule or a command.
  const def = asObject(reason.definition) ?? asObject(reason.process);
  const processVersion = reason.processVersion ?? def?.version;
  const processKey = reason.processKey ?? (typeof reason.process === 'string' ? reason.process : def?.key);
  const event = asObject(reason.event);
  const trace = Array.isArray(reason.trace) ? (reason.trace as TraceStep[]) : [];
  const others = Object.entries(reason).filter(([k, v]) => !REASON_KEYS.includes(k) && v !== null && v !== undefined);
  const hasReason = Object.values(reason).some(
    (v) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0),
  );
  return (
    <li className={`tl-entry actor-${e.actor.type}`}>
      <div className="tl-head">
        <strong>{tMaybe(`action.${e.action}`, e.action)}</strong>
        <time dateTime={e.at}>{formatDateTime(e.at, locale)}</time>
      </div>
      <div className="tl-actor">
        {tMaybe(`actor.${e.actor.type}`, e.actor.type)}
        {e.actor.name ? `: ${e.actor.name}` : ''}
      </div>
      {e.toState && (
        <div className="tl-state">
          {e.fromState
            ? t('timeline.state', { from: state(e.fromState), to: state(e.toState) })
            : t('timeline.stateSet', { to: state(e.toState) })}
        </div>
      )}
      {changes.length > 0 && (
        <dl className="tl-changes" aria-label={t('timeline.changes')}>
          {changes.map(([k, v]) => (
            <div key={k}>
              <dt>{tMaybe(`field.${k}`, k)}</dt>
              <dd>
                {typeof v === 'string' && valuePrefix(e.action, k) ? (
                  tMaybe(`${valuePrefix(e.action, k)}.${v}`, v)
                ) : isFromTo(v) ? (
                  <>
                    <Value v={v.from} /> <span aria-hidden="true">→</span> <Value v={v.to} />
                  </>
                ) : (
                  <Value v={v} />
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {hasReason && (
        <details
          className="tl-reason"
          open={Boolean(reason.rule || reason.inputs || trace.some((x) => x.condition || x.inputs))}
        >
          <summary>{t('timeline.reason')}</summary>
          <dl>
            {reason.rule !== undefined && (
              <div>
                <dt>{t('timeline.rule')}</dt>
                <dd className="mono">
                  <Value v={reason.rule} />
                </dd>
              </div>
            )}
            {(processKey !== undefined || processVersion !== undefined) && (
              <div>
                <dt>{t('timeline.processVersion')}</dt>
                <dd className="mono">
                  {String(processKey ?? '')}
                  {processVersion !== undefined ? ` v${String(processVersion)}` : ''}
                </dd>
              </div>
            )}
            {event && (
              <div>
                <dt>{t('timeline.event')}</dt>
                <dd className="mono">
                  {String(event.name ?? '')}
                  {event.comment ? ` — ${String(event.comment)}` : ''}
                </dd>
              </div>
            )}
            {reason.inputs !== undefined && (
              <div>
                <dt>{t('timeline.inputs')}</dt>
                <dd>
                  <Inputs v={reason.inputs} />
                </dd>
              </div>
            )}
            {reason.command !== undefined && (
              <div>
                <dt>{t('timeline.command')}</dt>
                <dd className="mono">{String(reason.command)}</dd>
              </div>
            )}
            {reason.comment !== undefined && (
              <div>
                <dt>{t('timeline.comment')}</dt>
                <dd>{String(reason.comment)}</dd>
              </div>
            )}
            {others.map(([k, v]) => (
              <div key={k}>
                <dt>{tMaybe(`field.${k}`, k)}</dt>
                <dd>
                  <Value v={v} />
                </dd>
              </div>
            ))}
          </dl>
          {trace.length > 0 && (
            <ol className="tl-trace" aria-label={t('timeline.trace')}>
              {trace.map((x, i) => (
                <li key={i}>
                  <span className="mono">
                    {x.state ? state(x.state) : ''}
                    {x.to ? ` → ${state(x.to)}` : ''}
                  </span>
                  {x.kind && (
                    <span className="muted">
                      {' '}
                      · {x.kind}
                      {x.event ? ` (${x.event})` : ''}
                    </span>
                  )}
                  {x.condition !== undefined && (
                    <div>
                      <span className="muted">{t('timeline.condition')}: </span>
                      {x.condition ? <code>{x.condition}</code> : <em className="muted">{t('timeline.default')}</em>}
                    </div>
                  )}
                  {x.inputs && Object.keys(x.inputs).length > 0 && (
                    <div>
                      <span className="muted">{t('timeline.inputs')}:</span>
                      <Inputs v={x.inputs} />
                    </div>
                  )}
                  {x.rejected && x.rejected.length > 0 && (
                    <div>
                      <span className="muted">{t('timeline.rejected')}: </span>
                      {x.rejected.map((c, j) => (
                        <code key={j} className="rejected">
                          {c}
                        </code>
                      ))}
                    </div>
                  )}
                  {x.note && <div className="muted">{x.note}</div>}
                </li>
              ))}
            </ol>
          )}
        </details>
      )}
    </li>
  );
}

function isFromTo(v: unknown): v is { from: unknown; to: unknown } {
  return Boolean(v && typeof v === 'object' && 'from' in v && 'to' in v && Object.keys(v).length === 2);
}

function Value({ v }: { v: unknown }) {
  const { t } = useI18n();
  if (v === null || v === undefined || v === '') return <em className="muted">{t('timeline.empty.value')}</em>;
  if (Array.isArray(v)) {
    if (v.length === 0) return <em className="muted">{t('timeline.empty.value')}</em>;
    if (v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      // Per-line outcomes and similar records: one compact line each, empty values left out.
      return (
        <ul className="tl-list">
          {v.map((x, i) => (
            <li key={i}>
              {Object.entries(x as Record<string, unknown>)
                .filter(([, y]) => y !== null && y !== undefined && !(Array.isArray(y) && y.length === 0))
                .map(([k, y]) => `${k}: ${compact(y)}`)
                .join(' · ')}
            </li>
          ))}
        </ul>
      );
    }
    return <span>{v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')}</span>;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // Addresses read as one line; other objects as compact JSON.
    if (typeof o.line1 === 'string' && typeof o.city === 'string') {
      return (
        <span>
          {[o.name, o.line1, o.line2, [o.postalCode, o.city].filter(Boolean).join(' '), o.country]
            .filter(Boolean)
            .join(', ')}
        </span>
      );
    }
    return <code>{JSON.stringify(v)}</code>;
  }
  return <span className="pre">{String(v)}</span>;
}

/** Nested records as plain "key: value" text: allocations read "location: WAW-1, quantity: 2". */
function compact(v: unknown): string {
  if (Array.isArray(v)) return v.map(compact).join('; ');
  if (v && typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}: ${compact(x)}`)
      .join(', ');
  return String(v);
}

function Inputs({ v }: { v: unknown }) {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return <Value v={v} />;
  return (
    <dl className="tl-inputs">
      {Object.entries(v as Record<string, unknown>).map(([k, x]) => (
        <div key={k}>
          <dt className="mono">{k}</dt>
          <dd>
            <Value v={x} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
