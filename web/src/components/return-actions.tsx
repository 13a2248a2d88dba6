import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, request, type Me } from '../api';
import { formatDateTime, formatNumber } from '../format';
import type { ReturnWords } from './return-words';
import { FieldError, fieldErrors } from './field-errors';
import { canWriteReturns, FINAL_RETURN_STATES, type Grade, type ReturnView, type Task } from '../returns-api';

/*
 * What a person does on a return's page (web/src/pages/returns.tsx): decide its open tasks and
 * send its process the events a person may send, receive its parcel, grade the units.
 */

/** Events a person may send; the others (received, inspected, label_issued, …) come from the use cases. */
const PERSON_EVENTS = [
  'approve',
  'reject',
  'cancel',
  'retry',
  'drop_off',
  'wait',
  'close',
  'stop_waiting',
  'refunded_manually',
];
const canActOnTasks = (me: Me) => me.roles.some((r) => ['admin', 'operator', 'approver', 'finance'].includes(r));

/** The server's refusal as a sentence: its detail (403 in words), never a code. */
export function problemText(t: ReturnWords['t'], e: unknown): string {
  const detail =
    e instanceof ApiError
      ? e.status === 403
        ? t('common.forbidden')
        : (e.problem.detail ?? e.problem.title)
      : e instanceof Error
        ? e.message
        : String(e);
  return t('money.refused', { detail });
}

function useReturnRefresh(r: ReturnView) {
  const client = useQueryClient();
  return () =>
    Promise.all(
      [
        ['return', r.id],
        ['returns'],
        ['history', r.id],
        ['order-returns', r.orderId],
        ['return-receipts'],
        ['tasks'],
      ].map((queryKey) => client.invalidateQueries({ queryKey })),
    );
}

/** Open tasks with their options, and the events a person may send the return's process now. */
export function ReturnDecisions({ r, me, words: w }: { r: ReturnView; me: Me; words: ReturnWords }) {
  const { t } = w;
  const refresh = useReturnRefresh(r);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const taskOptions = new Set(r.openTasks.flatMap((k) => k.options));
  const events = r.allowedEvents.filter((e) => PERSON_EVENTS.includes(e) && !taskOptions.has(e));
  const canAct = canActOnTasks(me);
  const canSend = canWriteReturns(me);
  if (FINAL_RETURN_STATES.includes(r.state) && r.openTasks.length === 0) return null;

  const act = async (path: string, body: unknown, ifMatch: string, label: string) => {
    setBusy(true);
    setMsg(null);
    try {
      await request('POST', path, body, { 'if-match': ifMatch, 'idempotency-key': crypto.randomUUID() });
      setMsg({ ok: true, text: t('ret.eventDone', { event: label }) });
      setComment('');
    } catch (e) {
      setMsg({ ok: false, text: e instanceof ApiError && e.status === 412 ? t('ret.stale') : problemText(t, e) });
    } finally {
      await refresh();
      setBusy(false);
    }
  };
  const withComment = comment.trim() ? { comment: comment.trim() } : {};
  const complete = (task: Task, option: string) =>
    act(`/tasks/${task.id}/complete`, { outcome: option, ...withComment }, `"${task.version}"`, w.event(option));
  const send = (name: string) =>
    act(`/orders/${r.id}/events`, { name, ...withComment }, `"${r.version}"`, w.event(name));

  return (
    <section className="card" aria-labelledby="ret-tasks-title" data-testid="return-decisions">
      <h2 id="ret-tasks-title">{t('ret.tasks')}</h2>
      {r.openTasks.length === 0 && <p className="muted">{t('ret.noTasks')}</p>}
      {(r.openTasks.length > 0 || events.length > 0) && (canAct || canSend) && (
        <label>
          {t('ret.comment')}
          <input value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} />
        </label>
      )}
      {r.openTasks.map((task) => (
        <div key={task.id} className="task-row">
          <p>
            <strong>{task.title ?? w.state(task.processState ?? r.state)}</strong>
            {task.role && (
              <span className="muted"> · {t('ret.taskRole', { role: task.role.replaceAll('_', ' ') })}</span>
            )}
            {task.dueAt && (
              <span className={task.overdue ? 'field-error' : 'muted'}>
                {' '}
                · {t('inbox.due', { date: formatDateTime(task.dueAt, w.locale) })}
              </span>
            )}
          </p>
          <div className="actions" role="group" aria-label={task.title ?? t('ret.tasks')}>
            {task.options.map((o) => (
              <button key={o} type="button" disabled={!canAct || busy} onClick={() => complete(task, o)}>
                {w.event(o)}
              </button>
            ))}
          </div>
        </div>
      ))}
      {events.length > 0 && (
        <div className="actions" role="group" aria-label={t('ret.events')}>
          {events.map((e) => (
            <button
              key={e}
              type="button"
              className={e === 'cancel' ? 'danger' : undefined}
              disabled={!canSend || busy}
              onClick={() => send(e)}
            >
              {w.event(e)}
            </button>
          ))}
        </div>
      )}
      {msg && (
        <p className={msg.ok ? 'form-ok' : 'form-error'} role={msg.ok ? 'status' : 'alert'}>
          {msg.text}
        </p>
      )}
    </section>
  );
}

/** Units that arrived: a location and a quantity per line (the rest may come later). */
export function ReceiveForm({
  r,
  words: w,
  onDone,
}: {
  r: ReturnView;
  words: ReturnWords;
  onDone: (text: string) => void;
}) {
  const { t, locale } = w;
  const refresh = useReturnRefresh(r);
  const [location, setLocation] = useState(r.receivingLocation ?? '');
  const [qty, setQty] = useState<Record<string, number>>(() =>
    Object.fromEntries(r.lines.map((l) => [l.id, Math.max(0, l.quantity - l.received)])),
  );
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const chosen = r.lines.filter((l) => (qty[l.id] ?? 0) > 0);
  const errors = fieldErrors(problem);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    onDone('');
    try {
      const res = await request<{ matched: { quantity: number }[]; unexpected: { quantity: number }[] }>(
        'POST',
        `/returns/${r.id}/receipts`,
        { location: location.trim(), lines: chosen.map((l) => ({ lineId: l.id, quantity: qty[l.id]! })) },
        { 'idempotency-key': crypto.randomUUID() },
      );
      const count = res.body.matched.reduce((n, m) => n + m.quantity, 0);
      const extra = res.body.unexpected.reduce((n, m) => n + m.quantity, 0);
      onDone(
        [t('ret.receivedDone', { count }), extra ? t('ret.receivedUnexpected', { count: extra }) : ''].join(' ').trim(),
      );
      await refresh();
    } catch (err) {
      setProblem(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="ret-receive-title" data-testid="receive-form">
      <h2 id="ret-receive-title">{t('ret.receive')}</h2>
      <form onSubmit={submit} noValidate>
        <p className="muted">{t('ret.receiveHint')}</p>
        <label>
          {t('ret.location')}
          <input
            name="location"
            value={location}
            required
            onChange={(e) => setLocation(e.target.value)}
            aria-invalid={errors['/location'] ? true : undefined}
          />
          <FieldError errors={errors} path="/location" />
        </label>
        <table className="compact line-picker">
          <thead>
            <tr>
              <th scope="col">{t('order.line.name')}</th>
              <th scope="col" className="num">
                {t('ret.line.requested')}
              </th>
              <th scope="col" className="num">
                {t('ret.line.received')}
              </th>
              <th scope="col" className="num">
                {t('ret.receive')}
              </th>
            </tr>
          </thead>
          <tbody>
            {r.lines.map((l) => {
              const i = chosen.indexOf(l);
              return (
                <tr key={l.id}>
                  <td>
                    {l.lineNo}. {l.name} <span className="muted mono">{l.sku}</span>
                  </td>
                  <td className="num">{formatNumber(l.quantity, locale)}</td>
                  <td className="num">{formatNumber(l.received, locale)}</td>
                  <td className="num">
                    <input
                      type="number"
                      min={0}
                      step={1}
                      aria-label={`${t('ret.receive')}: ${l.name}`}
                      value={qty[l.id] ?? 0}
                      onChange={(e) => setQty({ ...qty, [l.id]: Math.max(0, Math.trunc(Number(e.target.value) || 0)) })}
                    />
                    {i >= 0 && <FieldError errors={errors} path={[`/lines/${i}/quantity`, `/lines/${i}`]} />}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {problem !== null && (
          <p className="form-error" role="alert">
            {problemText(t, problem)}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || chosen.length === 0 || !location.trim()}>
            {busy ? t('money.working') : t('ret.receiveButton')}
          </button>
        </div>
      </form>
    </section>
  );
}

interface UnitGrade {
  lineId: string;
  name: string;
  grade: Grade;
  serial: string;
  note: string;
}

/** A grade for each received unit not graded yet, with a serial and a note per unit. */
export function InspectForm({
  r,
  words: w,
  onDone,
}: {
  r: ReturnView;
  words: ReturnWords;
  onDone: (text: string) => void;
}) {
  const { t } = w;
  const refresh = useReturnRefresh(r);
  const initial = (): UnitGrade[] =>
    r.lines.flatMap((l) =>
      Array.from({ length: Math.max(0, l.received - l.resell - l.refurbish - l.writeOff) }, () => ({
        lineId: l.id,
        name: l.name,
        grade: 'resell' as Grade,
        serial: '',
        note: '',
      })),
    );
  const [units, setUnits] = useState<UnitGrade[]>(initial);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const errors = fieldErrors(problem);
  const set = (i: number, patch: Partial<UnitGrade>) =>
    setUnits(units.map((u, j) => (j === i ? { ...u, ...patch } : u)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    onDone('');
    try {
      await request(
        'POST',
        `/returns/${r.id}/inspections`,
        {
          units: units.map((u) => ({
            lineId: u.lineId,
            grade: u.grade,
            ...(u.serial.trim() ? { serial: u.serial.trim() } : {}),
            ...(u.note.trim() ? { note: u.note.trim() } : {}),
          })),
        },
        { 'idempotency-key': crypto.randomUUID() },
      );
      onDone(t('ret.inspectedDone'));
      await refresh();
    } catch (err) {
      setProblem(err);
    } finally {
      setBusy(false);
    }
  };

  if (units.length === 0) return <p className="muted">{t('ret.nothingToInspect')}</p>;
  return (
    <section className="card" aria-labelledby="ret-inspect-title" data-testid="inspect-form">
      <h2 id="ret-inspect-title">{t('ret.inspect')}</h2>
      <form onSubmit={submit} noValidate>
        <p className="muted">{t('ret.inspectHint')}</p>
        <table className="compact">
          <thead>
            <tr>
              <th scope="col">{t('order.line.name')}</th>
              <th scope="col">{t('ret.grade')}</th>
              <th scope="col">{t('ret.serial')}</th>
              <th scope="col">{t('ret.note')}</th>
            </tr>
          </thead>
          <tbody>
            {units.map((u, i) => {
              const label = `${t('ret.unit', { n: i + 1 })}: ${u.name}`;
              return (
                <tr key={i}>
                  <td>{label}</td>
                  <td>
                    <select
                      aria-label={`${t('ret.grade')} — ${label}`}
                      value={u.grade}
                      onChange={(e) => set(i, { grade: e.target.value as Grade })}
                    >
                      {(['resell', 'refurbish', 'write_off'] as const).map((g) => (
                        <option key={g} value={g}>
                          {w.grade(g)}
                        </option>
                      ))}
                    </select>
                    <FieldError errors={errors} path={[`/units/${i}/grade`, `/units/${i}`, `/units/${i}/quantity`]} />
                  </td>
                  <td>
                    <input
                      aria-label={`${t('ret.serial')} — ${label}`}
                      value={u.serial}
                      maxLength={100}
                      onChange={(e) => set(i, { serial: e.target.value })}
                    />
                    <FieldError errors={errors} path={`/units/${i}/serial`} />
                  </td>
                  <td>
                    <input
                      aria-label={`${t('ret.note')} — ${label}`}
                      value={u.note}
                      maxLength={1000}
                      onChange={(e) => set(i, { note: e.target.value })}
                    />
                    <FieldError errors={errors} path={`/units/${i}/note`} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {problem !== null && (
          <p className="form-error" role="alert">
            {problemText(t, problem)}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? t('money.working') : t('ret.inspectButton')}
          </button>
        </div>
      </form>
    </section>
  );
}
