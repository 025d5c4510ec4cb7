import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import {
  type CommunityMemberProfile,
  type CommunitySpace,
  communitiesApi,
  communityExtrasApi,
  type PointsLedgerEntry,
} from '../../api/communities.ts';
import { formatDate } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { LoadMore } from '../../components/load-more.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { CommunitiesNav, ErrorLine, messageOf, Status, useCommunityRights } from './communities-bits.tsx';

const trustNames = ['New', 'Basic', 'Member', 'Regular', 'Leader'];

function Suspension({
  member,
  onChanged,
}: {
  member: CommunityMemberProfile;
  onChanged(m: CommunityMemberProfile, message: string): void;
}) {
  const id = useId();
  const [until, setUntil] = useState('');
  const [error, setError] = useState('');
  const suspended = member.suspendedUntil !== null && Date.parse(member.suspendedUntil) > Date.now();
  const send = (value: string | null) =>
    communitiesApi
      .suspend(member.id, value)
      .then((m) =>
        onChanged(m, value ? `@${member.username} suspended.` : `@${member.username}'s suspension lifted.`),
      )
      .catch((err) => setError(messageOf(err, 'Could not change the suspension.')));
  return (
    <div className="inline-form">
      {suspended ? (
        <>
          <span>Suspended until {formatDate(member.suspendedUntil)}</span>
          <button type="button" className="secondary" onClick={() => void send(null)}>
            Lift suspension<span className="visually-hidden"> of @{member.username}</span>
          </button>
        </>
      ) : (
        <>
          {/* The column says "Suspension"; the full label is for screen readers. */}
          <label htmlFor={`${id}-until`} className="visually-hidden">
            Suspend @{member.username} until
          </label>
          <input id={`${id}-until`} type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
          <button
            type="button"
            className="secondary danger"
            disabled={!until}
            onClick={() => void send(new Date(`${until}T23:59:59`).toISOString())}
          >
            Suspend<span className="visually-hidden"> @{member.username}</span>
          </button>
        </>
      )}
      <ErrorLine message={error} />
    </div>
  );
}

function SpaceModerator({
  member,
  spaces,
  onChanged,
}: {
  member: CommunityMemberProfile;
  spaces: CommunitySpace[];
  onChanged(m: CommunityMemberProfile, message: string): void;
}) {
  const id = useId();
  const [spaceId, setSpaceId] = useState('');
  const [error, setError] = useState('');
  const titleOf = (sid: string) => spaces.find((s) => s.id === sid)?.title ?? sid;
  const change = (sid: string, moderator: boolean) =>
    communitiesApi
      .setSpaceModerator(sid, member.id, moderator)
      .then((r) =>
        onChanged(
          { ...member, moderatesSpaces: r.moderatesSpaces },
          `@${member.username} ${moderator ? 'now moderates' : 'no longer moderates'} ${titleOf(sid)}.`,
        ),
      )
      .catch((err) => setError(messageOf(err, 'Could not change the moderators.')));
  return (
    <div>
      {member.moderatesSpaces.map((sid) => (
        <span key={sid} className="chip">
          {titleOf(sid)}{' '}
          <button type="button" className="link-button" onClick={() => void change(sid, false)}>
            Remove
            <span className="visually-hidden">
              {' '}
              @{member.username} as moderator of {titleOf(sid)}
            </span>
          </button>
        </span>
      ))}
      <div className="inline-form">
        <label htmlFor={`${id}-space`} className="visually-hidden">
          Space for @{member.username} to moderate
        </label>
        <select id={`${id}-space`} value={spaceId} onChange={(e) => setSpaceId(e.target.value)}>
          <option value="">Moderate a space…</option>
          {spaces
            .filter((s) => !member.moderatesSpaces.includes(s.id))
            .map((s) => (
              <option key={s.id} value={s.id}>
                {s.title}
              </option>
            ))}
        </select>
        <button
          type="button"
          className="secondary"
          disabled={!spaceId}
          onClick={() => void change(spaceId, true)}
        >
          Add<span className="visually-hidden"> @{member.username} as moderator</span>
        </button>
      </div>
      <ErrorLine message={error} />
    </div>
  );
}

const ledgerReasons: Record<string, string> = {
  accepted_answer: 'Accepted answer',
  like_received: 'Like received',
  idea_delivered: 'Idea delivered',
  helpful_flag: 'Helpful flag',
};
/** Lines that take points back (negative) read as what happened, not as the award they reverse. */
const ledgerTakenBack: Record<string, string> = {
  accepted_answer: 'Accepted answer withdrawn, replaced, hidden or deleted',
};
const ledgerText = (e: PointsLedgerEntry) =>
  e.reason === 'staff_adjustment'
    ? `By staff: ${e.ref}`
    : ((e.points < 0 ? ledgerTakenBack[e.reason] : undefined) ?? ledgerReasons[e.reason] ?? e.reason);
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/** A member's points line by line; moderators give or take points with a reason. */
function PointsPanel({
  member,
  onChanged,
  onClose,
}: {
  member: CommunityMemberProfile;
  onChanged(m: CommunityMemberProfile, message: string): void;
  onClose(): void;
}) {
  const id = useId();
  const rights = useCommunityRights();
  const [ledger, setLedger] = useState<PointsLedgerEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [points, setPoints] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // The panel opens below the table: take focus there so keyboard and screen reader users follow.
  useEffect(() => heading.current?.focus(), []);
  useEffect(() => {
    communityExtrasApi
      .pointsLedger(member.id)
      .then((p) => {
        setLedger(p.items);
        setCursor(p.nextCursor);
      })
      .catch((err) => setError(messageOf(err, 'Could not load the points.')));
  }, [member.id]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      // A number goes as typed (1.5 too), so the API names what is wrong with it on the field.
      const n = Number(points.trim() || '0');
      const r = await communityExtrasApi.adjustPoints(member.id, Number.isFinite(n) ? n : 0, reason);
      setLedger((l) => [r.entry, ...(l ?? [])]);
      setPoints('');
      setReason('');
      onChanged(
        { ...member, points: r.points, rank: r.rank },
        `@${member.username}: ${signed(r.entry.points)} points (${r.entry.ref}). Now ${r.points} points, ${r.rank}.`,
      );
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card points-panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} ref={heading} tabIndex={-1}>
        Points of @{member.username}: {member.points} · {member.rank}
      </h2>
      <ErrorLine message={error} />
      {rights.moderate && (
        <form className="form" onSubmit={submit} aria-label={`Give or take points from @${member.username}`}>
          <label htmlFor={`${id}-points`}>Points (a minus sign takes them back)</label>
          <input
            id={`${id}-points`}
            inputMode="numeric"
            value={points}
            onChange={(e) => setPoints(e.target.value)}
            {...describedBy(`${id}-points`, errors, 'points')}
          />
          <FieldError id={`${id}-points`} errors={errors} field="points" />
          <label htmlFor={`${id}-reason`}>Reason</label>
          <input
            id={`${id}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            {...describedBy(`${id}-reason`, errors, 'reason')}
          />
          <FieldError id={`${id}-reason`} errors={errors} field="reason" />
          <ErrorLine message={errors.form ?? ''} />
          <div className="actions">
            <button type="submit" disabled={busy}>
              Record points
            </button>
            <button type="button" className="secondary" onClick={onClose}>
              Close
            </button>
          </div>
        </form>
      )}
      {ledger === null ? (
        !error && <p className="loading">Loading…</p>
      ) : ledger.length === 0 ? (
        <p className="notice">No points yet.</p>
      ) : (
        <table className="table compact">
          <caption>Points ledger</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Points</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {ledger.map((e) => (
              <tr key={e.id}>
                <td data-label="When">{formatDate(e.createdAt)}</td>
                <td data-label="Points">{signed(e.points)}</td>
                <td data-label="Why">{ledgerText(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore
        cursor={cursor}
        label="More points"
        load={(after) => communityExtrasApi.pointsLedger(member.id, after)}
        onPage={(p) => {
          setLedger((prev) => [...(prev ?? []), ...p.items]);
          setCursor(p.nextCursor);
        }}
        onError={(err) => setError(messageOf(err, 'Could not load more.'))}
      />
      {!rights.moderate && (
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      )}
    </section>
  );
}

/** Members with trust level, points and rank; suspension, leaders and space moderators. */
export function CommunityMembersPage() {
  usePageTitle('Community members');
  const rights = useCommunityRights();
  const [members, setMembers] = useState<CommunityMemberProfile[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [spaces, setSpaces] = useState<CommunitySpace[]>([]);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [pointsOf, setPointsOf] = useState<string | null>(null);

  useEffect(() => {
    communitiesApi
      .members()
      .then((p) => {
        setMembers(p.items);
        setCursor(p.nextCursor);
      })
      .catch((err) => setError(messageOf(err, 'Could not load the members.')));
    communitiesApi
      .spaces()
      .then((p) => setSpaces(p.items))
      .catch(() => undefined);
  }, []);

  const changed = (m: CommunityMemberProfile, text: string) => {
    setMembers((list) => (list ?? []).map((x) => (x.id === m.id ? { ...x, ...m } : x)));
    setMessage(text);
  };

  return (
    <section className="page wide communities-page">
      <h1>Community members</h1>
      <CommunitiesNav />
      <Status message={message} />
      <ErrorLine message={error} />
      {members === null ? (
        !error && <p className="loading">Loading…</p>
      ) : members.length === 0 ? (
        <p className="notice">Nobody has joined the community yet.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Members</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Trust level</th>
              <th scope="col">Points</th>
              <th scope="col">Rank</th>
              {rights.moderate && <th scope="col">Suspension</th>}
              {rights.manage && <th scope="col">Leader</th>}
              {rights.manage && <th scope="col">Moderates</th>}
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.id}>
                <td data-label="Member">
                  <strong>{m.displayName}</strong> <span className="muted">@{m.username}</span>
                  <div className="muted">
                    joined{' '}
                    <time dateTime={m.joinedAt} title={formatDate(m.joinedAt)}>
                      {new Date(m.joinedAt).toLocaleDateString(undefined, { dateStyle: 'medium' })}
                    </time>
                  </div>
                </td>
                <td data-label="Trust level">
                  {m.trustLevel} · {trustNames[m.trustLevel] ?? ''}
                </td>
                <td data-label="Points">
                  {m.points}{' '}
                  <button
                    type="button"
                    className="row-link"
                    aria-pressed={pointsOf === m.id}
                    onClick={() => setPointsOf(pointsOf === m.id ? null : m.id)}
                  >
                    Points<span className="visually-hidden"> of @{m.username}</span>
                  </button>
                </td>
                <td data-label="Rank">{m.rank}</td>
                {rights.moderate && (
                  <td data-label="Suspension">
                    <Suspension member={m} onChanged={changed} />
                  </td>
                )}
                {rights.manage && (
                  <td data-label="Leader">
                    <button
                      type="button"
                      className="secondary"
                      onClick={() =>
                        void communitiesApi
                          .setLeader(m.id, m.trustLevel !== 4)
                          .then((r) =>
                            changed(
                              { ...m, trustLevel: r.trustLevel },
                              r.trustLevel === 4
                                ? `@${m.username} is now a leader (trust level 4).`
                                : `@${m.username} is no longer a leader.`,
                            ),
                          )
                          .catch((err) => setError(messageOf(err, 'Could not change the trust level.')))
                      }
                    >
                      {m.trustLevel === 4 ? 'Take back leader' : 'Make leader'}
                      <span className="visually-hidden"> @{m.username}</span>
                    </button>
                  </td>
                )}
                {rights.manage && (
                  <td data-label="Moderates">
                    <SpaceModerator member={m} spaces={spaces} onChanged={changed} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {members?.some((m) => m.id === pointsOf) && (
        <PointsPanel
          key={pointsOf}
          member={members.find((m) => m.id === pointsOf) as CommunityMemberProfile}
          onChanged={changed}
          onClose={() => setPointsOf(null)}
        />
      )}
      <LoadMore
        cursor={cursor}
        label="More members"
        load={(after) => communitiesApi.members(after)}
        onPage={(p) => {
          setMembers((prev) => [...(prev ?? []), ...p.items]);
          setCursor(p.nextCursor);
        }}
        onError={(err) => setError(messageOf(err, 'Could not load more.'))}
      />
    </section>
  );
}
