import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import {
  type Assignee,
  type CannedResponse,
  type CaseDetail,
  type CaseNote,
  type CaseSla,
  inboxApi,
  type Reply,
} from '../../api/inbox.ts';
import type { Mention } from '../../api/listening.ts';
import { ApiError } from '../../api.ts';
import { useCaretAfterRender } from '../../components/caret.ts';
import { Ago } from '../customers/customer-bits.tsx';
import { timeAgo } from '../listening/mention-card.tsx';
import { loadDraft, saveDraft, sessionDrafts, unfilledPlaceholders } from './composer-drafts.ts';
import { type Directory, formatMinutes, formatTarget, metricLabels, useNow } from './inbox-bits.tsx';
import { mentionedIn } from './note-mentions.ts';
import { customerLatestPost } from './reply-target.ts';

/** The longest text one post takes on each channel (the server refuses longer ones). */
export const channelLimits: Record<string, number> = { bluesky: 300, mastodon: 500, email: 20_000 };
const length = (s: string) => [...s].length;

const postLabel = (m: Mention) => {
  const who = m.author?.handle ? `@${m.author.handle}` : (m.author?.displayName ?? 'unknown author');
  const text = m.text.length > 60 ? `${m.text.slice(0, 60)}…` : m.text;
  return `${who}: ${text}`;
};

/** The @word being typed just before the caret, if any. */
function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const m = /(^|\s)@([\p{L}\p{N}._-]{0,30})$/u.exec(text.slice(0, caret));
  if (!m) return null;
  return { start: caret - (m[2]?.length ?? 0) - 1, query: m[2] ?? '' };
}

type Mode = 'reply' | 'note';

/**
 * The composer under a case's conversations: a reply on the channel (public in the thread, or
 * private with an optional public acknowledgement) with the channel's length limit counted, or
 * an internal note (yellow, never sent) that @mentions colleagues. Canned responses insert their
 * text filled in for this case.
 */
export function Composer({
  detail,
  dir,
  focusRequest,
  onQueued,
  onNoted,
  onReplying,
}: {
  detail: CaseDetail;
  dir: Directory;
  /** Focuses the text area when it changes to a value above 0 (the `r` shortcut). */
  focusRequest: number;
  onQueued(replies: Reply[]): void;
  onNoted(note: CaseNote): void;
  /** Whether the person is writing (text or focus): presence says "replying" meanwhile. */
  onReplying(on: boolean): void;
}) {
  const id = useId();
  // An unsent draft survives opening another case and coming back, for the browser session.
  const [draft] = useState(() => loadDraft(sessionDrafts(), detail.id));
  const [mode, setMode] = useState<Mode>(draft?.mode ?? 'reply');
  const [body, setBody] = useState(draft?.body ?? '');
  const [chosenVisibility, setVisibility] = useState<'public' | 'private'>('public');
  const [ack, setAck] = useState(draft?.ack ?? '');
  const [picked, setPicked] = useState<number | null>(null);
  const [canned, setCanned] = useState<CannedResponse[]>([]);
  const [suggest, setSuggest] = useState<{ start: number; query: string } | null>(null);
  const [active, setActive] = useState(0);
  const [focused, setFocused] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);
  const placeCaret = useCaretAfterRender(area);
  const closeTimer = useRef<number | undefined>(undefined);

  useEffect(() => {
    inboxApi
      .canned()
      .then((r) => setCanned(r.items))
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    saveDraft(sessionDrafts(), detail.id, { mode, body, ack });
  }, [detail.id, mode, body, ack]);

  useEffect(() => {
    if (focusRequest > 0) {
      area.current?.focus();
      area.current?.scrollIntoView({ block: 'nearest' });
    }
  }, [focusRequest]);

  // Leaving the composer (the case closed, or the pane went) ends "replying".
  useEffect(() => () => onReplying(false), [onReplying]);
  const writing = focused || body.trim().length > 0;
  const reported = useRef(false);
  useEffect(() => {
    if (writing !== reported.current) {
      reported.current = writing;
      onReplying(writing);
    }
  }, [writing, onReplying]);

  const posts = useMemo(
    () =>
      detail.conversations
        .flatMap((c) => c.messages)
        .filter((m) => !m.deleted)
        .sort((a, b) => a.id - b.id),
    [detail.conversations],
  );
  // A case with no post (e.g. one made for an unanswered community question) can only be
  // answered privately: there is no thread to reply in.
  const visibility = posts.length > 0 ? chosenVisibility : 'private';
  const customerLatest = useMemo(() => customerLatestPost(posts, detail.customer), [posts, detail.customer]);
  const latest = customerLatest ?? posts.at(-1);
  const target = posts.find((m) => m.id === picked) ?? latest;
  const channel = target?.channel ?? detail.channel ?? '';
  // A private reply goes as a Mastodon direct message on Mastodon, else by email.
  const sendChannel = visibility === 'private' ? (channel === 'mastodon' ? 'mastodon' : 'email') : channel;
  const limit = mode === 'reply' ? channelLimits[sendChannel] : undefined;
  const count = length(body);
  const over = limit !== undefined && count > limit;
  const ackLimit = Math.min(300, channelLimits[channel] ?? 300);
  const ackOver = length(ack) > ackLimit;

  const people = useMemo(() => {
    if (!suggest) return [];
    const q = suggest.query.toLowerCase();
    return dir.assignees
      .filter(
        (a) =>
          !q ||
          a.name
            .toLowerCase()
            .split(/\s+/)
            .some((w) => w.startsWith(q)),
      )
      .slice(0, 6);
  }, [suggest, dir.assignees]);

  function edit(text: string, caret: number) {
    setBody(text);
    setDone('');
    setSuggest(mode === 'note' ? mentionQuery(text, caret) : null);
    setActive(0);
  }

  function choose(a: Assignee) {
    if (!suggest) return;
    const el = area.current;
    const caret = el?.selectionStart ?? body.length;
    const insert = `@${a.name} `;
    const next = body.slice(0, suggest.start) + insert + body.slice(caret);
    setBody(next);
    setSuggest(null);
    placeCaret(suggest.start + insert.length);
  }

  async function insertCanned(cannedId: string) {
    if (!cannedId) return;
    setError('');
    try {
      const { text } = await inboxApi.renderCanned(cannedId, detail.id);
      const el = area.current;
      const from = el?.selectionStart ?? body.length;
      const to = el?.selectionEnd ?? body.length;
      const before = body.slice(0, from);
      const joiner = before && !/\s$/.test(before) ? ' ' : '';
      setBody(before + joiner + text + body.slice(to));
      placeCaret(from + joiner.length + text.length);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not fill in the canned response.');
    }
  }

  async function send() {
    if (!body.trim() || busy) return;
    // A canned response whose variable could not be filled leaves its {{…}} behind: never send that.
    const unfilled = unfilledPlaceholders(mode === 'reply' ? `${body} ${ack}` : body);
    if (unfilled.length > 0) {
      setDone('');
      setError(
        `Not sent: replace ${unfilled.join(', ')} with the right text first — ${unfilled.length === 1 ? 'it is a placeholder' : 'they are placeholders'} no one filled in.`,
      );
      area.current?.focus();
      return;
    }
    setBusy(true);
    setError('');
    setDone('');
    try {
      if (mode === 'note') {
        // Everyone whose "@Name" is in the text, picked from the suggestions or typed out.
        const ids = mentionedIn(body, dir.assignees);
        const note = await inboxApi.addNote(detail.id, { body: body.trim(), mentionUserIds: ids });
        onNoted(note);
        setDone(
          ids.length > 0
            ? `Internal note added; ${ids.map((u) => dir.nameOf(u)).join(', ')} ${ids.length === 1 ? 'was' : 'were'} notified.`
            : 'Internal note added.',
        );
      } else {
        const { items } = await inboxApi.reply(detail.id, {
          body: body.trim(),
          visibility,
          ...(target ? { mentionId: target.id } : {}),
          ...(visibility === 'private' && ack.trim() ? { acknowledgement: ack.trim() } : {}),
        });
        onQueued(items);
        setDone(
          items.length > 1
            ? 'Reply and public acknowledgement queued: their delivery shows in the conversation.'
            : 'Reply queued: its delivery shows in the conversation.',
        );
        setAck('');
      }
      setBody('');
      // The button just pressed is now disabled (nothing to send): keep the focus in the composer.
      area.current?.focus();
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = err.fields;
        const detailText = fields.body ?? fields.acknowledgement ?? fields.mentionUserIds ?? fields.mentionId;
        setError(
          mode === 'reply' && err.status === 409
            ? `Not sent: ${err.message}. Your text is kept; you can add it as an internal note instead.`
            : detailText && !err.message.includes(detailText)
              ? `${err.message} (${detailText})`
              : err.message,
        );
      } else setError(mode === 'note' ? 'Could not add the note.' : 'Could not queue the reply.');
    } finally {
      setBusy(false);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (suggest && people.length > 0) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : people.length - 1)) % people.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        const a = people[active];
        if (a) choose(a);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setSuggest(null);
        return;
      }
    }
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    }
  }

  const note = mode === 'note';
  const label = note ? 'Internal note' : visibility === 'public' ? 'Public reply' : 'Private message';
  const listId = `${id}-people`;
  return (
    <section
      className={note ? 'composer card composer-note' : 'composer card'}
      aria-label={note ? 'Internal note composer' : 'Reply composer'}
    >
      <fieldset className="plain composer-modes">
        <legend className="visually-hidden">Compose</legend>
        <button
          type="button"
          className={note ? 'mode-button' : 'mode-button active'}
          aria-pressed={!note}
          onClick={() => {
            setMode('reply');
            setSuggest(null);
            setError('');
          }}
        >
          Reply
        </button>
        <button
          type="button"
          className={note ? 'mode-button active note' : 'mode-button note'}
          aria-pressed={note}
          onClick={() => {
            setMode('note');
            setError('');
          }}
        >
          Internal note
        </button>
        {canned.length > 0 ? (
          <select
            className="canned-picker"
            aria-label="Insert a canned response"
            value=""
            onChange={(e) => void insertCanned(e.target.value)}
          >
            <option value="">Canned response…</option>
            {canned.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
                {c.shared ? '' : ' (yours)'}
              </option>
            ))}
          </select>
        ) : (
          <Link className="canned-link" to="/settings/canned-responses">
            Canned responses
          </Link>
        )}
      </fieldset>
      {note ? (
        <p className="composer-note-banner">
          <strong>Internal</strong> — only your team sees notes; they are never sent to the customer. Type @
          to mention a colleague.
        </p>
      ) : (
        <div className="composer-options">
          <fieldset className="plain composer-visibility">
            <legend className="visually-hidden">Visibility</legend>
            <label className="check">
              <input
                type="radio"
                name={`${id}-vis`}
                checked={visibility === 'public'}
                disabled={posts.length === 0}
                onChange={() => setVisibility('public')}
              />
              Public reply in the thread
              {posts.length === 0 && <span className="muted"> (no post in this case)</span>}
            </label>
            <label className="check">
              <input
                type="radio"
                name={`${id}-vis`}
                checked={visibility === 'private'}
                onChange={() => setVisibility('private')}
              />
              Private message
            </label>
          </fieldset>
          {posts.length > 0 && (
            <label className="composer-target">
              <span>{visibility === 'public' ? 'Reply to' : 'About'}</span>
              <select value={target?.id ?? ''} onChange={(e) => setPicked(Number(e.target.value) || null)}>
                {[...posts].reverse().map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.id === latest?.id ? (customerLatest ? "Customer's latest — " : 'Latest — ') : ''}
                    {postLabel(m)}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      )}
      <label htmlFor={`${id}-body`} className="visually-hidden">
        {label}
      </label>
      <div className="composer-area">
        <textarea
          id={`${id}-body`}
          ref={area}
          rows={4}
          value={body}
          placeholder={
            note
              ? 'Write a note for your team… (@ to mention)'
              : visibility === 'public'
                ? `Write a public reply on ${channel || 'the channel'}…`
                : `Write a private message (${sendChannel === 'mastodon' ? 'Mastodon direct message' : 'email'})…`
          }
          aria-describedby={`${id}-count`}
          aria-invalid={over}
          aria-autocomplete={note ? 'list' : undefined}
          aria-controls={suggest && people.length > 0 ? listId : undefined}
          aria-activedescendant={suggest && people[active] ? `${listId}-${active}` : undefined}
          onChange={(e) => edit(e.target.value, e.target.selectionStart)}
          onKeyDown={onKeyDown}
          onFocus={() => {
            window.clearTimeout(closeTimer.current);
            setFocused(true);
          }}
          onBlur={() => {
            setFocused(false);
            // Late, so a click on a suggestion still lands; and only if the focus stayed away,
            // or a quick return and a typed "@…" would see its suggestions closed under it.
            closeTimer.current = window.setTimeout(() => {
              if (document.activeElement !== area.current) setSuggest(null);
            }, 150);
          }}
        />
        {suggest && people.length > 0 && (
          <div id={listId} className="mention-suggest" role="listbox" aria-label="Colleagues">
            {people.map((a, i) => (
              <div
                key={a.id}
                id={`${listId}-${i}`}
                role="option"
                tabIndex={-1}
                aria-selected={i === active}
                className={i === active ? 'active' : undefined}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => choose(a)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') choose(a);
                }}
              >
                {a.name} <span className="muted">{a.role}</span>
              </div>
            ))}
          </div>
        )}
      </div>
      {!note && visibility === 'private' && posts.length > 0 && (
        <div className="composer-ack">
          <label htmlFor={`${id}-ack`}>Public acknowledgement (optional)</label>
          <input
            id={`${id}-ack`}
            value={ack}
            maxLength={ackLimit}
            placeholder="We sent you a private message."
            aria-describedby={`${id}-ack-hint`}
            aria-invalid={ackOver}
            onChange={(e) => setAck(e.target.value)}
          />
          <p id={`${id}-ack-hint`} className="hint">
            A short reply in the public thread saying the conversation moved ({length(ack)} / {ackLimit}).
          </p>
        </div>
      )}
      <div className="composer-foot">
        <span id={`${id}-count`} className={over ? 'char-count over' : 'char-count'}>
          {limit !== undefined && limit < 20_000
            ? `${count} / ${limit} characters on ${sendChannel}`
            : `${count} characters`}
          {over && ` — ${count - (limit ?? 0)} too many`}
        </span>
        <span className="hint">Ctrl+Enter sends</span>
        <button type="button" disabled={busy || !body.trim() || over || ackOver} onClick={() => void send()}>
          {note ? 'Add note' : visibility === 'public' ? 'Send reply' : 'Send private message'}
        </button>
      </div>
      {error && (
        <p role="alert" className="error composer-error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {done}
      </p>
    </section>
  );
}

const replyStatus: Record<Reply['status'], string> = {
  queued: 'Queued',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** One of our replies in the conversation, with how its delivery went. */
export function ReplyItem({
  r,
  dir,
  onRetry,
}: {
  r: Reply;
  dir: Directory;
  onRetry(r: Reply): Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const who = r.authorUserId ? dir.nameOf(r.authorUserId) : 'Rapport';
  const how =
    r.visibility === 'public'
      ? `replied publicly on ${r.channel}`
      : `wrote privately to ${r.recipient ?? 'the customer'} (${r.channel === 'email' ? 'email' : `${r.channel} direct`})`;
  return (
    <li className={`reply reply-${r.status}`} aria-label={`Reply by ${who}: ${replyStatus[r.status]}`}>
      <div className="reply-head">
        <strong>{who}</strong> <span className="muted">{how}</span>
        <span className="muted">·</span>
        <Ago at={r.createdAt} />
      </div>
      <p className="post-text">{r.body}</p>
      <div className="reply-status">
        <span className={`chip delivery delivery-${r.status}`}>{replyStatus[r.status]}</span>
        {r.status === 'sent' &&
          (r.externalUrl ? (
            <a href={r.externalUrl} rel="noopener noreferrer nofollow" target="_blank">
              View the post<span className="visually-hidden"> (opens in a new tab)</span>
            </a>
          ) : (
            r.sentAt && (
              <span className="muted">
                <Ago at={r.sentAt} />
              </span>
            )
          ))}
        {r.status === 'queued' &&
          !r.lastError &&
          r.attempts === 0 &&
          r.nextAttemptAt &&
          Date.parse(r.nextAttemptAt) > Date.now() && (
            <span className="muted">
              Held until {new Date(r.nextAttemptAt).toLocaleTimeString()}: reopening the case withdraws it
            </span>
          )}
        {r.status === 'queued' && r.lastError && (
          <span className="muted">
            Attempt {r.attempts} failed: {r.lastError}
            {r.nextAttemptAt && ` — next try ${new Date(r.nextAttemptAt).toLocaleTimeString()}`}
          </span>
        )}
        {r.status === 'failed' && (
          <>
            <span className="reply-error">{r.lastError ?? 'The channel refused it.'}</span>
            <button
              type="button"
              className="secondary compact"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                setError('');
                onRetry(r)
                  .catch((err) => setError(err instanceof ApiError ? err.message : 'Could not retry.'))
                  .finally(() => setBusy(false));
              }}
            >
              Retry<span className="visually-hidden"> sending this reply</span>
            </button>
          </>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </li>
  );
}

/** An internal note: yellow, labelled internal, with the colleagues it mentioned. */
export function NoteItem({ n, dir }: { n: CaseNote; dir: Directory }) {
  return (
    <li className="note-item">
      <div className="reply-head">
        <span className="note-badge">Internal note</span>
        <strong>{dir.nameOf(n.authorUserId)}</strong>
        <span className="muted">·</span>
        <Ago at={n.createdAt} />
      </div>
      <p className="post-text">{n.body}</p>
      {n.mentionUserIds.length > 0 && (
        <p className="muted small-inline">
          Mentioned: {n.mentionUserIds.map((u) => dir.nameOf(u)).join(', ')}
        </p>
      )}
    </li>
  );
}

const clockStatus: Record<CaseSla['status'], string> = {
  running: 'Running',
  paused: 'Paused',
  achieved: 'Met',
  breached: 'Breached',
  stopped: 'Stopped',
};

/** The case's SLA clocks: each target, its state and what is left. */
export function SlaPanel({ detail, canConfigure }: { detail: CaseDetail; canConfigure: boolean }) {
  const now = useNow();
  const clocks = detail.sla ?? [];
  return (
    <section className="card case-sla" aria-label="Service level">
      <h3 className="card-title">Service level</h3>
      {clocks.length === 0 ? (
        <p className="muted">
          No SLA policy applies to this case.
          {canConfigure && (
            <>
              {' '}
              <Link to="/settings/service-levels">Set targets</Link>
            </>
          )}
        </p>
      ) : (
        <ul className="plain-list sla-clocks">
          {clocks.map((c) => {
            const ms = c.dueAt ? Date.parse(c.dueAt) - now : null;
            const overdue =
              c.status === 'breached'
                ? c.achievedAt === null
                : c.status === 'running' && ms !== null && ms <= 0;
            let when = '';
            if (c.status === 'running' && ms !== null)
              when = ms > 0 ? `due in ${formatMinutes(ms)}` : `overdue ${formatMinutes(ms)}`;
            else if (c.status === 'breached' && c.achievedAt === null && ms !== null)
              when = `overdue ${formatMinutes(ms)}`;
            else if (c.status === 'breached' && c.achievedAt)
              when = `answered late ${timeAgo(c.achievedAt)} ago`;
            else if (c.status === 'achieved' && c.achievedAt) when = `met ${timeAgo(c.achievedAt)} ago`;
            else if (c.status === 'paused') when = 'waiting on the customer';
            return (
              <li key={c.metric} className="sla-clock">
                <div className="sla-clock-head">
                  <strong>{metricLabels[c.metric]}</strong>
                  <span className={`chip sla-status sla-${overdue ? 'overdue' : c.status}`}>
                    {overdue && c.status === 'running' ? 'Overdue' : clockStatus[c.status]}
                  </span>
                </div>
                <div className="muted small-inline">
                  {when && <span className={overdue ? 'sla-late' : undefined}>{when}</span>}
                  {c.dueAt && (c.status === 'running' || overdue) && (
                    <>
                      {' · '}
                      <time dateTime={c.dueAt}>
                        {new Date(c.dueAt).toLocaleString(undefined, {
                          dateStyle: 'short',
                          timeStyle: 'short',
                        })}
                      </time>
                    </>
                  )}
                  {' · target '}
                  {formatTarget(c.targetMinutes)}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
