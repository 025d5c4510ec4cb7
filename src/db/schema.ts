import type { Generated } from 'kysely';

/**
 * Logical schema shared by SQLite and PostgreSQL. Timestamps are ISO-8601 UTC strings on both
 * (TEXT on SQLite, timestamptz on PostgreSQL parsed back to ISO in `client.ts`); booleans are
 * 0/1 integers so the two engines agree.
 */
export type Role = 'owner' | 'admin' | 'manager' | 'agent' | 'moderator';
export type UserStatus = 'active' | 'deactivated';

export interface WorkspacesTable {
  id: string;
  name: string;
  slug: string;
  time_zone: string;
  is_demo: number;
  created_at: string;
}

export interface UsersTable {
  id: string;
  workspace_id: string;
  email: string;
  name: string;
  role: Role;
  status: UserStatus;
  password_hash: string;
  password_change_required: number;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value; the cookie itself is never stored. */
  id: string;
  user_id: string;
  workspace_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: string;
  workspace_id: string;
  user_id: string;
  name: string;
  /** First characters of the secret, shown in lists so people can tell tokens apart. */
  prefix: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  workspace_id: string;
  actor_user_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  /** JSON text on SQLite, jsonb on PostgreSQL: read through `dialect.parseJson`. */
  details: unknown;
  created_at: string;
}

export interface ConnectorsTable {
  id: string;
  workspace_id: string;
  kind: string;
  name: string;
  config: unknown;
  /** AES-256-GCM under the workspace secret key (`src/crypto.ts`); never returned by the API. */
  secret_encrypted: string | null;
  enabled: number;
  cursor: string | null;
  state: string;
  last_item_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  error_count: number;
  items_total: number;
  expected_interval_seconds: number | null;
  created_at: string;
  updated_at: string;
}

export interface IngestLogTable {
  id: Generated<number>;
  workspace_id: string;
  connector_id: string | null;
  /** How to read the payload: jetstream, mastodon or generic. */
  format: string;
  payload: string;
  cursor: string | null;
  received_at: string;
  processed_at: string | null;
}

export interface AuthorsTable {
  id: Generated<number>;
  workspace_id: string;
  channel: string;
  external_id: string;
  handle: string;
  display_name: string | null;
  followers: number | null;
  profile_url: string | null;
  avatar_url: string | null;
  updated_at: string;
}

export interface MentionsTable {
  id: Generated<number>;
  workspace_id: string;
  channel: string;
  external_id: string;
  url: string | null;
  author_id: number | null;
  text: string;
  language: string;
  created_at: string;
  received_at: string;
  /** When this version was made at the source: an older version never overwrites a newer one. */
  version_at: string;
  reply_to: string | null;
  thread_root: string | null;
  engagement: unknown;
  analysis: unknown;
  sentiment: string | null;
  /** Space-separated intent labels, for filtering. */
  intents: string | null;
  disposition: string | null;
  deleted_at: string | null;
  edited_at: string | null;
  /** 0..100, from the analysis. */
  urgency: number | null;
  /** Space-separated ids of the matching topics, for filtering. */
  topics: string | null;
  /** Space-separated `classifierId:label` of the custom classifiers' answers, for filtering. */
  classes: string | null;
  /** What became of the mention (src/modules/inbox/dispositions.ts): case, answered, dismissed. */
  disposition_reason: string | null;
  disposition_at: string | null;
  disposition_by: string | null;
  /** The case the mention was turned into or attached to. */
  case_id: string | null;
}

export interface TopicsTable {
  id: string;
  workspace_id: string;
  name: string;
  /** JSON array of keywords and phrases. */
  keywords: unknown;
  /** JSON array of example texts. */
  examples: unknown;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface ClassifiersTable {
  id: string;
  workspace_id: string;
  name: string;
  /** JSON array of the model's labels. */
  labels: unknown;
  /** JSON: the held-out figures the trainer measured, from the model. */
  held_out: unknown;
  /** The trained model as JSON text (see src/modules/analysis/classifier.ts). */
  model: string;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface ListeningQueriesTable {
  id: string;
  workspace_id: string;
  name: string;
  query: string;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface MentionQueriesTable {
  workspace_id: string;
  query_id: string;
  mention_id: number;
  created_at: string;
}

export interface QuarantineTable {
  id: Generated<number>;
  workspace_id: string;
  log_id: number | null;
  connector_id: string | null;
  format: string;
  stage: string;
  reason: string;
  payload: string;
  status: 'open' | 'retried' | 'dropped';
  created_at: string;
  resolved_at: string | null;
}

export interface AuthorInfluenceTable {
  workspace_id: string;
  author_id: number;
  /** 0..100: in-network PageRank and reach combined (src/modules/customers/influence.ts). */
  score: number;
  pagerank: number;
  /** Distinct authors who replied to or @mentioned this author. */
  in_degree: number;
  out_degree: number;
  followers: number | null;
  /** Of the author's mentions: how many were positive, negative, and in all. */
  positive: number;
  negative: number;
  mentions: number;
  /** JSON array of reason strings. */
  reasons: unknown;
  computed_at: string;
}

export interface CustomersTable {
  id: string;
  workspace_id: string;
  display_name: string;
  primary_email: string | null;
  avatar_url: string | null;
  bio: string | null;
  /** JSON object of typed custom attributes (see customer_attribute_definitions). */
  attributes: unknown;
  /** Set when this customer was merged into another: the row stays so unmerge can restore it. */
  merged_into: string | null;
  /** The host of the `website` attribute (without www.), kept in step with it by the service. */
  website_domain: string | null;
  created_at: string;
  updated_at: string;
  /** Set by an erasure: the row stays, blanked, so references to it (consents, erasures) hold. */
  erased_at: string | null;
  lifecycle_stage: LifecycleStage | null;
}

export type LifecycleStage =
  | 'subscriber'
  | 'lead'
  | 'marketing_qualified'
  | 'sales_qualified'
  | 'opportunity'
  | 'customer'
  | 'evangelist'
  | 'other';

/** Precomputed mention statistics per customer (src/modules/customers/customer-stats.ts). */
export interface CustomerStatsTable {
  customer_id: string;
  workspace_id: string;
  mentions: number;
  positive: number;
  negative: number;
  neutral: number;
  /** The largest follower count among the customer's social authors. */
  followers: number | null;
  /** The best author_influence.score among the customer's authors. */
  influence: number | null;
  last_mention_at: string | null;
  last_positive_at: string | null;
  last_negative_at: string | null;
  intent_purchase_intent: number;
  intent_complaint: number;
  intent_support_question: number;
  intent_praise: number;
  intent_idea: number;
  intent_churn_risk: number;
  intent_spam: number;
  computed_at: string;
}

/** The incremental stats refresh's watermark per workspace. */
export interface CustomerStatsStateTable {
  workspace_id: string;
  last_mention_id: number;
  rebuilt_at: string | null;
}

export interface SegmentsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string | null;
  kind: 'dynamic' | 'static';
  /** JSON rule (src/modules/customers/segment-rules.ts); null for a static list. */
  rule: unknown;
  shared: number;
  owner_user_id: string | null;
  created_at: string;
  updated_at: string;
}

/** The members of a static segment (a list). */
export interface SegmentMembersTable {
  segment_id: string;
  customer_id: string;
  workspace_id: string;
  added_by: string | null;
  added_at: string;
}

export interface IdentitiesTable {
  id: string;
  workspace_id: string;
  customer_id: string;
  kind: 'social' | 'email' | 'phone';
  channel: string;
  external_id: string;
  handle: string | null;
  /** Lower-cased handle without its network suffix, for cross-network suggestions. */
  handle_key: string | null;
  author_id: number | null;
  verified: number;
  source: 'pipeline' | 'agent' | 'import' | 'api';
  created_at: string;
}

export interface CustomerMergesTable {
  id: string;
  workspace_id: string;
  into_customer_id: string;
  from_customer_id: string;
  /** JSON array of evidence sentences. */
  evidence: unknown;
  /** JSON: what unmerge needs to restore both customers (see customers/service.ts). */
  snapshot: unknown;
  actor_user_id: string | null;
  created_at: string;
  undone_at: string | null;
}

export interface IdentitySuggestionsTable {
  id: string;
  workspace_id: string;
  /** The pair is ordered: customer_id < other_customer_id. */
  customer_id: string;
  other_customer_id: string;
  confidence: number;
  evidence: unknown;
  status: 'open' | 'accepted' | 'rejected';
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
}

export interface CustomerAttributeDefinitionsTable {
  id: string;
  workspace_id: string;
  key: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'boolean' | 'choice';
  choices: unknown;
  created_at: string;
}

export interface CustomerTransactionsTable {
  id: string;
  workspace_id: string;
  customer_id: string;
  /** The sending system's key; unique per workspace when present (idempotent posts and imports). */
  external_id: string | null;
  kind: 'order' | 'subscription' | 'refund' | 'other';
  status: string;
  /** In the currency's minor unit (cents); bigint, so PostgreSQL returns it as a string. */
  amount_minor: number | string;
  /** ISO 4217 code, upper case. */
  currency: string;
  description: string | null;
  occurred_at: string;
  properties: unknown;
  source: 'api' | 'import';
  created_at: string;
}

export interface CustomerEventsTable {
  id: string;
  workspace_id: string;
  customer_id: string;
  name: string;
  occurred_at: string;
  properties: unknown;
  /** How the sender named the person: email, social (channel:value) or customer. */
  identity_kind: 'email' | 'social' | 'customer';
  identity_value: string;
  created_at: string;
}

export type ConsentPurpose = 'marketing' | 'support' | 'research' | 'profiling';

/** Append-only: every change is a row; the current state is the latest per purpose and channel. */
export interface CustomerConsentsTable {
  id: Generated<number>;
  workspace_id: string;
  customer_id: string;
  purpose: ConsentPurpose;
  /** A channel (email, bluesky, mastodon, …) or `any`. */
  channel: string;
  status: 'granted' | 'withdrawn';
  source: string | null;
  recorded_by: string | null;
  recorded_at: string;
}

/** That an erasure happened, with what it removed; no personal data. */
export interface CustomerErasuresTable {
  id: string;
  workspace_id: string;
  customer_id: string;
  requested_by: string | null;
  reason: string;
  /** JSON object: rows changed per kind. */
  counts: unknown;
  created_at: string;
}

export interface DB {
  workspaces: WorkspacesTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  connectors: ConnectorsTable;
  ingest_log: IngestLogTable;
  authors: AuthorsTable;
  mentions: MentionsTable;
  listening_queries: ListeningQueriesTable;
  mention_queries: MentionQueriesTable;
  quarantine: QuarantineTable;
  topics: TopicsTable;
  classifiers: ClassifiersTable;
  customers: CustomersTable;
  identities: IdentitiesTable;
  customer_merges: CustomerMergesTable;
  identity_suggestions: IdentitySuggestionsTable;
  customer_attribute_definitions: CustomerAttributeDefinitionsTable;
  author_influence: AuthorInfluenceTable;
  customer_transactions: CustomerTransactionsTable;
  customer_events: CustomerEventsTable;
  customer_consents: CustomerConsentsTable;
  customer_erasures: CustomerErasuresTable;
  customer_stats: CustomerStatsTable;
  customer_stats_state: CustomerStatsStateTable;
  segments: SegmentsTable;
  segment_members: SegmentMembersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  cases: CasesTable;
  conversations: ConversationsTable;
  record_events: RecordEventsTable;
  record_follows: RecordFollowsTable;
  notifications: NotificationsTable;
  routing_rules: RoutingRulesTable;
  routing_state: RoutingStateTable;
  case_presence: CasePresenceTable;
  business_hours: BusinessHoursTable;
  sla_policies: SlaPoliciesTable;
  case_sla: CaseSlaTable;
  outbox_replies: OutboxRepliesTable;
  case_notes: CaseNotesTable;
  canned_responses: CannedResponsesTable;
}

export interface TeamsTable {
  id: string;
  workspace_id: string;
  name: string;
  created_at: string;
}
export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  workspace_id: string;
}
export type CaseStatus = 'new' | 'open' | 'pending_customer' | 'on_hold' | 'solved' | 'closed';
export type CasePriority = 'urgent' | 'high' | 'normal' | 'low';
export type CaseType = 'question' | 'complaint' | 'feedback' | 'lead' | 'other';
export interface CasesTable {
  id: string;
  workspace_id: string;
  /** Per workspace, from 1: the reference people say aloud. */
  number: number;
  subject: string;
  status: CaseStatus;
  priority: CasePriority;
  type: CaseType;
  assignee_user_id: string | null;
  team_id: string | null;
  customer_id: string | null;
  /** The channel of the first conversation. */
  channel: string | null;
  /** Space-separated lower-case tags, for filtering. */
  tags: string;
  /** JSON object of scalar values. */
  custom_fields: unknown;
  merged_into: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  first_response_at: string | null;
  solved_at: string | null;
  closed_at: string | null;
}
export interface ConversationsTable {
  id: string;
  workspace_id: string;
  channel: string;
  /** The thread's root external id on its channel. */
  thread_key: string;
  case_id: string | null;
  customer_id: string | null;
  preview: string;
  last_activity_at: string;
  created_at: string;
}
export interface RecordEventsTable {
  id: Generated<number>;
  workspace_id: string;
  record_type: 'case' | 'lead' | 'customer';
  record_id: string;
  kind: string;
  actor_user_id: string | null;
  data: unknown;
  created_at: string;
}
export interface RecordFollowsTable {
  workspace_id: string;
  record_type: 'case' | 'lead' | 'customer';
  record_id: string;
  user_id: string;
  created_at: string;
}
export interface NotificationsTable {
  id: Generated<number>;
  workspace_id: string;
  user_id: string;
  record_type: 'case' | 'lead' | 'customer';
  record_id: string;
  event_id: number;
  summary: string;
  created_at: string;
  read_at: string | null;
}
export interface RoutingRulesTable {
  id: string;
  workspace_id: string;
  name: string;
  position: number;
  enabled: number;
  match: 'all' | 'any';
  /** JSON array of conditions (src/modules/inbox/routing-schema.ts). */
  conditions: unknown;
  /** JSON array of actions. */
  actions: unknown;
  fired_count: number;
  last_fired_at: string | null;
  created_at: string;
  updated_at: string;
}
export interface RoutingStateTable {
  workspace_id: string;
  last_mention_id: number;
  /** JSON: pool key → the user id assigned last. */
  round_robin: unknown;
  updated_at: string;
}
export interface CasePresenceTable {
  case_id: string;
  user_id: string;
  workspace_id: string;
  state: 'viewing' | 'replying';
  expires_at: string;
}
export interface BusinessHoursTable {
  workspace_id: string;
  /** JSON: weekday → [["09:00","17:00"], …] in the workspace's time zone. */
  week: unknown;
  /** JSON: local dates "YYYY-MM-DD". */
  holidays: unknown;
  updated_at: string;
}
export interface SlaPoliciesTable {
  id: string;
  workspace_id: string;
  name: string;
  position: number;
  enabled: number;
  /** JSON: channels, priorities, types, segment ids (each optional; all given must hold). */
  conditions: unknown;
  /** JSON: minutes for firstResponse, nextResponse, resolution (each optional). */
  targets: unknown;
  /** 1: targets count open hours only; 0: calendar time. */
  business_hours: number;
  warn_before_minutes: number;
  /** JSON array of actions on breach. */
  breach_actions: unknown;
  created_at: string;
  updated_at: string;
}
export type SlaMetric = 'first_response' | 'next_response' | 'resolution';
export type SlaStatus = 'running' | 'paused' | 'achieved' | 'breached' | 'stopped';
export interface CaseSlaTable {
  case_id: string;
  metric: SlaMetric;
  workspace_id: string;
  policy_id: string;
  status: SlaStatus;
  target_ms: number;
  /** Counted time before the current running stretch (pauses excluded). */
  elapsed_ms: number;
  running_since: string | null;
  due_at: string | null;
  warned_at: string | null;
  breached_at: string | null;
  achieved_at: string | null;
}
export type ReplyStatus = 'queued' | 'sending' | 'sent' | 'failed';
export interface OutboxRepliesTable {
  id: string;
  workspace_id: string;
  case_id: string;
  /** The post replied to; null for a private message that answers the case as a whole. */
  mention_id: number | null;
  channel: string;
  /** public: a reply in the thread; private: a direct message or an email. */
  visibility: 'public' | 'private';
  /** For private messages: the address or handle written to. */
  recipient: string | null;
  body: string;
  status: ReplyStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  /** What the channel calls the sent post or message (at:// URI, status id, Message-ID). */
  external_id: string | null;
  external_url: string | null;
  author_user_id: string | null;
  created_at: string;
  sent_at: string | null;
}
export interface CaseNotesTable {
  id: string;
  workspace_id: string;
  case_id: string;
  author_user_id: string;
  body: string;
  /** JSON array of user ids @mentioned (they are notified). */
  mentioned_user_ids: unknown;
  created_at: string;
}
export interface CannedResponsesTable {
  id: string;
  workspace_id: string;
  name: string;
  /** With {{variables}} (src/modules/inbox/canned.ts). */
  body: string;
  shared: number;
  owner_user_id: string | null;
  created_at: string;
  updated_at: string;
}
