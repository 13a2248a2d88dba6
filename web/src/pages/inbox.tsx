import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, query, request, type HistoryEntry, type Me, type Schemas } from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { contextMessages } from '../i18n/context-messages';
import { DecisionFacts, OrderContextLine, ShortageList, describeOutcome, refusal } from '../components/order-context';
import { formatDateTime } from '../format';
import { Link, useLocation } from '../router';
import { ErrorBox, Loading } from '../components/status';
import { Timeline } from '../components/timeline';
import { ComingSoon } from './coming-soon';
import { useProcessLabel } from '../i18n/process-words';
import { useStateWords } from '../components/state-words';
import { TaskAssign } from '../components/assignee-picker';
import { ChannelLocationPicker, useChannelLocationFilter } from '../components/channel-location-picker';

export type Task = Schemas['TaskRow'];
type Completion = { task: Schemas['Task']; order: { id: string; state: string; version: number } };
type Notice = { ok: boolean; text: string; stale?: boolean };

/** Open tasks for the user's roles (all for admins): decide with a comment, or delegate. */
export function InboxPage({ me }: { me: Me }) {
  const { t, locale, lang } = useI18n();
  const label = useProcessLabel();
  const words = useStateWords();
  const cx = useMessages(contextMessages);
  // channel, location and "overdue only" in the address: the dashboard's overdue figure opens them
  const { channel, location, filter, setFilter } = useChannelLocationFilter();
  const overdue = useLocation().search.get('overdue') === 'true';
  const setOverdue = (on: boolean) => setFilter({ overdue: on ? 'true' : undefined });
  const [picked, setPicked] = useState<string | null>(null);
  // Kept here: a decided task leaves the list (and its detail unmounts), the outcome stays visible.
  const [notice, setNotice] = useState<Notice | null>(null);
  const roles = me.roles.includes('admin') ? undefined : me.roles.join(',');
  const tasks = useQuery({
    queryKey: ['tasks', roles, overdue, channel, location],
    queryFn: () =>
      get<{ items: Task[] }>(
        `/tasks${query({ role: roles, overdue: overdue ? 'true' : undefined, ...filter, limit: 200 })}`,
      ),
    retry: false,
  });
  if (tasks.error instanceof ApiError && tasks.error.status === 404)
    return <ComingSoon title={t('inbox.title')} text={t('inbox.coming')} />;
  const items = tasks.data?.items ?? [];
  const current = items.find((x) => x.id === picked) ?? null;
  return (
    <section className="page">
      <div className="page-head">
        <h1>{t('inbox.title')}</h1>
        <label className="check">
          <input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} />{' '}
          {t('inbox.overdueOnly')}
        </label>
      </div>
      <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label={t('dashboard.filter')}>
        <ChannelLocationPicker channel={channel} location={location} onChange={setFilter} />
      </form>
      {notice && (
        <p className={notice.ok ? 'form-ok' : 'form-error'} role={notice.ok ? 'status' : 'alert'}>
          {notice.text}
          {notice.stale && (
            <>
              {' '}
              <button
                type="button"
                onClick={() => {
                  setNotice(null);
                  void tasks.refetch();
                }}
              >
                {cx('cx.reload')}
              </button>
            </>
          )}
        </p>
      )}
      {tasks.error ? (
        <ErrorBox error={tasks.error} onRetry={() => tasks.refetch()} />
      ) : tasks.isPending ? (
        <Loading />
      ) : (
        <div className="split">
          <ul className="task-list card" aria-label={t('inbox.title')}>
            {items.length === 0 && (
              <li className="empty">{t(channel || location ? 'inbox.emptyFiltered' : 'inbox.empty')}</li>
            )}
            {items.map((x) => (
              <li key={x.id}>
                <button
                  type="button"
                  className="task-item"
                  aria-pressed={picked === x.id}
                  onClick={() => setPicked(x.id)}
                >
                  <strong>{x.titleLabels?.[lang] || x.title || label(null, `task.${x.kind}`, x.kind)}</strong>
                  <OrderContextLine order={x.order} t={cx} />
                  {x.shortages.length > 0 && <ShortageList shortages={x.shortages} t={cx} />}
                  <span className="muted">
                    {t('inbox.role')}: {label(x.roleLabels, `role.${x.role}`, x.role)} ·{' '}
                    {x.processState && <span className="badge">{words.state(x.processState, x.stateLabels)}</span>}
                    {x.assigneeName && <> · {cx('cx.assignedTo', { name: x.assigneeName })}</>}
                  </span>
                  {x.dueAt && (
                    <span className={x.overdue ? 'overdue' : 'muted'}>
                      {x.overdue ? `${t('inbox.overdue')} · ` : ''}
                      {t('inbox.due', { date: formatDateTime(x.dueAt, locale) })}
                    </span>
                  )}
                </button>
              </li>
            ))}
          </ul>
          <div className="card">
            {current ? (
              <TaskDetail key={current.id} task={current} me={me} onResult={setNotice} />
            ) : (
              <p className="muted">{t('inbox.pick')}</p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function TaskDetail({ task, me, onResult }: { task: Task; me: Me; onResult: (r: Notice | null) => void }) {
  const { t, tMaybe, lang } = useI18n();
  const label = useProcessLabel();
  const words = useStateWords();
  const cx = useMessages(contextMessages);
  const client = useQueryClient();
  const [comment, setComment] = useState('');
  const [role, setRole] = useState('');
  const [busy, setBusy] = useState(false);
  const setMsg = onResult;
  const history = useQuery({
    queryKey: ['history', task.orderId],
    queryFn: () => get<{ items: HistoryEntry[] }>(`/orders/${task.orderId}/history`),
  });
  // The entry that opened this task: the latest decision with a trace (its rule and inputs).
  const why = [...(history.data?.items ?? [])].reverse().find((h) => Array.isArray(h.reason.trace) || h.reason.rule);

  const stateName = (state: string) => words.state(state);
  const act = async (path: 'claim' | 'complete' | 'delegate', body: Record<string, unknown>) => {
    setBusy(true);
    setMsg(null);
    try {
      const res = await request<Completion | Schemas['Task']>('POST', `/tasks/${task.id}/${path}`, body, {
        'if-match': `"${task.version}"`,
        'idempotency-key': crypto.randomUUID(),
      });
      const number = task.order.number;
      if (path === 'complete') {
        // Told from the order's state in the answer and a re-read of why it is there, never "sent".
        const done = res.body as Completion;
        const outcome = String(body.outcome);
        setMsg({
          ok: true,
          text: await describeOutcome(cx, stateName, {
            orderId: task.orderId,
            number,
            action: tMaybe(`outcome.${outcome}`, outcome),
            before: task.processState,
            after: done.order.state,
          }),
        });
      } else if (path === 'delegate') {
        const role = String(body.role);
        setMsg({ ok: true, text: cx('cx.delegated', { number, role: tMaybe(`role.${role}`, role) }) });
      } else setMsg({ ok: true, text: cx('cx.claimed', { number }) });
      void client.invalidateQueries({ queryKey: ['tasks'] });
      void client.invalidateQueries({ queryKey: ['history', task.orderId] });
      void client.invalidateQueries({ queryKey: ['order', task.orderId] });
    } catch (e) {
      setMsg({ ok: false, ...refusal(cx, e, 'task') });
    } finally {
      setBusy(false);
    }
  };
  const withComment = comment.trim() ? { comment: comment.trim() } : {};
  return (
    <div className="task-detail">
      <h2>{task.titleLabels?.[lang] || task.title || label(null, `task.${task.kind}`, task.kind)}</h2>
      <p>
        <OrderContextLine order={task.order} t={cx} />
      </p>
      <ShortageList shortages={task.shortages} t={cx} />
      <p>
        <Link to={`/orders/${task.orderId}`}>{t('inbox.openOrder')}</Link> ·{' '}
        <span className="muted">
          {t('inbox.role')}: {label(task.roleLabels, `role.${task.role}`, task.role)}
        </span>
        {task.assignee && (
          <span className="muted"> · {t('inbox.assignee', { name: task.assigneeName ?? task.assignee })}</span>
        )}
        {task.overdue && <span className="overdue"> · {t('inbox.overdue')}</span>}
      </p>
      {task.state === 'open' && !task.assignee && (
        <div>
          <button type="button" disabled={busy} onClick={() => act('claim', {})}>
            {t('inbox.claim')}
          </button>
        </div>
      )}
      <h3>{t('inbox.facts')}</h3>
      {history.isPending ? (
        <Loading />
      ) : why ? (
        <>
          <DecisionFacts entry={why} currency={task.order.currency} t={cx} />
          <details>
            <summary>{t('inbox.facts')}</summary>
            <Timeline entries={[why]} />
          </details>
        </>
      ) : (
        <p className="muted">—</p>
      )}
      <label>
        {t('inbox.comment')}
        <textarea rows={3} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <div className="actions" role="group" aria-label={t('inbox.decide')}>
        {task.options.map((o) => (
          <button
            key={o}
            type="button"
            className={o === task.options[0] ? 'primary' : undefined}
            disabled={busy}
            onClick={() => act('complete', { outcome: o, ...withComment })}
          >
            {tMaybe(`outcome.${o}`, o)}
          </button>
        ))}
      </div>
      {me.roles.some((r) => ['admin', 'operator', 'approver', 'finance'].includes(r)) && (
        <TaskAssign task={task} meId={me.actor.id} onResult={setMsg} />
      )}
      <form
        className="delegate"
        onSubmit={(e) => {
          e.preventDefault();
          if (role.trim()) void act('delegate', { role: role.trim(), ...withComment });
        }}
      >
        <label>
          {t('inbox.delegateRole')}
          <input value={role} maxLength={100} onChange={(e) => setRole(e.target.value)} />
        </label>
        <button type="submit" disabled={busy || !role.trim()}>
          {t('inbox.delegate')}
        </button>
      </form>
    </div>
  );
}
