import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, query, request, type HistoryEntry, type Me, type Schemas } from '../api';
import { useI18n } from '../i18n/index';
import { formatDateTime } from '../format';
import { Link } from '../router';
import { ErrorBox, Loading, StateBadge } from '../components/status';
import { Timeline } from '../components/timeline';
import { ComingSoon } from './coming-soon';

export type Task = Schemas['Task'];

/** Open tasks for the user's roles (all for admins): decide with a comment, or delegate. */
export function InboxPage({ me }: { me: Me }) {
  const { t, tMaybe, locale } = useI18n();
  const [overdue, setOverdue] = useState(false);
  const [picked, setPicked] = useState<string | null>(null);
  // Kept here: a decided task leaves the list (and its detail unmounts), the outcome stays visible.
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const roles = me.roles.includes('admin') ? undefined : me.roles.join(',');
  const tasks = useQuery({
    queryKey: ['tasks', roles, overdue],
    queryFn: () =>
      get<{ items: Task[] }>(`/tasks${query({ role: roles, overdue: overdue ? 'true' : undefined, limit: 200 })}`),
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
      {notice && (
        <p className={notice.ok ? 'form-ok' : 'form-error'} role={notice.ok ? 'status' : 'alert'}>
          {notice.text}
        </p>
      )}
      {tasks.error ? (
        <ErrorBox error={tasks.error} onRetry={() => tasks.refetch()} />
      ) : tasks.isPending ? (
        <Loading />
      ) : (
        <div className="split">
          <ul className="task-list card" aria-label={t('inbox.title')}>
            {items.length === 0 && <li className="empty">{t('inbox.empty')}</li>}
            {items.map((x) => (
              <li key={x.id}>
                <button
                  type="button"
                  className="task-item"
                  aria-pressed={picked === x.id}
                  onClick={() => setPicked(x.id)}
                >
                  <strong>{x.title ?? tMaybe(`task.${x.kind}`, x.kind)}</strong>
                  <span className="muted">
                    {t('inbox.role')}: {x.role} · <StateBadge state={x.processState} />
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
              <TaskDetail key={current.id} task={current} onResult={setNotice} />
            ) : (
              <p className="muted">{t('inbox.pick')}</p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

function TaskDetail({ task, onResult }: { task: Task; onResult: (r: { ok: boolean; text: string } | null) => void }) {
  const { t, tMaybe } = useI18n();
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

  const act = async (path: string, body: Record<string, unknown>, ok: string) => {
    setBusy(true);
    setMsg(null);
    try {
      await request('POST', `/tasks/${task.id}/${path}`, body, {
        'if-match': `"${task.version}"`,
        'idempotency-key': crypto.randomUUID(),
      });
      setMsg({ ok: true, text: ok });
      void client.invalidateQueries({ queryKey: ['tasks'] });
      void client.invalidateQueries({ queryKey: ['history', task.orderId] });
      void client.invalidateQueries({ queryKey: ['order', task.orderId] });
    } catch (e) {
      setMsg({ ok: false, text: t('common.error', { detail: e instanceof Error ? e.message : String(e) }) });
    } finally {
      setBusy(false);
    }
  };
  const withComment = comment.trim() ? { comment: comment.trim() } : {};
  return (
    <div className="task-detail">
      <h2>{task.title ?? tMaybe(`task.${task.kind}`, task.kind)}</h2>
      <p>
        <Link to={`/orders/${task.orderId}`}>{t('inbox.openOrder')}</Link> ·{' '}
        <span className="muted">
          {t('inbox.role')}: {task.role}
        </span>
        {task.assignee && <span className="muted"> · {t('inbox.assignee', { name: task.assignee })}</span>}
        {task.overdue && <span className="overdue"> · {t('inbox.overdue')}</span>}
      </p>
      {task.state === 'open' && !task.assignee && (
        <div>
          <button type="button" disabled={busy} onClick={() => act('claim', {}, t('inbox.claimed'))}>
            {t('inbox.claim')}
          </button>
        </div>
      )}
      <h3>{t('inbox.facts')}</h3>
      {history.isPending ? <Loading /> : why ? <Timeline entries={[why]} /> : <p className="muted">—</p>}
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
            onClick={() =>
              act('complete', { outcome: o, ...withComment }, t('inbox.done', { outcome: tMaybe(`outcome.${o}`, o) }))
            }
          >
            {tMaybe(`outcome.${o}`, o)}
          </button>
        ))}
      </div>
      <form
        className="delegate"
        onSubmit={(e) => {
          e.preventDefault();
          if (role.trim()) void act('delegate', { role: role.trim(), ...withComment }, t('inbox.delegated'));
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
