import { type FormEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import {
  ApiError,
  type AttributeDefinition,
  type AttributeValue,
  analysisApi,
  type CustomerProfile,
  type CustomerSummary,
  collaborationApi,
  customersApi,
  formatDate,
  type LifecycleStage,
  type ListeningQuery,
  lifecycleStages,
  listeningApi,
  type SocialLink,
  type TimelineItem,
  type TimelineSurveyAnswer,
  type Topic,
} from '../../api.ts';
import {
  ConfirmDelete,
  describedBy,
  FieldError,
  type FieldErrors,
  fieldErrors,
} from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { MentionCard } from '../listening/mention-card.tsx';
import { EventsSection, ServiceHistorySection, TransactionsSection } from './activity-bins.tsx';
import { AddToList, useStaticLists } from './add-to-list.tsx';
import {
  Ago,
  ChannelChips,
  CountBar,
  CustomerAvatar,
  CustomerFigures,
  compact,
  EvidenceItem,
  LifecycleChip,
  lifecycleLabels,
  roleNote,
} from './customer-bits.tsx';
import { useCanWriteCustomers, useDebounced } from './customers-page.tsx';
import { PossibleDuplicates } from './possible-duplicates.tsx';
import { ConsentSection, PrivacySection } from './privacy-sections.tsx';

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);
const label = (s: string) => s.replaceAll('_', ' ');

export function CustomerProfilePage() {
  const { id = '' } = useParams();
  const canWrite = useCanWriteCustomers();
  const [profile, setProfile] = useState<CustomerProfile | null>(null);
  /** Not found; `into` is the customer they were merged into, when that is why. */
  const [missing, setMissing] = useState<{ into: string | null } | null>(null);
  const [error, setError] = useState('');
  const [definitions, setDefinitions] = useState<AttributeDefinition[]>([]);
  const [queries, setQueries] = useState<Map<string, ListeningQuery>>(new Map());
  const [topics, setTopics] = useState<Map<string, Topic>>(new Map());
  const [timeline, setTimeline] = useState<TimelineItem[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [timelineError, setTimelineError] = useState('');
  const [status, setStatus] = useState<{ text: string; link?: CustomerSummary; focus?: boolean } | null>(
    null,
  );
  const statusRef = useRef<HTMLParagraphElement>(null);
  const loaded = profile !== null;
  // After an undo the Undo button is gone: focus moves to the outcome (once the profile shows it).
  useEffect(() => {
    if (status?.focus && loaded) statusRef.current?.focus();
  }, [status, loaded]);
  const location = useLocation();
  const navigate = useNavigate();
  /** The outcome handed over by a profile that was merged into this one from its Possible duplicates. */
  const arrived = (location.state as { status?: string } | null)?.status;
  usePageTitle(profile?.displayName ?? 'Customer');

  const reload = useCallback(async () => {
    try {
      setProfile(await customersApi.get(id));
      setMissing(null);
      setError('');
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        const into = err.details?.mergedInto;
        setMissing({ into: typeof into === 'string' ? into : null });
      } else setError(message(err, 'Could not load this customer.'));
    }
  }, [id]);

  const loadTimeline = useCallback(
    async (after?: string) => {
      try {
        setTimelineError('');
        const page = await customersApi.timeline(id, after);
        setTimeline((prev) => (after && prev ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) {
          setTimelineError(message(err, 'Could not load the timeline.'));
        }
      }
    },
    [id],
  );

  const refresh = useCallback(async () => {
    await Promise.all([reload(), loadTimeline()]);
  }, [reload, loadTimeline]);

  useEffect(() => {
    setProfile(null);
    setMissing(null);
    setTimeline(null);
    setStatus(null);
    void reload();
    void loadTimeline();
  }, [reload, loadTimeline]);

  useEffect(() => {
    if (!arrived) return;
    setStatus({ text: arrived, focus: true });
    navigate(location.pathname, { replace: true, state: null });
  }, [arrived, navigate, location.pathname]);

  useEffect(() => {
    customersApi
      .attributes()
      .then((r) => setDefinitions(r.items))
      .catch(() => undefined);
    listeningApi
      .queries()
      .then((r) => setQueries(new Map(r.items.map((q) => [q.id, q]))))
      .catch(() => undefined);
    analysisApi
      .topics()
      .then((r) => setTopics(new Map(r.items.map((t) => [t.id, t]))))
      .catch(() => undefined);
  }, []);

  if (missing) {
    return (
      <section className="page">
        <h1>Customer not found</h1>
        {missing.into ? (
          <p className="notice">
            This customer was merged into another profile.{' '}
            <Link to={`/customers/${encodeURIComponent(missing.into)}`}>Open that profile</Link>
          </p>
        ) : (
          <p className="notice">
            There is no customer here. <Link to="/customers">Back to customers</Link>
          </p>
        )}
      </section>
    );
  }
  if (!profile) {
    return (
      <section className="page">
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : (
          <p className="loading">Loading…</p>
        )}
      </section>
    );
  }
  const editable = canWrite && profile.erasedAt === null;

  const announce = (text: string, link?: CustomerSummary, focus = false) =>
    setStatus({ text, focus, ...(link ? { link } : {}) });
  return (
    <section className="page wide customer-profile">
      <p className="breadcrumb">
        <Link to="/customers">Customers</Link> <span aria-hidden="true">›</span>
      </p>
      <ProfileHeader profile={profile} canWrite={editable} onSaved={setProfile} />
      {!canWrite && (
        <p className="notice" role="note">
          {roleNote}
        </p>
      )}
      {profile.erasedAt && (
        <p className="notice" role="note">
          This customer’s personal data was erased on {new Date(profile.erasedAt).toLocaleString()}; the
          profile is read-only.
        </p>
      )}
      {status && (
        <p ref={statusRef} role="status" tabIndex={-1} className="success">
          {status.text}{' '}
          {status.link && (
            <Link to={`/customers/${encodeURIComponent(status.link.id)}`}>
              Open {status.link.displayName}
            </Link>
          )}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="profile-grid">
        <div className="profile-col">
          <PossibleDuplicates
            profile={profile}
            canWrite={editable}
            onMerged={(_merge, into, from) => {
              if (into.id === profile.id) {
                announce(
                  `Merged ${from.displayName} into ${profile.displayName}. You can undo it under Merges.`,
                  undefined,
                  true,
                );
                void refresh();
              } else {
                // This profile was the one merged away: carry on with the one that remains.
                navigate(`/customers/${encodeURIComponent(into.id)}`, {
                  state: {
                    status: `Merged ${profile.displayName} into ${into.displayName}. You can undo it under Merges.`,
                  },
                });
              }
            }}
            onRejected={(other) =>
              announce(
                `Kept ${profile.displayName} and ${other.displayName} apart: they will not be suggested again.`,
                undefined,
                true,
              )
            }
          />
          <IdentitiesSection
            profile={profile}
            canWrite={editable}
            onAdded={(text) => {
              announce(text);
              void refresh();
            }}
          />
          <SocialSection profile={profile} />
          <AttributesSection
            profile={profile}
            definitions={definitions}
            canWrite={editable}
            onSaved={setProfile}
          />
          <ListsSection profile={profile} canWrite={editable} />
        </div>
        <div className="profile-col">
          <ActivitySection profile={profile} />
          <ServiceHistorySection bin={profile.serviceHistory} />
          <TransactionsSection bin={profile.transactions} />
          <EventsSection bin={profile.events} />
          <ConsentSection
            profile={profile}
            canWrite={canWrite}
            onRecorded={(text) => {
              announce(text);
              void reload();
            }}
          />
          <PrivacySection profile={profile} onErased={() => void refresh()} />
          {profile.influence && <InfluenceSection influence={profile.influence} />}
          <MergesSection
            profile={profile}
            canWrite={editable}
            onUndone={(restored) => {
              announce(`Undone: ${restored.displayName} is a separate customer again.`, restored, true);
              void refresh();
            }}
          />
          <MergeAnother
            profile={profile}
            canWrite={editable}
            onMerged={(fromName) => {
              announce(`Merged ${fromName} into ${profile.displayName}. You can undo it under Merges.`);
              void refresh();
            }}
          />
        </div>
      </div>
      <section className="profile-section timeline" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        {timelineError && (
          <p role="alert" className="error">
            {timelineError}
          </p>
        )}
        {timeline === null ? (
          <p className="muted">Loading…</p>
        ) : timeline.length === 0 ? (
          <p className="notice">Nothing has happened with this customer yet.</p>
        ) : (
          <ol className="timeline-list" aria-label="Timeline">
            {timeline.map((item) => (
              <li key={item.id} className={`timeline-item kind-${item.kind}`}>
                {item.kind === 'mention' && item.mention ? (
                  <MentionCard mention={item.mention} queries={queries} topics={topics} />
                ) : (
                  <div className="timeline-event">
                    <span className={`chip event-${item.kind}`}>{label(item.kind)}</span>
                    {item.kind === 'case' ? (
                      <Link className="timeline-summary" to={`/inbox/${item.id.slice('case:'.length)}`}>
                        {item.summary}
                      </Link>
                    ) : item.kind === 'lead' ? (
                      <Link className="timeline-summary" to={`/sales/leads/${item.id.slice('lead:'.length)}`}>
                        {item.summary}
                      </Link>
                    ) : item.kind === 'survey_answer' && item.survey ? (
                      <SurveyAnswerSummary answer={item.survey} />
                    ) : (
                      <span className="timeline-summary">{item.summary}</span>
                    )}
                    <Ago at={item.at} />
                  </div>
                )}
              </li>
            ))}
          </ol>
        )}
        {cursor && (
          <button type="button" className="secondary load-more" onClick={() => void loadTimeline(cursor)}>
            Load more
          </button>
        )}
      </section>
    </section>
  );
}

/** A survey answer in the timeline: the score on its scale, the survey, the comment as text, the case. */
function SurveyAnswerSummary({ answer }: { answer: TimelineSurveyAnswer }) {
  return (
    <span className="timeline-summary survey-timeline">
      <strong className="survey-score">
        {answer.score} / {answer.scaleMax}
      </strong>{' '}
      on “{answer.name}”
      {answer.caseId && (
        <>
          {' · '}
          <Link to={`/inbox/${encodeURIComponent(answer.caseId)}`}>
            {answer.caseNumber === null ? 'the case' : `case #${answer.caseNumber}`}
          </Link>
        </>
      )}
      {answer.comment && <q className="survey-comment">{answer.comment}</q>}
    </span>
  );
}

/** Follow the customer: their new cases and leads, merges into them and identities added notify you. */
function FollowButton({
  profile,
  onChanged,
}: {
  profile: CustomerProfile;
  onChanged(p: CustomerProfile): void;
}) {
  const [error, setError] = useState('');
  const following = profile.following ?? false;
  async function toggle() {
    setError('');
    try {
      if (following) await collaborationApi.unfollow('customer', profile.id);
      else await collaborationApi.follow('customer', profile.id);
      onChanged({ ...profile, following: !following });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not change following.');
    }
  }
  return (
    <>
      <button
        type="button"
        className={following ? 'secondary active' : 'secondary'}
        aria-pressed={following}
        title="Be notified of this customer's new cases and leads, merges and identities"
        onClick={() => void toggle()}
      >
        {following ? 'Following' : 'Follow'}
      </button>
      {error && (
        <span role="alert" className="field-error">
          {error}
        </span>
      )}
    </>
  );
}

function ProfileHeader({
  profile,
  canWrite,
  onSaved,
}: {
  profile: CustomerProfile;
  canWrite: boolean;
  onSaved(p: CustomerProfile): void;
}) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [bio, setBio] = useState('');
  const [stage, setStage] = useState<LifecycleStage | ''>('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const wasEditing = useRef(false);
  const id = useId();

  useEffect(() => {
    if (editing) nameInput.current?.focus();
    else if (wasEditing.current) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  function start() {
    setName(profile.displayName);
    setEmail(profile.primaryEmail ?? '');
    setBio(profile.bio ?? '');
    setStage(profile.lifecycleStage ?? '');
    setErrors({});
    setEditing(true);
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      onSaved(
        await customersApi.update(profile.id, {
          displayName: name.trim(),
          primaryEmail: email.trim() || null,
          bio: bio.trim() || null,
          // Left out when unchanged, so a server without stages still saves the rest.
          ...((profile.lifecycleStage ?? '') !== stage ? { lifecycleStage: stage || null } : {}),
        }),
      );
      setEditing(false);
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <header className="card profile-header">
      <div className="profile-who">
        <CustomerAvatar name={profile.displayName} large />
        <div className="profile-names">
          <h1>{profile.displayName}</h1>
          {profile.primaryEmail ? (
            <a href={`mailto:${profile.primaryEmail}`}>{profile.primaryEmail}</a>
          ) : (
            <span className="muted">No email</span>
          )}
          <p className="profile-stage">
            <span className="muted small-inline">Lifecycle stage </span>
            {profile.lifecycleStage ? (
              <LifecycleChip stage={profile.lifecycleStage} />
            ) : (
              <span className="muted small-inline">not set</span>
            )}
          </p>
          {profile.bio && <p className="profile-bio">{profile.bio}</p>}
        </div>
        <div className="row">
          <FollowButton profile={profile} onChanged={onSaved} />
          {!editing && (
            <button ref={editButton} type="button" className="secondary" disabled={!canWrite} onClick={start}>
              Edit
            </button>
          )}
        </div>
      </div>
      <CustomerFigures c={{ ...profile, identities: [], influence: profile.influence?.score ?? null }} />
      {editing && (
        <form className="edit-form" onSubmit={save} aria-label="Edit customer">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            ref={nameInput}
            id={`${id}-name`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={200}
            {...describedBy(`${id}-name`, errors, 'displayName')}
          />
          <FieldError id={`${id}-name`} errors={errors} field="displayName" />
          <label htmlFor={`${id}-email`}>Primary email</label>
          <input
            id={`${id}-email`}
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            {...describedBy(`${id}-email`, errors, 'primaryEmail')}
          />
          <FieldError id={`${id}-email`} errors={errors} field="primaryEmail" />
          <label htmlFor={`${id}-stage`}>Lifecycle stage</label>
          <select
            id={`${id}-stage`}
            value={stage}
            onChange={(e) => setStage(e.target.value as LifecycleStage | '')}
            {...describedBy(`${id}-stage`, errors, 'lifecycleStage')}
          >
            <option value="">Not set</option>
            {lifecycleStages.map((s) => (
              <option key={s} value={s}>
                {lifecycleLabels[s]}
              </option>
            ))}
          </select>
          <FieldError id={`${id}-stage`} errors={errors} field="lifecycleStage" />
          <label htmlFor={`${id}-bio`}>Bio</label>
          <textarea
            id={`${id}-bio`}
            className="prose"
            rows={3}
            value={bio}
            onChange={(e) => setBio(e.target.value)}
            maxLength={4000}
            {...describedBy(`${id}-bio`, errors, 'bio')}
          />
          <FieldError id={`${id}-bio`} errors={errors} field="bio" />
          {errors.form && (
            <p role="alert" className="error">
              {errors.form}
            </p>
          )}
          <div className="row">
            <button type="submit" disabled={busy || !name.trim()}>
              {busy ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </header>
  );
}

function IdentitiesSection({
  profile,
  canWrite,
  onAdded,
}: {
  profile: CustomerProfile;
  canWrite: boolean;
  onAdded(text: string): void;
}) {
  const [kind, setKind] = useState<'email' | 'phone'>('email');
  const [value, setValue] = useState('');
  const [verified, setVerified] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  /** The customer who already has the address, after a conflict. */
  const [owner, setOwner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setOwner(null);
    try {
      const identity = await customersApi.addIdentity(profile.id, { kind, value: value.trim(), verified });
      setValue('');
      setVerified(false);
      onAdded(`Added ${identity.kind} ${identity.handle ?? identity.externalId}.`);
    } catch (err) {
      const fe = fieldErrors(err);
      // A conflict (the identity belongs to someone else) is about the value typed.
      if (fe.form && err instanceof ApiError && (err.status === 409 || err.status === 400)) {
        fe.value = fe.form;
        delete fe.form;
        const other = err.details?.customerId;
        if (err.status === 409 && typeof other === 'string') setOwner(other);
      }
      setErrors(fe);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Identities</h2>
      <ul className="identity-list">
        {profile.identities.map((i) => (
          <li key={i.id} className="identity">
            <span className={`chip channel-${i.channel}`}>{i.channel}</span>
            <span className="identity-handle">
              {i.kind === 'social' && i.handle ? `@${i.handle}` : (i.handle ?? i.externalId)}
            </span>
            {i.verified ? (
              <span className="pill ok">verified</span>
            ) : (
              <span className="pill off">unverified</span>
            )}
            <span className="muted small-inline">
              {i.kind} · from {i.source} · <Ago at={i.createdAt} />
            </span>
            {/* Social accounts carry the person's posts: they move by merge and unmerge only. */}
            {canWrite && i.kind !== 'social' && (
              <ConfirmDelete
                what={i.handle ?? i.externalId}
                disabled={false}
                onConfirm={async () => {
                  await customersApi.removeIdentity(profile.id, i.id);
                  onAdded(`Removed ${i.kind} ${i.handle ?? i.externalId}.`);
                }}
              />
            )}
          </li>
        ))}
      </ul>
      <details className="add-identity">
        <summary>Add email or phone</summary>
        <form onSubmit={add} aria-label="Add email or phone">
          <fieldset disabled={!canWrite} className="plain">
            <div className="inline-fields">
              <div className="narrow">
                <label htmlFor={`${id}-kind`}>Kind</label>
                <select
                  id={`${id}-kind`}
                  value={kind}
                  onChange={(e) => setKind(e.target.value as 'email' | 'phone')}
                >
                  <option value="email">Email</option>
                  <option value="phone">Phone</option>
                </select>
              </div>
              <div>
                <label htmlFor={`${id}-value`}>{kind === 'email' ? 'Email address' : 'Phone number'}</label>
                <input
                  id={`${id}-value`}
                  type={kind === 'email' ? 'email' : 'tel'}
                  value={value}
                  onChange={(e) => setValue(e.target.value)}
                  required
                  {...describedBy(`${id}-value`, errors, 'value')}
                />
              </div>
            </div>
            <FieldError id={`${id}-value`} errors={errors} field="value" />
            {owner && errors.value && (
              <p className="hint">
                <Link to={`/customers/${encodeURIComponent(owner)}`}>Open that customer</Link>; if they are
                the same person, merge them into this profile below.
              </p>
            )}
            <label className="check" htmlFor={`${id}-verified`}>
              <input
                id={`${id}-verified`}
                type="checkbox"
                checked={verified}
                onChange={(e) => setVerified(e.target.checked)}
              />{' '}
              Verified (you confirmed it belongs to this person)
            </label>
            {errors.form && (
              <p role="alert" className="error">
                {errors.form}
              </p>
            )}
            <div className="row">
              <button type="submit" disabled={!canWrite || busy || !value.trim()}>
                {busy ? 'Adding…' : 'Add identity'}
              </button>
            </div>
          </fieldset>
        </form>
      </details>
    </section>
  );
}

/** The links that are web addresses (the server keeps only those; a `javascript:` one is never a link here). */
function webLinks(links: SocialLink[] | undefined): SocialLink[] {
  return (links ?? []).filter((l) => /^https?:\/\//i.test(l.url));
}

/** An address as a person reads it: without the scheme and a trailing slash. */
function linkText(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

function SocialSection({ profile }: { profile: CustomerProfile }) {
  const id = useId();
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Social</h2>
      {profile.social.length === 0 ? (
        <p className="notice">No social accounts known.</p>
      ) : (
        <ul className="social-list">
          {profile.social.map((s) => (
            <li key={`${s.channel}-${s.handle}`} className="social">
              <div className="social-head">
                <span className={`chip channel-${s.channel}`}>{s.channel}</span>
                {s.profileUrl ? (
                  <a href={s.profileUrl} rel="noopener noreferrer" target="_blank">
                    @{s.handle}
                    <span className="visually-hidden"> (profile on {s.channel}, opens in a new tab)</span>
                  </a>
                ) : (
                  <span>@{s.handle}</span>
                )}
                {s.displayName && <span className="muted"> {s.displayName}</span>}
              </div>
              {/* Written by the account's owner: rendered as text (React escapes it), never as HTML. */}
              {s.bio && <p className="social-bio">{s.bio}</p>}
              {webLinks(s.links).length > 0 && (
                <ul className="social-links" aria-label={`Links of @${s.handle}`}>
                  {webLinks(s.links).map((l) => (
                    <li key={l.url}>
                      <a href={l.url} rel="noopener noreferrer nofollow" target="_blank">
                        {l.label ? `${l.label}: ` : ''}
                        {linkText(l.url)}
                        <span className="visually-hidden"> (opens in a new tab)</span>
                      </a>
                      {l.verified && (
                        <span
                          className="pill ok"
                          title={`${s.channel} checked that this page links back to the account`}
                        >
                          verified
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
              <dl className="figures">
                <div>
                  <dt>followers</dt>
                  <dd>{s.followers == null ? '—' : compact.format(s.followers)}</dd>
                </div>
                <div>
                  <dt>mentions</dt>
                  <dd>{s.mentions}</dd>
                </div>
                <div>
                  <dt>last mention</dt>
                  <dd>
                    <Ago at={s.lastMentionAt} />
                  </dd>
                </div>
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function ActivitySection({ profile }: { profile: CustomerProfile }) {
  const id = useId();
  const s = profile.sentiment;
  const maxSentiment = Math.max(s.negative, s.neutral, s.positive);
  const intents = Object.entries(profile.intents)
    // "other" means no intent was recognised; the mention badges leave it out too.
    .filter(([intent, n]) => n > 0 && intent !== 'other')
    .sort((a, b) => b[1] - a[1]);
  const maxIntent = Math.max(0, ...intents.map(([, n]) => n));
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>What they say</h2>
      <h3 className="why-kind">Sentiment of their mentions</h3>
      <div className="counts">
        <CountBar label="negative" value={s.negative} max={maxSentiment} tone="negative" />
        <CountBar label="neutral" value={s.neutral} max={maxSentiment} tone="neutral" />
        <CountBar label="positive" value={s.positive} max={maxSentiment} tone="positive" />
      </div>
      <h3 className="why-kind">Intents</h3>
      {intents.length === 0 ? (
        <p className="muted small">No intents detected.</p>
      ) : (
        <div className="counts">
          {intents.map(([intent, n]) => (
            <CountBar key={intent} label={label(intent)} value={n} max={maxIntent} tone="intent" />
          ))}
        </div>
      )}
    </section>
  );
}

function InfluenceSection({ influence }: { influence: NonNullable<CustomerProfile['influence']> }) {
  const id = useId();
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Influence</h2>
      <p>
        <strong className="big-figure">{Math.round(influence.score)}</strong>
        <span className="muted"> / 100 · PageRank {influence.pagerank.toFixed(4)}</span>
      </p>
      {influence.reasons.length > 0 && (
        <ul className="reasons">
          {influence.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Form text for a stored attribute value. */
function toText(def: AttributeDefinition, v: AttributeValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (def.type === 'boolean') return v ? 'true' : 'false';
  if (def.type === 'date') return String(v).slice(0, 10);
  return String(v);
}

/** A form value as the API expects it for the attribute's type. */
function fromText(def: AttributeDefinition, text: string): AttributeValue {
  if (text === '') return null;
  if (def.type === 'number') return Number(text);
  if (def.type === 'boolean') return text === 'true';
  return text;
}

/** Errors of an attributes save, by attribute key (the API names the attribute). */
function attributeErrors(err: unknown, defs: AttributeDefinition[]): FieldErrors {
  if (!(err instanceof ApiError)) return { form: 'Something went wrong. Try again.' };
  const keys = new Set(defs.map((d) => d.key));
  const out: FieldErrors = {};
  for (const [path, msg] of Object.entries(err.fields)) {
    const key = path.replace(/^attributes\./, '').split('.')[0] ?? '';
    if (keys.has(key)) out[key] = msg;
    else out.form = out.form ? `${out.form}; ${msg}` : msg;
  }
  if (Object.keys(out).length > 0) return out;
  const named = err.details?.attribute ?? err.details?.key;
  if (typeof named === 'string' && keys.has(named)) return { [named]: err.message };
  const mentioned = defs.find((d) => new RegExp(`\\b${d.key}\\b`).test(err.message));
  return mentioned ? { [mentioned.key]: err.message } : { form: err.message };
}

function AttributesSection({
  profile,
  definitions,
  canWrite,
  onSaved,
}: {
  profile: CustomerProfile;
  definitions: AttributeDefinition[];
  canWrite: boolean;
  onSaved(p: CustomerProfile): void;
}) {
  const initial = useMemo(
    () => Object.fromEntries(definitions.map((d) => [d.key, toText(d, profile.attributes[d.key])])),
    [definitions, profile.attributes],
  );
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId();
  useEffect(() => setValues(initial), [initial]);

  const changed = definitions.filter((d) => (values[d.key] ?? '') !== (initial[d.key] ?? ''));

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setSaved('');
    try {
      const attributes = Object.fromEntries(changed.map((d) => [d.key, fromText(d, values[d.key] ?? '')]));
      onSaved(await customersApi.update(profile.id, { attributes }));
      setSaved('Attributes saved.');
    } catch (err) {
      setErrors(attributeErrors(err, definitions));
    } finally {
      setBusy(false);
    }
  }

  const set = (key: string, v: string) => {
    setValues((prev) => ({ ...prev, [key]: v }));
    setSaved('');
  };

  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Attributes</h2>
      {definitions.length === 0 ? (
        <p className="notice">
          No custom attributes are defined. Owners and admins define them in{' '}
          <Link to="/settings/customer-attributes">Settings → Customer attributes</Link>.
        </p>
      ) : (
        <form onSubmit={save} aria-label="Attributes" noValidate>
          <fieldset disabled={!canWrite} className="plain attribute-fields">
            {definitions.map((d) => {
              const fid = `${id}-${d.key}`;
              const v = values[d.key] ?? '';
              const common = {
                id: fid,
                value: v,
                ...describedBy(fid, errors, d.key),
              };
              return (
                <div key={d.id} className="attribute-field">
                  <label htmlFor={fid}>{d.label}</label>
                  {d.type === 'boolean' ? (
                    <select {...common} onChange={(e) => set(d.key, e.target.value)}>
                      <option value="">—</option>
                      <option value="true">Yes</option>
                      <option value="false">No</option>
                    </select>
                  ) : d.type === 'choice' ? (
                    <select {...common} onChange={(e) => set(d.key, e.target.value)}>
                      <option value="">—</option>
                      {d.choices.map((c) => (
                        <option key={c} value={c}>
                          {c}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      {...common}
                      type={d.type === 'number' ? 'number' : d.type === 'date' ? 'date' : 'text'}
                      step={d.type === 'number' ? 'any' : undefined}
                      inputMode={d.type === 'number' ? 'decimal' : undefined}
                      onChange={(e) => set(d.key, e.target.value)}
                    />
                  )}
                  <FieldError id={fid} errors={errors} field={d.key} />
                </div>
              );
            })}
          </fieldset>
          {errors.form && (
            <p role="alert" className="error">
              {errors.form}
            </p>
          )}
          <div className="row">
            <button type="submit" disabled={!canWrite || busy || changed.length === 0}>
              {busy ? 'Saving…' : 'Save attributes'}
            </button>
            <span role="status" className="success-inline">
              {saved}
            </span>
          </div>
        </form>
      )}
    </section>
  );
}

function MergesSection({
  profile,
  canWrite,
  onUndone,
}: {
  profile: CustomerProfile;
  canWrite: boolean;
  onUndone(restored: CustomerSummary): void;
}) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const id = useId();

  async function undo(mergeId: string) {
    setBusy(mergeId);
    setError('');
    try {
      const r = await customersApi.unmerge(mergeId);
      onUndone(r.restored);
    } catch (err) {
      setError(message(err, 'Could not undo the merge.'));
    } finally {
      setBusy('');
    }
  }

  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Merges</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {profile.merges.length === 0 ? (
        <p className="notice">No other profile has been merged into this one.</p>
      ) : (
        <ul className="merge-list">
          {profile.merges.map((m) => (
            <li key={m.id} className="merge">
              <div className="merge-head">
                <span>
                  <strong>{m.fromName}</strong> merged in{' '}
                  <time dateTime={m.createdAt} className="muted">
                    {formatDate(m.createdAt)}
                  </time>
                  {!m.actorUserId && <span className="muted"> (automatic)</span>}
                </span>
                {m.undoneAt ? (
                  <span className="pill off">undone {formatDate(m.undoneAt)}</span>
                ) : (
                  <button
                    type="button"
                    className="secondary compact"
                    disabled={!canWrite || busy === m.id}
                    aria-label={`Undo merge of ${m.fromName}`}
                    onClick={() => void undo(m.id)}
                  >
                    {busy === m.id ? 'Undoing…' : 'Undo'}
                  </button>
                )}
              </div>
              {m.evidence.length > 0 && (
                <ul className="evidence">
                  {m.evidence.map((e) => (
                    <EvidenceItem key={e} text={e} />
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function MergeAnother({
  profile,
  canWrite,
  onMerged,
}: {
  profile: CustomerProfile;
  canWrite: boolean;
  onMerged(fromName: string): void;
}) {
  const [search, setSearch] = useState('');
  const query = useDebounced(search);
  const [results, setResults] = useState<CustomerSummary[]>([]);
  const [picked, setPicked] = useState<CustomerSummary | null>(null);
  const [evidence, setEvidence] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const searchInput = useRef<HTMLInputElement>(null);
  const id = useId();

  useEffect(() => {
    if (!query.trim()) {
      setResults([]);
      return;
    }
    let current = true;
    customersApi
      .list(query, undefined, 8)
      .then((r) => current && setResults(r.items.filter((c) => c.id !== profile.id)))
      .catch(() => current && setResults([]));
    return () => {
      current = false;
    };
  }, [query, profile.id]);

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  async function merge() {
    if (!picked) return;
    setBusy(true);
    setError('');
    try {
      await customersApi.merge(profile.id, {
        from: picked.id,
        ...(evidence.trim() ? { evidence: evidence.trim() } : {}),
      });
      const name = picked.displayName;
      setPicked(null);
      setSearch('');
      setResults([]);
      setEvidence('');
      setConfirming(false);
      onMerged(name);
      // The confirm buttons are gone: keep focus in the form, ready for another merge.
      searchInput.current?.focus();
    } catch (err) {
      setError(message(err, 'Could not merge.'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="card profile-section merge-another">
      <summary>Merge another customer into this one</summary>
      <fieldset disabled={!canWrite} className="plain">
        <label htmlFor={`${id}-search`}>Find the customer to merge</label>
        <input
          ref={searchInput}
          id={`${id}-search`}
          type="search"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setConfirming(false);
          }}
          placeholder="Name, handle or email"
        />
        {query.trim() && results.length === 0 && <p className="muted small">No other customer matches.</p>}
        {results.length > 0 && (
          <fieldset className="plain pick-list">
            <legend className="visually-hidden">Customer to merge into {profile.displayName}</legend>
            {results.map((c) => (
              <label key={c.id} className={picked?.id === c.id ? 'pick checked' : 'pick'}>
                <input
                  type="radio"
                  name={`${id}-pick`}
                  value={c.id}
                  checked={picked?.id === c.id}
                  onChange={() => {
                    setPicked(c);
                    setConfirming(false);
                  }}
                />
                <CustomerAvatar name={c.displayName} />
                <span className="pick-who">
                  <strong>{c.displayName}</strong>
                  <ChannelChips identities={c.identities} />
                </span>
              </label>
            ))}
          </fieldset>
        )}
        <label htmlFor={`${id}-evidence`}>Evidence note (optional)</label>
        <textarea
          id={`${id}-evidence`}
          className="prose"
          rows={2}
          value={evidence}
          onChange={(e) => setEvidence(e.target.value)}
          placeholder="e.g. Confirmed by email that both accounts are theirs"
          maxLength={500}
        />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {confirming && picked ? (
          <fieldset className="plain confirm-box">
            <legend className="visually-hidden">Confirm merge</legend>
            <p>
              Merge <strong>{picked.displayName}</strong> into <strong>{profile.displayName}</strong>? Their
              identities, mentions and history move to this profile. You can undo it later.
            </p>
            <div className="row">
              <button ref={confirmButton} type="button" disabled={busy} onClick={() => void merge()}>
                {busy ? 'Merging…' : 'Yes, merge'}
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </fieldset>
        ) : (
          <div className="row">
            <button type="button" disabled={!canWrite || !picked} onClick={() => setConfirming(true)}>
              Merge…
            </button>
          </div>
        )}
      </fieldset>
    </details>
  );
}

/** Adds the customer to a static list. */
function ListsSection({ profile, canWrite }: { profile: CustomerProfile; canWrite: boolean }) {
  const id = useId();
  const { lists, unavailable } = useStaticLists();
  if (unavailable) return null;
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Lists</h2>
      {lists === null ? (
        <p className="muted small">Loading…</p>
      ) : (
        <div className="row">
          <AddToList customerIds={[profile.id]} disabled={!canWrite} lists={lists} />
        </div>
      )}
      <p className="hint">
        Dynamic segments need no adding: see who matches under{' '}
        <Link to="/customers/segments">Customers → Segments</Link>.
      </p>
    </section>
  );
}
