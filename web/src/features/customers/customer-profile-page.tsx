import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { analysisApi, type Topic } from '../../api/analysis.ts';
import {
  type AttributeDefinition,
  type CustomerProfile,
  type CustomerSummary,
  customersApi,
  type TimelineItem,
  type TimelineSurveyAnswer,
} from '../../api/customers.ts';
import { inboxWorkers } from '../../api/inbox.ts';
import { type ListeningQuery, listeningApi } from '../../api/listening.ts';
import { salesWorkers } from '../../api/sales.ts';
import { ApiError } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { MentionCard } from '../listening/mention-card.tsx';
import { CustomerLeadsSection } from '../sales/customer-leads-section.tsx';
import { EventsSection, ServiceHistorySection, TransactionsSection } from './activity-bins.tsx';
import { AttributesSection } from './attributes-section.tsx';
import { Ago, roleNote } from './customer-bits.tsx';
import { useCanWriteCustomers } from './customers-page.tsx';
import { IdentitiesSection } from './identities-section.tsx';
import { MergeAnother, MergesSection } from './merges-section.tsx';
import { PossibleDuplicates } from './possible-duplicates.tsx';
import { ConsentSection, PrivacySection } from './privacy-sections.tsx';
import { ProfileHeader } from './profile-header.tsx';
import { ActivitySection, InfluenceSection, ListsSection, SocialSection } from './profile-sections.tsx';

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);
const label = (s: string) => s.replaceAll('_', ' ');

export function CustomerProfilePage() {
  const { id = '' } = useParams();
  const canWrite = useCanWriteCustomers();
  const { session } = useSession();
  const canSell = !!session && salesWorkers.includes(session.user.role);
  const canWorkCases = !!session && inboxWorkers.includes(session.user.role);
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
          <ServiceHistorySection
            bin={profile.serviceHistory}
            openFor={canWorkCases && profile.erasedAt === null ? profile.id : undefined}
          />
          {canSell && <CustomerLeadsSection customerId={profile.id} canCreate={profile.erasedAt === null} />}
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
