import { type ReactNode, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { readAnalysis } from '../../api/analysis.ts';
import { type Case, type CaseDetail, type Conversation, inboxApi, type Reply } from '../../api/inbox.ts';
import type { Mention } from '../../api/listening.ts';
import { ApiError } from '../../api.ts';
import { PostLinks } from '../../components/post-links.tsx';
import { Ago } from '../customers/customer-bits.tsx';
import { AnalysisBadges } from '../listening/analysis-badges.tsx';
import { type Directory, Initial } from './inbox-bits.tsx';
import { ReplyItem } from './reply-composer.tsx';

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
          <Ago at={m.createdAt} />
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

/** The case's conversations as threads of posts with our replies under them; picked ones split off into a new case. */
export function Conversations({
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
              <Ago at={c.lastActivityAt} />
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
