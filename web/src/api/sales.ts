// Sales: leads, lifecycle stages, scoring, handoff, opportunities, the pipeline (src/modules/sales).

import { type Page, qs, type Role, request } from '../api.ts';
import type { CustomerSummary } from './customers.ts';
import type { Mention } from './listening.ts';

export const leadStages = [
  'subscriber',
  'lead',
  'marketing_qualified',
  'sales_qualified',
  'opportunity',
  'customer',
  'evangelist',
] as const;
export type LeadStage = (typeof leadStages)[number];
export type LeadStatus = 'open' | 'won' | 'disqualified';
export type HandoffStatus = 'none' | 'pending' | 'accepted' | 'rejected';
export const opportunityStages = [
  'qualification',
  'needs_analysis',
  'proposal',
  'negotiation',
  'closed_won',
  'closed_lost',
] as const;
export type OpportunityStage = (typeof opportunityStages)[number];
export const contactChannels = ['email', 'phone', 'meeting', 'social', 'message', 'other'] as const;
export type ContactChannel = (typeof contactChannels)[number];
export type LeadHandoff = {
  status: HandoffStatus;
  fromUserId: string | null;
  toUserId: string | null;
  note: string | null;
  at: string | null;
  decidedAt: string | null;
  /** Why it was rejected. */
  reason: string | null;
  firstContactAt: string | null;
  handoffToFirstContactMs: number | null;
};
export type Lead = {
  id: string;
  number: number;
  customerId: string;
  title: string;
  stage: LeadStage;
  status: LeadStatus;
  disqualifyReason: string | null;
  ownerUserId: string | null;
  teamId: string | null;
  source: 'rule' | 'agent' | 'import';
  sourceMentionId: number | null;
  sourceRuleId: string | null;
  caseId: string | null;
  fitScore: number;
  engagementScore: number;
  /** 0..100: fit (≤ 50) + engagement (≤ 50). */
  score: number;
  scoredAt: string | null;
  handoff: LeadHandoff;
  closedAt: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
};
export type LeadPerson = { id: string; name: string };
export type LeadCard = Lead & {
  owner: LeadPerson | null;
  customer: { id: string; displayName: string; handle: string | null };
};
export type ScoreContribution = {
  kind: string;
  group: 'fit' | 'engagement';
  label: string;
  points: number;
  at: string | null;
  decayedPoints: number;
};
export type ScoreExplanation = {
  fit: number;
  engagement: number;
  score: number;
  fitCapped: boolean;
  engagementCapped: boolean;
  halfLifeDays: number;
  /** Behaviour events were not counted: no profiling consent. */
  behaviourWithheld: boolean;
  contributions: ScoreContribution[];
  /** The smallest contributions, summed, beyond the first 30. */
  omitted: { count: number; decayedPoints: number };
};
export type Opportunity = {
  id: string;
  leadId: string;
  customerId: string;
  name: string;
  /** In the currency's minor unit (cents). */
  amountMinor: number;
  currency: string;
  stage: OpportunityStage;
  expectedCloseOn: string | null;
  ownerUserId: string | null;
  lostReason: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
};
export type LeadDetail = Lead & {
  owner: LeadPerson | null;
  customer: CustomerSummary | null;
  segments: { id: string; name: string }[];
  explanation: ScoreExplanation;
  mentions: Mention[];
  opportunities: Opportunity[];
  following: boolean;
};
export type LeadFilters = {
  stage?: LeadStage;
  status?: LeadStatus | 'all';
  /** `me`, `none` or a user id. */
  owner?: string;
  handoff?: 'pending_for_me' | 'pending' | 'accepted' | 'rejected' | 'none';
  customerId?: string;
  /** Words of the title, or #N for lead N. */
  q?: string;
  sort?: 'newest' | 'score';
};
export type LeadInput = {
  customerId: string;
  title: string;
  stage?: LeadStage;
  ownerUserId?: string;
  teamId?: string;
  mentionIds?: number[];
  caseId?: string;
};
export type LeadPatch = Partial<{
  title: string;
  stage: LeadStage;
  ownerUserId: string | null;
  teamId: string | null;
  status: 'open' | 'disqualified';
  disqualifyReason: string;
}>;
export type OpportunityInput = {
  leadId: string;
  name: string;
  amountMinor: number;
  currency: string;
  stage?: 'qualification' | 'needs_analysis' | 'proposal' | 'negotiation';
  /** YYYY-MM-DD */
  expectedCloseOn?: string;
  ownerUserId?: string;
};
export type OpportunityPatch = Partial<{
  name: string;
  amountMinor: number;
  currency: string;
  stage: OpportunityStage;
  expectedCloseOn: string | null;
  ownerUserId: string | null;
  lostReason: string;
}>;
export type SalesPipeline = {
  stages: { stage: LeadStage; count: number; leads: LeadCard[] }[];
  opportunities: {
    stage: OpportunityStage;
    count: number;
    amounts: { currency: string; amountMinor: number }[];
  }[];
  handoffs: {
    pending: number;
    pendingForMe: number;
    accepted: number;
    rejected: number;
    awaitingFirstContact: number;
    handoffToFirstContactMs: { count: number; median: number | null; p90: number | null };
  };
};
export type SalesOwner = { id: string; name: string; role: string };
export type FitAttributeRule =
  | { key: string; op: 'eq'; value: string | number | boolean; points: number }
  | { key: string; op: 'in'; value: (string | number)[]; points: number }
  | { key: string; op: 'gte' | 'lte'; value: number | string; points: number };
export type ScoringConfig = {
  halfLifeDays: number;
  fit: { attributes: FitAttributeRule[]; segments: { segmentId: string; points: number }[] };
  engagement: {
    purchaseIntentMention: number;
    mention: number;
    positiveMention: number;
    reply: number;
    brandReply: number;
    influence: number;
    /** Behaviour event name → points. */
    events: Record<string, number>;
  };
  notableChange: number;
};
/** Roles that see and work leads (`sales:read`, `sales:work`). */
export const salesWorkers: Role[] = ['owner', 'admin', 'manager', 'agent'];
/** Roles that may change the scoring rules and decide handoffs for others (`sales:configure`). */
export const salesConfigurers: Role[] = ['owner', 'admin', 'manager'];

/** What `POST /sales/leads/import` did (docs/sales.md, Importing leads). */
export type LeadImportSummary = {
  read: number;
  created: number;
  existing: number;
  customersCreated: number;
  rejected: { line: number; reason: string }[];
  elapsedMs: number;
};

const leadPath = (id: string, rest = '') => `/api/v1/sales/leads/${encodeURIComponent(id)}${rest}`;

export const salesApi = {
  leads: (filters: LeadFilters, cursor?: string, limit = 50) =>
    request<Page<LeadCard>>('GET', `/api/v1/sales/leads${qs({ ...filters, cursor, limit })}`),
  lead: (id: string) => request<LeadDetail>('GET', leadPath(id)),
  createLead: (input: LeadInput) => request<Lead>('POST', '/api/v1/sales/leads', input),
  /** Where the browser downloads the leads the filters select (a link: the session cookie goes with it). */
  exportUrl: (filters: LeadFilters, format: 'csv' | 'jsonl' = 'csv') =>
    `/api/v1/sales/leads/export${qs({ ...filters, format })}`,
  /** A leads CSV, `map` naming its columns (docs/sales.md). */
  importLeads: async (file: File, map?: string) =>
    request<LeadImportSummary>(
      'POST',
      `/api/v1/sales/leads/import${qs({ map })}`,
      await file.text(),
      'text/csv',
    ),
  updateLead: (id: string, patch: LeadPatch) => request<Lead>('PATCH', leadPath(id), patch),
  handoff: (id: string, input: { toUserId: string; note: string }) =>
    request<Lead>('POST', leadPath(id, '/handoff'), input),
  accept: (id: string) => request<Lead>('POST', leadPath(id, '/accept')),
  reject: (id: string, reason: string) => request<Lead>('POST', leadPath(id, '/reject'), { reason }),
  contact: (id: string, input: { channel: ContactChannel; note?: string }) =>
    request<Lead>('POST', leadPath(id, '/contact'), input),
  rescore: (id: string) => request<Lead>('POST', leadPath(id, '/rescore')),
  opportunities: (
    filters: { stage?: OpportunityStage; leadId?: string; owner?: string; open?: 'true' | 'false' },
    cursor?: string,
    limit = 50,
  ) => request<Page<Opportunity>>('GET', `/api/v1/sales/opportunities${qs({ ...filters, cursor, limit })}`),
  createOpportunity: (input: OpportunityInput) =>
    request<Opportunity>('POST', '/api/v1/sales/opportunities', input),
  updateOpportunity: (id: string, patch: OpportunityPatch) =>
    request<Opportunity>('PATCH', `/api/v1/sales/opportunities/${encodeURIComponent(id)}`, patch),
  pipeline: (query: { top?: number; owner?: string } = {}) =>
    request<SalesPipeline>('GET', `/api/v1/sales/pipeline${qs(query)}`),
  owners: () => request<{ items: SalesOwner[] }>('GET', '/api/v1/sales/owners'),
  scoring: () => request<ScoringConfig>('GET', '/api/v1/sales/scoring'),
  saveScoring: (config: ScoringConfig) => request<ScoringConfig>('PUT', '/api/v1/sales/scoring', config),
};
