import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { collaborationApi, type Notification } from '../api/collaboration.ts';
import { timeAgo } from '../features/listening/mention-card.tsx';

const POLL_MS = 30_000;

/** Where a notification's record opens; every record type has a page. */
function linkTo(n: Notification): string {
  const id = encodeURIComponent(n.recordId);
  switch (n.recordType) {
    case 'case':
      return `/inbox/${id}`;
    case 'customer':
      return `/customers/${id}`;
    case 'lead':
      return `/sales/leads/${id}`;
  }
}

/** The bell in the header: unread count, the latest notifications, mark all read. Polls every 30 s. */
export function NotificationsBell() {
  const [items, setItems] = useState<Notification[]>([]);
  const [unread, setUnread] = useState(0);
  const [open, setOpen] = useState(false);
  const [failed, setFailed] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLElement>(null);
  const panelId = useId();
  const location = useLocation();

  const refresh = useCallback(async () => {
    try {
      const page = await collaborationApi.notifications(false, 15);
      setItems(page.items);
      setUnread(page.unreadCount);
      setFailed(false);
    } catch {
      setFailed(true);
    }
  }, []);

  useEffect(() => {
    void refresh();
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [refresh]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: close on every navigation
  useEffect(() => setOpen(false), [location.pathname]);

  useEffect(() => {
    if (!open) return;
    void refresh();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        // Captured first, so the page under the panel does not also act on this Escape.
        e.stopPropagation();
        setOpen(false);
        button.current?.focus();
      }
    };
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!panel.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    window.addEventListener('keydown', onKey, true);
    document.addEventListener('mousedown', onDown);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      document.removeEventListener('mousedown', onDown);
    };
  }, [open, refresh]);

  async function markRead(ids?: number[]) {
    try {
      await collaborationApi.markRead(ids);
      await refresh();
    } catch {
      setFailed(true);
    }
  }

  const label = unread === 0 ? 'Notifications' : `Notifications, ${unread} unread`;
  return (
    <div className="bell">
      <button
        ref={button}
        type="button"
        className="secondary bell-button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={label}
        title={label}
        onClick={() => setOpen((o) => !o)}
      >
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
            fill="currentColor"
          />
        </svg>
        {unread > 0 && (
          <span className="bell-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <section id={panelId} ref={panel} className="bell-panel" aria-label="Notifications">
          <div className="bell-head">
            <h2>Notifications</h2>
            <button
              type="button"
              className="secondary compact"
              disabled={unread === 0}
              onClick={() => void markRead()}
            >
              Mark all read
            </button>
          </div>
          {failed && <p className="field-error">Could not load notifications.</p>}
          {items.length === 0 ? (
            <p className="muted">Nothing yet. Follow a case to hear about its changes.</p>
          ) : (
            <ul className="bell-list">
              {items.map((n) => {
                const to = linkTo(n);
                const body = (
                  <>
                    <span className="bell-summary">
                      {n.summary}
                      {n.count > 1 && (
                        <span className="bell-more">
                          {' '}
                          and {n.count - 1} more {n.count === 2 ? 'update' : 'updates'}
                        </span>
                      )}
                    </span>
                    <time
                      className="muted"
                      dateTime={n.createdAt}
                      title={new Date(n.createdAt).toLocaleString()}
                    >
                      {timeAgo(n.createdAt)} ago
                    </time>
                  </>
                );
                return (
                  <li key={n.id} className={n.readAt ? 'bell-item' : 'bell-item unread'}>
                    {!n.readAt && <span className="visually-hidden">Unread: </span>}
                    <Link to={to} onClick={() => !n.readAt && void markRead([n.id])}>
                      {body}
                    </Link>
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
