import { useEffect, useMemo, useState } from 'react';
import { NavLink } from 'react-router';
import type { RecordEvent } from '../../api/collaboration.ts';
import {
  type Lead,
  type LeadStage,
  type OpportunityStage,
  type SalesOwner,
  salesApi,
} from '../../api/sales.ts';

export const stageLabels: Record<LeadStage, string> = {
  subscriber: 'Subscriber',
  lead: 'Lead',
  marketing_qualified: 'Marketing qualified',
  sales_qualified: 'Sales qualified',
  opportunity: 'Opportunity',
  customer: 'Customer',
  // The customers module's word for what the issue calls an advocate.
  evangelist: 'Advocate',
};

export const opportunityStageLabels: Record<OpportunityStage, string> = {
  qualification: 'Qualification',
  needs_analysis: 'Needs analysis',
  proposal: 'Proposal',
  negotiation: 'Negotiation',
  closed_won: 'Won',
  closed_lost: 'Lost',
};

export function SalesNav() {
  return (
    <nav className="subnav" aria-label="Sales">
      <NavLink to="/sales" end>
        Pipeline
      </NavLink>
      <NavLink to="/sales/opportunities">Opportunities</NavLink>
    </nav>
  );
}

/** A duration as people say it: "45m", "3h 20m", "2d 4h". */
export function formatDuration(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

export function ScoreBadge({ score }: { score: number }) {
  const level = score >= 60 ? 'hot' : score >= 30 ? 'warm' : 'cold';
  return (
    <span className={`chip score-badge score-${level}`} title={`Score ${score} of 100 (${level})`}>
      <span className="visually-hidden">Score </span>
      {Math.round(score)}
    </span>
  );
}

/** The handoff as a badge: "Handoff pending for you", "Handoff pending", "Handoff rejected". */
export function HandoffBadge({ lead, me }: { lead: Pick<Lead, 'handoff'>; me: string | undefined }) {
  const h = lead.handoff;
  if (h.status === 'pending')
    return h.toUserId === me ? (
      <span className="chip handoff-badge handoff-mine">Handoff pending for you</span>
    ) : (
      <span className="chip handoff-badge handoff-pending">Handoff pending</span>
    );
  if (h.status === 'rejected')
    return <span className="chip handoff-badge handoff-rejected">Handoff rejected</span>;
  return null;
}

export type Owners = { items: SalesOwner[]; nameOf(id: string | null | undefined): string };

/** The people leads can be owned by or handed to. */
export function useOwners(): Owners {
  const [items, setItems] = useState<SalesOwner[]>([]);
  useEffect(() => {
    salesApi
      .owners()
      .then((r) => setItems(r.items))
      .catch(() => undefined);
  }, []);
  return useMemo(() => {
    const byId = new Map(items.map((o) => [o.id, o.name]));
    return {
      items,
      nameOf: (id) => (id ? (byId.get(id) ?? 'a colleague') : 'nobody'),
    };
  }, [items]);
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const stageName = (v: unknown) => stageLabels[str(v) as LeadStage] ?? (str(v).replaceAll('_', ' ') || 'none');

/** One event of a lead's feed as a sentence: "Handed off to Sofia: …", "Stage Lead → Customer". */
export function leadFeedLine(e: RecordEvent, owners: Owners): { text: string; detail?: string } {
  const d = e.data;
  const by = e.actorUserId ? ` by ${owners.nameOf(e.actorUserId)}` : '';
  switch (e.kind) {
    case 'created':
      return { text: `Lead created${by || ' automatically'}` };
    case 'mention_added':
      return { text: 'A post joined the lead' };
    case 'stage_changed':
      return {
        text: `Stage ${stageName(d.from)} → ${stageName(d.to)}${by}`,
        ...(str(d.reason) ? { detail: str(d.reason) } : {}),
      };
    case 'assigned':
      return { text: d.to ? `Owner set to ${owners.nameOf(str(d.to))}${by}` : `Owner removed${by}` };
    case 'handoff':
    case 'handoff_requested':
      return { text: `Handed off to ${owners.nameOf(str(d.toUserId))}${by}`, detail: str(d.note) };
    case 'handoff_accepted':
      return { text: `Handoff accepted${by}` };
    case 'handoff_rejected':
      return { text: `Handoff rejected${by}`, detail: str(d.reason) };
    case 'contacted':
      return {
        text: `${d.first ? 'First contact' : 'Contact'} by ${str(d.channel) || 'some channel'}${by}`,
        ...(str(d.note) ? { detail: str(d.note) } : {}),
      };
    case 'score_changed':
      return {
        text: `Score ${typeof d.from === 'number' ? Math.round(d.from) : '?'} → ${typeof d.to === 'number' ? Math.round(d.to) : '?'}`,
      };
    case 'opportunity_added':
      return { text: `Opportunity “${str(d.name)}” opened${by}` };
    case 'opportunity_updated':
      return { text: `Opportunity “${str(d.name)}” changed${by}` };
    case 'opportunity_won':
      return { text: `Opportunity “${str(d.name)}” won${by}` };
    case 'opportunity_lost':
      return { text: `Opportunity “${str(d.name)}” lost${by}`, detail: str(d.reason) };
    case 'disqualified':
      return { text: `Disqualified${by}`, detail: str(d.reason) };
    case 'reopened':
      return { text: `Reopened${by}` };
    case 'won':
      return { text: 'Lead won' };
    default:
      return { text: `${e.kind.replaceAll('_', ' ')}${by}` };
  }
}
