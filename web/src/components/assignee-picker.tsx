import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, query, request, type ResponseOf, type Schemas } from '../api';
import type { Message } from '../i18n/en';
import { useMessages, type Catalogue } from '../i18n/index';
import { useProcessLabel, type Labels } from '../i18n/process-words';

export type People = ResponseOf<'/api/v1/users/assignable'>;

const en = {
  'as.for': 'Only people who can take a task for {roles} are listed.',
  'as.nobody': 'No one else can take a task for {roles}.',
  'as.refused': '{name} cannot take it: the task is for the role “{role}”, which {name} does not hold',
  'as.label': 'Hand to a person',
  'as.pick': 'Choose a person…',
  'as.go': 'Hand over',
  'as.done': '{number}: the task is handed to {name}.',
} satisfies Record<string, Message>;
type AsKey = keyof typeof en;
const pl: Record<AsKey, Message> = {
  'as.for': 'Na liście są tylko osoby, które mogą przejąć zadanie dla roli: {roles}.',
  'as.nobody': 'Nikt inny nie może przejąć zadania dla roli: {roles}.',
  'as.refused': '{name} nie może go przejąć: zadanie jest dla roli „{role}”, której {name} nie ma',
  'as.label': 'Przekaż osobie',
  'as.pick': 'Wybierz osobę…',
  'as.go': 'Przekaż',
  'as.done': '{number}: zadanie przekazane — {name}.',
};
const ru: Record<AsKey, Message> = {
  'as.for': 'В списке только те, кто может взять задачу для роли: {roles}.',
  'as.nobody': 'Больше никто не может взять задачу для роли: {roles}.',
  'as.refused': '{name}: нельзя передать — задача для роли «{role}», а этой роли у пользователя нет',
  'as.label': 'Передать сотруднику',
  'as.pick': 'Выберите сотрудника…',
  'as.go': 'Передать',
  'as.done': '{number}: задача передана — {name}.',
};
export const assignMessages: Catalogue<AsKey> = { en, pl, ru };

/**
 * The people a task can be handed to (GET /users/assignable): with a business role, or the orders
 * whose open tasks are meant, only those who can take every one of them, so the console offers no
 * one the assignment would refuse.
 */
export function useAssignable(filter: { role?: string; orderIds?: string[] }, enabled = true) {
  const orderIds = filter.orderIds?.join(',') ?? '';
  return useQuery({
    enabled,
    queryKey: ['people', 'assignable', filter.role ?? '', orderIds],
    queryFn: () => get<People>(`/users/assignable${query({ role: filter.role, orderIds })}`),
    staleTime: 60_000,
    retry: false,
  });
}

/** A business role in the user's language: the processes' labels, the console's words, else readable. */
export function useRoleWord() {
  const label = useProcessLabel();
  return (code: string, labels?: Labels | null) => label(labels ?? null, `role.${code}`, code);
}

/**
 * The refusal of an assignment (403 ASSIGNEE_ROLE_REQUIRED) in plain words: who, and the role the
 * task is for in the user's language — never the code.
 */
export function useAssigneeRefusal() {
  const t = useMessages(assignMessages);
  const roleWord = useRoleWord();
  return (problem: Record<string, unknown>, people?: People) => {
    const role = String(problem.role ?? '');
    const name = people?.items.find((person) => person.id === problem.assignee)?.name ?? String(problem.assignee ?? '');
    return t('as.refused', { name, role: roleWord(role, problem.roleLabels as Labels | null) });
  };
}

/** "Only people who can take a task for Finance are listed." under a picker. */
export function AssignableHint({ people, excluding }: { people: People | undefined; excluding?: string | null }) {
  const t = useMessages(assignMessages);
  const roleWord = useRoleWord();
  if (!people || people.forRoles.length === 0) return null;
  const roles = people.forRoles.map((r) => roleWord(r.code, r.labels)).join(', ');
  const others = people.items.filter((person) => person.id !== excluding);
  return (
    <p className="muted small" data-testid="assign-for">
      {t(others.length ? 'as.for' : 'as.nobody', { roles })}
    </p>
  );
}

type Task = Pick<Schemas['TaskRow'], 'id' | 'role' | 'version' | 'orderId'> & { order: { number: string } };

/**
 * Hands one task to a person (POST /tasks/{id}/delegate with `assignee`), chosen from those who
 * hold the task's role; a refusal (the person lost the role meanwhile) is told in words.
 */
export function TaskAssign({
  task,
  meId,
  onResult,
}: {
  task: Task;
  meId: string | null;
  onResult: (notice: { ok: boolean; text: string } | null) => void;
}) {
  const t = useMessages(assignMessages);
  const client = useQueryClient();
  const refusalText = useAssigneeRefusal();
  const people = useAssignable({ role: task.role });
  const [assignee, setAssignee] = useState('');
  const [busy, setBusy] = useState(false);
  const offered = (people.data?.items ?? []).filter((person) => person.id !== meId);
  const hand = async () => {
    setBusy(true);
    onResult(null);
    try {
      await request('POST', `/tasks/${task.id}/delegate`, { assignee }, { 'if-match': `"${task.version}"` });
      const name = offered.find((person) => person.id === assignee)?.name ?? '';
      onResult({ ok: true, text: t('as.done', { number: task.order.number, name }) });
      void client.invalidateQueries({ queryKey: ['tasks'] });
      void client.invalidateQueries({ queryKey: ['history', task.orderId] });
    } catch (error) {
      const text =
        error instanceof ApiError && error.problem.code === 'ASSIGNEE_ROLE_REQUIRED'
          ? refusalText(error.problem as Record<string, unknown>, people.data)
          : error instanceof Error
            ? error.message
            : String(error);
      onResult({ ok: false, text });
      void client.invalidateQueries({ queryKey: ['people', 'assignable'] });
    } finally {
      setBusy(false);
    }
  };
  if (!people.data) return null;
  return (
    <form
      className="delegate"
      onSubmit={(e) => {
        e.preventDefault();
        if (assignee) void hand();
      }}
    >
      <label>
        {t('as.label')}
        <select name="assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
          <option value="">{t('as.pick')}</option>
          {offered.map((person) => (
            <option key={person.id} value={person.id}>
              {person.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy || !assignee}>
        {t('as.go')}
      </button>
      <AssignableHint people={people.data} excluding={meId} />
    </form>
  );
}
