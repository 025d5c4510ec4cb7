import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import {
  ApiError,
  type ContactChannel,
  collaborationApi,
  contactChannels,
  formatDate,
  type LeadDetail,
  type LeadStage,
  leadStages,
  type Opportunity,
  type OpportunityStage,
  opportunityStages,
  type RecordEvent,
  salesApi,
  salesConfigurers,
  salesWorkers,
} from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { Ago, ChannelChips } from '../customers/customer-bits.tsx';
import { useNow } from '../inbox/inbox-bits.tsx';
import { formatMoney, parseAmount } from './money.ts';
import {
  formatDuration,
  HandoffBadge,
  leadFeedLine,
  type Owners,
  opportunityStageLabels,
  ScoreBadge,
  stageLabels,
  useOwners,
} from './sales-bits.tsx';

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
  const [saved, setSaved] = useState('');

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
            {feed.length === 0 ? (
              <p className="muted">Nothing has happened on this lead yet.</p>
            ) : (
              <ol className="feed-list">
                {feed.map((e) => {
                  const line = leadFeedLine(e, owners);
                  return (
                    <li key={e.id} className={`feed-event kind-${e.kind}`}>
                      <span className="feed-text">{line.text}</span>
                      {line.detail && <span className="feed-detail">{line.detail}</span>}
                      <span className="muted small-inline">
                        <Ago at={e.createdAt} />
                      </span>
                    </li>
                  );
                })}
              </ol>
            )}
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

type Act = (run: () => Promise<unknown>, done: string, fallback: string) => Promise<boolean>;

function CustomerSection({ lead }: { lead: LeadDetail }) {
  const c = lead.customer;
  return (
    <section className="card" aria-labelledby="lead-customer-title">
      <h2 id="lead-customer-title" className="card-title">
        Customer
      </h2>
      {!c ? (
        <p className="muted">The customer could not be read.</p>
      ) : (
        <>
          <p>
            <strong>{c.displayName}</strong>
            {c.primaryEmail && <span className="muted"> · {c.primaryEmail}</span>}
          </p>
          <ChannelChips identities={c.identities} />
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
              <dd>
                <Ago at={c.lastSeenAt} />
              </dd>
            </div>
          </dl>
          {lead.segments.length > 0 && (
            <p>
              <span className="small-label">Segments </span>
              <span className="chip-list">
                {lead.segments.map((s) => (
                  <span key={s.id} className="chip">
                    {s.name}
                  </span>
                ))}
              </span>
            </p>
          )}
          <p>
            <Link to={`/customers/${c.id}`}>Open {c.displayName}’s profile</Link>
          </p>
        </>
      )}
      {lead.caseId && (
        <p>
          <Link to={`/inbox/${lead.caseId}`}>Open the case this lead came from</Link>
        </p>
      )}
    </section>
  );
}

function FieldsSection({ lead, owners, act }: { lead: LeadDetail; owners: Owners; act: Act }) {
  const id = useId();
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const open = lead.status === 'open';
  const ownerKnown = !lead.ownerUserId || owners.items.some((o) => o.id === lead.ownerUserId);

  async function disqualify(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    try {
      await salesApi.updateLead(lead.id, { status: 'disqualified', disqualifyReason: reason.trim() });
      setReason('');
      await act(async () => undefined, 'Lead disqualified', '');
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        Stage and owner
      </h2>
      <label htmlFor={`${id}-stage`}>Lifecycle stage</label>
      <select
        id={`${id}-stage`}
        value={lead.stage}
        onChange={(e) => {
          const stage = e.target.value as LeadStage;
          void act(
            () => salesApi.updateLead(lead.id, { stage }),
            `Stage set to ${stageLabels[stage]}`,
            'Could not change the stage.',
          );
        }}
      >
        {leadStages.map((s) => (
          <option key={s} value={s}>
            {stageLabels[s]}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-owner`}>Owner</label>
      <select
        id={`${id}-owner`}
        value={lead.ownerUserId ?? ''}
        onChange={(e) => {
          const ownerUserId = e.target.value || null;
          void act(
            () => salesApi.updateLead(lead.id, { ownerUserId }),
            ownerUserId ? `Owner set to ${owners.nameOf(ownerUserId)}` : 'Owner removed',
            'Could not change the owner.',
          );
        }}
      >
        <option value="">No owner</option>
        {!ownerKnown && lead.ownerUserId && (
          <option value={lead.ownerUserId}>{lead.owner?.name ?? 'a colleague'}</option>
        )}
        {owners.items.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name} ({o.role})
          </option>
        ))}
      </select>
      {open ? (
        <details className="lead-disqualify">
          <summary>Disqualify</summary>
          <form onSubmit={(e) => void disqualify(e)} noValidate>
            <label htmlFor={`${id}-reason`}>Why is it not a lead?</label>
            <textarea
              id={`${id}-reason`}
              rows={2}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              {...describedBy(`${id}-reason`, errors, 'disqualifyReason')}
            />
            <FieldError id={`${id}-reason`} errors={errors} field="disqualifyReason" />
            {errors.form && (
              <p role="alert" className="error">
                {errors.form}
              </p>
            )}
            <button type="submit" className="secondary compact">
              Disqualify lead
            </button>
          </form>
        </details>
      ) : lead.status === 'disqualified' ? (
        <div className="row">
          <button
            type="button"
            className="secondary compact"
            onClick={() =>
              void act(
                () => salesApi.updateLead(lead.id, { status: 'open' }),
                'Lead reopened',
                'Could not reopen the lead.',
              )
            }
          >
            Reopen lead
          </button>
        </div>
      ) : null}
    </section>
  );
}

/** Contributions listed before "Show more": the score's main reasons. */
const SCORE_ROWS = 8;

function ScoreSection({ lead, onRescore }: { lead: LeadDetail; onRescore(): Promise<boolean> }) {
  const x = lead.explanation;
  const [busy, setBusy] = useState(false);
  const [all, setAll] = useState(false);
  const round = (n: number) => Math.round(n * 10) / 10;
  // The biggest contributions first, a few of them until asked: handoff and contact stay in view.
  const ranked = [...x.contributions].sort((a, b) => b.decayedPoints - a.decayedPoints);
  const shown = all ? ranked : ranked.slice(0, SCORE_ROWS);
  const folded = ranked.slice(shown.length);
  return (
    <section className="card lead-score" aria-labelledby="lead-score-title">
      <div className="card-head-row">
        <h2 id="lead-score-title" className="card-title">
          Score {Math.round(lead.score)} <span className="muted">of 100</span>
        </h2>
        <button
          type="button"
          className="secondary compact"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void onRescore().finally(() => setBusy(false));
          }}
        >
          Rescore now
        </button>
      </div>
      {lead.scoredAt && x.halfLifeDays > 0 ? (
        <p>
          Fit <strong>{round(x.fit)}</strong> of 50{x.fitCapped ? ' (capped)' : ''} + engagement{' '}
          <strong>{round(x.engagement)}</strong> of 50{x.engagementCapped ? ' (capped)' : ''}. Engagement
          halves every {x.halfLifeDays} {x.halfLifeDays === 1 ? 'day' : 'days'}.
          <span className="muted">
            {' '}
            Scored <Ago at={lead.scoredAt} />.
          </span>
        </p>
      ) : lead.scoredAt ? (
        // Erasing the customer's personal data removes the explanation and keeps the figures.
        <p>This score's explanation is not kept: it was removed with the customer's personal data.</p>
      ) : (
        <p>Not scored yet: leads are scored every 5 minutes, or now with "Rescore now".</p>
      )}
      {x.behaviourWithheld && (
        <p className="notice">
          Website behaviour is not counted: the customer has not consented to profiling.
        </p>
      )}
      {x.contributions.length === 0 ? (
        <p className="muted">Nothing counts towards the score yet.</p>
      ) : (
        <table className="table score-table">
          <caption className="visually-hidden">Score explanation</caption>
          <thead>
            <tr>
              <th scope="col">What counts</th>
              <th scope="col">Part</th>
              <th scope="col" className="num">
                Points
              </th>
              <th scope="col" className="num">
                Worth now
              </th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: two posts can share a label and a time; the list is replaced whole
              <tr key={`${c.kind}-${c.label}-${c.at}-${i}`}>
                <td data-label="What counts">{c.label}</td>
                <td data-label="Part">{c.group}</td>
                <td data-label="Points" className="num">
                  {round(c.points)}
                </td>
                <td data-label="Worth now" className="num">
                  {round(c.decayedPoints)}
                </td>
                <td data-label="When">{c.at ? formatDate(c.at) : <span className="muted">standing</span>}</td>
              </tr>
            ))}
            {folded.length > 0 && (
              <tr>
                <td data-label="What counts" colSpan={5}>
                  <button type="button" className="link" onClick={() => setAll(true)}>
                    Show {folded.length} more {folded.length === 1 ? 'signal' : 'signals'} (worth{' '}
                    {round(folded.reduce((sum, c) => sum + c.decayedPoints, 0))} now)
                  </button>
                </td>
              </tr>
            )}
            {x.omitted.count > 0 && (
              <tr>
                <td data-label="What counts">
                  {x.omitted.count} smaller {x.omitted.count === 1 ? 'signal' : 'signals'}
                </td>
                <td data-label="Part">engagement</td>
                <td data-label="Points" className="num">
                  —
                </td>
                <td data-label="Worth now" className="num">
                  {round(x.omitted.decayedPoints)}
                </td>
                <td data-label="When" />
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The clock from the handoff to the first contact: stopped at the contact, or still running. */
function FirstContactClock({ lead }: { lead: LeadDetail }) {
  const now = useNow();
  const h = lead.handoff;
  if (!h.at || h.status === 'none') return null;
  if (h.firstContactAt) {
    const ms = h.handoffToFirstContactMs ?? Date.parse(h.firstContactAt) - Date.parse(h.at);
    return (
      <p className="first-contact done">
        First contact <strong>{formatDuration(ms)}</strong> after the handoff ({formatDate(h.firstContactAt)}
        ).
      </p>
    );
  }
  if (h.status === 'rejected' || lead.status !== 'open') return null;
  return (
    <p className="first-contact running">
      No contact yet: <strong>{formatDuration(now - Date.parse(h.at))}</strong> since the handoff.
    </p>
  );
}

function HandoffSection({
  lead,
  me,
  canConfigure,
  owners,
  act,
}: {
  lead: LeadDetail;
  me: string | undefined;
  canConfigure: boolean;
  owners: Owners;
  act: Act;
}) {
  const id = useId();
  const h = lead.handoff;
  const [to, setTo] = useState('');
  const [note, setNote] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const open = lead.status === 'open';
  const decides = h.status === 'pending' && (h.toUserId === me || canConfigure);

  async function submit(e: FormEvent, run: () => Promise<unknown>, done: string, reset: () => void) {
    e.preventDefault();
    setErrors({});
    try {
      await run();
      reset();
      await act(async () => undefined, done, '');
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }

  return (
    <section className="card lead-handoff" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        Handoff to sales
      </h2>
      {h.status === 'none' && <p className="muted">Not handed off yet.</p>}
      {h.status !== 'none' && (
        <p>
          {h.status === 'pending' ? 'Handed' : 'Was handed'} to <strong>{owners.nameOf(h.toUserId)}</strong>{' '}
          by {owners.nameOf(h.fromUserId)} {h.at && <Ago at={h.at} />}
          {h.status === 'accepted' && <> · accepted {h.decidedAt && <Ago at={h.decidedAt} />}</>}
          {h.status === 'rejected' && <> · rejected {h.decidedAt && <Ago at={h.decidedAt} />}</>}
        </p>
      )}
      {h.note && <blockquote className="handoff-note">{h.note}</blockquote>}
      {h.status === 'rejected' && h.reason && (
        <p className="handoff-reason">
          <strong>Rejected because:</strong> {h.reason}
        </p>
      )}
      <FirstContactClock lead={lead} />
      {open && h.status === 'pending' && !decides && (
        <p className="notice">Waiting for {owners.nameOf(h.toUserId)} to accept or reject it.</p>
      )}
      {open && decides && (
        <div className="handoff-decision">
          <div className="row">
            <button
              type="button"
              onClick={() =>
                void act(
                  () => salesApi.accept(lead.id),
                  'Handoff accepted: the lead is yours',
                  'Could not accept the handoff.',
                )
              }
            >
              Accept handoff
            </button>
            <button
              type="button"
              className="secondary"
              aria-expanded={rejecting}
              onClick={() => setRejecting((r) => !r)}
            >
              Reject…
            </button>
          </div>
          {rejecting && (
            <form
              noValidate
              onSubmit={(e) =>
                void submit(
                  e,
                  () => salesApi.reject(lead.id, reason.trim()),
                  'Handoff rejected',
                  () => {
                    setReason('');
                    setRejecting(false);
                  },
                )
              }
            >
              <label htmlFor={`${id}-reason`}>Reason for rejecting</label>
              <textarea
                id={`${id}-reason`}
                rows={2}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                {...describedBy(`${id}-reason`, errors, 'reason')}
              />
              <FieldError id={`${id}-reason`} errors={errors} field="reason" />
              <button type="submit" className="secondary">
                Reject handoff
              </button>
            </form>
          )}
        </div>
      )}
      {open && h.status !== 'pending' && (
        <form
          className="handoff-form"
          noValidate
          onSubmit={(e) =>
            void submit(
              e,
              () => salesApi.handoff(lead.id, { toUserId: to, note: note.trim() }),
              `Handed off to ${owners.nameOf(to)}`,
              () => {
                setTo('');
                setNote('');
              },
            )
          }
        >
          <label htmlFor={`${id}-to`}>Hand off to</label>
          <select
            id={`${id}-to`}
            value={to}
            onChange={(e) => setTo(e.target.value)}
            {...describedBy(`${id}-to`, errors, 'toUserId')}
          >
            <option value="">Choose a person…</option>
            {owners.items
              .filter((o) => o.id !== me)
              .map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name} ({o.role})
                </option>
              ))}
          </select>
          <FieldError id={`${id}-to`} errors={errors} field="toUserId" />
          <label htmlFor={`${id}-note`}>Note for them</label>
          <textarea
            id={`${id}-note`}
            rows={3}
            value={note}
            placeholder="What they asked for, when, and why it is worth a call"
            onChange={(e) => setNote(e.target.value)}
            {...describedBy(`${id}-note`, errors, 'note')}
          />
          <FieldError id={`${id}-note`} errors={errors} field="note" />
          <button type="submit" disabled={!to}>
            Hand off
          </button>
        </form>
      )}
      {errors.form && (
        <p role="alert" className="error">
          {errors.form}
        </p>
      )}
    </section>
  );
}

function ContactForm({ lead, act }: { lead: LeadDetail; act: Act }) {
  const id = useId();
  const [channel, setChannel] = useState<ContactChannel>('email');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const ok = await act(
      () => salesApi.contact(lead.id, { channel, ...(note.trim() ? { note: note.trim() } : {}) }),
      `Contact by ${channel} logged`,
      'Could not log the contact.',
    );
    if (ok) setNote('');
    setBusy(false);
  }
  return (
    <form className="card lead-contact" aria-labelledby={`${id}-title`} onSubmit={(e) => void submit(e)}>
      <h2 id={`${id}-title`} className="card-title">
        Log a contact
      </h2>
      <div className="grid-form">
        <div>
          <label htmlFor={`${id}-channel`}>Channel</label>
          <select
            id={`${id}-channel`}
            value={channel}
            onChange={(e) => setChannel(e.target.value as ContactChannel)}
          >
            {contactChannels.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-note`}>Note (optional)</label>
          <input id={`${id}-note`} value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
        </div>
        <button type="submit" disabled={busy}>
          Log contact
        </button>
      </div>
    </form>
  );
}

const openStages = ['qualification', 'needs_analysis', 'proposal', 'negotiation'] as const;

function OpportunitiesSection({ lead, act }: { lead: LeadDetail; act: Act }) {
  const id = useId();
  const [name, setName] = useState('');
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState(lead.opportunities[0]?.currency ?? 'EUR');
  const [stage, setStage] = useState<(typeof openStages)[number]>('qualification');
  const [close, setClose] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});

  async function create(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    const cur = currency.trim().toUpperCase();
    const amountMinor = parseAmount(amount, /^[A-Z]{3}$/.test(cur) ? cur : 'EUR');
    if (amountMinor === null) {
      setErrors({ amountMinor: 'An amount such as 1200 or 1200.50' });
      return;
    }
    try {
      await salesApi.createOpportunity({
        leadId: lead.id,
        name: name.trim(),
        amountMinor,
        currency: cur,
        stage,
        ...(close ? { expectedCloseOn: close } : {}),
      });
      setName('');
      setAmount('');
      setClose('');
      await act(async () => undefined, `Opportunity “${name.trim()}” added`, '');
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }

  return (
    <section className="card lead-opportunities" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        Opportunities
      </h2>
      {lead.opportunities.length === 0 ? (
        <p className="muted">No opportunities yet.</p>
      ) : (
        <ul className="plain-list opportunity-list">
          {lead.opportunities.map((o) => (
            <OpportunityItem key={o.id} o={o} act={act} />
          ))}
        </ul>
      )}
      {lead.status !== 'disqualified' && (
        <form
          className="opportunity-form"
          aria-label="New opportunity"
          noValidate
          onSubmit={(e) => void create(e)}
        >
          <h3>New opportunity</h3>
          <div className="grid-form">
            <div>
              <label htmlFor={`${id}-name`}>Name</label>
              <input
                id={`${id}-name`}
                value={name}
                onChange={(e) => setName(e.target.value)}
                {...describedBy(`${id}-name`, errors, 'name')}
              />
              <FieldError id={`${id}-name`} errors={errors} field="name" />
            </div>
            <div>
              <label htmlFor={`${id}-amount`}>Amount</label>
              <input
                id={`${id}-amount`}
                inputMode="decimal"
                value={amount}
                placeholder="1200.00"
                onChange={(e) => setAmount(e.target.value)}
                {...describedBy(`${id}-amount`, errors, 'amountMinor')}
              />
              <FieldError id={`${id}-amount`} errors={errors} field="amountMinor" />
            </div>
            <div>
              <label htmlFor={`${id}-currency`}>Currency</label>
              <input
                id={`${id}-currency`}
                value={currency}
                maxLength={3}
                className="narrow"
                onChange={(e) => setCurrency(e.target.value.toUpperCase())}
                {...describedBy(`${id}-currency`, errors, 'currency')}
              />
              <FieldError id={`${id}-currency`} errors={errors} field="currency" />
            </div>
            <div>
              <label htmlFor={`${id}-stage`}>Stage</label>
              <select
                id={`${id}-stage`}
                value={stage}
                onChange={(e) => setStage(e.target.value as (typeof openStages)[number])}
              >
                {openStages.map((s) => (
                  <option key={s} value={s}>
                    {opportunityStageLabels[s]}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor={`${id}-close`}>Expected close</label>
              <input
                id={`${id}-close`}
                type="date"
                value={close}
                onChange={(e) => setClose(e.target.value)}
                {...describedBy(`${id}-close`, errors, 'expectedCloseOn')}
              />
              <FieldError id={`${id}-close`} errors={errors} field="expectedCloseOn" />
            </div>
            <button type="submit">Add opportunity</button>
          </div>
          {errors.form && (
            <p role="alert" className="error">
              {errors.form}
            </p>
          )}
        </form>
      )}
    </section>
  );
}

function OpportunityItem({ o, act }: { o: Opportunity; act: Act }) {
  const id = useId();
  const [losing, setLosing] = useState(false);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const closed = o.stage === 'closed_won' || o.stage === 'closed_lost';

  async function markLost(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    try {
      await salesApi.updateOpportunity(o.id, { stage: 'closed_lost', lostReason: reason.trim() });
      setLosing(false);
      await act(async () => undefined, `Opportunity “${o.name}” lost`, '');
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }

  return (
    <li className={`opportunity opp-${o.stage}`} aria-label={`Opportunity ${o.name}`}>
      <div className="opportunity-head">
        <strong>{o.name}</strong>
        <span className="opportunity-amount">{formatMoney(o.amountMinor, o.currency)}</span>
        <span className={`chip opp-stage opp-stage-${o.stage}`}>{opportunityStageLabels[o.stage]}</span>
        {o.expectedCloseOn && !closed && <span className="muted">closes {o.expectedCloseOn}</span>}
        {o.closedAt && <span className="muted">closed {formatDate(o.closedAt)}</span>}
      </div>
      {o.stage === 'closed_lost' && o.lostReason && <p className="muted">Lost: {o.lostReason}</p>}
      {!closed && (
        <div className="row opportunity-actions">
          <label htmlFor={`${id}-stage`} className="visually-hidden">
            Stage of {o.name}
          </label>
          <select
            id={`${id}-stage`}
            className="compact-select"
            value={o.stage}
            onChange={(e) => {
              const stage = e.target.value as OpportunityStage;
              if (stage === 'closed_lost') {
                setLosing(true);
                return;
              }
              void act(
                () => salesApi.updateOpportunity(o.id, { stage }),
                stage === 'closed_won'
                  ? `Opportunity “${o.name}” won`
                  : `Opportunity “${o.name}” moved to ${opportunityStageLabels[stage]}`,
                'Could not change the opportunity.',
              );
            }}
          >
            {opportunityStages.map((s) => (
              <option key={s} value={s}>
                {opportunityStageLabels[s]}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="compact"
            onClick={() =>
              void act(
                () => salesApi.updateOpportunity(o.id, { stage: 'closed_won' }),
                `Opportunity “${o.name}” won`,
                'Could not mark the opportunity won.',
              )
            }
          >
            Mark won
          </button>
          <button
            type="button"
            className="secondary compact"
            aria-expanded={losing}
            onClick={() => setLosing((l) => !l)}
          >
            Mark lost…
          </button>
        </div>
      )}
      {losing && !closed && (
        <form noValidate onSubmit={(e) => void markLost(e)}>
          <label htmlFor={`${id}-reason`}>Why was {o.name} lost?</label>
          <input
            id={`${id}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            {...describedBy(`${id}-reason`, errors, 'lostReason')}
          />
          <FieldError id={`${id}-reason`} errors={errors} field="lostReason" />
          {errors.form && (
            <p role="alert" className="error">
              {errors.form}
            </p>
          )}
          <button type="submit" className="secondary compact">
            Close as lost
          </button>
        </form>
      )}
    </li>
  );
}

function PostsSection({ lead }: { lead: LeadDetail }) {
  return (
    <section className="card lead-posts" aria-labelledby="lead-posts-title">
      <h2 id="lead-posts-title" className="card-title">
        Posts
      </h2>
      {lead.mentions.length === 0 ? (
        <p className="muted">No posts are linked to this lead.</p>
      ) : (
        <ol className="plain-list thread">
          {lead.mentions.map((m) => {
            const who = m.author?.displayName ?? m.author?.handle ?? 'unknown author';
            const caseId = m.disposition?.caseId ?? null;
            return (
              <li key={m.id} className="post">
                <div className="post-body">
                  <div className="post-head">
                    <strong>{who}</strong>
                    <span className={`chip channel-${m.channel}`}>{m.channel}</span>
                    <Ago at={m.createdAt} />
                    {m.url && (
                      <a
                        className="post-link"
                        href={m.url}
                        rel="noopener noreferrer nofollow"
                        target="_blank"
                      >
                        View original
                        <span className="visually-hidden"> post by {who} (opens in a new tab)</span>
                      </a>
                    )}
                  </div>
                  <p className="post-text">
                    {m.deleted ? <em className="muted">This post was deleted.</em> : m.text}
                  </p>
                  {caseId && (
                    <p>
                      <Link to={`/inbox/${caseId}`}>Open its case</Link>
                    </p>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
