import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { canWriteOrders, request, requestBlob, type Me, type OrderSummary, type Schemas } from '../api';
import { useI18n, useMessages } from '../i18n/index';
import { contextMessages } from '../i18n/context-messages';
import { refusal } from './order-context';
import { opsMessages, type OpsKey } from '../i18n/ops-messages';
import { useStateWords } from './state-words';
import { AssignableHint, useAssignable, useAssigneeRefusal } from './assignee-picker';

type BulkResult = Schemas['BulkOrdersResult'];
type BulkItem = BulkResult['items'][number];
/** One selected order's outcome of a bulk action, as its row shows it. */
export type Outcome = { id: string; number: string; ok: boolean; text: string; document?: string };
type BulkAction = 'approve' | 'assign' | 'cancel' | 'print';
type PrintKind = 'packing-slip' | 'pick-list' | 'label';
const PRINT_KINDS: PrintKind[] = ['packing-slip', 'pick-list', 'label'];
/** The printable orders' packing slips or pick lists in one PDF (a blob: address), to print in one go. */
export type Combined = { href: string; filename: string; count: number; kind: PrintKind };

const KNOWN_PROBLEMS = new Set([
  'NO_OPEN_TASK',
  'TRANSITION_NOT_ALLOWED',
  'VERSION_MISMATCH',
  'NOT_FOUND',
  'NOTHING_TO_PRINT',
  'TASK_ROLE_REQUIRED',
  'TASK_NOT_OPEN',
  'EVENT_NOT_MANUAL',
  'TASK_MEMBER_REQUIRED',
  'ASSIGNEE_ROLE_REQUIRED',
]);

/** May this user act in bulk at all (approve or take tasks, cancel, print)? A viewer may not. */
export const canBulk = (me: Me) =>
  me.roles.some((role) => ['admin', 'operator', 'approver', 'finance', 'integration'].includes(role));

/**
 * Bulk actions on the selected rows in ONE request (POST /orders:bulk): approve or take their open
 * tasks, print their packing slips, or cancel them with a reason after a confirmation. Every
 * order is done on its own with the version the list shows, and each row reports its own
 * outcome: the state it reached, or why not in plain words.
 */
export function BulkActions({
  me,
  orders,
  onDone,
}: {
  me: Me;
  orders: OrderSummary[];
  onDone: (results: Outcome[], combined?: Combined) => void;
}) {
  const cx = useMessages(contextMessages);
  const ops = useMessages(opsMessages);
  const { lang } = useI18n();
  const words = useStateWords();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [assignee, setAssignee] = useState('');
  const [printKind, setPrintKind] = useState<PrintKind>('packing-slip');
  const mayCancel = canWriteOrders(me);
  const mayAct = me.roles.some((role) => ['admin', 'operator', 'approver', 'finance'].includes(role));
  // only the people who can take the selected orders' tasks (their roles), never one bulk assign would refuse
  const people = useAssignable({ orderIds: orders.map((o) => o.id) }, mayAct);
  const refusalText = useAssigneeRefusal();

  const why = (item: BulkItem) => {
    const problem = item.problem;
    if (!problem) return '';
    if (problem.code === 'ASSIGNEE_ROLE_REQUIRED') return refusalText(problem as Record<string, unknown>, people.data);
    if (KNOWN_PROBLEMS.has(problem.code))
      return ops(`ops.problem.${problem.code}` as OpsKey, {
        version: String((problem as Record<string, unknown>).currentVersion ?? '?'),
      });
    return problem.detail || problem.title;
  };
  const run = async (action: BulkAction, to?: string) => {
    setBusy(true);
    setFailure(null);
    try {
      const body = {
        action,
        orders: orders.map((o) => ({ id: o.id, version: o.version })),
        ...(action === 'cancel' ? { reason: reason.trim() } : {}),
        ...(action === 'assign' && to ? { assignee: to } : {}),
        ...(action === 'print' ? { document: printKind } : {}),
      };
      const res = await request<BulkResult>('POST', '/orders:bulk', body, { 'idempotency-key': crypto.randomUUID() });
      const numbers = new Map(orders.map((o) => [o.id, o.number]));
      // Packing slips and pick lists of every printable order in ONE PDF; labels are the carriers' own PDFs, one each.
      const printable = res.body.items.filter((item) => item.ok).map((item) => item.id);
      let combined: Combined | undefined;
      if (action === 'print' && printKind !== 'label' && printable.length > 0) {
        const pdf = await requestBlob('POST', '/orders:print', {
          orders: printable,
          document: printKind,
          locale: lang,
        });
        combined = {
          href: URL.createObjectURL(pdf),
          filename: `${printKind}s-${new Date().toISOString().slice(0, 10)}.pdf`,
          count: printable.length,
          kind: printKind,
        };
      }
      onDone(
        res.body.items.map((item) => {
          const number = item.number ?? numbers.get(item.id) ?? item.id;
          if (!item.ok)
            return { id: item.id, number, ok: false, text: cx('cx.bulkFailed', { number, detail: why(item) }) };
          if (action === 'print')
            return {
              id: item.id,
              number,
              ok: true,
              text: ops(`ops.printReady.${printKind}`, { number }),
              ...(item.document ? { document: item.document } : {}),
            };
          if (action === 'assign' && to)
            return {
              id: item.id,
              number,
              ok: true,
              text: ops('ops.assignedTo', {
                number,
                name: people.data?.items.find((person) => person.id === to)?.name ?? '',
              }),
            };
          return {
            id: item.id,
            number,
            ok: true,
            text: cx('cx.bulkOk', { number, state: words.state(item.state ?? '', item.stateLabels) }),
          };
        }),
        combined,
      );
      setConfirming(false);
      void client.invalidateQueries({ queryKey: ['tasks'] });
      void client.invalidateQueries({ queryKey: ['nav-counts'] });
    } catch (error) {
      // the whole request was refused (a lost session, a role): nothing was done
      setFailure(refusal(cx, error, 'order').text);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="bulk-bar card" role="region" aria-label={cx('cx.selected', { count: orders.length })}>
      <strong>{cx('cx.selected', { count: orders.length })}</strong>
      {mayAct && (
        <>
          <button type="button" disabled={busy} onClick={() => run('approve')}>
            {cx('cx.bulkApprove')}
          </button>
          <button type="button" disabled={busy} onClick={() => run('assign')}>
            {cx('cx.bulkAssign')}
          </button>
          {people.data && people.data.items.length > 0 && (
            <form
              className="bulk-assign"
              onSubmit={(e) => {
                e.preventDefault();
                if (assignee) void run('assign', assignee);
              }}
            >
              <label>
                {ops('ops.assignTo')}{' '}
                <select name="assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
                  <option value="">{ops('ops.assignPick')}</option>
                  {people.data.items
                    .filter((person) => person.id !== me.actor.id)
                    .map((person) => (
                      <option key={person.id} value={person.id}>
                        {person.name}
                      </option>
                    ))}
                </select>
              </label>{' '}
              <button type="submit" disabled={busy || !assignee}>
                {ops('ops.assignGo')}
              </button>
              <AssignableHint people={people.data} excluding={me.actor.id} />
            </form>
          )}
        </>
      )}
      <span className="bulk-print">
        <label>
          <span className="sr-only">{ops('ops.printWhat')}</span>
          <select
            aria-label={ops('ops.printWhat')}
            value={printKind}
            onChange={(e) => setPrintKind(e.target.value as PrintKind)}
          >
            {PRINT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {ops(`ops.document.${kind}`)}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="button" disabled={busy} onClick={() => run('print')}>
          {ops(`ops.print.${printKind}`)}
        </button>
      </span>
      {mayCancel && (
        <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
          {cx('cx.bulkCancel')}
        </button>
      )}
      {busy && <span role="status">{ops('ops.bulkWorking', { count: orders.length })}</span>}
      {failure && (
        <p role="alert" className="form-error">
          {failure}
        </p>
      )}
      {confirming && (
        <form
          className="bulk-confirm"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim()) void run('cancel');
          }}
        >
          <p role="alert">{cx('cx.bulkConfirm', { count: orders.length })}</p>
          <label>
            {cx('cx.bulkReason')}
            <input value={reason} maxLength={500} required onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit" className="danger" disabled={busy || !reason.trim()}>
            {cx('cx.bulkGo')}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            {cx('cx.bulkBack')}
          </button>
        </form>
      )}
    </div>
  );
}
