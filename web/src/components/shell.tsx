import { type ReactNode, useEffect, useRef, useState } from 'react';
import { NavLink, useLocation } from 'react-router';
import { salesWorkers } from '../api/sales.ts';
import type { Role } from '../api.ts';
import { useSession } from '../session.tsx';
import { NotificationsBell } from './notifications-bell.tsx';

const sections: { to: string; label: string; roles?: Role[] }[] = [
  { to: '/inbox', label: 'Inbox' },
  { to: '/listening', label: 'Listening' },
  { to: '/customers', label: 'Customers' },
  { to: '/sales', label: 'Sales', roles: salesWorkers },
  { to: '/communities', label: 'Communities' },
  { to: '/analytics', label: 'Analytics' },
  { to: '/settings', label: 'Settings' },
];

/** The page an address shows: a case opened in the inbox (`/inbox/{id}`) is the inbox. */
function pageOf(pathname: string): string {
  return pathname.startsWith('/inbox/') ? '/inbox' : pathname;
}

export function Shell({ children }: { children: ReactNode }) {
  const { session, signOut } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  const menuButton = useRef<HTMLButtonElement>(null);
  const main = useRef<HTMLElement>(null);

  // On arriving at another page: close the phone menu, move focus to the new page's content and
  // start at the top (focusing alone scrolled a long page past the top bar). Opening a case in
  // the inbox stays on its page, so the list keeps its place and the focus stays where it was.
  const page = pageOf(location.pathname);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every change of page by design
  useEffect(() => {
    setMenuOpen(false);
    main.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [page]);

  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setMenuOpen(false);
        menuButton.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  if (!session) return null;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          ref={menuButton}
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="primary-nav"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">☰</span> Menu
        </button>
        <span className="brand">Rapport</span>
        <span className="workspace">
          {session.workspace.name}
          {session.workspace.isDemo && <span className="badge">Demo</span>}
        </span>
        <NotificationsBell />
        <span className="me">
          <span className="me-name">{session.user.name}</span>{' '}
          <span className="role">{session.user.role}</span>
        </span>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Log out
        </button>
      </header>
      <nav id="primary-nav" aria-label="Main" className={menuOpen ? 'nav open' : 'nav'}>
        <ul>
          {sections
            .filter((s) => !s.roles || s.roles.includes(session.user.role))
            .map((s) => (
              <li key={s.to}>
                <NavLink to={s.to}>{s.label}</NavLink>
              </li>
            ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
