import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, get, request, type Me, type ResponseOf } from '../api';
import { useI18n, useMessages, LANGUAGES, type ChunkTranslate, type Lang } from '../i18n/index';
import { usersMessages, type UsersKey } from '../i18n/users-messages';
import { fieldErrors, FieldError } from '../components/field-errors';
import { ErrorBox, Loading } from '../components/status';
import { formatDateTime } from '../format';
import { UserTimeZoneField } from '../components/user-time-zone-field';
import {
  BusinessRolePicker,
  refusalText,
  RoleMapCard,
  RolePicker,
  useBusinessWord,
  type BusinessRole,
} from '../components/user-roles';

type User = ResponseOf<'/api/v1/users'>['items'][number];

const isAdmin = (me: Me) => me.roles.includes('admin');

/** What the last action did, said above the list. */
interface Notice {
  key: UsersKey;
  params: Record<string, string>;
  /** The invitation's one-time link (its code after #), shown once. */
  link?: string;
}

/**
 * /users (issue 18 item 5): the tenant's users with their permission and business roles; an
 * admin adds users (with a password or an invitation), changes their roles and deactivates them.
 * Everyone else is refused by the API (users:manage) and sees no action.
 */
export default function UsersPage({ me }: { me: Me }) {
  const t = useMessages(usersMessages);
  const { locale } = useI18n();
  const client = useQueryClient();
  const [showInactive, setShowInactive] = useState(false);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [deactivating, setDeactivating] = useState<User | null>(null);
  // Kept as a message key, so it follows a change of language.
  const [notice, setNotice] = useState<Notice | null>(null);
  const admin = isAdmin(me);

  const users = useQuery({
    queryKey: ['users', showInactive],
    queryFn: () => get<{ items: User[] }>(`/users?limit=500${showInactive ? '' : '&active=true'}`),
    enabled: admin,
    retry: false,
  });
  const businessRoles = useQuery({
    queryKey: ['business-roles'],
    queryFn: () => get<{ items: BusinessRole[] }>('/business-roles'),
    enabled: admin,
    retry: false,
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['users'] });
    void client.invalidateQueries({ queryKey: ['business-roles'] });
  };

  const roleWord = useRoleWord(t);
  const businessWord = useBusinessWord(businessRoles.data?.items);
  if (!admin || (users.error instanceof ApiError && users.error.status === 403))
    return (
      <section className="page users-page">
        <h1>{t('us.title')}</h1>
        <p className="placeholder" data-testid="users-forbidden">
          {t('us.forbidden')}
        </p>
      </section>
    );

  const sorted = [...(users.data?.items ?? [])].sort(
    (left, right) => Number(right.active) - Number(left.active) || left.name.localeCompare(right.name, locale),
  );

  return (
    <section className="page users-page">
      <div className="page-head">
        <h1>{t('us.title')}</h1>
        <div className="actions">
          <label className="inline">
            <input type="checkbox" checked={showInactive} onChange={(event) => setShowInactive(event.target.checked)} />
            {t('us.showInactive')}
          </label>
          <button type="button" className="primary" onClick={() => setAdding(true)} disabled={adding}>
            {t('us.add')}
          </button>
        </div>
      </div>
      <p className="muted">{t('us.intro')}</p>
      {notice && (
        <div className="form-ok" role="status" data-testid="users-notice">
          <p>{t(notice.key, notice.params)}</p>
          {notice.link && (
            <code className="invitation" data-testid="invitation-link">
              {notice.link}
            </code>
          )}
        </div>
      )}
      {adding && (
        <CreateUserForm
          known={businessRoles.data?.items ?? []}
          onCancel={() => setAdding(false)}
          onCreated={(created) => {
            setAdding(false);
            refresh();
            setNotice(
              created.invitation
                ? {
                    // e-mailed through the outbox when the server knows its public address; the link stays shown once
                    key: created.invitation.emailed ? 'us.invitedMailed' : 'us.invited',
                    params: {
                      name: created.name,
                      email: created.email,
                      date: formatDateTime(created.invitation.expiresAt, locale),
                    },
                    link: `${window.location.origin}/invitation#${encodeURIComponent(created.invitation.token)}`,
                  }
                : { key: 'us.created', params: { name: created.name, email: created.email } },
            );
          }}
        />
      )}
      <section className="card">
        {users.error ? (
          <ErrorBox error={users.error} onRetry={() => users.refetch()} />
        ) : users.isPending ? (
          <Loading />
        ) : sorted.length === 0 ? (
          <p className="muted">{t('us.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table className="compact" data-testid="users">
              <thead>
                <tr>
                  <th scope="col">{t('us.col.name')}</th>
                  <th scope="col">{t('us.col.email')}</th>
                  <th scope="col">{t('us.col.roles')}</th>
                  <th scope="col">{t('us.col.businessRoles')}</th>
                  <th scope="col">{t('us.col.language')}</th>
                  <th scope="col">{t('us.col.status')}</th>
                  <th scope="col">
                    <span className="sr-only">{t('us.col.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sorted.map((user) => {
                  const self = user.id === me.actor.id;
                  return (
                    <tr key={user.id} className={user.active ? undefined : 'inactive'} data-user={user.email}>
                      <td>
                        {user.name} {self && <span className="muted">({t('us.you')})</span>}
                      </td>
                      <td className="nowrap">{user.email}</td>
                      <td>{user.roles.map(roleWord).join(', ')}</td>
                      <td>
                        {user.businessRoles.length ? (
                          user.businessRoles.map(businessWord).join(', ')
                        ) : (
                          <span className="muted">{t('us.none')}</span>
                        )}
                      </td>
                      <td>
                        {LANGUAGES.includes(user.locale as Lang) ? t(`lang.${user.locale as Lang}`) : user.locale}
                      </td>
                      <td>
                        <span className={`badge ${user.active ? 'state-accepted' : 'state-cancelled'}`}>
                          {user.active ? t('us.active') : t('us.inactive')}
                        </span>
                      </td>
                      <td className="row-actions">
                        {user.active ? (
                          <>
                            <button type="button" onClick={() => setEditing(user)}>
                              {t('us.changeRoles')}
                            </button>
                            {!self && (
                              <button type="button" className="danger" onClick={() => setDeactivating(user)}>
                                {t('us.deactivate')}
                              </button>
                            )}
                          </>
                        ) : (
                          <ReactivateButton
                            user={user}
                            onDone={() => {
                              refresh();
                              setNotice({ key: 'us.reactivated', params: { name: user.name } });
                            }}
                          />
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <RoleMapCard known={businessRoles.data?.items ?? []} onChanged={refresh} />
      {editing && (
        <RolesDialog
          user={editing}
          known={businessRoles.data?.items ?? []}
          self={editing.id === me.actor.id}
          otherAdmins={
            sorted.filter((user) => user.active && user.roles.includes('admin') && user.id !== editing.id).length
          }
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            refresh();
            setNotice({ key: 'us.saved', params: { name: saved.name } });
          }}
        />
      )}
      {deactivating && (
        <UserDialog
          title={t('us.deactivateTitle', { name: deactivating.name })}
          confirmLabel={t('us.deactivateConfirm')}
          danger
          user={deactivating}
          run={() =>
            request<User>('DELETE', `/users/${deactivating.id}`, undefined, { 'if-match': `"${deactivating.version}"` })
          }
          onClose={() => setDeactivating(null)}
          onDone={(saved) => {
            refresh();
            setNotice({ key: 'us.deactivated', params: { name: saved.name } });
          }}
        >
          <p className="dialog-question">{t('us.deactivateQuestion', { name: deactivating.name })}</p>
        </UserDialog>
      )}
    </section>
  );
}

/** A permission role in words: "Administrator", "Operator". */
function useRoleWord(t: ChunkTranslate<UsersKey>) {
  return (role: string) => t.maybe(`us.role.${role}`, role);
}

/** A modal for one user's change; a refusal stays in it, in words. */
function UserDialog({
  title,
  confirmLabel,
  danger,
  ready = true,
  user,
  run,
  onClose,
  onDone,
  children,
}: {
  title: string;
  confirmLabel: string;
  danger?: boolean;
  ready?: boolean;
  user: User;
  run: () => Promise<{ body: User }>;
  onClose: () => void;
  onDone: (saved: User) => void;
  children: ReactNode;
}) {
  const t = useMessages(usersMessages);
  const ref = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const saved = await run();
      onDone(saved.body);
      onClose();
    } catch (error) {
      setProblem(refusalText(t, error, user.name));
      setBusy(false);
    }
  };
  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby="user-dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id="user-dialog-title">{title}</h2>
        {children}
        {problem && (
          <div className="form-error" role="alert" data-testid="user-problem">
            <p>{problem}</p>
          </div>
        )}
        <div className="actions dialog-actions">
          <button type="button" onClick={onClose} disabled={busy}>
            {t('common.cancel')}
          </button>
          <button type="submit" className={danger ? 'primary danger-fill' : 'primary'} disabled={busy || !ready}>
            {busy ? t('us.form.working') : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

function RolesDialog({
  user,
  known,
  self,
  otherAdmins,
  onClose,
  onSaved,
}: {
  user: User;
  known: BusinessRole[];
  self: boolean;
  /** Active admins besides this user, as the list shows them (the server checks again). */
  otherAdmins: number;
  onClose: () => void;
  onSaved: (saved: User) => void;
}) {
  const t = useMessages(usersMessages);
  const [roles, setRoles] = useState<string[]>(user.roles);
  const [business, setBusiness] = useState<string[]>(user.businessRoles);
  const [zone, setZone] = useState<string>(user.timeZone ?? '');
  const losesAdmin = user.roles.includes('admin') && !roles.includes('admin');
  // Said before saving, in the words the server's refusal would get: the last admin, or oneself.
  const blocked = losesAdmin
    ? otherAdmins === 0
      ? t('us.err.LAST_ADMIN', { name: user.name })
      : self
        ? t('us.err.self')
        : null
    : null;
  return (
    <UserDialog
      title={t('us.editTitle', { name: user.name })}
      confirmLabel={t('us.save')}
      ready={roles.length > 0 && !blocked}
      user={user}
      run={() =>
        request<User>(
          'PATCH',
          `/users/${user.id}`,
          // the zone only when changed ('' is not set: null)
          { roles, businessRoles: business, ...(zone !== (user.timeZone ?? '') && { timeZone: zone || null }) },
          { 'if-match': `"${user.version}"` },
        )
      }
      onClose={onClose}
      onDone={onSaved}
    >
      <div className="dialog-fields">
        <RolePicker value={roles} onChange={setRoles} />
        {roles.length === 0 && <p className="field-error">{t('us.err.noRole')}</p>}
        {blocked && (
          <p className="form-error" role="alert" data-testid="roles-blocked">
            {blocked}
          </p>
        )}
        <BusinessRolePicker known={known} value={business} onChange={setBusiness} />
        <UserTimeZoneField value={zone} onChange={setZone} />
      </div>
    </UserDialog>
  );
}

type Created = User & { invitation?: { token: string; expiresAt: string; emailed?: boolean } };

function CreateUserForm({
  known,
  onCancel,
  onCreated,
}: {
  known: BusinessRole[];
  onCancel: () => void;
  onCreated: (created: Created) => void;
}) {
  const t = useMessages(usersMessages);
  const { lang } = useI18n();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [locale, setLocale] = useState<Lang>(lang);
  const [roles, setRoles] = useState<string[]>(['operator']);
  const [business, setBusiness] = useState<string[]>([]);
  const [invite, setInvite] = useState(true);
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fields = fieldErrors(error);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await request<Created>('POST', '/users', {
        name: name.trim(),
        email: email.trim(),
        locale,
        roles,
        businessRoles: business,
        ...(invite ? { invite: true } : { password }),
      });
      onCreated(created.body);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  const emailTaken = error instanceof ApiError && error.problem.code === 'EMAIL_TAKEN';
  return (
    <form className="card user-form" onSubmit={submit} noValidate aria-labelledby="new-user-title">
      <h2 id="new-user-title">{t('us.form.title')}</h2>
      <div className="user-form-grid">
        <label>
          {t('us.form.name')}
          <input value={name} onChange={(event) => setName(event.target.value)} autoComplete="off" required />
          <FieldError errors={fields} path="/name" />
        </label>
        <label>
          {t('us.form.email')}
          <input
            type="email"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            autoComplete="off"
            aria-invalid={emailTaken || Boolean(fields['/email'])}
            required
          />
          {emailTaken ? (
            <span className="field-error" role="alert">
              {t('us.err.EMAIL_TAKEN')}
            </span>
          ) : (
            <FieldError errors={fields} path="/email" />
          )}
        </label>
        <label>
          {t('us.form.language')}
          <select value={locale} onChange={(event) => setLocale(event.target.value as Lang)}>
            {LANGUAGES.map((item) => (
              <option key={item} value={item}>
                {t(`lang.${item}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="user-form-grid">
        <RolePicker value={roles} onChange={setRoles} />
        <BusinessRolePicker known={known} value={business} onChange={setBusiness} />
        <fieldset className="role-picker">
          <legend>{t('us.form.access')}</legend>
          <label className="check">
            <input type="radio" name="access" checked={invite} onChange={() => setInvite(true)} />
            {t('us.form.invite')}
          </label>
          <label className="check">
            <input type="radio" name="access" checked={!invite} onChange={() => setInvite(false)} />
            {t('us.form.password')}
          </label>
          {!invite && (
            <label>
              {t('us.form.passwordField')}
              <input
                type="password"
                value={password}
                autoComplete="new-password"
                minLength={12}
                onChange={(event) => setPassword(event.target.value)}
              />
              <FieldError errors={fields} path="/password" />
            </label>
          )}
        </fieldset>
      </div>
      {roles.length === 0 && <p className="field-error">{t('us.err.noRole')}</p>}
      {error !== null && !emailTaken && Object.keys(fields).length === 0 && (
        <div className="form-error" role="alert">
          <p>{refusalText(t, error, name)}</p>
        </div>
      )}
      <div className="actions">
        <button type="button" onClick={onCancel} disabled={busy}>
          {t('common.cancel')}
        </button>
        <button
          type="submit"
          className="primary"
          disabled={busy || !name.trim() || !email.trim() || roles.length === 0 || (!invite && password.length < 12)}
        >
          {busy ? t('us.form.working') : t('us.form.create')}
        </button>
      </div>
    </form>
  );
}

function ReactivateButton({ user, onDone }: { user: User; onDone: () => void }) {
  const t = useMessages(usersMessages);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setProblem(null);
          try {
            await request('PATCH', `/users/${user.id}`, { active: true }, { 'if-match': `"${user.version}"` });
            onDone();
          } catch (error) {
            setProblem(refusalText(t, error, user.name));
          } finally {
            setBusy(false);
          }
        }}
      >
        {t('us.reactivate')}
      </button>
      {problem && (
        <span className="field-error" role="alert">
          {problem}
        </span>
      )}
    </>
  );
}
