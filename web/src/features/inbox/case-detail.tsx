import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { collaborationApi, type RecordEvent } from '../../api/collaboration.ts';
import {
  type Case,
  type CaseDetail,
  type CasePatch,
  type CaseStatus,
  inboxApi,
  inboxConfigurers,
  type Presence,
  type Reply,
} from '../../api/inbox.ts';
import { ApiError } from '../../api.ts';
import { useSession } from '../../session.tsx';
import { Ago } from '../customers/customer-bits.tsx';
import { timeAgo } from '../listening/mention-card.tsx';
import { Conversations } from './case-conversations.tsx';
import { CustomerCard } from './case-customer.tsx';
import { Feed } from './case-feed.tsx';
import { CaseFields, CustomFieldsCard } from './case-fields.tsx';
import { MergeBox } from './case-merge.tsx';
import { CaseSurveys } from './case-surveys.tsx';
import { type Directory, LiveSlaChip, PriorityChip, presenceLine, StatusChip, words } from './inbox-bits.tsx';
import { Composer, NoteItem, SlaPanel } from './reply-composer.tsx';
import { SnoozeControl } from './snooze-control.tsx';

const PRESENCE_RENEW_MS = 15_000;

/**
 * Says "viewing" (or "replying" while the composer is in use) while the case is open, renewed
 * every 15 s and at once when the state changes, and clears it on leaving: another case, another
 * page of the app, or the tab closed (else colleagues would see it until it expires, up to 30 s).
 */
function usePresence(caseId: string, state: Presence['state']) {
  const current = useRef(state);
  useEffect(() => {
    const timer = window.setInterval(
      () => void inboxApi.setPresence(caseId, current.current).catch(() => undefined),
      PRESENCE_RENEW_MS,
    );
    const leave = () => void inboxApi.clearPresence(caseId).catch(() => undefined);
    // Back from the browser's page cache: present again.
    const back = (e: PageTransitionEvent) => {
      if (e.persisted) void inboxApi.setPresence(caseId, current.current).catch(() => undefined);
    };
    window.addEventListener('pagehide', leave);
    window.addEventListener('pageshow', back);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener('pagehide', leave);
      window.removeEventListener('pageshow', back);
      leave();
    };
  }, [caseId]);
  useEffect(() => {
    current.current = state;
    void inboxApi.setPresence(caseId, state).catch(() => undefined);
  }, [caseId, state]);
}

/**
 * The open case: its conversations as threads of posts, the customer, the fields an agent
 * changes, follow, merge and split, and the record's feed.
 */
export function CaseDetailPane({
  caseId,
  version,
  dir,
  presence,
  canWork,
  compose,
  snooze,
  onChanged,
  onSolved,
  onCreated,
  onClose,
}: {
  caseId: string;
  /** Bumped when the live stream says the case changed. */
  version: number;
  dir: Directory;
  presence: Presence[];
  canWork: boolean;
  /** Bumped by the `r` shortcut: focus the composer. */
  compose: number;
  /** Bumped by the `s` shortcut: open the snooze menu. */
  snooze: number;
  onChanged(c: Case): void;
  /** The status control solved the case (it was `from`): the inbox offers to undo it. */
  onSolved?(c: Case, from: CaseStatus): void;
  onCreated(c: Case): void;
  onClose(): void;
}) {
  const { session } = useSession();
  const me = session?.user.id;
  const canConfigure = !!session && inboxConfigurers.includes(session.user.role);
  const [replying, setReplying] = useState(false);
  const [detail, setDetail] = useState<CaseDetail | null>(null);
  const [feed, setFeed] = useState<RecordEvent[]>([]);
  const [feedCursor, setFeedCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  usePresence(caseId, replying ? 'replying' : 'viewing');
  const onReplying = useCallback((on: boolean) => setReplying(on), []);

  const reload = useCallback(async () => {
    try {
      const [d, f] = await Promise.all([inboxApi.get(caseId), collaborationApi.feed('case', caseId)]);
      setDetail(d);
      setFeed(f.items);
      setFeedCursor(f.nextCursor);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load the case.');
    }
  }, [caseId]);
  const refreshFeed = useCallback(async () => {
    const f = await collaborationApi.feed('case', caseId).catch(() => null);
    if (f) {
      setFeed(f.items);
      setFeedCursor(f.nextCursor);
    }
  }, [caseId]);

  async function retry(r: Reply) {
    const again = await inboxApi.retryReply(caseId, r.id);
    setDetail((d) =>
      d ? { ...d, replies: (d.replies ?? []).map((x) => (x.id === again.id ? again : x)) } : d,
    );
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` asks for a reload
  useEffect(() => {
    void reload();
  }, [reload, version]);

  useEffect(() => {
    if (detail) document.title = `#${detail.number} ${detail.subject} · Rapport`;
  }, [detail]);

  /** Saves a change; whether it was saved. */
  async function change(p: CasePatch, label: string): Promise<boolean> {
    setError('');
    setSaved('');
    const from = detail?.status;
    try {
      const c = await inboxApi.update(caseId, p);
      setDetail((d) => (d ? { ...d, ...c } : d));
      onChanged(c);
      if (p.status === 'solved' && from && from !== 'solved') onSolved?.(c, from);
      setSaved(label);
      void refreshFeed();
      return true;
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not save the change.');
      return false;
    }
  }

  async function toggleFollow() {
    if (!detail) return;
    try {
      if (detail.following) await collaborationApi.unfollow('case', caseId);
      else await collaborationApi.follow('case', caseId);
      setDetail({ ...detail, following: !detail.following });
      setSaved(
        detail.following ? 'You no longer follow this case' : 'You follow this case: its changes notify you',
      );
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not change following.');
    }
  }

  if (!detail) {
    return (
      <article className="case-detail" aria-busy="true">
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : (
          <p className="loading">Loading…</p>
        )}
      </article>
    );
  }
  const here = presenceLine(presence, me);
  return (
    <article className="case-detail" aria-labelledby="case-title">
      <header className="case-detail-head">
        <div className="case-detail-title">
          <h2 id="case-title" ref={heading} tabIndex={-1}>
            <span className="case-number">#{detail.number}</span> {detail.subject}
          </h2>
          <div className="case-chips">
            <LiveSlaChip c={detail} />
            <StatusChip status={detail.status} />
            <PriorityChip priority={detail.priority} />
            <span className="chip">{words(detail.type)}</span>
            {detail.channel && <span className={`chip channel-${detail.channel}`}>{detail.channel}</span>}
            <span className="muted small-inline">
              opened <Ago at={detail.createdAt} />
            </span>
            {detail.snoozedUntil && (
              <span className="chip snoozed">
                snoozed until {new Date(detail.snoozedUntil).toLocaleString()}
              </span>
            )}
            {detail.waitingSince && (
              <span
                className="chip waiting"
                title={`The customer wrote last, ${new Date(detail.waitingSince).toLocaleString()}, and has had no reply since`}
              >
                customer waiting {timeAgo(detail.waitingSince)}
              </span>
            )}
          </div>
          {here && (
            <p className="presence-line" role="status">
              <span aria-hidden="true">● </span>
              {here}
            </p>
          )}
        </div>
        <div className="case-detail-actions">
          {canWork && <SnoozeControl detail={detail} onChange={change} openRequest={snooze} />}
          <button
            type="button"
            className="secondary compact"
            aria-pressed={detail.following}
            onClick={() => void toggleFollow()}
          >
            {detail.following ? 'Following' : 'Follow'}
          </button>
          <button type="button" className="secondary compact" onClick={onClose}>
            Close
          </button>
        </div>
      </header>
      {detail.mergedInto && (
        <p className="notice">
          This case was merged into <Link to={`/inbox/${detail.mergedInto}`}>another case</Link>.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {saved}
      </p>
      <div className="case-detail-grid">
        <div className="case-main">
          <Conversations
            detail={detail}
            dir={dir}
            canWork={canWork}
            onRetry={retry}
            onSplit={(c) => {
              onCreated(c);
              void reload();
            }}
          />
          {(detail.notes ?? []).length > 0 && (
            <section className="case-notes" aria-label="Internal notes">
              <ol className="plain-list">
                {(detail.notes ?? []).map((n) => (
                  <NoteItem key={n.id} n={n} dir={dir} />
                ))}
              </ol>
            </section>
          )}
          {canWork && !detail.mergedInto && detail.status !== 'closed' && (
            <Composer
              detail={detail}
              dir={dir}
              focusRequest={compose}
              onReplying={onReplying}
              onQueued={(items) => {
                setDetail((d) => (d ? { ...d, replies: [...(d.replies ?? []), ...items] } : d));
                void refreshFeed();
              }}
              onNoted={(n) => {
                setDetail((d) => (d ? { ...d, notes: [...(d.notes ?? []), n] } : d));
                void refreshFeed();
              }}
            />
          )}
        </div>
        <aside className="case-side" aria-label="Case details">
          <SlaPanel detail={detail} canConfigure={canConfigure} />
          <CustomerCard detail={detail} />
          <CaseSurveys key={detail.id} detail={detail} version={version} canWork={canWork} />
          <CaseFields detail={detail} dir={dir} canWork={canWork} onChange={change} />
          <CustomFieldsCard detail={detail} canWork={canWork} onChange={(p, l) => void change(p, l)} />
          {canWork && (
            <MergeBox
              detail={detail}
              onMerged={(c) => {
                onChanged(c);
                setSaved('Merged: the conversations moved into this case');
                void reload();
              }}
            />
          )}
        </aside>
        <Feed
          events={feed}
          dir={dir}
          more={feedCursor}
          onMore={async () => {
            if (!feedCursor) return;
            const f = await collaborationApi.feed('case', caseId, feedCursor);
            setFeed((prev) => [...prev, ...f.items]);
            setFeedCursor(f.nextCursor);
          }}
        />
      </div>
    </article>
  );
}
