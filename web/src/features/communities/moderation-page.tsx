import { useCallback, useEffect, useRef, useState } from 'react';
import {
  type CommunityPost,
  type CommunitySpace,
  communitiesApi,
  type ReviewItem,
} from '../../api/communities.ts';
import { formatDate } from '../../api.ts';
import { ConfirmDelete } from '../../components/forms.tsx';
import { LoadMore } from '../../components/load-more.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { CommunitiesNav, ErrorLine, messageOf, Status, useCommunityRights } from './communities-bits.tsx';

const reasonLabels: Record<string, string> = {
  spam: 'Spam',
  offensive: 'Offensive',
  off_topic: 'Off topic',
  other: 'Other',
};

/** A post as the thread page gives it (with its server-sanitized HTML), found by its number. */
async function postByNumber(threadId: string, number: number): Promise<CommunityPost | null> {
  let cursor: string | undefined;
  // Threads are paged in order; a flagged post deep in a long thread is a few pages in.
  for (let i = 0; i < 50; i++) {
    const page = await communitiesApi.thread(threadId, cursor);
    const found = page.posts.items.find((p) => p.number === number);
    if (found) return found;
    if (!page.posts.nextCursor || (page.posts.items.at(-1)?.number ?? 0) > number) return null;
    cursor = page.posts.nextCursor;
  }
  return null;
}

function ReviewCard({
  item,
  spaceTitle,
  onReviewed,
}: {
  item: ReviewItem;
  spaceTitle: string;
  onReviewed(item: ReviewItem, decision: 'agree' | 'restore' | 'delete'): void;
}) {
  const [post, setPost] = useState<CommunityPost | null | undefined>(undefined);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    postByNumber(item.threadId, item.postNumber)
      .then(setPost)
      .catch(() => setPost(null));
  }, [item.threadId, item.postNumber]);

  const decide = (decision: 'agree' | 'restore') => {
    setBusy(true);
    setError('');
    communitiesApi
      .review(item.postId, decision)
      .then(() => onReviewed(item, decision))
      .catch((err) => setError(messageOf(err, 'Could not review the post.')))
      .finally(() => setBusy(false));
  };
  const label = `Post ${item.postNumber} in ${spaceTitle}`;

  return (
    <li className="card review-item" aria-label={label}>
      {/* Focus lands here when the card above it is decided, so a keyboard user goes on from there. */}
      <h2 tabIndex={-1} data-review-post={item.postId}>
        {label}{' '}
        <span className={item.hidden ? 'badge danger' : 'badge'}>{item.hidden ? 'Hidden' : 'Visible'}</span>
      </h2>
      <p className="muted">
        Flag score {item.score.toFixed(1)} · {item.flags.length} flag{item.flags.length === 1 ? '' : 's'}
      </p>
      {post ? (
        // body_html comes from the server's sanitizer (render.ts: markdown-it without raw HTML,
        // then sanitize-html with an allow-list); nothing else is ever inserted as HTML.
        // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized on the server
        <div className="post-body" dangerouslySetInnerHTML={{ __html: post.bodyHtml }} />
      ) : (
        <p className="post-excerpt">{post === undefined ? 'Loading the post…' : item.excerpt}</p>
      )}
      <table className="table compact">
        <caption className="visually-hidden">Flags on {label}</caption>
        <thead>
          <tr>
            <th scope="col">Reason</th>
            <th scope="col">Weight</th>
            <th scope="col">By</th>
            <th scope="col">Note</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {item.flags.map((f) => (
            <tr key={f.id}>
              <td data-label="Reason">{reasonLabels[f.reason] ?? f.reason}</td>
              <td data-label="Weight">{f.weight.toFixed(2)}</td>
              <td data-label="By">{f.flaggedBy.kind}</td>
              <td data-label="Note">{f.note ?? ''}</td>
              <td data-label="When">{formatDate(f.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ErrorLine message={error} />
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => decide('agree')}>
          Agree, keep hidden
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => decide('restore')}>
          Restore post
        </button>
        {/* For what must go for good (abuse, personal data): the text is removed, the flags stay. */}
        <ConfirmDelete
          what={item.postNumber === 1 ? `${label}, which opens its thread: the whole thread` : label}
          disabled={busy}
          onConfirm={() => communitiesApi.deletePost(item.postId).then(() => onReviewed(item, 'delete'))}
        />
      </div>
    </li>
  );
}

/** Flagged and auto-hidden posts waiting for a moderator. */
export function CommunityModerationPage() {
  usePageTitle('Community moderation');
  const rights = useCommunityRights();
  const [items, setItems] = useState<ReviewItem[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [spaces, setSpaces] = useState<Map<string, CommunitySpace>>(new Map());
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const queueRef = useRef<HTMLUListElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  /** Where focus goes once a decided card has left the list: the card now in its place. */
  const [focusAt, setFocusAt] = useState<number | null>(null);
  useEffect(() => {
    if (focusAt === null || items === null) return;
    const headings = queueRef.current?.querySelectorAll<HTMLElement>('[data-review-post]') ?? [];
    const next = headings[Math.min(focusAt, headings.length - 1)];
    (next ?? headingRef.current)?.focus();
    setFocusAt(null);
  }, [focusAt, items]);

  const load = useCallback(() => {
    Promise.all([communitiesApi.reviewQueue(), communitiesApi.spaces()])
      .then(([queue, s]) => {
        setItems(queue.items);
        setCursor(queue.nextCursor);
        setSpaces(new Map(s.items.map((x) => [x.id, x])));
      })
      .catch((err) => setError(messageOf(err, 'Could not load the review queue.')));
  }, []);
  useEffect(() => {
    if (rights.moderate) load();
  }, [rights.moderate, load]);

  if (!rights.moderate)
    return (
      <section className="page">
        <h1>Community moderation</h1>
        <CommunitiesNav />
        <p className="notice">Your role does not include moderating the community.</p>
      </section>
    );

  return (
    <section className="page wide communities-page">
      <h1 tabIndex={-1} ref={headingRef}>
        Community moderation
      </h1>
      <CommunitiesNav />
      <Status message={message} />
      <ErrorLine message={error} />
      {items === null ? (
        !error && <p className="loading">Loading…</p>
      ) : items.length === 0 ? (
        <p className="notice">Nothing waits for review.</p>
      ) : (
        <ul className="review-queue" aria-label="Review queue" ref={queueRef}>
          {items.map((item) => (
            <ReviewCard
              key={item.postId}
              item={item}
              spaceTitle={spaces.get(item.spaceId)?.title ?? 'a space'}
              onReviewed={(done, decision) => {
                setFocusAt(
                  Math.max(
                    0,
                    (items ?? []).findIndex((x) => x.postId === done.postId),
                  ),
                );
                setItems((list) => (list ?? []).filter((x) => x.postId !== done.postId));
                setMessage(
                  decision === 'restore'
                    ? `Post ${done.postNumber} restored.`
                    : decision === 'delete'
                      ? `Post ${done.postNumber} deleted.`
                      : `Post ${done.postNumber} stays hidden.`,
                );
              }}
            />
          ))}
        </ul>
      )}
      <LoadMore
        cursor={cursor}
        label="More flagged posts"
        load={(after) => communitiesApi.reviewQueue(after)}
        onPage={(p) => {
          setItems((prev) => [...(prev ?? []), ...p.items]);
          setCursor(p.nextCursor);
        }}
        onError={(err) => setError(messageOf(err, 'Could not load more.'))}
      />
    </section>
  );
}
