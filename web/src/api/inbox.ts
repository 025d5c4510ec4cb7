// Inbox: cases, dispositions of mentions, teams, routing rules, presence (src/modules/inbox).

import { type Page, qs, type Role, request } from '../api.ts';
import type { CustomerSummary, LifecycleStage } from './customers.ts';
import type { Mention } from './listening.ts';
import type { LeadStage } from './sales.ts';

export const caseStatuses = ['new', 'open', 'pending_customer', 'on_hold', 'solved', 'closed'] as const;
export type CaseStatus = (typeof caseStatuses)[number];
export const casePriorities = ['urgent', 'high', 'normal', 'low'] as const;
export type CasePriority = (typeof casePriorities)[number];
export const caseTypes = ['question', 'complaint', 'feedback', 'lead', 'other'] as const;
export type CaseType = (typeof caseTypes)[number];
export const dismissReasons = ['noise', 'spam', 'not_actionable', 'duplicate'] as const;
/** The orders of the case list a person picks (the API's `sort`; `due` belongs to "Breaching soon"), with what the menu calls them. */
export const caseSorts = {
  newest: 'Newest first',
  oldest: 'Oldest first',
  priority: 'Priority',
  waiting: 'Waiting longest',
} as const;
export type CaseSort = keyof typeof caseSorts | 'due';
export type DismissReason = (typeof dismissReasons)[number];
export type CaseFieldValue = string | number | boolean | null;
export type Case = {
  id: string;
  number: number;
  subject: string;
  status: CaseStatus;
  priority: CasePriority;
  type: CaseType;
  assigneeUserId: string | null;
  teamId: string | null;
  customerId: string | null;
  channel: string | null;
  tags: string[];
  customFields: Record<string, CaseFieldValue>;
  mergedInto: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  firstResponseAt: string | null;
  solvedAt: string | null;
  closedAt: string | null;
  /** When the customer's latest post on the case was written (absent from older servers). */
  lastCustomerMessageAt?: string | null;
  /** When the latest reply to the customer was sent (absent from older servers). */
  lastAgentReplyAt?: string | null;
  /** Snoozed out of the working views until then (absent from older servers). */
  snoozedUntil?: string | null;
  /** Since when the customer has waited for an answer: set while they wrote last on a case not solved or closed. */
  waitingSince?: string | null;
  /** The SLA clocks (absent from older servers). */
  sla?: CaseSla[];
};
export const slaMetrics = ['first_response', 'next_response', 'resolution'] as const;
export type SlaMetric = (typeof slaMetrics)[number];
export type CaseSla = {
  metric: SlaMetric;
  policyId: string;
  status: 'running' | 'paused' | 'achieved' | 'breached' | 'stopped';
  /** While running (and once breached: the deadline). */
  dueAt: string | null;
  targetMinutes: number;
  warnedAt: string | null;
  breachedAt: string | null;
  achievedAt: string | null;
};
/** A shared segment the customer belongs to, shown as a badge. */
export type SegmentBadge = { id: string; name: string };
/** A case as the inbox list shows it: with its customer and the post that opened it. */
export type CaseCard = Case & {
  customer: CustomerSummary | null;
  /** Absent from older servers. */
  segments?: SegmentBadge[];
  firstMessage: {
    mentionId: number;
    channel: string;
    /** Up to 280 characters. */
    text: string;
    authorHandle: string | null;
    sentiment: string | null;
    intents: string[];
    urgency: number | null;
    createdAt: string;
  } | null;
};
export type Reply = {
  id: string;
  caseId: string;
  mentionId: number | null;
  channel: string;
  visibility: 'public' | 'private';
  recipient: string | null;
  body: string;
  /** cancelled: withdrawn before sending (a survey held after a solve that was undone). */
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  externalId: string | null;
  externalUrl: string | null;
  authorUserId: string | null;
  createdAt: string;
  sentAt: string | null;
};
export type ReplyInput = {
  body: string;
  visibility: 'public' | 'private';
  mentionId?: number;
  acknowledgement?: string;
};
export type CaseNote = {
  id: string;
  authorUserId: string;
  body: string;
  mentionUserIds: string[];
  createdAt: string;
};
export type CannedResponse = {
  id: string;
  name: string;
  body: string;
  shared: boolean;
  ownerUserId: string | null;
  createdAt: string;
  updatedAt: string;
};
export type CannedInput = { name: string; body: string; shared: boolean };
export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];
/** Opening windows ["09:00", "17:00"] per weekday ("24:00" ends a day), holidays as local dates. */
export type BusinessHoursInput = { week: Record<Weekday, [string, string][]>; holidays: string[] };
export type BusinessHours = BusinessHoursInput & { timeZone: string; openNow: boolean };
export type SlaBreachAction =
  | { type: 'escalate_priority' }
  | { type: 'reassign'; userId?: string; teamId?: string }
  | { type: 'notify'; userIds: string[] };
export type SlaPolicyInput = {
  name: string;
  enabled: boolean;
  conditions: { channels?: string[]; priorities?: CasePriority[]; types?: CaseType[]; segmentIds?: string[] };
  /** Minutes; open hours only when `businessHours`. */
  targets: { firstResponse?: number; nextResponse?: number; resolution?: number };
  businessHours: boolean;
  warnBeforeMinutes: number;
  breachActions: SlaBreachAction[];
};
export type SlaPolicy = SlaPolicyInput & {
  id: string;
  position: number;
  createdAt: string;
  updatedAt: string;
};
export type SlaReport = {
  since: string;
  metrics: {
    metric: SlaMetric;
    achieved: number;
    breached: number;
    running: number;
    /** achieved / (achieved + breached), 0..1 */
    attainment: number | null;
  }[];
};
export type Conversation = {
  id: string;
  channel: string;
  threadKey: string;
  customerId: string | null;
  preview: string;
  lastActivityAt: string;
  createdAt: string;
  /** Its stored posts, oldest first. */
  messages: Mention[];
};
/** A person's cases in short: how many are open and in all, the 5 latest by number. */
export type CaseHistory = {
  open: number;
  total: number;
  recent: (Pick<Case, 'id' | 'number' | 'subject' | 'status' | 'priority' | 'type'> & {
    updatedAt: string;
  })[];
};
export type CaseDetail = Case & {
  customer: CustomerSummary | null;
  /** Absent from older servers. */
  segments?: SegmentBadge[];
  conversations: Conversation[];
  following: boolean;
  /** The outbox: replies queued, sent or failed (absent from older servers). */
  replies?: Reply[];
  /** Internal notes, never shown to the customer (absent from older servers). */
  notes?: CaseNote[];
  /** The customer's other cases: open, in all, the 5 latest; null without a customer (absent from older servers). */
  otherCases?: CaseHistory | null;
};
export type CaseFilters = {
  view?: 'all' | 'mine' | 'unassigned';
  /** Comma-separated statuses, or `active`. */
  status?: string;
  priority?: CasePriority;
  type?: CaseType;
  teamId?: string;
  assigneeUserId?: string;
  customerId?: string;
  channel?: string;
  tag?: string;
  /** #N for case N; else words of the subject, the customer (name, email, handles) or the posts. */
  search?: string;
  number?: number;
  /** Only cases with a running SLA clock due within this many minutes (or overdue). */
  dueWithinMinutes?: number;
  /** `true`: only snoozed cases; `false`: only the others. */
  snoozed?: 'true' | 'false';
  /** `true`: only the cases whose customer waits for an answer; `false`: only the others. */
  needsReply?: 'true' | 'false';
  /** The order; newest first when absent (due first with `dueWithinMinutes`). */
  sort?: CaseSort;
};
/** A saved view of the inbox: named filters of the case list, one's own or shared with the workspace. */
export type InboxView = {
  id: string;
  name: string;
  filters: CaseFilters;
  shared: boolean;
  ownerUserId: string;
  position: number;
  /** Whether you may rename, refilter, share or delete it. */
  editable: boolean;
  /** The cases it lists for you now, counted up to 1000 (`countCapped`: more than that). */
  count: number;
  countCapped: boolean;
  createdAt: string;
  updatedAt: string;
};
export type InboxViewInput = { name: string; filters: CaseFilters; shared?: boolean };
export type CasePatch = Partial<{
  subject: string;
  status: CaseStatus;
  priority: CasePriority;
  type: CaseType;
  assigneeUserId: string | null;
  teamId: string | null;
  customerId: string | null;
  tags: string[];
  customFields: Record<string, CaseFieldValue>;
  /** Snooze until then (ISO), or `null` to end the snooze. */
  snoozedUntil: string | null;
  /** Change the case only if it still has this status (409 otherwise). */
  ifStatus: CaseStatus;
}>;
export type CaseInput = {
  subject: string;
  type?: CaseType;
  priority?: CasePriority;
  customerId?: string;
  assigneeUserId?: string;
  teamId?: string;
  tags?: string[];
  mentionIds?: number[];
};
export type DispositionAction =
  | { action: 'create_case'; subject?: string; type?: CaseType; priority?: CasePriority }
  | { action: 'attach'; caseId: string }
  | { action: 'answered' }
  | { action: 'dismiss'; reason: DismissReason };
export type Disposition = {
  mentionId: number;
  disposition: 'case' | 'lead' | 'answered' | 'dismissed';
  reason: string | null;
  caseId: string | null;
  at: string;
  by: string | null;
};
export type BulkDispositionResult = {
  decided: Disposition[];
  skipped: { mentionId: number; reason: 'already_decided' | 'deleted' | 'not_found' }[];
};
export type DispositionStats = {
  since: string;
  matched: number;
  disposed: number;
  /** 0..1 */
  share: number;
  byDisposition: { case: number; lead: number; answered: number; dismissed: number };
  minutesToDisposition: { p50: number | null; p90: number | null };
};
export type Assignee = { id: string; name: string; role: string; skills: string[] };
export type Team = { id: string; name: string; memberIds: string[]; createdAt: string };
export type Presence = { caseId: string; userId: string; name: string; state: 'viewing' | 'replying' };
export type CaseChange = { eventId: number; caseId: string; kind: string; actorUserId: string | null };

export const routingFields = [
  'channel',
  'query',
  'intent',
  'sentiment',
  'topic',
  'language',
  'urgency',
  'influence',
  'followers',
  'keywords',
  'segment',
  'lifecycle_stage',
  'business_hours',
  'customer_has_open_case',
  'case_exists',
  'case_priority',
  'case_type',
  'case_status',
  'case_assigned',
  'case_team',
  'case_tags',
  'changed',
  'hours_since',
  'survey_rating',
] as const;
export type RoutingField = (typeof routingFields)[number];
/** What a rule runs on: a stored post, a case created, a case updated, or time passing on a case. */
export const ruleEvents = ['mention_stored', 'case_created', 'case_updated', 'time_elapsed'] as const;
export type RuleEvent = (typeof ruleEvents)[number];
export const caseChanges = [
  'status',
  'priority',
  'type',
  'assignee',
  'team',
  'tags',
  'customer',
  'custom_fields',
  'customer_message',
  'agent_reply',
  'note',
  'survey_answer',
] as const;
/** How a survey answer reads on either scale (CSAT 1–2 / NPS 0–6 unhappy, … 4–5 / 9–10 happy). */
export const surveyRatings = ['unhappy', 'neutral', 'happy'] as const;
export const caseMoments = ['created', 'updated', 'solved', 'customer_message', 'agent_reply'] as const;
export type CaseMoment = (typeof caseMoments)[number];
export type RoutingCondition =
  | {
      field: 'channel' | 'query' | 'topic' | 'language' | 'segment' | 'case_team';
      op: 'in' | 'not_in';
      value: string[];
    }
  | { field: 'lifecycle_stage'; op: 'in' | 'not_in'; value: LifecycleStage[] }
  | {
      field:
        | 'intent'
        | 'sentiment'
        | 'case_priority'
        | 'case_type'
        | 'case_status'
        | 'changed'
        | 'survey_rating';
      op: 'in' | 'not_in';
      value: string[];
    }
  | { field: 'case_tags'; op: 'contains_any' | 'contains_none'; value: string[] }
  | { field: 'hours_since'; since: CaseMoment; op: 'gte' | 'lte'; value: number }
  | { field: 'urgency' | 'influence' | 'followers'; op: 'gte' | 'lte'; value: number }
  | { field: 'keywords'; op: 'contains_any' | 'contains_none'; value: string[] }
  | {
      field: 'customer_has_open_case' | 'case_exists' | 'business_hours' | 'case_assigned';
      op: 'is_true' | 'is_false';
    };
export const routingActionTypes = [
  'create_case',
  'set_priority',
  'set_type',
  'add_tags',
  'assign_team',
  'assign',
  'assign_agent',
  'send_reply',
  'create_lead',
  'notify',
  'dismiss',
  'set_status',
] as const;
export type RoutingActionType = (typeof routingActionTypes)[number];
export type RoutingAction =
  | { type: 'create_case'; caseType?: CaseType; priority?: CasePriority; attachToOpenCase?: boolean }
  | { type: 'set_priority'; value: CasePriority }
  | { type: 'set_type'; value: CaseType }
  | { type: 'add_tags'; value: string[] }
  | { type: 'assign_team'; teamId: string }
  | {
      type: 'assign';
      strategy: 'round_robin' | 'least_open';
      teamId?: string;
      /** Only people with all of these; `fallback` says what happens when nobody has them. */
      skills?: string[];
      fallback?: 'pool' | 'none';
    }
  | { type: 'assign_agent'; userId: string }
  | { type: 'send_reply'; cannedId: string }
  | { type: 'create_lead'; stage?: LeadStage; teamId?: string; ownerUserId?: string }
  | { type: 'notify'; userIds: string[] }
  | { type: 'dismiss'; reason: DismissReason }
  | { type: 'set_status'; value: Exclude<CaseStatus, 'new'> };
export type RoutingRuleInput = {
  name: string;
  enabled: boolean;
  /** mention_stored when absent. */
  event?: RuleEvent;
  match: 'all' | 'any';
  conditions: RoutingCondition[];
  actions: RoutingAction[];
};
export type RoutingRule = RoutingRuleInput & {
  event: RuleEvent;
  id: string;
  position: number;
  firedCount: number;
  lastFiredAt: string | null;
  createdAt: string;
  updatedAt: string;
};
export type RuleTest = {
  evaluated: number;
  matched: number;
  /** Rules on posts: how many of the latest posts were left out as history. */
  history?: number;
  samples: {
    mentionId: number;
    /** Rules on case events: the case tried (its subject is the text). */
    caseNumber?: number;
    text: string;
    channel: string;
    createdAt: string;
    reasons: string[];
  }[];
};

/** Roles that may configure the inbox: teams and routing rules. */
export const inboxConfigurers: Role[] = ['owner', 'admin', 'manager'];
/** Roles that may work cases and decide what becomes of mentions. */
export const inboxWorkers: Role[] = ['owner', 'admin', 'manager', 'agent'];

/** The path of a case, or of something under it (`rest`); surveys.ts reads a case's surveys there. */
export const casePath = (id: string, rest = '') => `/api/v1/cases/${encodeURIComponent(id)}${rest}`;

export const inboxApi = {
  cases: (filters: CaseFilters, cursor?: string, limit = 30) =>
    request<Page<CaseCard>>('GET', `/api/v1/cases${qs({ ...filters, cursor, limit })}`),
  /** Where the browser downloads the cases the filters select (a link: the session cookie goes with it). */
  exportUrl: (filters: CaseFilters, format: 'csv' | 'jsonl' = 'csv') =>
    `/api/v1/cases/export${qs({ ...filters, format })}`,
  get: (id: string) => request<CaseDetail>('GET', casePath(id)),
  create: (input: CaseInput) => request<Case>('POST', '/api/v1/cases', input),
  update: (id: string, patch: CasePatch) => request<Case>('PATCH', casePath(id), patch),
  /** Merges `fromCaseId` into `id`. */
  merge: (id: string, fromCaseId: string) => request<Case>('POST', casePath(id, '/merge'), { fromCaseId }),
  split: (id: string, conversationIds: string[], subject?: string) =>
    request<Case>('POST', casePath(id, '/split'), { conversationIds, ...(subject ? { subject } : {}) }),
  attachMention: (id: string, mentionId: number) =>
    request<Case>('POST', casePath(id, '/mentions'), { mentionId }),
  setPresence: (id: string, state: Presence['state']) =>
    request<void>('PUT', casePath(id, '/presence'), { state }),
  // Sent as the page goes away too, so colleagues stop seeing someone who closed the tab.
  clearPresence: (id: string) =>
    request<void>('DELETE', casePath(id, '/presence'), undefined, undefined, { keepalive: true }),
  dispose: (mentionId: number, input: DispositionAction) =>
    request<Disposition>('POST', `/api/v1/mentions/${mentionId}/disposition`, input),
  /** Up to 200 posts at once; only undecided ones are decided, the others come back as skipped. */
  disposeMany: (
    mentionIds: number[],
    input: { action: 'answered' } | { action: 'dismiss'; reason: DismissReason },
  ) => request<BulkDispositionResult>('POST', '/api/v1/mentions/dispositions', { mentionIds, ...input }),
  dispositionStats: (days = 7) =>
    request<DispositionStats>('GET', `/api/v1/inbox/dispositions${qs({ days })}`),
  assignees: () => request<{ items: Assignee[] }>('GET', '/api/v1/inbox/assignees'),
  teams: () => request<{ items: Team[] }>('GET', '/api/v1/teams'),
  createTeam: (input: { name: string; memberIds: string[] }) => request<Team>('POST', '/api/v1/teams', input),
  saveTeam: (id: string, input: { name: string; memberIds: string[] }) =>
    request<Team>('PUT', `/api/v1/teams/${encodeURIComponent(id)}`, input),
  deleteTeam: (id: string) => request<void>('DELETE', `/api/v1/teams/${encodeURIComponent(id)}`),
  rules: () => request<{ items: RoutingRule[] }>('GET', '/api/v1/routing-rules'),
  createRule: (input: RoutingRuleInput) => request<RoutingRule>('POST', '/api/v1/routing-rules', input),
  saveRule: (id: string, input: RoutingRuleInput) =>
    request<RoutingRule>('PUT', `/api/v1/routing-rules/${encodeURIComponent(id)}`, input),
  deleteRule: (id: string) => request<void>('DELETE', `/api/v1/routing-rules/${encodeURIComponent(id)}`),
  reorderRules: (ids: string[]) =>
    request<{ items: RoutingRule[] }>('PUT', '/api/v1/routing-rules/order', { ids }),
  testRule: (input: RoutingRuleInput, limit = 500) =>
    request<RuleTest>('POST', `/api/v1/routing-rules/test${qs({ limit })}`, input),
  /** One public reply (two with a private reply and its acknowledgement), queued in the outbox. */
  reply: (id: string, input: ReplyInput) =>
    request<{ items: Reply[] }>('POST', casePath(id, '/replies'), input),
  retryReply: (id: string, replyId: string) =>
    request<Reply>('POST', casePath(id, `/replies/${encodeURIComponent(replyId)}/retry`)),
  addNote: (id: string, input: { body: string; mentionUserIds: string[] }) =>
    request<CaseNote>('POST', casePath(id, '/notes'), input),
  canned: () => request<{ items: CannedResponse[]; variables: string[] }>('GET', '/api/v1/canned-responses'),
  createCanned: (input: CannedInput) => request<CannedResponse>('POST', '/api/v1/canned-responses', input),
  saveCanned: (id: string, input: CannedInput) =>
    request<CannedResponse>('PUT', `/api/v1/canned-responses/${encodeURIComponent(id)}`, input),
  deleteCanned: (id: string) => request<void>('DELETE', `/api/v1/canned-responses/${encodeURIComponent(id)}`),
  renderCanned: (id: string, caseId: string) =>
    request<{ text: string }>('POST', `/api/v1/canned-responses/${encodeURIComponent(id)}/render`, {
      caseId,
    }),
  businessHours: () => request<BusinessHours>('GET', '/api/v1/inbox/business-hours'),
  setBusinessHours: (input: BusinessHoursInput) =>
    request<BusinessHours>('PUT', '/api/v1/inbox/business-hours', input),
  slaPolicies: () => request<{ items: SlaPolicy[] }>('GET', '/api/v1/sla-policies'),
  createSlaPolicy: (input: SlaPolicyInput) => request<SlaPolicy>('POST', '/api/v1/sla-policies', input),
  saveSlaPolicy: (id: string, input: SlaPolicyInput) =>
    request<SlaPolicy>('PUT', `/api/v1/sla-policies/${encodeURIComponent(id)}`, input),
  deleteSlaPolicy: (id: string) => request<void>('DELETE', `/api/v1/sla-policies/${encodeURIComponent(id)}`),
  reorderSlaPolicies: (ids: string[]) =>
    request<{ items: SlaPolicy[] }>('PUT', '/api/v1/sla-policies/order', { ids }),
  slaReport: (days = 30) => request<SlaReport>('GET', `/api/v1/inbox/sla-report${qs({ days })}`),
  views: () => request<{ items: InboxView[] }>('GET', '/api/v1/inbox/views'),
  createView: (input: InboxViewInput) => request<InboxView>('POST', '/api/v1/inbox/views', input),
  updateView: (id: string, patch: Partial<InboxViewInput>) =>
    request<InboxView>('PATCH', `/api/v1/inbox/views/${encodeURIComponent(id)}`, patch),
  deleteView: (id: string) => request<void>('DELETE', `/api/v1/inbox/views/${encodeURIComponent(id)}`),
  reorderViews: (scope: 'personal' | 'shared', ids: string[]) =>
    request<{ items: InboxView[] }>('PUT', '/api/v1/inbox/views/order', { scope, ids }),
};
