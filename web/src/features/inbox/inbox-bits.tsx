import { useEffect, useMemo, useRef, useState } from 'react';
import type { RecordEvent } from '../../api/collaboration.ts';
import {
  type Assignee,
  type Case,
  type CasePriority,
  type CaseSla,
  type CaseStatus,
  inboxApi,
  type Presence,
  type Team,
} from '../../api/inbox.ts';
import type { ActivityLine } from '../../components/activity-list.tsx';

export const words = (s: string) => s.replaceAll('_', ' ');

export const statusLabels: Record<CaseStatus, string> = {
  new: 'New',
  open: 'Open',
  pending_customer: 'Waiting on customer',
  on_hold: 'On hold',
  solved: 'Solved',
  closed: 'Closed',
};

export function StatusChip({ status }: { status: CaseStatus }) {
  return (
    <span className={`chip case-status status-${status}`}>
      <span className="visually-hidden">Status </span>
      {statusLabels[status]}
    </span>
  );
}

export function PriorityChip({ priority }: { priority: CasePriority }) {
  return (
    <span className={`chip case-priority priority-${priority}`}>
      <span className="visually-hidden">Priority </span>
      {priority}
    </span>
  );
}

/** The first letter of a name in a circle (remote avatars are not loaded: the CSP allows only own images). */
export function Initial({ name, small }: { name: string; small?: boolean }) {
  return (
    <span className={small ? 'avatar small' : 'avatar'} aria-hidden="true">
      {(name.trim().slice(0, 1) || '?').toUpperCase()}
    </span>
  );
}

export type Directory = {
  assignees: Assignee[];
  teams: Team[];
  people: Map<string, Assignee>;
  teamsById: Map<string, Team>;
  nameOf(userId: string | null | undefined): string;
  reloadTeams(): void;
};

/** The people cases can be assigned to and the workspace's teams, with lookups by id. */
export function useDirectory(): Directory {
  const [assignees, setAssignees] = useState<Assignee[]>([]);
  const [teams, setTeams] = useState<Team[]>([]);
  const [tick, setTick] = useState(0);
  const [peopleTick, setPeopleTick] = useState(0);
  const lastPeopleFetch = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `peopleTick` asks for a reload
  useEffect(() => {
    lastPeopleFetch.current = Date.now();
    inboxApi
      .assignees()
      .then((r) => setAssignees(r.items))
      .catch(() => undefined);
  }, [peopleTick]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` asks for a reload
  useEffect(() => {
    inboxApi
      .teams()
      .then((r) => setTeams(r.items))
      .catch(() => undefined);
  }, [tick]);
  return useMemo(() => {
    const people = new Map(assignees.map((a) => [a.id, a]));
    return {
      assignees,
      teams,
      people,
      teamsById: new Map(teams.map((t) => [t.id, t])),
      nameOf: (id) => {
        if (!id) return 'nobody';
        const known = people.get(id);
        if (known) return known.name;
        // Someone added since the page loaded: ask again, at most every 10 s.
        if (Date.now() - lastPeopleFetch.current > 10_000) {
          lastPeopleFetch.current = Date.now();
          window.setTimeout(() => setPeopleTick((t) => t + 1), 0);
        }
        return 'a colleague';
      },
      reloadTeams: () => setTick((t) => t + 1),
    };
  }, [assignees, teams]);
}

/** "Ana is viewing", "Ana and Bo are viewing · Cy is replying", leaving out the signed-in person. */
export function presenceLine(list: Presence[], me: string | undefined): string {
  const others = list.filter((p) => p.userId !== me);
  const parts: string[] = [];
  for (const state of ['replying', 'viewing'] as const) {
    const names = others.filter((p) => p.state === state).map((p) => p.name);
    if (names.length === 0) continue;
    const who = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
    parts.push(`${who} ${names.length === 1 ? 'is' : 'are'} ${state}`);
  }
  return parts.join(' · ');
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const caseRef = (v: unknown) => {
  const n = obj(v).number;
  return typeof n === 'number' ? `case #${n}` : 'another case';
};

const idPattern = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/**
 * A text with each person's or team's id put as their name: rule and SLA explanations come from
 * the server as sentences ("created lead 20 owned by <id>", "team already <id>").
 */
export function withNames(text: string, dir: Pick<Directory, 'people' | 'teamsById' | 'nameOf'>): string {
  return text.replace(
    idPattern,
    (id) => dir.people.get(id)?.name ?? dir.teamsById.get(id)?.name ?? dir.nameOf(id),
  );
}

/**
 * One feed event as a sentence a person reads: "Status open → solved", "Assigned to Ana", with
 * the names of the people and teams it involves.
 */
export function feedLine(e: RecordEvent, dir: Directory): ActivityLine {
  const line = describeEvent(e, dir);
  return {
    ...line,
    text: withNames(line.text, dir),
    ...(line.detail !== undefined ? { detail: withNames(line.detail, dir) } : {}),
  };
}

function describeEvent(e: RecordEvent, dir: Directory): ActivityLine {
  const d = e.data;
  const rule = obj(d.rule);
  const byRule = str(rule.name) ? ` by rule “${str(rule.name)}”` : '';
  const by = e.actorUserId ? ` by ${dir.nameOf(e.actorUserId)}` : byRule;
  const show = (field: string, v: unknown): string => {
    if (v === null || v === undefined || v === '') return 'none';
    if (field === 'status') return statusLabels[v as CaseStatus] ?? String(v);
    if (field === 'assignee') return dir.nameOf(String(v));
    if (field === 'team') return dir.teamsById.get(String(v))?.name ?? 'a deleted team';
    if (field === 'tags') return String(v).split(' ').filter(Boolean).join(', ') || 'none';
    if (typeof v === 'object') return 'new values';
    return words(String(v));
  };
  switch (e.kind) {
    case 'created':
      return { text: `Case created${by || (e.actorUserId === null ? ' automatically' : '')}` };
    case 'status_changed':
      return { text: `Status ${show('status', d.from)} → ${show('status', d.to)}${by}` };
    case 'assigned':
      return {
        text: d.to ? `Assigned to ${show('assignee', d.to)}${by}` : `Unassigned${by}`,
      };
    case 'updated': {
      const field = str(d.field);
      if (field === 'snoozedUntil')
        return {
          text: d.to ? `Snoozed until ${new Date(str(d.to)).toLocaleString()}${by}` : `Snooze ended${by}`,
        };
      const label = field === 'customFields' ? 'Custom fields' : words(field);
      return {
        text: `${label.charAt(0).toUpperCase()}${label.slice(1)} ${show(field, d.from)} → ${show(field, d.to)}${by}`,
      };
    }
    case 'rules_fired': {
      const rules = Array.isArray(d.rules) ? d.rules.map(obj) : [];
      const on: Record<string, string> = {
        case_created: 'Case rules',
        case_updated: 'Case rules',
        time_elapsed: 'Time rules',
      };
      return {
        text: `${on[str(d.event)] ?? 'Routing'}: ${rules.map((r) => `rule “${str(r.name)}”`).join(', ') || 'rules'} fired`,
        detail: rules
          .map((r) => {
            const reasons = Array.isArray(r.reasons) ? r.reasons.map(String).join('; ') : '';
            const acts = Array.isArray(r.actions) ? r.actions.map(String).join('; ') : '';
            return `${str(r.name)} — ${reasons}${acts ? ` → ${acts}` : ''}`;
          })
          .join('\n'),
      };
    }
    case 'rule_notified':
      return {
        text: `Rule “${str(rule.name)}” notified people about ${rule.event ? 'the case' : 'a post'}`,
      };
    case 'conversation_added':
      return {
        text: `A conversation was added${by}${d.movedFrom ? ' (moved from another case)' : ''}`,
      };
    case 'merged_in':
      return {
        text: `${caseRef(d.from).replace(/^c/, 'C')} was merged into this case${by}`,
        link: { to: `/inbox/${str(obj(d.from).id)}`, label: caseRef(d.from) },
      };
    case 'merged_away':
      return {
        text: `Merged into ${caseRef(d.into)}${by}`,
        link: { to: `/inbox/${str(obj(d.into).id)}`, label: caseRef(d.into) },
      };
    case 'split':
      return {
        text: `Conversations split off into ${caseRef(d.to)}${by}`,
        link: { to: `/inbox/${str(obj(d.to).id)}`, label: caseRef(d.to) },
      };
    case 'reply_queued':
      return {
        text: `A ${str(d.visibility) || 'public'} reply on ${str(d.channel)} was queued${by}`,
      };
    case 'reply_sent':
      return { text: `Reply sent on ${str(d.channel)}` };
    case 'reply_cancelled':
      return { text: `A reply on ${str(d.channel)} was cancelled before it was sent` };
    case 'reply_failed':
      return {
        text: `A reply on ${str(d.channel)} could not be sent`,
        detail: str(d.reason) || undefined,
      };
    case 'note':
      return {
        text: `Internal note${by}`,
        detail:
          Array.isArray(d.mentionUserIds) && d.mentionUserIds.length > 0
            ? `Mentioned ${d.mentionUserIds.map((u) => dir.nameOf(String(u))).join(', ')}`
            : undefined,
      };
    case 'snooze_ended':
      return {
        text:
          d.reason === 'customer_message'
            ? 'Back from snooze: the customer wrote'
            : 'Back from snooze: its time came',
      };
    case 'sla_warning':
      return {
        text: `SLA: ${metricLabels[str(d.metric) as CaseSla['metric']] ?? 'a target'} is due soon`,
        detail: str(d.dueAt) ? `due ${new Date(str(d.dueAt)).toLocaleString()}` : undefined,
      };
    case 'sla_breached': {
      const acts = Array.isArray(d.actions) ? d.actions.map(String).join('; ') : '';
      return {
        text: `SLA breached: ${metricLabels[str(d.metric) as CaseSla['metric']] ?? 'a target'}${str(d.policy) ? ` (policy “${str(d.policy)}”)` : ''}`,
        detail: acts || undefined,
      };
    }
    case 'split_from':
      return {
        text: `Split from ${caseRef(d.from)}${by}`,
        link: { to: `/inbox/${str(obj(d.from).id)}`, label: caseRef(d.from) },
      };
    case 'survey_sent':
      return {
        text: `${d.delivery === 'link' || str(d.error) ? 'Survey link made' : str(d.heldUntil) ? 'Survey queued' : 'Survey sent'}${by}`,
        detail:
          str(d.error) ||
          (str(d.heldUntil)
            ? `goes out at ${new Date(str(d.heldUntil)).toLocaleTimeString()} unless the case is reopened`
            : undefined),
      };
    case 'survey_withdrawn':
      return { text: `Survey withdrawn before it was sent: the case left solved${by}` };
    case 'survey_not_sent':
      return { text: `Survey not sent${by}`, detail: str(d.error) || undefined };
    case 'survey_answered':
      return {
        text: `Survey answered: ${Number(d.score)} / ${Number(d.scaleMax)}${d.low === true ? ' (unhappy)' : ''}`,
      };
    default:
      return { text: `${words(e.kind)}${by}` };
  }
}

/** Finds a case by its number (merged cases are not listed). */
export async function findCaseByNumber(n: number): Promise<Case | null> {
  const page = await inboxApi.cases({ number: n }, undefined, 1);
  return page.items.find((c) => c.number === n) ?? null;
}

// ------------------------------------------------------------------ SLA clocks

export const metricLabels: Record<CaseSla['metric'], string> = {
  first_response: 'First response',
  next_response: 'Next response',
  resolution: 'Resolution',
};

/** "42m", "3h 20m", "2d 4h": a duration in whole minutes, rounded up so "0m" never shows before the deadline. */
export function formatMinutes(ms: number): string {
  const m = Math.max(0, Math.ceil(Math.abs(ms) / 60_000));
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 && h < 10 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** A target in minutes as people say it: "30 min", "4 h", "2 days". */
export function formatTarget(minutes: number): string {
  if (minutes < 60 || minutes % 60 !== 0) return `${minutes} min`;
  const h = minutes / 60;
  if (h < 24 || h % 24 !== 0) return `${h} h`;
  return `${h / 24} ${h === 24 ? 'day' : 'days'}`;
}

/** The current time, renewed every `ms` (30 s by default) so countdowns move. */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

export type SlaState =
  | { kind: 'overdue'; clock: CaseSla; ms: number }
  | { kind: 'running'; clock: CaseSla; ms: number }
  | { kind: 'paused'; clock: CaseSla };

/** Whether a clock still counts: running or paused, or breached and not yet answered. */
const openClock = (c: CaseSla) =>
  c.status === 'running' || c.status === 'paused' || (c.status === 'breached' && c.achievedAt === null);

/**
 * What a case's clocks say right now: the most overdue breached (or past-due) clock, else the
 * running clock due first, else a paused one; null when nothing counts (no policy, all met).
 */
export function slaState(c: Pick<Case, 'status' | 'sla'>, now: number): SlaState | null {
  if (c.status === 'solved' || c.status === 'closed') return null;
  const clocks = (c.sla ?? []).filter(openClock);
  let best: SlaState | null = null;
  for (const clock of clocks) {
    if (clock.status === 'paused') {
      if (!best) best = { kind: 'paused', clock };
      continue;
    }
    if (!clock.dueAt) continue;
    const ms = Date.parse(clock.dueAt) - now;
    const next: SlaState =
      clock.status === 'breached' || ms <= 0
        ? { kind: 'overdue', clock, ms }
        : { kind: 'running', clock, ms };
    if (
      !best ||
      best.kind === 'paused' ||
      (next.kind === 'overdue' && (best.kind !== 'overdue' || next.ms < best.ms)) ||
      (next.kind === 'running' && best.kind === 'running' && next.ms < best.ms)
    )
      best = next;
  }
  return best;
}

/** Running clocks due within `withinMs` (the "Breaching soon" view). */
export function breachingSoon(c: Pick<Case, 'status' | 'sla'>, now: number, withinMs = 60 * 60_000): boolean {
  const s = slaState(c, now);
  return s?.kind === 'running' && s.ms <= withinMs;
}

const verb = (m: CaseSla['metric']) => (m === 'resolution' ? 'Resolve' : 'Reply');

/** The countdown of a case's SLA: "Reply in 42m", "Resolve in 3h", "Overdue 15m", "Paused". */
export function SlaChip({ c, now }: { c: Pick<Case, 'status' | 'sla'>; now: number }) {
  const s = slaState(c, now);
  if (!s) return null;
  const what = metricLabels[s.clock.metric].toLowerCase();
  if (s.kind === 'paused')
    return (
      <span className="chip sla sla-paused" title={`SLA ${what}: paused while waiting on the customer`}>
        Paused
      </span>
    );
  const due = s.clock.dueAt ? new Date(s.clock.dueAt).toLocaleString() : '';
  if (s.kind === 'overdue')
    return (
      <span className="chip sla sla-overdue" title={`SLA ${what} was due ${due}`}>
        Overdue {formatMinutes(s.ms)}
      </span>
    );
  return (
    <span
      className={s.ms <= 60 * 60_000 || s.clock.warnedAt ? 'chip sla sla-soon' : 'chip sla'}
      title={`SLA ${what} due ${due}`}
    >
      {verb(s.clock.metric)} in {formatMinutes(s.ms)}
    </span>
  );
}

/** The SLA chip with its own 30-second clock (for places that do not tick otherwise). */
export function LiveSlaChip({ c }: { c: Pick<Case, 'status' | 'sla'> }) {
  const now = useNow();
  return <SlaChip c={c} now={now} />;
}
