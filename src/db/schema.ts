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
  /** Space-separated lower-case skill names, for skill-based assignment (like cases.tags). */
  skills: string;
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
  /** Items the pipeline did not store under `keep: matching` (src/pipeline/keep.ts). */
  items_passed_over: number;
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
  /** 1 for history the connector fetched (a backfill), 0 for an item received as it was posted. */
  backfill: Generated<number>;
  /** The JetStream message it was relayed from (null when appended to this table directly). */
  transport_id: string | null;
}

/** The process that reads a connector's source, until `expires_at` unless it renews. */
export interface ConnectorLeasesTable {
  connector_id: string;
  workspace_id: string;
  holder: string;
  expires_at: string;
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
  /** The account's bio as its network shows it, as plain text; null until a source sent one. */
  bio: string | null;
  /**
   * The links of the account's profile, `AuthorLink[]` (src/pipeline/formats.ts): JSON text on
   * SQLite, jsonb on PostgreSQL, read through `dialect.parseJson`; null until a source sent them.
   */
  links: unknown;
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
  /** JSON array of the links the post carries that its text does not write out (Bluesky facets and cards, Mastodon anchors); null when none. */
  links: string | null;
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

/** A handle an imported contacts file tied to a customer, waiting for the account to be seen. */
export interface ContactLinksTable {
  id: string;
  workspace_id: string;
  customer_id: string;
  channel: string;
  handle: string;
  /** Where the link came from, e.g. `contacts file "crm.csv", row 12`. */
  source: string;
  created_at: string;
  applied_at: string | null;
}

/** What an account's verified profile links name (migration 0043). */
export interface AuthorVerifiedLinksTable {
  author_id: number;
  workspace_id: string;
  /** `bluesky` or `mastodon` for an account, `web` for a domain. */
  target_channel: string;
  /** The account's handle in lower case, or the domain. */
  target: string;
  url: string;
}

export interface PendingCrossReferencesTable {
  /** The post that calls the account or address its author's own. */
  mention_id: number;
  workspace_id: string;
  /** `bluesky` or `mastodon` for an account, `email` for an address. */
  target_channel: string;
  /** The account's handle key (`handleKey`), or the lower-cased address. */
  target_key: string;
  created_at: string;
}

export interface CustomerMergesTable {
  id: string;
  workspace_id: string;
  into_customer_id: string;
  from_customer_id: string;
  /** JSON array of evidence sentences. */
  evidence: unknown;
  /** JSON: what unmerge needs to restore both customers (see customers/merges.ts). */
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
  connector_leases: ConnectorLeasesTable;
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
  contact_links: ContactLinksTable;
  author_verified_links: AuthorVerifiedLinksTable;
  pending_cross_references: PendingCrossReferencesTable;
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
  case_rule_state: CaseRuleStateTable;
  case_rule_firings: CaseRuleFiringsTable;
  case_presence: CasePresenceTable;
  business_hours: BusinessHoursTable;
  sla_policies: SlaPoliciesTable;
  case_sla: CaseSlaTable;
  outbox_replies: OutboxRepliesTable;
  case_notes: CaseNotesTable;
  canned_responses: CannedResponsesTable;
  inbox_views: InboxViewsTable;
  community_spaces: CommunitySpacesTable;
  community_members: CommunityMembersTable;
  community_threads: CommunityThreadsTable;
  community_posts: CommunityPostsTable;
  community_post_revisions: CommunityPostRevisionsTable;
  community_read_state: CommunityReadStateTable;
  community_idea_votes: CommunityIdeaVotesTable;
  community_idea_status_changes: CommunityIdeaStatusChangesTable;
  community_member_sessions: CommunityMemberSessionsTable;
  community_email_verifications: CommunityEmailVerificationsTable;
  community_trust_config: CommunityTrustConfigTable;
  community_flags: CommunityFlagsTable;
  community_points_ledger: CommunityPointsLedgerTable;
  community_space_moderators: CommunitySpaceModeratorsTable;
  community_post_likes: CommunityPostLikesTable;
  community_member_days: CommunityMemberDaysTable;
  community_idea_links: CommunityIdeaLinksTable;
  community_loop_cursors: CommunityLoopCursorsTable;
  community_member_notifications: CommunityMemberNotificationsTable;
  community_loop_deliveries: CommunityLoopDeliveriesTable;
  community_post_deliveries: CommunityPostDeliveriesTable;
  community_unanswered_policy: CommunityUnansweredPolicyTable;
  community_question_cases: CommunityQuestionCasesTable;
  community_shares: CommunitySharesTable;
  community_newsletters: CommunityNewslettersTable;
  community_newsletter_subscriptions: CommunityNewsletterSubscriptionsTable;
  community_newsletter_digests: CommunityNewsletterDigestsTable;
  community_newsletter_deliveries: CommunityNewsletterDeliveriesTable;
  community_challenges: CommunityChallengesTable;
  community_challenge_entries: CommunityChallengeEntriesTable;
  community_challenge_votes: CommunityChallengeVotesTable;
  community_challenge_notifications: CommunityChallengeNotificationsTable;
  community_lists: CommunityListsTable;
  community_list_entries: CommunityListEntriesTable;
  community_list_follows: CommunityListFollowsTable;
  surveys: SurveysTable;
  survey_requests: SurveyRequestsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  leads: LeadsTable;
  lead_mentions: LeadMentionsTable;
  opportunities: OpportunitiesTable;
  lead_scoring_config: LeadScoringConfigTable;
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
  last_customer_message_at: string | null;
  last_agent_reply_at: string | null;
  /** Out of the working views until then, or until the customer writes; null when not snoozed. */
  snoozed_until: string | null;
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
  /** How many events the line stands for: later news about the record while unread adds to it. */
  event_count: Generated<number>;
  /** 1 when addressed to the person (@mention, handoff, a rule's notify): never merged. */
  direct: Generated<number>;
}
export interface RoutingRulesTable {
  id: string;
  workspace_id: string;
  name: string;
  position: number;
  enabled: number;
  match: 'all' | 'any';
  /** What the rule runs on (routing-schema.ts `ruleEvents`). */
  event: 'mention_stored' | 'case_created' | 'case_updated' | 'time_elapsed';
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
export interface CaseRuleStateTable {
  workspace_id: string;
  last_event_id: number;
  /** JSON: pool key → the user assigned last. */
  round_robin: unknown;
  updated_at: string;
}
export interface CaseRuleFiringsTable {
  rule_id: string;
  case_id: string;
  /** The instant a time rule measured from: a copy of the case's column. */
  anchor: string;
  workspace_id: string;
  fired_at: string;
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
/** cancelled: withdrawn before the worker claimed it (a survey held after a solve that was undone). */
export type ReplyStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';
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
/** A saved view of the inbox (src/modules/inbox/views.ts): its owner's, or shared with the workspace. */
export interface InboxViewsTable {
  id: string;
  workspace_id: string;
  owner_user_id: string;
  name: string;
  /** JSON object: the filters of GET /cases (src/modules/inbox/views-schema.ts `viewFilters`). */
  filters: unknown;
  shared: number;
  /** Order among the owner's own views, or among the workspace's shared views. */
  position: number;
  created_at: string;
  updated_at: string;
}

// ---------------------------------------------------------------- surveys (src/modules/surveys)
export type SurveyKind = 'csat' | 'nps';
export type SurveyTrigger = 'case_solved' | 'manual';
export type SurveyDelivery = 'reply' | 'private' | 'link';
/** withdrawn: held after a solve and taken back when the case left solved (it was never sent). */
export type SurveyRequestStatus = 'queued' | 'not_sent' | 'answered' | 'withdrawn';

export interface SurveysTable {
  id: string;
  workspace_id: string;
  name: string;
  kind: SurveyKind;
  question: string;
  comment_prompt: string | null;
  trigger: SurveyTrigger;
  delivery: SurveyDelivery;
  /** A customer is asked at most once in this many days (0: every time). */
  cooldown_days: number;
  /** Days the link accepts an answer. */
  expires_days: number;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface SurveyRequestsTable {
  id: string;
  workspace_id: string;
  survey_id: string;
  customer_id: string | null;
  case_id: string | null;
  /** The secret part of the answer link. */
  token: string;
  /** queued: a message went to the outbox (its reply says how delivery went); not_sent: link only. */
  status: SurveyRequestStatus;
  delivery_error: string | null;
  reply_id: string | null;
  score: number | null;
  comment: string | null;
  answered_at: string | null;
  expires_at: string;
  created_at: string;
}

// ---------------------------------------------------------------- sales (src/modules/sales)
export type LeadStatus = 'open' | 'won' | 'disqualified';
export type HandoffStatus = 'none' | 'pending' | 'accepted' | 'rejected';
export type OpportunityStage =
  | 'qualification'
  | 'needs_analysis'
  | 'proposal'
  | 'negotiation'
  | 'closed_won'
  | 'closed_lost';
export interface LeadsTable {
  id: string;
  workspace_id: string;
  /** Per workspace, from 1. */
  number: number;
  customer_id: string;
  title: string;
  stage: LifecycleStage;
  status: LeadStatus;
  disqualify_reason: string | null;
  owner_user_id: string | null;
  team_id: string | null;
  source: 'rule' | 'agent' | 'import';
  source_mention_id: number | null;
  source_rule_id: string | null;
  case_id: string | null;
  fit_score: number;
  engagement_score: number;
  /** 0..100: fit + engagement, stored for sorting. */
  score: number;
  /** JSON: the contributions (src/modules/sales/scoring.ts). */
  score_explanation: unknown;
  scored_at: string | null;
  handoff_status: HandoffStatus;
  handoff_from_user_id: string | null;
  handoff_to_user_id: string | null;
  handoff_note: string | null;
  handoff_at: string | null;
  handoff_decided_at: string | null;
  handoff_reason: string | null;
  /** The first contact logged since the latest handoff (or at all, before any). */
  first_contact_at: string | null;
  closed_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}
export interface LeadMentionsTable {
  lead_id: string;
  mention_id: number;
  workspace_id: string;
  added_at: string;
}
export interface OpportunitiesTable {
  id: string;
  workspace_id: string;
  lead_id: string;
  customer_id: string;
  name: string;
  /** Minor units; bigint, so PostgreSQL returns it as a string. */
  amount_minor: number | string;
  currency: string;
  stage: OpportunityStage;
  /** YYYY-MM-DD. */
  expected_close_on: string | null;
  owner_user_id: string | null;
  lost_reason: string | null;
  closed_at: string | null;
  created_at: string;
  updated_at: string;
}
export interface LeadScoringConfigTable {
  workspace_id: string;
  config: unknown;
  updated_by: string | null;
  updated_at: string;
}

// ------------------------------------------------------------------ outbound webhooks (0012)
export interface WebhookEndpointsTable {
  id: string;
  workspace_id: string;
  url: string;
  description: string;
  /** AES-256-GCM under the secret key (`src/crypto.ts`) of the `whsec_…` signing secret. */
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: string | null;
  /** JSON array of patterns: `*`, `case.*`, `lead.stage_changed`. */
  event_types: unknown;
  enabled: number;
  /** The last record_events.id fanned out to this endpoint. */
  cursor: number;
  consecutive_failures: number;
  failing_since: string | null;
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  workspace_id: string;
  endpoint_id: string;
  event_id: number | null;
  message_id: string;
  type: string;
  /** The exact body sent. */
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  locked_until: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  last_response: string | null;
  created_at: string;
}
export interface WebhookAttemptsTable {
  id: Generated<number>;
  workspace_id: string;
  delivery_id: number;
  attempted_at: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  response: string | null;
}

// ------------------------------------------ community members, trust, reputation, flags (0014)
/** Columns 0014 adds to `community_members` (declaration merging with the 0013 interface). */
export interface CommunityMembersTable {
  /** Lower-cased; unique per workspace. */
  email: string | null;
  email_verified_at: string | null;
  /** scrypt (src/modules/auth/passwords.ts); null for members created without a login (demo). */
  password_hash: string | null;
  bio: string | null;
  last_seen_at: string | null;
  days_visited: Generated<number>;
  posts_read: Generated<number>;
  /** bigint: PostgreSQL returns it as a string in some paths; read with Number(). */
  time_reading_ms: Generated<number>;
  likes_given: Generated<number>;
  likes_received: Generated<number>;
  /** The member's own flags that moderators agreed with, and disagreed with (their track record). */
  flags_agreed: Generated<number>;
  flags_disagreed: Generated<number>;
  /** The sum of the member's rows in community_points_ledger. */
  points: Generated<number>;
  rank: Generated<string>;
  trust_level_changed_at: string | null;
  suspended_until: string | null;
  /** 1 when the member wants email about answers to their questions (0036; on by default). */
  email_replies: Generated<number>;
}
export interface CommunityMemberSessionsTable {
  /** SHA-256 of the cookie's token. */
  id: string;
  workspace_id: string;
  member_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
  /** The member's previous page view of the public site in this session (reading time). */
  last_page_view_at: string | null;
}
export interface CommunityEmailVerificationsTable {
  /** SHA-256 of the emailed token. */
  id: string;
  workspace_id: string;
  member_id: string;
  email: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}
export interface CommunityTrustConfigTable {
  workspace_id: string;
  /** JSON: TrustConfig (src/modules/communities/trust.ts). */
  config: unknown;
  updated_by: string | null;
  updated_at: string;
}
export type CommunityFlagReason = 'spam' | 'offensive' | 'off_topic' | 'other';
export interface CommunityFlagsTable {
  id: string;
  workspace_id: string;
  post_id: number;
  /** `member:<id>`, `user:<id>` or `system`: one flag per flagger and post. */
  flagger_key: string;
  member_id: string | null;
  user_id: string | null;
  reason: CommunityFlagReason;
  note: string | null;
  weight: number;
  created_at: string;
  resolved_at: string | null;
  resolution: 'agreed' | 'disagreed' | null;
  resolved_by_user_id: string | null;
  resolved_by_member_id: string | null;
}
export interface CommunityPointsLedgerTable {
  id: Generated<number>;
  workspace_id: string;
  member_id: string;
  points: number;
  reason: string;
  /** What earned it: a post id, `post:liker`, an idea thread id, a flag id. */
  ref: string;
  created_at: string;
}
export interface CommunitySpaceModeratorsTable {
  space_id: string;
  member_id: string;
  workspace_id: string;
  created_by: string | null;
  created_at: string;
}
export interface CommunityPostLikesTable {
  post_id: number;
  member_id: string;
  workspace_id: string;
  created_at: string;
}
/** Per member and UTC day: what the rolling (level 3) trust requirements count. */
export interface CommunityMemberDaysTable {
  workspace_id: string;
  member_id: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  visited: number;
  posts_read: number;
  time_reading_ms: number;
  likes_given: number;
  likes_received: number;
}

// Communities (src/modules/communities/, migration 0013).
export type CommunitySpaceKind = 'forum' | 'qa' | 'ideas' | 'kb' | 'announcements';
export type CommunitySpacePurpose = 'objective' | 'task' | 'impromptu';
export type CommunityThreadKind = 'discussion' | 'question' | 'idea' | 'article' | 'announcement';
export type IdeaStatus =
  | 'open'
  | 'under_review'
  | 'planned'
  | 'in_progress'
  | 'done'
  | 'declined'
  | 'duplicate';
export interface CommunitySpacesTable {
  id: string;
  workspace_id: string;
  slug: string;
  title: string;
  description: Generated<string>;
  kind: CommunitySpaceKind;
  purpose: CommunitySpacePurpose;
  /** Task spaces: read-only archive from this instant on. */
  ends_at: string | null;
  closed_at: string | null;
  closed_reason: string | null;
  closed_by: string | null;
  created_by_member_id: string | null;
  created_by_user_id: string | null;
  created_at: string;
  updated_at: string;
  thread_count: Generated<number>;
  post_count: Generated<number>;
  last_post_at: string | null;
}
export interface CommunityMembersTable {
  id: string;
  workspace_id: string;
  customer_id: string | null;
  username: string;
  display_name: string;
  trust_level: Generated<number>;
  created_at: string;
}
export interface CommunityThreadsTable {
  id: string;
  workspace_id: string;
  space_id: string;
  title: string;
  author_member_id: string | null;
  author_user_id: string | null;
  kind: CommunityThreadKind;
  idea_status: IdeaStatus | null;
  duplicate_of_thread_id: string | null;
  vote_count: Generated<number>;
  accepted_post_id: number | null;
  /** The accepted answer while a moderator keeps it hidden (accepted_post_id is null meanwhile). */
  withheld_accepted_post_id: number | null;
  source_post_id: number | null;
  /** Posts not deleted (hidden ones included: they may be restored). */
  post_count: Generated<number>;
  last_post_number: Generated<number>;
  last_post_at: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  hidden_at: string | null;
}
export interface CommunityPostsTable {
  id: Generated<number>;
  workspace_id: string;
  thread_id: string;
  /** 1-based within the thread; 1 is the opening post. Never reused. */
  number: number;
  author_member_id: string | null;
  author_user_id: string | null;
  body_markdown: string;
  /** Sanitized at write time (src/modules/communities/render.ts). */
  body_html: string;
  reply_to_number: number | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  hidden_at: string | null;
  like_count: Generated<number>;
}
export interface CommunityPostRevisionsTable {
  post_id: number;
  revision: number;
  body_markdown: string;
  /** Opening posts: the thread's title as of this revision (null before 0035 and on replies). */
  title: string | null;
  edited_by_member_id: string | null;
  edited_by_user_id: string | null;
  created_at: string;
}
export interface CommunityReadStateTable {
  workspace_id: string;
  member_id: string;
  thread_id: string;
  last_read_number: number;
  updated_at: string;
}
export interface CommunityIdeaVotesTable {
  thread_id: string;
  member_id: string;
  created_at: string;
}
export interface CommunityIdeaStatusChangesTable {
  id: Generated<number>;
  workspace_id: string;
  thread_id: string;
  from_status: IdeaStatus | null;
  to_status: IdeaStatus;
  note: Generated<string>;
  duplicate_of_thread_id: string | null;
  changed_by_user_id: string | null;
  created_at: string;
}

// ------------------------------------------------------------------ communities: closing the loop (0016)
export type IdeaLinkStatus = 'suggested' | 'confirmed' | 'rejected';
export interface CommunityIdeaLinksTable {
  id: string;
  workspace_id: string;
  thread_id: string;
  target_type: 'mention' | 'case';
  /** `mention:<id>` or `case:<id>`: unique per idea. */
  target_key: string;
  mention_id: number | null;
  case_id: string | null;
  status: IdeaLinkStatus;
  score: number;
  /** JSON: { sharedTerms: string[] }. */
  evidence: unknown;
  confirmed_by: string | null;
  decided_at: string | null;
  created_at: string;
  updated_at: string;
}
export interface CommunityLoopCursorsTable {
  name: string;
  last_id: number;
  updated_at: string;
}
export interface CommunityMemberNotificationsTable {
  id: Generated<number>;
  workspace_id: string;
  member_id: string;
  /** The idea status change told (kind `idea_status`); null for a post's notification (0036). */
  change_id: number | null;
  /** The post told (kinds `post` and `answer_accepted`, 0036); null for an idea status change. */
  post_id: number | null;
  thread_id: string;
  kind: MemberNotificationKind;
  title: string;
  body: string;
  url: string;
  /** JSON array of why the member is told (MemberNotificationReason). */
  reasons: unknown;
  created_at: string;
  read_at: string | null;
}
export type MemberNotificationKind = 'idea_status' | 'post' | 'answer_accepted';
/**
 * Ideas: voted, author (suggested it), replied, linked (asked for it in a conversation). Posts
 * (0036): started (a reply in their thread), asked (an answer to, or accepted in, their
 * question), mentioned, answered (their answer was accepted).
 */
export type MemberNotificationReason =
  | 'voted'
  | 'author'
  | 'replied'
  | 'linked'
  | 'started'
  | 'asked'
  | 'mentioned'
  | 'answered';
/**
 * An email about a post to a member (0036): a question's first answer or its accepted answer (to
 * the asker), or `your_answer_accepted` (to the accepted answer's author).
 */
export interface CommunityPostDeliveriesTable {
  id: string;
  workspace_id: string;
  thread_id: string;
  post_id: number;
  member_id: string;
  kind: 'first_answer' | 'answer_accepted' | 'your_answer_accepted';
  /** `post:<id>`: unique with kind and member, so a retried write queues the email once. */
  target_key: string;
  recipient: string;
  subject: string;
  body: string;
  status: LoopDeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: string | null;
  last_error: string | null;
  /** The email's Message-ID. */
  external_id: string | null;
  created_at: string;
  sent_at: string | null;
}
export type LoopDeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'skipped';
export interface CommunityLoopDeliveriesTable {
  id: string;
  workspace_id: string;
  change_id: number;
  kind: 'email' | 'case_reply';
  target_key: string;
  member_id: string | null;
  case_id: string | null;
  recipient: string | null;
  subject: string;
  body: string;
  status: LoopDeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: string | null;
  last_error: string | null;
  /** The email's Message-ID, or the id of the outbox reply queued on the case. */
  external_id: string | null;
  created_at: string;
  sent_at: string | null;
}
export interface CommunityUnansweredPolicyTable {
  workspace_id: string;
  enabled: number;
  hours: number;
  updated_by: string | null;
  updated_at: string;
}
export interface CommunityQuestionCasesTable {
  thread_id: string;
  workspace_id: string;
  case_id: string | null;
  created_at: string;
}
export type ShareStatus = 'queued' | 'sending' | 'sent' | 'failed';
export interface CommunitySharesTable {
  id: string;
  workspace_id: string;
  thread_id: string;
  channel: 'bluesky' | 'mastodon';
  connector_id: string;
  text: string;
  status: ShareStatus;
  attempts: Generated<number>;
  next_attempt_at: string | null;
  last_error: string | null;
  external_id: string | null;
  external_url: string | null;
  created_by: string | null;
  created_at: string;
  sent_at: string | null;
}

// ------------------------------------------------------------------ communities: newsletters, challenges, lists (0017)
export type NewsletterCadence = 'daily' | 'weekly' | 'off';
export interface CommunityNewslettersTable {
  space_id: string;
  workspace_id: string;
  cadence: NewsletterCadence;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}
export interface CommunityNewsletterSubscriptionsTable {
  id: string;
  workspace_id: string;
  space_id: string;
  member_id: string;
  created_at: string;
  /** Null while subscribed. */
  unsubscribed_at: string | null;
}
export interface CommunityNewsletterDigestsTable {
  id: string;
  workspace_id: string;
  space_id: string;
  cadence: 'daily' | 'weekly';
  period_start: string;
  period_end: string;
  /** JSON: the digest's sections (newsletters.ts `DigestItems`). */
  items: unknown;
  item_count: number;
  created_at: string;
}
export type NewsletterDeliveryStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'skipped';
export interface CommunityNewsletterDeliveriesTable {
  id: string;
  workspace_id: string;
  digest_id: string;
  member_id: string;
  subscription_id: string;
  recipient: string;
  status: NewsletterDeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: string | null;
  last_error: string | null;
  message_id: string | null;
  created_at: string;
  sent_at: string | null;
}
export interface CommunityChallengesTable {
  id: string;
  workspace_id: string;
  space_id: string;
  question: string;
  description: string;
  reward: string;
  opens_at: string;
  closes_at: string;
  winner_thread_id: string | null;
  decided_at: string | null;
  decided_by: string | null;
  decision_note: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}
export interface CommunityChallengeEntriesTable {
  thread_id: string;
  challenge_id: string;
  workspace_id: string;
  member_id: string | null;
  vote_count: Generated<number>;
  created_at: string;
}
export interface CommunityChallengeVotesTable {
  thread_id: string;
  member_id: string;
  challenge_id: string;
  workspace_id: string;
  created_at: string;
}
export interface CommunityChallengeNotificationsTable {
  id: Generated<number>;
  workspace_id: string;
  member_id: string;
  challenge_id: string;
  kind: 'challenge_won';
  title: string;
  body: string;
  url: string;
  created_at: string;
  read_at: string | null;
}
export type CommunityListKind = 'members' | 'customers';
export interface CommunityListsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  kind: CommunityListKind;
  visibility: 'public' | 'private';
  owner_user_id: string | null;
  owner_member_id: string | null;
  entry_count: Generated<number>;
  follower_count: Generated<number>;
  created_at: string;
  updated_at: string;
}
export interface CommunityListEntriesTable {
  list_id: string;
  /** `member:<id>` or `customer:<id>`. */
  entry_key: string;
  workspace_id: string;
  member_id: string | null;
  customer_id: string | null;
  /** `member:<id>` or `user:<id>`. */
  added_by: string;
  created_at: string;
}
export interface CommunityListFollowsTable {
  list_id: string;
  /** `member:<id>` or `user:<id>`. */
  follower_key: string;
  workspace_id: string;
  created_at: string;
}
