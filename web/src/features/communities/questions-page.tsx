import { type FormEvent, useCallback, useEffect, useId, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import {
  type CommunityPost,
  type CommunitySpace,
  type CommunityThread,
  type CommunityThreadPage,
  communitiesApi,
  communityExtrasApi,
} from '../../api/communities.ts';
import { formatDate } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { LoadMore } from '../../components/load-more.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { CommunitiesNav, ErrorLine, messageOf, publicUrl, useCommunityRights } from './communities-bits.tsx';

type Article = { thread: CommunityThread; space: CommunitySpace; created?: boolean };

/** The knowledge-base article made from an answer, if any (articles keep `sourcePostId`). */
async function articleFrom(postId: number, kbSpaces: CommunitySpace[]): Promise<Article | null> {
  for (const space of kbSpaces) {
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await communitiesApi.threads(space.id, 'activity', cursor);
      const found = page.items.find((t) => t.sourcePostId === postId);
      if (found) return { thread: found, space };
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
  }
  return null;
}

/** The article made of the accepted answer, or (moderators) the form that makes it. */
function MakeArticle({
  question,
  answer,
  kbSpaces,
  canMake,
}: {
  question: CommunityThread;
  answer: CommunityPost;
  kbSpaces: CommunitySpace[];
  canMake: boolean;
}) {
  const id = useId();
  const rights = useCommunityRights();
  const [article, setArticle] = useState<Article | null | undefined>(undefined);
  const [kbSpaceId, setKbSpaceId] = useState(kbSpaces[0]?.id ?? '');
  const [title, setTitle] = useState(question.title);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    articleFrom(answer.id, kbSpaces)
      .then(setArticle)
      .catch(() => setArticle(null));
  }, [answer.id, kbSpaces]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const written = await communityExtrasApi.promoteAnswer(answer.id, kbSpaceId, title.trim() || undefined);
      const space = kbSpaces.find((s) => s.id === kbSpaceId);
      if (space) setArticle({ thread: written.thread, space, created: true });
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  if (article === undefined) return null;
  if (article)
    return (
      <p role="status" className="notice">
        {article.created ? 'Article created:' : 'This answer is the article'}{' '}
        <a href={publicUrl(rights.workspaceSlug, `/t/${encodeURIComponent(article.thread.id)}`)}>
          {article.thread.title}
        </a>{' '}
        in {article.space.title}.
      </p>
    );
  if (!canMake) return null;
  if (kbSpaces.length === 0)
    return <p className="notice">Create a knowledge-base space to turn answers into articles.</p>;
  return (
    <form className="form make-article" onSubmit={submit} aria-label="Make an article">
      <h3>Make an article</h3>
      <p className="muted">
        A new article in the knowledge base with this answer's text, credited to its author.
      </p>
      <label htmlFor={`${id}-kb`}>Knowledge base</label>
      <select
        id={`${id}-kb`}
        value={kbSpaceId}
        onChange={(e) => setKbSpaceId(e.target.value)}
        {...describedBy(`${id}-kb`, errors, 'kbSpaceId')}
      >
        {kbSpaces.map((s) => (
          <option key={s.id} value={s.id}>
            {s.title}
          </option>
        ))}
      </select>
      <FieldError id={`${id}-kb`} errors={errors} field="kbSpaceId" />
      <label htmlFor={`${id}-title`}>Article title</label>
      <input
        id={`${id}-title`}
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        {...describedBy(`${id}-title`, errors, 'title')}
      />
      <FieldError id={`${id}-title`} errors={errors} field="title" />
      <ErrorLine message={errors.form ?? ''} />
      <button type="submit" disabled={busy || !kbSpaceId}>
        Make an article
      </button>
    </form>
  );
}

/** Staff answer here, as themselves: the public site shows staff the pages as a visitor. */
function AnswerForm({ threadId, onPosted }: { threadId: string; onPosted: (p: CommunityPost) => void }) {
  const id = useId();
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    setDone('');
    try {
      const written = await communitiesApi.reply(threadId, body.trim());
      onPosted(written.post);
      setBody('');
      setDone('Answer posted.');
    } catch (err) {
      setError(messageOf(err, 'Could not post the answer.'));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="compose" onSubmit={submit} aria-label="Answer the question">
      <label htmlFor={`${id}-answer`}>Your answer (Markdown)</label>
      <textarea id={`${id}-answer`} rows={4} value={body} onChange={(e) => setBody(e.target.value)} />
      <ErrorLine message={error} />
      <p role="status" className="muted">
        {done}
      </p>
      <button type="submit" disabled={busy || !body.trim()}>
        Post answer
      </button>
    </form>
  );
}

function QuestionDetail({
  threadId,
  kbSpaces,
  onAnswered,
}: {
  threadId: string;
  kbSpaces: CommunitySpace[];
  /** An answer was posted here: the list's count and last post move with it. */
  onAnswered(p: CommunityPost): void;
}) {
  const rights = useCommunityRights();
  const [page, setPage] = useState<CommunityThreadPage | null>(null);
  const [posts, setPosts] = useState<CommunityPost[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    communitiesApi
      .thread(threadId)
      .then((p) => {
        setPage(p);
        setPosts(p.posts.items);
      })
      .catch((err) => setError(messageOf(err, 'Could not load the question.')));
  }, [threadId]);
  if (!page) return error ? <ErrorLine message={error} /> : <p className="loading">Loading…</p>;
  const { thread } = page;
  return (
    <aside className="card question-detail" aria-label={`Question: ${thread.title}`}>
      <h2>{thread.title}</h2>
      <p className="muted">
        {thread.acceptedPostId ? 'Answered' : 'No accepted answer yet'} · {thread.postCount} post
        {thread.postCount === 1 ? '' : 's'} ·{' '}
        <a href={publicUrl(rights.workspaceSlug, `/t/${encodeURIComponent(thread.id)}`)}>public page</a>
      </p>
      <ErrorLine message={error} />
      <ol className="post-list" aria-label="Posts">
        {posts.map((p) => (
          <li
            key={p.id}
            className={p.accepted ? 'qa-post accepted' : 'qa-post'}
            aria-label={p.accepted ? 'Accepted answer' : `Post ${p.number}`}
          >
            <p className="muted">
              #{p.number} · {p.author?.name ?? 'Deleted author'}
              {p.author?.username && ` @${p.author.username}`} · {formatDate(p.createdAt)}{' '}
              {p.accepted && <span className="badge">Accepted answer</span>}
              {p.hidden && <span className="badge danger">Hidden</span>}
            </p>
            {p.deleted ? (
              <p className="muted">Deleted.</p>
            ) : (
              // bodyHtml comes from the server's sanitizer (render.ts); nothing else is inserted as HTML.
              // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized on the server
              <div className="post-body" dangerouslySetInnerHTML={{ __html: p.bodyHtml }} />
            )}
            {p.accepted && !p.deleted && (
              <MakeArticle question={thread} answer={p} kbSpaces={kbSpaces} canMake={rights.moderate} />
            )}
          </li>
        ))}
      </ol>
      {page.posts.nextCursor && posts.length === page.posts.items.length && (
        <p className="muted">The thread goes on; its later posts are on the public page.</p>
      )}
      <AnswerForm
        threadId={thread.id}
        onPosted={(p) => {
          setPosts((all) => [...all, p]);
          onAnswered(p);
        }}
      />
    </aside>
  );
}

/** Q&A spaces: questions with their answers; moderators make articles of accepted answers. */
export function CommunityQuestionsPage() {
  usePageTitle('Community questions');
  const { spaceId } = useParams();
  const [params, setParams] = useSearchParams();
  const selected = params.get('question');
  const [spaces, setSpaces] = useState<CommunitySpace[] | null>(null);
  const [questions, setQuestions] = useState<CommunityThread[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    communitiesApi
      .spaces()
      .then((p) => setSpaces(p.items))
      .catch((err) => setError(messageOf(err, 'Could not load the spaces.')));
  }, []);
  const qaSpaces = spaces?.filter((s) => s.kind === 'qa') ?? null;
  // Stable between renders: the article lookup of the detail depends on it.
  const kbSpaces = useMemo(() => (spaces ?? []).filter((s) => s.kind === 'kb' && !s.closedAt), [spaces]);
  const space = qaSpaces?.find((s) => s.id === spaceId) ?? (spaceId ? undefined : qaSpaces?.[0]);

  const load = useCallback((id: string) => {
    communitiesApi
      .threads(id)
      .then((p) => {
        setQuestions(p.items);
        setCursor(p.nextCursor);
      })
      .catch((err) => setError(messageOf(err, 'Could not load the questions.')));
  }, []);
  useEffect(() => {
    setQuestions(null);
    if (space) load(space.id);
  }, [space, load]);

  return (
    <section className="page wide communities-page">
      <h1>{space ? `Questions: ${space.title}` : 'Questions'}</h1>
      <CommunitiesNav />
      {qaSpaces && qaSpaces.length > 1 && (
        <nav className="subnav" aria-label="Q&A spaces">
          {qaSpaces.map((s) => (
            <Link
              key={s.id}
              to={`/communities/questions/${s.id}`}
              aria-current={s.id === space?.id ? 'page' : undefined}
            >
              {s.title}
            </Link>
          ))}
        </nav>
      )}
      <ErrorLine message={error} />
      {qaSpaces !== null && spaceId !== undefined && !space && (
        <p className="notice">
          No such space: there is no Q&A space at this address.{' '}
          <Link to="/communities/questions">Back to questions</Link>
        </p>
      )}
      {qaSpaces !== null && qaSpaces.length === 0 && spaceId === undefined && (
        <p className="notice">There is no Q&A space yet.</p>
      )}
      {space && questions === null && !error && <p className="loading">Loading…</p>}
      {space && questions && (
        <div className="split-detail">
          {questions.length === 0 ? (
            <p className="notice">Nobody has asked a question here yet.</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Questions</caption>
              <thead>
                <tr>
                  <th scope="col">Question</th>
                  <th scope="col">Answered</th>
                  <th scope="col">Posts</th>
                  <th scope="col">Last post</th>
                </tr>
              </thead>
              <tbody>
                {questions.map((q) => (
                  <tr key={q.id} className={q.id === selected ? 'selected' : undefined}>
                    <td data-label="Question">
                      <button
                        type="button"
                        className="row-link"
                        aria-pressed={q.id === selected}
                        onClick={() => setParams(q.id === selected ? {} : { question: q.id })}
                      >
                        {q.title}
                      </button>
                      {q.hidden && <span className="badge danger">Hidden</span>}
                    </td>
                    <td data-label="Answered">{q.acceptedPostId ? 'Yes' : 'No'}</td>
                    <td data-label="Posts">{q.postCount}</td>
                    <td data-label="Last post">{formatDate(q.lastPostAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {selected && (
            <QuestionDetail
              key={selected}
              threadId={selected}
              kbSpaces={kbSpaces}
              onAnswered={(p) =>
                setQuestions((list) =>
                  (list ?? []).map((q) =>
                    q.id === selected ? { ...q, postCount: q.postCount + 1, lastPostAt: p.createdAt } : q,
                  ),
                )
              }
            />
          )}
        </div>
      )}
      {space && (
        <LoadMore
          cursor={cursor}
          label="More questions"
          load={(after) => communitiesApi.threads(space.id, 'activity', after)}
          onPage={(p) => {
            setQuestions((prev) => [...(prev ?? []), ...p.items]);
            setCursor(p.nextCursor);
          }}
          onError={(err) => setError(messageOf(err, 'Could not load more.'))}
        />
      )}
    </section>
  );
}
