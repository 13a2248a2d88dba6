import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, request, type ResponseOf } from '../api';
import { useMessages, type ChunkTranslate } from '../i18n/index';
import { usersMessages, type UsersKey } from '../i18n/users-messages';
import { useProcessLabel } from '../i18n/process-words';
import { ErrorBox } from './status';

/*
 * The users page's role parts (web/src/pages/users.tsx): the permission and business role pickers,
 * the business-role map card, role words and the words for a refused user change.
 */

export type BusinessRole = ResponseOf<'/api/v1/business-roles'>['items'][number];

/** The permission roles of src/domain/identity/roles.ts, in the order an admin thinks of them. */
const ROLES = ['admin', 'operator', 'approver', 'finance', 'viewer', 'integration'] as const;

/** A business role in words: the processes' label in the user's language, else the code made readable. */
export function useBusinessWord(known: BusinessRole[] | undefined) {
  const label = useProcessLabel();
  const labels = new Map((known ?? []).map((role) => [role.code, role.labels] as const));
  return (code: string) => label(labels.get(code) as Record<string, string> | null, null, code);
}

/** The words for a refusal of a user change: the last admin, oneself, a stale version, a taken e-mail. */
export function refusalText(t: ChunkTranslate<UsersKey>, error: unknown, name: string): string {
  if (!(error instanceof ApiError)) return t('us.err.other', { detail: error instanceof Error ? error.message : '' });
  const code = error.problem.code;
  if (error.status === 403) return t('us.err.FORBIDDEN');
  if (code === 'LAST_ADMIN') return t('us.err.LAST_ADMIN', { name });
  if (code === 'VERSION_MISMATCH' || error.status === 412) return t('us.err.VERSION_MISMATCH');
  if (code === 'EMAIL_TAKEN') return t('us.err.EMAIL_TAKEN');
  if (code === 'VALIDATION_FAILED' && error.problem.errors?.some((item) => item.message === 'not on yourself'))
    return t('us.err.self');
  return t('us.err.other', { detail: error.problem.detail ?? error.problem.title ?? '' });
}

export function RolePicker({ value, onChange }: { value: string[]; onChange: (roles: string[]) => void }) {
  const t = useMessages(usersMessages);
  return (
    <fieldset className="role-picker" data-testid="role-picker">
      <legend>{t('us.form.roles')}</legend>
      {ROLES.map((role) => (
        <label key={role} className="check">
          <input
            type="checkbox"
            checked={value.includes(role)}
            onChange={(event) =>
              onChange(event.target.checked ? [...value, role] : value.filter((item) => item !== role))
            }
          />
          <span>
            <strong>{t(`us.role.${role}`)}</strong> <span className="muted">— {t(`us.roleHint.${role}`)}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function BusinessRolePicker({
  known,
  value,
  onChange,
}: {
  known: BusinessRole[];
  value: string[];
  onChange: (roles: string[]) => void;
}) {
  const t = useMessages(usersMessages);
  const word = useBusinessWord(known);
  const [other, setOther] = useState('');
  const codes = [...new Set([...known.map((role) => role.code), ...value])];
  const byCode = new Map(known.map((role) => [role.code, role] as const));
  const addOther = () => {
    const code = other.trim();
    if (code && !value.includes(code)) onChange([...value, code]);
    setOther('');
  };
  return (
    <fieldset className="role-picker" data-testid="business-role-picker">
      <legend>{t('us.form.businessRoles')}</legend>
      {codes.length === 0 && <p className="muted">{t('us.business.none')}</p>}
      {codes.map((code) => {
        const info = byCode.get(code);
        const notes = [
          info?.inProcesses ? t('us.business.inProcesses') : null,
          info?.users ? t('us.business.holders', { count: info.users }) : null,
        ].filter(Boolean);
        return (
          <label key={code} className="check">
            <input
              type="checkbox"
              checked={value.includes(code)}
              onChange={(event) =>
                onChange(event.target.checked ? [...value, code] : value.filter((item) => item !== code))
              }
            />
            <span>
              <strong>{word(code)}</strong> {notes.length > 0 && <span className="muted">— {notes.join(', ')}</span>}
            </span>
          </label>
        );
      })}
      <div className="inline-form">
        <label>
          {t('us.business.other')}
          <input
            value={other}
            pattern="[A-Za-z0-9][A-Za-z0-9._:\-]*"
            onChange={(event) => setOther(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                addOther();
              }
            }}
          />
        </label>
        <button type="button" onClick={addOther} disabled={!other.trim()}>
          {t('us.business.add')}
        </button>
      </div>
    </fieldset>
  );
}

type RoleMap = ResponseOf<'/api/v1/business-roles/map'>;

/** The business-role map (docs/users.md): holding one role also counts as another on tasks. */
export function RoleMapCard({ known, onChanged }: { known: BusinessRole[]; onChanged: () => void }) {
  const t = useMessages(usersMessages);
  const client = useQueryClient();
  const word = useBusinessWord(known);
  const map = useQuery({
    queryKey: ['business-roles', 'map'],
    queryFn: () => get<RoleMap>('/business-roles/map'),
    retry: false,
  });
  const [role, setRole] = useState('');
  const [actsAs, setActsAs] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const entries = map.data?.entries ?? [];
  const save = async (next: RoleMap['entries']) => {
    setBusy(true);
    setProblem(null);
    try {
      const saved = await request<RoleMap>('PUT', '/business-roles/map', { entries: next });
      client.setQueryData(['business-roles', 'map'], saved.body);
      setRole('');
      setActsAs('');
      onChanged();
    } catch (error) {
      setProblem(refusalText(t, error, ''));
    } finally {
      setBusy(false);
    }
  };
  const listId = 'business-role-codes';
  return (
    <section className="card role-map" data-testid="role-map">
      <h2>{t('map.title')}</h2>
      <p className="muted">{t('map.intro')}</p>
      {map.error ? (
        <ErrorBox error={map.error} onRetry={() => map.refetch()} />
      ) : entries.length === 0 ? (
        <p className="muted">{t('map.none')}</p>
      ) : (
        <ul className="chips">
          {entries.map((entry) => {
            const text = t('map.entry', { role: word(entry.role), actsAs: word(entry.actsAs) });
            return (
              <li key={`${entry.role}|${entry.actsAs}`}>
                <span>{text}</span>{' '}
                <button
                  type="button"
                  className="icon"
                  aria-label={t('map.remove', { entry: text })}
                  disabled={busy}
                  onClick={() => save(entries.filter((item) => item !== entry))}
                >
                  ✕
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void save([...entries, { role: role.trim(), actsAs: actsAs.trim() }]);
        }}
      >
        <datalist id={listId}>
          {known.map((item) => (
            <option key={item.code} value={item.code}>
              {word(item.code)}
            </option>
          ))}
        </datalist>
        <label>
          {t('map.role')}
          <input value={role} list={listId} onChange={(event) => setRole(event.target.value)} />
        </label>
        <label>
          {t('map.actsAs')}
          <input value={actsAs} list={listId} onChange={(event) => setActsAs(event.target.value)} />
        </label>
        <button type="submit" disabled={busy || !role.trim() || !actsAs.trim() || role.trim() === actsAs.trim()}>
          {t('map.add')}
        </button>
        {problem && (
          <p className="form-error" role="alert">
            {problem}
          </p>
        )}
      </form>
    </section>
  );
}
