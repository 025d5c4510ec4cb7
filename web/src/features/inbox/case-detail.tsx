import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { readAnalysis } from '../../api/analysis.ts';
import { collaborationApi, type RecordEvent } from '../../api/collaboration.ts';
import {
  type Case,
  type CaseDetail,
  type CaseFieldValue,
  type CasePatch,
  type CasePriority,
  type CaseStatus,
  type CaseType,
  type Conversation,
  casePriorities,
  caseStatuses,
  caseTypes,
  inboxApi,
  inboxConfigurers,
  type Presence,
  type Reply,
} from '../../api/inbox.ts';
import type { Mention } from '../../api/listening.ts';
import { ApiError } from '../../api.ts';
import { PostLinks } from '../../components/post-links.tsx';
import { useSession } from '../../session.tsx';
import { AnalysisBadges } from '../listening/analysis-badges.tsx';
import { timeAgo } from '../listening/mention-card.tsx';
import { CaseSurveys } from './case-surveys.tsx';
import {
  type Directory,
  feedLine,
  findCaseByNumber,
  Initial,
  LiveSlaChip,
  PriorityChip,
  presenceLine,
  StatusChip,
  statusLabels,
  words,
} from './inbox-bits.tsx';
import { Composer, NoteItem, ReplyItem, SlaPanel } from './reply-composer.tsx';

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

const ago = (iso: string) => (
  <time dateTime={iso} title={new Date(iso).toLocaleString()}>
    {timeAgo(iso)} ago
  </time>
);

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
            <span className="muted small-inline">opened {ago(detail.createdAt)}</span>
          </div>
          {here && (
            <p className="presence-line" role="status">
              <span aria-hidden="true">● </span>
              {here}
            </p>
          )}
        </div>
        <div className="case-detail-actions">
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

function CustomerCard({ detail }: { detail: CaseDetail }) {
  const c = detail.customer;
  if (!c) {
    return (
      <section className="card case-customer" aria-label="Customer">
        <h3 className="card-title">Customer</h3>
        <p className="muted">No customer is linked to this case.</p>
      </section>
    );
  }
  return (
    <section className="card case-customer" aria-label="Customer">
      <h3 className="card-title">Customer</h3>
      <div className="case-customer-who">
        <Initial name={c.displayName} />
        <div>
          <strong>{c.displayName}</strong>
          {c.primaryEmail && <div className="muted">{c.primaryEmail}</div>}
        </div>
      </div>
      <ul className="chip-list plain-list">
        {c.identities.map((i) => (
          <li key={`${i.kind}-${i.channel}-${i.handle}`} className={`chip channel-${i.channel}`}>
            {i.channel}
            {i.handle && ` ${i.kind === 'social' ? '@' : ''}${i.handle}`}
          </li>
        ))}
      </ul>
      <dl className="figures compact-figures">
        <div>
          <dt>Followers</dt>
          <dd>{c.followers ?? '—'}</dd>
        </div>
        <div>
          <dt>Mentions</dt>
          <dd>{c.mentionCount}</dd>
        </div>
        <div>
          <dt>Influence</dt>
          <dd>{c.influence ?? '—'}</dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd>{c.lastSeenAt ? ago(c.lastSeenAt) : '—'}</dd>
        </div>
      </dl>
      {c.lifecycleStage && <span className="chip stage">{words(c.lifecycleStage)}</span>}
      {detail.segments && detail.segments.length > 0 && (
        <ul className="chip-list plain-list" aria-label="Segments">
          {detail.segments.map((s) => (
            <li key={s.id} className="chip segment">
              {s.name}
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to={`/customers/${c.id}`}>Open {c.displayName}’s profile</Link>
      </p>
    </section>
  );
}

/** A custom field's value as a person reads it: links open in a new tab, booleans as yes/no. */
function FieldValue({ value }: { value: CaseFieldValue }) {
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'string' && /^https?:\/\/\S+$/.test(value))
    return (
      <a href={value} target="_blank" rel="noopener noreferrer">
        {value.replace(/^https?:\/\//, '')}
      </a>
    );
  return <>{value === null ? '—' : String(value)}</>;
}

/** The case's custom fields (the API's `customFields`): read by everyone, set and removed by who works cases. */
function CustomFieldsCard({
  detail,
  canWork,
  onChange,
}: {
  detail: CaseDetail;
  canWork: boolean;
  onChange(p: CasePatch, label: string): void;
}) {
  const id = useId();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const entries = Object.entries(detail.customFields ?? {});
  if (!canWork && entries.length === 0) return null;
  const validKey = /^[a-z][a-z0-9_]{0,39}$/.test(key);
  return (
    <section className="card case-custom-fields" aria-label="Custom fields">
      <h3 className="card-title">Custom fields</h3>
      {entries.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <dl className="figures custom-field-list">
          {entries.map(([k, v]) => (
            <div key={k}>
              <dt>{words(k)}</dt>
              <dd>
                <FieldValue value={v} />
                {canWork && (
                  <button
                    type="button"
                    className="secondary compact"
                    onClick={() => onChange({ customFields: { [k]: null } }, `Removed the field ${words(k)}`)}
                  >
                    Remove<span className="visually-hidden"> {words(k)}</span>
                  </button>
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {canWork && (
        <form
          className="custom-field-add"
          onSubmit={(e) => {
            e.preventDefault();
            if (!validKey || !value.trim()) return;
            onChange({ customFields: { [key]: value.trim() } }, `Set the field ${words(key)}`);
            setKey('');
            setValue('');
          }}
        >
          <label htmlFor={`${id}-key`} className="visually-hidden">
            Field name
          </label>
          <input
            id={`${id}-key`}
            placeholder="booking_ref"
            value={key}
            aria-invalid={key !== '' && !validKey}
            aria-describedby={`${id}-hint`}
            onChange={(e) => setKey(e.target.value.trim().toLowerCase())}
          />
          <label htmlFor={`${id}-value`} className="visually-hidden">
            Field value
          </label>
          <input
            id={`${id}-value`}
            placeholder="value"
            maxLength={1000}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
          <button type="submit" className="secondary compact" disabled={!validKey || !value.trim()}>
            Set field
          </button>
          <p id={`${id}-hint`} className="muted small-inline">
            Name: lower-case letters, digits and _, starting with a letter.
          </p>
        </form>
      )}
    </section>
  );
}

function CaseFields({
  detail,
  dir,
  canWork,
  onChange,
}: {
  detail: CaseDetail;
  dir: Directory;
  canWork: boolean;
  onChange(p: CasePatch, label: string): Promise<boolean>;
}) {
  const id = useId();
  const savedTags = detail.tags.join(' ');
  const [tags, setTags] = useState(savedTags);
  // While the person edits the field (dirty), a live update of the case (someone else changed
  // it) must not overwrite their text; it takes the saved value again on save or Escape.
  const [tagsDirty, setTagsDirty] = useState(false);
  useEffect(() => {
    if (!tagsDirty) setTags(savedTags);
  }, [savedTags, tagsDirty]);
  const saveTags = async (e?: FormEvent) => {
    e?.preventDefault();
    const list = [
      ...new Set(
        tags
          .split(/[\s,]+/)
          .map((t) => t.replace(/^#/, '').toLowerCase())
          .filter(Boolean),
      ),
    ];
    if (list.join(' ') === savedTags) {
      setTagsDirty(false);
      setTags(savedTags);
      return;
    }
    // Kept dirty until the save lands, so a failed save leaves the text to try again.
    if (await onChange({ tags: list }, list.length ? `Tags set to ${list.join(', ')}` : 'Tags cleared'))
      setTagsDirty(false);
  };
  return (
    <section className="card case-fields" aria-label="Fields">
      <h3 className="card-title">Fields</h3>
      <fieldset className="plain" disabled={!canWork}>
        <label htmlFor={`${id}-status`}>Status</label>
        <select
          id={`${id}-status`}
          value={detail.status}
          onChange={(e) =>
            onChange(
              { status: e.target.value as CaseStatus },
              `Status set to ${statusLabels[e.target.value as CaseStatus]}`,
            )
          }
        >
          {caseStatuses.map((s) => (
            <option key={s} value={s}>
              {statusLabels[s]}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-priority`}>Priority</label>
        <select
          id={`${id}-priority`}
          value={detail.priority}
          onChange={(e) =>
            onChange({ priority: e.target.value as CasePriority }, `Priority set to ${e.target.value}`)
          }
        >
          {casePriorities.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-type`}>Type</label>
        <select
          id={`${id}-type`}
          value={detail.type}
          onChange={(e) => onChange({ type: e.target.value as CaseType }, `Type set to ${e.target.value}`)}
        >
          {caseTypes.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-assignee`}>Assignee</label>
        <select
          id={`${id}-assignee`}
          value={detail.assigneeUserId ?? ''}
          onChange={(e) =>
            onChange(
              { assigneeUserId: e.target.value || null },
              e.target.value ? `Assigned to ${dir.nameOf(e.target.value)}` : 'Unassigned',
            )
          }
        >
          <option value="">Unassigned</option>
          {detail.assigneeUserId && !dir.people.has(detail.assigneeUserId) && (
            <option value={detail.assigneeUserId}>{dir.nameOf(detail.assigneeUserId)}</option>
          )}
          {/* Skills help pick who fits the case; a native option holds text only. */}
          {dir.assignees.map((a) => (
            <option key={a.id} value={a.id}>
              {a.skills.length ? `${a.name} (${a.skills.join(', ')})` : a.name}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-team`}>Team</label>
        <select
          id={`${id}-team`}
          value={detail.teamId ?? ''}
          onChange={(e) =>
            onChange(
              { teamId: e.target.value || null },
              e.target.value ? `Team set to ${dir.teamsById.get(e.target.value)?.name ?? ''}` : 'No team',
            )
          }
        >
          <option value="">No team</option>
          {dir.teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        <form onSubmit={(e) => void saveTags(e)}>
          <label htmlFor={`${id}-tags`}>Tags</label>
          <div className="inline-input">
            <input
              id={`${id}-tags`}
              value={tags}
              placeholder="billing refund"
              aria-describedby={`${id}-tags-hint`}
              onChange={(e) => {
                setTags(e.target.value);
                setTagsDirty(true);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Escape' && tagsDirty) {
                  e.preventDefault();
                  setTagsDirty(false);
                  setTags(savedTags);
                }
              }}
            />
            <button type="submit" className="secondary compact">
              Save tags
            </button>
          </div>
          <p id={`${id}-tags-hint`} className="hint">
            Separate tags with spaces or commas; Escape undoes unsaved changes.
          </p>
        </form>
      </fieldset>
    </section>
  );
}

function Post({ m, first, children }: { m: Mention; first: boolean; children?: ReactNode }) {
  const name = m.author?.displayName ?? m.author?.handle ?? 'unknown author';
  const a = readAnalysis(m);
  return (
    <li className={first ? 'post first' : 'post'}>
      <Initial name={name} small={!first} />
      <div className="post-body">
        <div className="post-head">
          <strong>{name}</strong>
          {m.author?.handle && <span className="muted">@{m.author.handle}</span>}
          <span className="muted">·</span>
          {ago(m.createdAt)}
          {m.url && (
            <a className="post-link" href={m.url} rel="noopener noreferrer nofollow" target="_blank">
              View original<span className="visually-hidden"> post by {name} (opens in a new tab)</span>
            </a>
          )}
        </div>
        <p className="post-text">{m.deleted ? <em className="muted">This post was deleted.</em> : m.text}</p>
        {!m.deleted && <PostLinks links={m.links} author={name} />}
        {first && (
          <AnalysisBadges
            analysis={{ ...a, topics: [], classifiers: [] }}
            showUrgency={m.urgency != null || typeof m.analysis?.urgency === 'object'}
          />
        )}
        {children}
      </div>
    </li>
  );
}

function Conversations({
  detail,
  dir,
  canWork,
  onRetry,
  onSplit,
}: {
  detail: CaseDetail;
  dir: Directory;
  canWork: boolean;
  onRetry(r: Reply): Promise<void>;
  onSplit(c: Case): void;
}) {
  const replies = detail.replies ?? [];
  const shownIds = new Set(detail.conversations.flatMap((c) => c.messages.map((m) => m.id)));
  const elsewhere = replies.filter((r) => r.mentionId === null || !shownIds.has(r.mentionId));
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [subject, setSubject] = useState('');
  const [error, setError] = useState('');
  const navigate = useNavigate();
  const splittable = canWork && detail.conversations.length > 1;
  async function split() {
    setError('');
    try {
      const created = await inboxApi.split(detail.id, [...picked], subject.trim() || undefined);
      setPicked(new Set());
      setSubject('');
      onSplit(created);
      navigate(`/inbox/${created.id}`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not split the case.');
    }
  }
  if (detail.conversations.length === 0) {
    // A case made for an unanswered community question points at it instead of holding a post:
    // staff answer in the Questions panel, or on the public page.
    const question = detail.customFields?.community_url;
    const threadId = detail.customFields?.community_thread_id;
    const spaceId = detail.customFields?.community_space_id;
    const panel =
      typeof threadId === 'string'
        ? `/communities/questions${typeof spaceId === 'string' ? `/${encodeURIComponent(spaceId)}` : ''}?question=${encodeURIComponent(threadId)}`
        : null;
    const publicPage = typeof question === 'string' && /^https?:\/\//.test(question) ? question : null;
    return (
      <p className="notice">
        This case has no conversations yet.
        {(panel || publicPage) && (
          <>
            {' '}
            It is about a community question:{' '}
            {panel ? <Link to={panel}>answer it in Questions</Link> : 'answer it'}
            {publicPage && (
              <>
                {panel ? ' or on its ' : ' on its '}
                <a href={publicPage} target="_blank" rel="noopener noreferrer">
                  public page<span className="visually-hidden"> (opens in a new tab)</span>
                </a>
              </>
            )}
            , or write to the person privately.
          </>
        )}
      </p>
    );
  }
  return (
    <section className="conversations" aria-label="Conversations">
      {detail.conversations.map((c: Conversation, i) => (
        <section
          key={c.id}
          className="conversation card"
          aria-label={`Conversation ${i + 1} on ${c.channel}`}
        >
          <header className="conversation-head">
            {splittable && (
              <label className="check">
                <input
                  type="checkbox"
                  checked={picked.has(c.id)}
                  onChange={(e) =>
                    setPicked((prev) => {
                      const next = new Set(prev);
                      if (e.target.checked) next.add(c.id);
                      else next.delete(c.id);
                      return next;
                    })
                  }
                />
                <span className="visually-hidden">Select conversation {i + 1} to split off</span>
              </label>
            )}
            <span className={`chip channel-${c.channel}`}>{c.channel}</span>
            <span className="muted">
              {c.messages.length} {c.messages.length === 1 ? 'post' : 'posts'} · last activity{' '}
              {ago(c.lastActivityAt)}
            </span>
          </header>
          <ol className="thread">
            {c.messages.map((m, j) => {
              const ours = replies.filter((r) => r.mentionId === m.id);
              return (
                <Post key={m.id} m={m} first={j === 0}>
                  {ours.length > 0 && (
                    <ol className="replies" aria-label="Our replies">
                      {ours.map((r) => (
                        <ReplyItem key={r.id} r={r} dir={dir} onRetry={onRetry} />
                      ))}
                    </ol>
                  )}
                </Post>
              );
            })}
          </ol>
        </section>
      ))}
      {elsewhere.length > 0 && (
        <ol className="replies card" aria-label="Other replies">
          {elsewhere.map((r) => (
            <ReplyItem key={r.id} r={r} dir={dir} onRetry={onRetry} />
          ))}
        </ol>
      )}
      {splittable && picked.size > 0 && (
        <fieldset className="split-bar card">
          <legend className="visually-hidden">Split off the selected conversations</legend>
          <label htmlFor="split-subject">Subject of the new case (optional)</label>
          <input id="split-subject" value={subject} onChange={(e) => setSubject(e.target.value)} />
          <div className="row">
            <button
              type="button"
              disabled={picked.size >= detail.conversations.length}
              onClick={() => void split()}
            >
              Split {picked.size} {picked.size === 1 ? 'conversation' : 'conversations'} into a new case
            </button>
            {picked.size >= detail.conversations.length && (
              <span className="hint">Leave at least one conversation on this case.</span>
            )}
          </div>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
        </fieldset>
      )}
    </section>
  );
}

function MergeBox({ detail, onMerged }: { detail: CaseDetail; onMerged(c: Case): void }) {
  const id = useId();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Case[] | null>(null);
  const [pick, setPick] = useState<Case | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function find(e: FormEvent) {
    e.preventDefault();
    setError('');
    setPick(null);
    const q = query.trim().replace(/^#/, '');
    if (!q) return;
    setBusy(true);
    try {
      const list = /^\d+$/.test(q)
        ? [await findCaseByNumber(Number(q))].filter((c): c is Case => c !== null)
        : (await inboxApi.cases({ search: q }, undefined, 10)).items;
      const others = list.filter((c) => c.id !== detail.id);
      setFound(others);
      if (others.length === 1) setPick(others[0] ?? null);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not search cases.');
    } finally {
      setBusy(false);
    }
  }

  async function merge() {
    if (!pick) return;
    setBusy(true);
    setError('');
    try {
      const c = await inboxApi.merge(detail.id, pick.id);
      setFound(null);
      setPick(null);
      setQuery('');
      onMerged(c);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not merge.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="card case-merge">
      <summary>Merge another case into this one</summary>
      <form onSubmit={(e) => void find(e)}>
        <label htmlFor={`${id}-q`}>Case number or subject words</label>
        <div className="inline-input">
          <input id={`${id}-q`} value={query} placeholder="#42" onChange={(e) => setQuery(e.target.value)} />
          <button type="submit" className="secondary compact" disabled={busy}>
            Find
          </button>
        </div>
      </form>
      {found && found.length === 0 && <p className="notice">No other case matches.</p>}
      {found && found.length > 0 && (
        <fieldset className="plain">
          <legend className="visually-hidden">Case to merge</legend>
          <ul className="pick-list">
            {found.map((c) => (
              <li key={c.id}>
                <label className={pick?.id === c.id ? 'pick checked' : 'pick'}>
                  <input
                    type="radio"
                    name={`${id}-pick`}
                    checked={pick?.id === c.id}
                    onChange={() => setPick(c)}
                  />
                  <span>
                    #{c.number} {c.subject} <span className="muted">({statusLabels[c.status]})</span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      {pick && (
        <div className="row">
          <button type="button" disabled={busy} onClick={() => void merge()}>
            Merge case #{pick.number} into #{detail.number}
          </button>
          <span className="hint">Its conversations move here; it is closed, pointing to this case.</span>
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </details>
  );
}

function Feed({
  events,
  dir,
  more,
  onMore,
}: {
  events: RecordEvent[];
  dir: Directory;
  more: string | null;
  onMore(): Promise<void>;
}) {
  return (
    <section className="case-feed" aria-labelledby="case-feed-title">
      <h3 id="case-feed-title">Activity</h3>
      {events.length === 0 ? (
        <p className="muted">Nothing has happened on this case yet.</p>
      ) : (
        <ol className="feed-list">
          {events.map((e) => {
            const line = feedLine(e, dir);
            return (
              <li key={e.id} className={`feed-event kind-${e.kind}`}>
                <span className="feed-text">
                  {line.text}
                  {line.link && (
                    <>
                      {' '}
                      <Link to={line.link.to}>Open {line.link.label}</Link>
                    </>
                  )}
                </span>
                {line.detail && <span className="feed-detail">{line.detail}</span>}
                <span className="muted small-inline">{ago(e.createdAt)}</span>
              </li>
            );
          })}
        </ol>
      )}
      {more && (
        <button type="button" className="secondary compact" onClick={() => void onMore()}>
          Older activity
        </button>
      )}
    </section>
  );
}
