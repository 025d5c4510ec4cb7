import { type FormEvent, useEffect, useId, useState } from 'react';
import { useSearchParams } from 'react-router';
import {
  type ChallengeEntry,
  type ChallengeState,
  type CommunityChallenge,
  type CommunitySpace,
  communitiesApi,
  communityExtrasApi,
} from '../../api/communities.ts';
import { formatDate } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import {
  CommunitiesNav,
  ErrorLine,
  localToIso,
  messageOf,
  publicUrl,
  Status,
  useCommunityRights,
} from './communities-bits.tsx';
import { PagedItems, upserted, usePagedList } from './paged-list.tsx';

export const challengeStateLabels: Record<ChallengeState, string> = {
  upcoming: 'Upcoming',
  open: 'Open',
  closed: 'Closed, waiting for a winner',
  decided: 'Decided',
};

type Form = {
  spaceId: string;
  question: string;
  description: string;
  reward: string;
  opensAt: string;
  closesAt: string;
};

/** Open a challenge in an ideas space (moderators). */
function ChallengeForm({
  spaces,
  onSaved,
  onCancel,
}: {
  spaces: CommunitySpace[];
  onSaved(c: CommunityChallenge): void;
  onCancel(): void;
}) {
  const id = useId();
  const [form, setForm] = useState<Form>({
    spaceId: spaces[0]?.id ?? '',
    question: '',
    description: '',
    reward: '',
    opensAt: '',
    closesAt: '',
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = (p: Partial<Form>) => setForm((f) => ({ ...f, ...p }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      onSaved(
        await communityExtrasApi.createChallenge({
          spaceId: form.spaceId,
          question: form.question,
          description: form.description,
          reward: form.reward,
          opensAt: localToIso(form.opensAt),
          closesAt: localToIso(form.closesAt),
        }),
      );
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const field = (name: keyof Form, label: string, type = 'text') => (
    <>
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        type={type}
        value={form[name]}
        onChange={(e) => set({ [name]: e.target.value })}
        {...describedBy(`${id}-${name}`, errors, name)}
      />
      <FieldError id={`${id}-${name}`} errors={errors} field={name} />
    </>
  );

  return (
    <form className="card form" onSubmit={submit} aria-label="New challenge">
      <h2>New challenge</h2>
      <label htmlFor={`${id}-spaceId`}>Ideas space</label>
      <select
        id={`${id}-spaceId`}
        value={form.spaceId}
        onChange={(e) => set({ spaceId: e.target.value })}
        {...describedBy(`${id}-spaceId`, errors, 'spaceId')}
      >
        {spaces.map((s) => (
          <option key={s.id} value={s.id}>
            {s.title}
          </option>
        ))}
      </select>
      <FieldError id={`${id}-spaceId`} errors={errors} field="spaceId" />
      {field('question', 'Question')}
      <label htmlFor={`${id}-description`}>Description</label>
      <textarea
        id={`${id}-description`}
        rows={3}
        value={form.description}
        onChange={(e) => set({ description: e.target.value })}
        {...describedBy(`${id}-description`, errors, 'description')}
      />
      <FieldError id={`${id}-description`} errors={errors} field="description" />
      {field('reward', 'Reward')}
      {field('opensAt', 'Opens at', 'datetime-local')}
      {field('closesAt', 'Closes at', 'datetime-local')}
      <ErrorLine message={errors.form ?? ''} />
      <div className="actions">
        <button type="submit" disabled={busy || !form.spaceId}>
          Open challenge
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A challenge, its entries ranked by votes, and (closed, moderators) choosing the winner. */
function ChallengeDetail({
  challenge,
  space,
  onDecided,
}: {
  challenge: CommunityChallenge;
  space: CommunitySpace | undefined;
  onDecided(c: CommunityChallenge): void;
}) {
  const id = useId();
  const rights = useCommunityRights();
  // Read again once decided: the winner is marked among the entries.
  const paged = usePagedList(
    (after) => communityExtrasApi.challengeEntries(challenge.id, after),
    'Could not load the entries.',
    `${challenge.id} ${challenge.state}`,
  );
  const { items: entries, error, setError } = paged;
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);

  const choose = (entry: ChallengeEntry) => {
    setBusy(true);
    setError('');
    communityExtrasApi
      .chooseWinner(challenge.id, entry.threadId, note)
      .then(onDecided)
      .catch((err) => setError(messageOf(err, 'Could not choose the winner.')))
      .finally(() => setBusy(false));
  };
  const canDecide = rights.moderate && challenge.state === 'closed';
  const winner = entries?.find((e) => e.winner);

  return (
    <aside className="card challenge-detail" aria-label={`Challenge: ${challenge.question}`}>
      <h2>{challenge.question}</h2>
      <dl className="facts">
        <dt>State</dt>
        <dd>{challengeStateLabels[challenge.state]}</dd>
        <dt>Space</dt>
        <dd>{space?.title ?? challenge.spaceId}</dd>
        <dt>Runs</dt>
        <dd>
          {formatDate(challenge.opensAt)} – {formatDate(challenge.closesAt)}
        </dd>
        {challenge.reward && (
          <>
            <dt>Reward</dt>
            <dd>{challenge.reward}</dd>
          </>
        )}
      </dl>
      {challenge.description && <p>{challenge.description}</p>}
      {challenge.state === 'decided' && (
        <p className="challenge-winner">
          Winner: <strong>{winner?.title ?? challenge.winnerThreadId}</strong>
          {challenge.decisionNote && <q>{challenge.decisionNote}</q>}
        </p>
      )}
      <ErrorLine message={error} />
      {canDecide && (entries?.length ?? 0) > 0 && (
        <>
          <label htmlFor={`${id}-note`}>Note for the winner</label>
          <input id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} />
        </>
      )}
      <PagedItems
        list={paged}
        empty="No entries yet. Members enter ideas while the challenge is open."
        moreLabel="More entries"
      >
        {(entries) => (
          <table className="table compact">
            <caption>Entries</caption>
            <thead>
              <tr>
                <th scope="col">Idea</th>
                <th scope="col">By</th>
                <th scope="col">Votes</th>
                {canDecide && <th scope="col">Winner</th>}
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.threadId}>
                  <td data-label="Idea">
                    <a href={publicUrl(rights.workspaceSlug, `/t/${encodeURIComponent(e.threadId)}`)}>
                      {e.title}
                    </a>
                    {e.winner && (
                      <>
                        {' '}
                        <span className="badge">Winner</span>
                      </>
                    )}
                  </td>
                  <td data-label="By">{e.author?.name ?? '—'}</td>
                  <td data-label="Votes">{e.votes}</td>
                  {canDecide && (
                    <td data-label="Winner">
                      <button type="button" disabled={busy} onClick={() => choose(e)}>
                        Choose as winner<span className="visually-hidden"> {e.title}</span>
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </PagedItems>
    </aside>
  );
}

/** Time-boxed idea challenges: open one, follow its entries, choose the winner once it closes. */
export function CommunityChallengesPage() {
  usePageTitle('Community challenges');
  const rights = useCommunityRights();
  const [params, setParams] = useSearchParams();
  const selected = params.get('challenge');
  const [spaces, setSpaces] = useState<CommunitySpace[]>([]);
  const paged = usePagedList(
    (after) => communityExtrasApi.challenges({ cursor: after }),
    'Could not load the challenges.',
  );
  const { items: challenges, setItems: setChallenges } = paged;
  const [creating, setCreating] = useState(false);
  const [message, setMessage] = useState('');

  useEffect(() => {
    communitiesApi
      .spaces()
      .then((p) => setSpaces(p.items))
      .catch(() => undefined);
  }, []);

  const ideaSpaces = spaces.filter((s) => s.kind === 'ideas' && !s.closedAt);
  const titleOf = (spaceId: string) => spaces.find((s) => s.id === spaceId)?.title ?? '';
  const current = challenges?.find((c) => c.id === selected) ?? null;
  const replace = (c: CommunityChallenge) => setChallenges((list) => upserted(list, c));

  return (
    <section className="page wide communities-page">
      <h1>Community challenges</h1>
      <CommunitiesNav />
      <p className="lead">
        A challenge asks members one question for a limited time; their ideas are the entries and the
        community votes on them. When it closes, a moderator chooses the winner.
      </p>
      {rights.moderate && !creating && (
        <button type="button" onClick={() => setCreating(true)} disabled={ideaSpaces.length === 0}>
          New challenge
        </button>
      )}
      {rights.moderate && spaces.length > 0 && ideaSpaces.length === 0 && (
        <p className="notice">Challenges run in an ideas space; create one first.</p>
      )}
      {creating && (
        <ChallengeForm
          spaces={ideaSpaces}
          onCancel={() => setCreating(false)}
          onSaved={(c) => {
            replace(c);
            setCreating(false);
            setMessage(`Challenge “${c.question}” saved: ${challengeStateLabels[c.state].toLowerCase()}.`);
            setParams({ challenge: c.id });
          }}
        />
      )}
      <Status message={message} />
      <ErrorLine message={paged.error} />
      <PagedItems list={paged} empty="No challenge has been opened yet." moreLabel="More challenges">
        {(challenges) => (
          <div className="split-detail">
            <table className="table">
              <caption className="visually-hidden">Challenges</caption>
              <thead>
                <tr>
                  <th scope="col">Question</th>
                  <th scope="col">Space</th>
                  <th scope="col">State</th>
                  <th scope="col">Closes</th>
                  <th scope="col">Entries</th>
                </tr>
              </thead>
              <tbody>
                {challenges.map((c) => (
                  <tr key={c.id} className={c.id === selected ? 'selected' : undefined}>
                    <td data-label="Question">
                      <button
                        type="button"
                        className="row-link"
                        aria-pressed={c.id === selected}
                        onClick={() => setParams(c.id === selected ? {} : { challenge: c.id })}
                      >
                        {c.question}
                      </button>
                      {c.reward && <div className="muted">Reward: {c.reward}</div>}
                    </td>
                    <td data-label="Space">{titleOf(c.spaceId)}</td>
                    <td data-label="State">{challengeStateLabels[c.state]}</td>
                    <td data-label="Closes">{formatDate(c.closesAt)}</td>
                    <td data-label="Entries">{c.entryCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {current && (
              <ChallengeDetail
                key={current.id}
                challenge={current}
                space={spaces.find((s) => s.id === current.spaceId)}
                onDecided={(c) => {
                  replace(c);
                  setMessage(`Winner chosen for “${c.question}”; the member is told.`);
                }}
              />
            )}
          </div>
        )}
      </PagedItems>
    </section>
  );
}
