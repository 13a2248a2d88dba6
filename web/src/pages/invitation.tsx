import { useState, type FormEvent } from 'react';
import { ApiError, request } from '../api';
import { LANGUAGES, useI18n, useMessages } from '../i18n/index';
import { usersMessages } from '../i18n/users-messages';
import { Link } from '../router';

const MIN_PASSWORD = 12;

/**
 * /invitation#<code> (public, no session): an invited user chooses their password
 * (POST /auth/accept-invitation) and then signs in. The code travels in the address's fragment,
 * which browsers never send to a server, so it stays out of access logs.
 */
export default function InvitationPage() {
  const t = useMessages(usersMessages);
  const { lang, setLang } = useI18n();
  const [code, setCode] = useState(() => decodeURIComponent(window.location.hash.slice(1)));
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const mismatch = repeat.length > 0 && repeat !== password;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await request('POST', '/auth/accept-invitation', { token: code.trim(), password });
      setDone(true);
      // The code worked once; it is no use in the address any more.
      history.replaceState(null, '', '/invitation');
    } catch (error) {
      setProblem(
        error instanceof ApiError && error.status === 401
          ? t('inv.invalid')
          : error instanceof ApiError && error.problem.errors?.some((item) => item.path === '/password')
            ? t('inv.tooShort')
            : t('us.err.other', { detail: error instanceof Error ? error.message : String(error) }),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby="invitation-title" noValidate>
        <div className="brand big">
          <span className="brand-mark" aria-hidden="true">
            ◎
          </span>{' '}
          Ordo
        </div>
        <h1 id="invitation-title">{t('inv.title')}</h1>
        {done ? (
          <>
            <p className="form-ok" role="status">
              {t('inv.done')}
            </p>
            <Link to="/" className="button primary">
              {t('inv.signIn')}
            </Link>
          </>
        ) : (
          <>
            <p className="muted">{t('inv.intro')}</p>
            {!window.location.hash && (
              <label>
                {t('inv.code')}
                <input value={code} onChange={(event) => setCode(event.target.value)} autoComplete="off" />
              </label>
            )}
            <label>
              {t('inv.password')}
              <input
                type="password"
                autoComplete="new-password"
                value={password}
                minLength={MIN_PASSWORD}
                onChange={(event) => setPassword(event.target.value)}
              />
            </label>
            <label>
              {t('inv.repeat')}
              <input
                type="password"
                autoComplete="new-password"
                value={repeat}
                aria-invalid={mismatch}
                onChange={(event) => setRepeat(event.target.value)}
              />
              {mismatch && <span className="field-error">{t('inv.mismatch')}</span>}
            </label>
            {problem && (
              <p className="form-error" role="alert">
                {problem}
              </p>
            )}
            <button
              type="submit"
              className="primary"
              disabled={busy || !code.trim() || password.length < MIN_PASSWORD || repeat !== password}
            >
              {t('inv.submit')}
            </button>
          </>
        )}
        <div className="lang-inline" role="group" aria-label={t('user.language')}>
          {LANGUAGES.map((item) => (
            <button
              key={item}
              type="button"
              lang={item}
              className="link"
              aria-pressed={lang === item}
              onClick={() => setLang(item)}
            >
              {t(`lang.${item}`)}
            </button>
          ))}
        </div>
      </form>
    </main>
  );
}
