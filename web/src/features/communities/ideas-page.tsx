import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import {
  type CommunitySpace,
  type CommunityThread,
  communitiesApi,
  type IdeaLinks,
  type IdeaStatus,
  type IdeaStatusChange,
} from '../../api/communities.ts';
import { formatDate } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import {
  CommunitiesNav,
  ErrorLine,
  ideaStatusLabels,
  messageOf,
  publicUrl,
  Status,
  useCommunityRights,
} from './communities-bits.tsx';

const columns: IdeaStatus[] = [
  'open',
  'under_review',
  'planned',
  'in_progress',
  'done',
  'declined',
  'duplicate',
];
const settable = columns.filter((s): s is Exclude<IdeaStatus, 'duplicate'> => s !== 'duplicate');

const requestedText = (n: number) => `Requested in ${n} conversation${n === 1 ? '' : 's'}`;

function StatusForm({
  idea,
  onChanged,
}: {
  idea: CommunityThread;
  onChanged(t: CommunityThread, msg: string): void;
}) {
  const id = useId();
  const [status, setStatus] = useState<Exclude<IdeaStatus, 'duplicate'>>(
    idea.ideaStatus && idea.ideaStatus !== 'duplicate' ? idea.ideaStatus : 'open',
  );
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const t = await communitiesApi.setIdeaStatus(idea.id, status, note);
      setNote('');
      onChanged(
        t,
        `Status changed to ${ideaStatusLabels[status]}; voters and linked customers will be told.`,
      );
    } catch (err) {
      setError(messageOf(err, 'Could not change the status.'));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="form" onSubmit={submit} aria-label="Change status">
      <h3>Change status</h3>
      <label htmlFor={`${id}-status`}>New status</label>
      <select
        id={`${id}-status`}
        value={status}
        onChange={(e) => setStatus(e.target.value as Exclude<IdeaStatus, 'duplicate'>)}
      >
        {settable.map((s) => (
          <option key={s} value={s}>
            {ideaStatusLabels[s]}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-note`}>Note for the people who asked</label>
      <textarea id={`${id}-note`} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
      <ErrorLine message={error} />
      <button type="submit" disabled={busy}>
        Change status
      </button>
    </form>
  );
}

function MergeForm({
  idea,
  others,
  onMerged,
}: {
  idea: CommunityThread;
  others: CommunityThread[];
  onMerged(into: CommunityThread, msg: string): void;
}) {
  const id = useId();
  const [into, setInto] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  return (
    <form
      className="form"
      aria-label="Merge as duplicate"
      onSubmit={(e) => {
        e.preventDefault();
        setError('');
        communitiesApi
          .mergeIdea(idea.id, into, note)
          .then((t) => onMerged(t, `“${idea.title}” merged into “${t.title}”; its votes moved.`))
          .catch((err) => setError(messageOf(err, 'Could not merge.')));
      }}
    >
      <h3>Merge as duplicate</h3>
      <label htmlFor={`${id}-into`}>Duplicate of</label>
      <select id={`${id}-into`} value={into} onChange={(e) => setInto(e.target.value)}>
        <option value="">Choose an idea…</option>
        {others.map((o) => (
          <option key={o.id} value={o.id}>
            {o.title}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-mnote`}>Merge note</label>
      <input id={`${id}-mnote`} value={note} onChange={(e) => setNote(e.target.value)} />
      <ErrorLine message={error} />
      <button type="submit" className="secondary" disabled={!into}>
        Merge
      </button>
    </form>
  );
}

function LinksPanel({ idea, onCount }: { idea: CommunityThread; onCount(n: number): void }) {
  const id = useId();
  const [links, setLinks] = useState<IdeaLinks | null>(null);
  const [caseId, setCaseId] = useState('');
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const update = useCallback(
    (l: IdeaLinks) => {
      setLinks(l);
      onCount(l.requestedIn);
    },
    [onCount],
  );
  useEffect(() => {
    communitiesApi
      .ideaLinks(idea.id)
      .then(update)
      .catch((err) => setError(messageOf(err, 'Could not load the links.')));
  }, [idea.id, update]);
  const reload = () => communitiesApi.ideaLinks(idea.id).then(update);
  const run = (work: Promise<unknown>, done: string) => {
    setBusy(true);
    setError('');
    setMessage('');
    work
      .then(reload)
      .then(() => setMessage(done))
      .catch((err) => setError(messageOf(err, 'That did not work.')))
      .finally(() => setBusy(false));
  };
  const suggested = links?.items.filter((l) => l.status === 'suggested') ?? [];
  const confirmed = links?.items.filter((l) => l.status === 'confirmed') ?? [];
  return (
    <section className="idea-links" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Conversations that asked for it</h3>
      {links && <p className="requested-in">{requestedText(links.requestedIn)}</p>}
      <Status message={message} />
      <ErrorLine message={error} />
      <button
        type="button"
        className="secondary"
        disabled={busy}
        onClick={() =>
          run(communitiesApi.suggestIdeaLinks(idea.id), 'Looked for similar mentions and cases.')
        }
      >
        Find similar conversations
      </button>
      {suggested.length > 0 && (
        <ul className="link-suggestions" aria-label="Suggested links">
          {suggested.map((l) => {
            const what =
              l.targetType === 'case'
                ? `Case ${l.target.caseNumber ?? ''}`
                : `Mention on ${l.target.channel}`;
            return (
              <li key={l.id} className="card" aria-label={what}>
                <strong>{what}</strong> <span className="muted">similarity {l.score.toFixed(2)}</span>
                <p>{l.target.text}</p>
                <p className="muted">Shared words: {l.sharedTerms.join(', ')}</p>
                <div className="actions">
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => run(communitiesApi.decideIdeaLink(l.id, 'confirm'), `${what} linked.`)}
                  >
                    Confirm<span className="visually-hidden"> {what}</span>
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy}
                    onClick={() => run(communitiesApi.decideIdeaLink(l.id, 'reject'), `${what} rejected.`)}
                  >
                    Reject<span className="visually-hidden"> {what}</span>
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {confirmed.length > 0 && (
        <ul aria-label="Linked conversations">
          {confirmed.map((l) => (
            <li key={l.id}>
              {l.caseId ? (
                <Link to={`/inbox/${l.caseId}`}>Case {l.target.caseNumber ?? ''}</Link>
              ) : (
                <span>Mention on {l.target.channel}</span>
              )}
              : {l.target.text}
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          run(communitiesApi.linkIdea(idea.id, { caseId: caseId.trim() }), 'Case linked.');
          setCaseId('');
        }}
      >
        <label htmlFor={`${id}-case`}>Link a case by number or id</label>
        <input id={`${id}-case`} value={caseId} onChange={(e) => setCaseId(e.target.value)} />
        <button type="submit" className="secondary" disabled={busy || !caseId.trim()}>
          Link case
        </button>
      </form>
    </section>
  );
}

function IdeaDetail({
  idea,
  ideas,
  onChanged,
  onCount,
}: {
  idea: CommunityThread;
  ideas: CommunityThread[];
  onChanged(t: CommunityThread, msg: string): void;
  onCount(id: string, n: number): void;
}) {
  const rights = useCommunityRights();
  const [history, setHistory] = useState<IdeaStatusChange[]>([]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload the history when the status moves
  useEffect(() => {
    communitiesApi
      .statusChanges(idea.id)
      .then(setHistory)
      .catch(() => undefined);
  }, [idea.id, idea.ideaStatus, idea.updatedAt]);
  const countOf = useCallback((n: number) => onCount(idea.id, n), [idea.id, onCount]);
  return (
    <aside className="card idea-detail" aria-label={`Idea: ${idea.title}`}>
      <h2>{idea.title}</h2>
      <p>
        {ideaStatusLabels[idea.ideaStatus ?? 'open']} · {idea.voteCount} vote{idea.voteCount === 1 ? '' : 's'}{' '}
        · <a href={publicUrl(rights.workspaceSlug, `/t/${encodeURIComponent(idea.id)}`)}>public page</a>
      </p>
      {history.length > 0 && (
        <ol className="status-history" aria-label="Status history">
          {history.map((h) => (
            <li key={h.id}>
              {formatDate(h.createdAt)}: {h.fromStatus ? ideaStatusLabels[h.fromStatus] : '—'} →{' '}
              {ideaStatusLabels[h.toStatus]}
              {h.note && <q>{h.note}</q>}
            </li>
          ))}
        </ol>
      )}
      {rights.moderate && idea.ideaStatus !== 'duplicate' && (
        <>
          <StatusForm key={`${idea.id}-${idea.ideaStatus}`} idea={idea} onChanged={onChanged} />
          <MergeForm
            idea={idea}
            others={ideas.filter((o) => o.id !== idea.id && o.ideaStatus !== 'duplicate')}
            onMerged={onChanged}
          />
        </>
      )}
      {rights.loop && <LinksPanel idea={idea} onCount={countOf} />}
    </aside>
  );
}

/** The idea boards: pick an ideas space; columns by status, most votes first. */
export function CommunityIdeasPage() {
  usePageTitle('Community ideas');
  const { spaceId } = useParams();
  const [params, setParams] = useSearchParams();
  const selected = params.get('idea');
  const [spaces, setSpaces] = useState<CommunitySpace[] | null>(null);
  const [ideas, setIdeas] = useState<CommunityThread[] | null>(null);
  const [requested, setRequested] = useState<Record<string, number>>({});
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const rights = useCommunityRights();

  useEffect(() => {
    communitiesApi
      .spaces()
      .then((p) => setSpaces(p.items.filter((s) => s.kind === 'ideas')))
      .catch((err) => setError(messageOf(err, 'Could not load the spaces.')));
  }, []);
  const space = spaces?.find((s) => s.id === spaceId) ?? (spaceId ? undefined : spaces?.[0]);

  const load = useCallback((id: string) => {
    communitiesApi
      .threads(id, 'votes')
      .then((p) => setIdeas(p.items))
      .catch((err) => setError(messageOf(err, 'Could not load the ideas.')));
  }, []);
  useEffect(() => {
    setIdeas(null);
    if (space) load(space.id);
  }, [space, load]);
  // "Requested in N conversations" on every card: one request per idea (boards are small).
  useEffect(() => {
    if (!rights.loop || !ideas) return;
    for (const i of ideas)
      communitiesApi
        .ideaLinks(i.id)
        .then((l) => setRequested((r) => ({ ...r, [i.id]: l.requestedIn })))
        .catch(() => undefined);
  }, [ideas, rights.loop]);
  const onCount = useCallback((id: string, n: number) => setRequested((r) => ({ ...r, [id]: n })), []);

  const current = ideas?.find((i) => i.id === selected) ?? null;
  const title = space ? `Ideas: ${space.title}` : 'Ideas';

  return (
    <section className="page wide communities-page">
      <h1>{title}</h1>
      <CommunitiesNav />
      {spaces && spaces.length > 1 && (
        <nav className="subnav" aria-label="Idea boards">
          {spaces.map((s) => (
            <Link
              key={s.id}
              to={`/communities/ideas/${s.id}`}
              aria-current={s.id === space?.id ? 'page' : undefined}
            >
              {s.title}
            </Link>
          ))}
        </nav>
      )}
      <Status message={message} />
      <ErrorLine message={error} />
      {spaces !== null && spaceId !== undefined && !space && (
        <p className="notice">
          No such space: there is no idea board at this address.{' '}
          <Link to="/communities/ideas">Back to ideas</Link>
        </p>
      )}
      {spaces !== null && spaces.length === 0 && spaceId === undefined && (
        <p className="notice">There is no ideas space yet.</p>
      )}
      {space && ideas === null && !error && <p className="loading">Loading…</p>}
      {space && ideas && (
        <div className={current ? 'idea-board-wrap with-detail' : 'idea-board-wrap'}>
          <div className="idea-board">
            {columns.map((status) => {
              const list = ideas.filter((i) => (i.ideaStatus ?? 'open') === status);
              return (
                <section key={status} className="idea-column" aria-label={ideaStatusLabels[status]}>
                  <h2>
                    {ideaStatusLabels[status]} <span className="count">{list.length}</span>
                  </h2>
                  <ul>
                    {list.map((i) => (
                      <li key={i.id} className={i.id === selected ? 'idea-card selected' : 'idea-card'}>
                        <button
                          type="button"
                          className="link"
                          aria-pressed={i.id === selected}
                          onClick={() => setParams(i.id === selected ? {} : { idea: i.id })}
                        >
                          {i.title}
                        </button>
                        <div className="muted">
                          {i.voteCount} vote{i.voteCount === 1 ? '' : 's'}
                          {requested[i.id] !== undefined && ` · ${requestedText(requested[i.id] ?? 0)}`}
                        </div>
                      </li>
                    ))}
                  </ul>
                </section>
              );
            })}
          </div>
          {current && (
            <IdeaDetail
              key={current.id}
              idea={current}
              ideas={ideas}
              onCount={onCount}
              onChanged={(t, msg) => {
                setMessage(msg);
                load(space.id);
                if (t.id !== current.id) setParams({ idea: t.id });
              }}
            />
          )}
        </div>
      )}
    </section>
  );
}
