import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { forgetSession, request, type Me } from '../api';
import { LANGUAGES, useI18n, type MessageKey } from '../i18n/index';
import { Link, useLocation } from '../router';
import { useLiveUpdates, useNavCounts, type NavCounts } from './live';
import { useMessages } from '../i18n/index';
import { opsMessages } from '../i18n/ops-messages';
import { TimeZoneSetting } from './time-zone-setting';

/** The navigation: later capabilities (inbox, exceptions, designer) already have their place. */
const NAV: { to: string; label: MessageKey; icon: string; soon?: boolean; adminOnly?: boolean }[] = [
  { to: '/', label: 'nav.dashboard', icon: '▦' },
  { to: '/orders', label: 'nav.orders', icon: '≡' },
  { to: '/kpis', label: 'nav.kpis', icon: '◔' },
  { to: '/returns', label: 'nav.returns', icon: '↩' },
  { to: '/inventory', label: 'nav.inventory', icon: '▤' },
  { to: '/inbox', label: 'nav.inbox', icon: '✉' },
  { to: '/exceptions', label: 'nav.exceptions', icon: '⚠' },
  { to: '/processes', label: 'nav.processes', icon: '⇄' },
  { to: '/channels', label: 'nav.channels', icon: '⇅' },
  { to: '/prices', label: 'nav.prices', icon: '¤' },
  { to: '/reference', label: 'nav.reference', icon: '☰' },
  { to: '/users', label: 'nav.users', icon: '☺', adminOnly: true },
];

function isActive(to: string, path: string) {
  if (to === '/') return path === '/' || path === '/dashboard';
  return path === to || path.startsWith(`${to}/`);
}

export function Shell({ me, children }: { me: Me; children: ReactNode }) {
  const { t } = useI18n();
  const { path, search } = useLocation();
  const attentionView = path === '/orders' && search.get('kpi') === 'attention';
  useLiveUpdates(true);
  const counts = useNavCounts(true).data;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="Ordo">
          <span className="brand-mark" aria-hidden="true">
            ◎
          </span>{' '}
          Ordo
        </Link>
        <span className="tagline">{t('app.tagline')}</span>
        <UserMenu me={me} />
      </header>
      <nav className="sidebar" aria-label={t('nav.label')}>
        <ul>
          <AttentionItem counts={counts} current={attentionView} />
          {NAV.filter((n) => !n.adminOnly || me.roles.includes('admin')).map((n) => (
            <li key={n.to}>
              <Link
                to={n.to}
                aria-current={isActive(n.to, path) && !(attentionView && n.to === '/orders') ? 'page' : undefined}
                className={n.soon ? 'soon' : undefined}
              >
                <span className="nav-icon" aria-hidden="true">
                  {n.icon}
                </span>
                <span>{t(n.label)}</span>
                <NavBadge to={n.to} counts={counts} />
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

function UserMenu({ me }: { me: Me }) {
  const { t, lang, setLang } = useI18n();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const logout = async () => {
    try {
      await request('POST', '/auth/logout');
    } finally {
      forgetSession();
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      client.setQueryData(['me'], null);
    }
  };
  const name = me.actor.name ?? me.actor.id ?? '?';
  return (
    <div className="user-menu" ref={ref}>
      <button
        ref={button}
        type="button"
        className="user-button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={`${t('user.menu')}: ${name}`}
        onClick={() => setOpen((o) => !o)}
      >
        <span className="avatar" aria-hidden="true">
          {initials(name)}
        </span>
        <span className="user-name">{name}</span>
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div className="user-panel" id={panelId}>
          <p className="muted">{t('user.roles', { roles: me.roles.join(', ') })}</p>
          <fieldset className="lang-switch">
            <legend>{t('user.language')}</legend>
            {LANGUAGES.map((l) => (
              <button key={l} type="button" lang={l} aria-pressed={lang === l} onClick={() => setLang(l)}>
                {t(`lang.${l}`)}
              </button>
            ))}
          </fieldset>
          {me.actor.type === 'user' && <TimeZoneSetting me={me} />}
          <button type="button" className="logout" onClick={logout}>
            {t('user.logout')}
          </button>
        </div>
      )}
    </div>
  );
}

function initials(name: string) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join('');
}

/** The live count beside Inbox and Exceptions (hidden at zero). */
function NavBadge({ to, counts }: { to: string; counts: NavCounts | undefined }) {
  const { t } = useI18n();
  const count = to === '/inbox' ? counts?.inbox : to === '/exceptions' ? counts?.exceptions : undefined;
  if (!count) return null;
  return (
    <span className="nav-count" data-testid={`nav-count-${to.slice(1)}`} aria-label={t('nav.count', { count })}>
      {count > 99 ? '99+' : count}
    </span>
  );
}

/**
 * "Needs attention" (issue 18): orders in an exception, with an overdue task or stuck, counted by
 * GET /console/counts (kept fresh by live updates) and listed by the orders list's `kpi=attention`.
 */
function AttentionItem({ counts, current }: { counts: NavCounts | undefined; current: boolean }) {
  const ops = useMessages(opsMessages);
  const count = counts?.attention ?? 0;
  const to = `/orders?kpi=attention&stuckHours=${counts?.stuckHours ?? 24}`;
  return (
    <li>
      <Link
        to={to}
        className="attention"
        aria-current={current ? 'page' : undefined}
        data-testid="nav-attention"
        {...(count ? { title: ops('ops.attentionCount', { count }) } : {})}
      >
        <span className="nav-icon" aria-hidden="true">
          ●
        </span>
        <span>{ops('ops.attention')}</span>
        {count > 0 && (
          <span
            className="nav-count alert"
            data-testid="nav-count-attention"
            aria-label={ops('ops.attentionCount', { count })}
          >
            {count > 99 ? '99+' : count}
          </span>
        )}
      </Link>
    </li>
  );
}
