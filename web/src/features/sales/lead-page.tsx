import { useCallback, useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { collaborationApi, type RecordEvent } from '../../api/collaboration.ts';
import { type LeadDetail, salesApi, salesConfigurers, salesWorkers } from '../../api/sales.ts';
import { ApiError } from '../../api.ts';
import { ActivityList } from '../../components/activity-list.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { Ago } from '../customers/customer-bits.tsx';
import { CustomerSection, PostsSection } from './lead-customer-sections.tsx';
import { FieldsSection } from './lead-fields-section.tsx';
import { ContactForm, HandoffSection } from './lead-handoff-section.tsx';
import { OpportunitiesSection } from './lead-opportunities-section.tsx';
import { ScoreSection } from './lead-score-section.tsx';
import { HandoffBadge, leadFeedLine, ScoreBadge, stageLabels, useOwners } from './sales-bits.tsx';

const errorText = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);

export function LeadPage() {
  const { id = '' } = useParams();
  const { session } = useSession();
  usePageTitle('Lead');
  if (session && !salesWorkers.includes(session.user.role)) {
    return (
      <section className="page">
        <h1>Lead</h1>
        <p className="notice">
          Your role ({session.user.role}) does not include sales. Ask an owner or admin.
        </p>
      </section>
    );
  }
  return <Lead key={id} id={id} />;
}

function Lead({ id }: { id: string }) {
  const { session } = useSession();
  const me = session?.user.id;
  const canConfigure = !!session && salesConfigurers.includes(session.user.role);
  const owners = useOwners();
  const [lead, setLead] = useState<LeadDetail | null>(null);
  const [feed, setFeed] = useState<RecordEvent[]>([]);
  const [feedCursor, setFeedCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  const location = useLocation();
  const navigate = useNavigate();
  // What the page that sent us here did ("Lead 12 created."), said once.
  const [saved, setSaved] = useState((location.state as { status?: string } | null)?.status ?? '');
  useEffect(() => {
    if (location.state) navigate(location.pathname, { replace: true, state: null });
  }, [location, navigate]);

  const reload = useCallback(async () => {
    try {
      const [l, f] = await Promise.all([salesApi.lead(id), collaborationApi.feed('lead', id)]);
      setLead(l);
      setFeed(f.items);
      setFeedCursor(f.nextCursor);
    } catch (err) {
      setError(errorText(err, 'Could not load the lead.'));
    }
  }, [id]);

  useEffect(() => {
    void reload();
  }, [reload]);

  useEffect(() => {
    if (lead) document.title = `Lead ${lead.number} ${lead.title} · Rapport`;
  }, [lead]);

  /** Runs a change, says what happened, and reads the lead and its feed again. */
  const act = useCallback(
    async (run: () => Promise<unknown>, done: string, fallback: string): Promise<boolean> => {
      setError('');
      setSaved('');
      try {
        await run();
        // Said once the page shows the change, so what it says and what is shown agree.
        await reload();
        setSaved(done);
        return true;
      } catch (err) {
        setError(errorText(err, fallback));
        return false;
      }
    },
    [reload],
  );

  if (!lead) {
    return (
      <section className="page" aria-busy="true">
        <p>
          <Link to="/sales">Back to the pipeline</Link>
        </p>
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
  const open = lead.status === 'open';
  return (
    <article className="page wide lead-page" aria-labelledby="lead-title">
      <p className="breadcrumb">
        <Link to="/sales">Sales pipeline</Link> › Lead {lead.number}
      </p>
      <header className="lead-head">
        <div>
          <h1 id="lead-title">
            <span className="muted">#{lead.number}</span> {lead.title}
          </h1>
          <div className="case-chips">
            <span className="chip stage">{stageLabels[lead.stage]}</span>
            {lead.status !== 'open' && (
              <span className={`chip lead-status status-${lead.status}`}>
                {lead.status === 'won' ? 'Won' : 'Disqualified'}
              </span>
            )}
            <ScoreBadge score={lead.score} />
            <HandoffBadge lead={lead} me={me} />
            <span className="muted small-inline">
              created <Ago at={lead.createdAt} /> · source {lead.source}
            </span>
          </div>
        </div>
        <button
          type="button"
          className="secondary compact"
          aria-pressed={lead.following}
          onClick={() =>
            void act(
              () =>
                lead.following
                  ? collaborationApi.unfollow('lead', lead.id)
                  : collaborationApi.follow('lead', lead.id),
              lead.following
                ? 'You no longer follow this lead'
                : 'You follow this lead: its changes notify you',
              'Could not change following.',
            )
          }
        >
          {lead.following ? 'Following' : 'Follow'}
        </button>
      </header>
      {lead.status === 'disqualified' && (
        <p className="notice">Disqualified: {lead.disqualifyReason ?? 'no reason given'}.</p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {saved}
      </p>
      <div className="lead-grid">
        <div className="lead-main">
          <ScoreSection
            lead={lead}
            onRescore={() => act(() => salesApi.rescore(lead.id), 'Score updated', 'Could not rescore.')}
          />
          <HandoffSection lead={lead} me={me} canConfigure={canConfigure} owners={owners} act={act} />
          {open && <ContactForm lead={lead} act={act} />}
          <OpportunitiesSection lead={lead} act={act} />
          <PostsSection lead={lead} />
          <section className="case-feed" aria-labelledby="lead-feed-title">
            <h2 id="lead-feed-title">Activity</h2>
            <ActivityList
              events={feed}
              lineOf={(e) => leadFeedLine(e, owners)}
              empty="Nothing has happened on this lead yet."
            />
            {feedCursor && (
              <button
                type="button"
                className="secondary compact"
                onClick={() =>
                  void collaborationApi
                    .feed('lead', lead.id, feedCursor)
                    .then((f) => {
                      setFeed((prev) => [...prev, ...f.items]);
                      setFeedCursor(f.nextCursor);
                    })
                    .catch((err) => setError(errorText(err, 'Could not load older activity.')))
                }
              >
                Older activity
              </button>
            )}
          </section>
        </div>
        <aside className="lead-side" aria-label="Lead details">
          <CustomerSection lead={lead} />
          <FieldsSection lead={lead} owners={owners} act={act} />
        </aside>
      </div>
    </article>
  );
}

export type Act = (run: () => Promise<unknown>, done: string, fallback: string) => Promise<boolean>;
