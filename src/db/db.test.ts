import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase, testEngine } from '../../test/db.ts';
import { buildWorkspace, mentionRow } from '../../test/factories.ts';
import { migrateToLatest, pendingMigrations } from './migrate.ts';

const t = setupTestDatabase();

/** The logical schema both engines must produce: table → column names. */
const expectedSchema = {
  author_influence: [
    'author_id',
    'computed_at',
    'followers',
    'in_degree',
    'mentions',
    'negative',
    'out_degree',
    'pagerank',
    'positive',
    'reasons',
    'score',
    'workspace_id',
  ],
  api_tokens: [
    'created_at',
    'expires_at',
    'id',
    'last_used_at',
    'name',
    'prefix',
    'revoked_at',
    'token_hash',
    'user_id',
    'workspace_id',
  ],
  audit_log: [
    'action',
    'actor_user_id',
    'created_at',
    'details',
    'id',
    'target_id',
    'target_type',
    'workspace_id',
  ],
  authors: [
    'avatar_url',
    'channel',
    'display_name',
    'external_id',
    'followers',
    'handle',
    'id',
    'profile_url',
    'updated_at',
    'workspace_id',
  ],
  connectors: [
    'config',
    'created_at',
    'cursor',
    'enabled',
    'error_count',
    'expected_interval_seconds',
    'id',
    'items_total',
    'kind',
    'last_error',
    'last_error_at',
    'last_item_at',
    'name',
    'secret_encrypted',
    'state',
    'updated_at',
    'workspace_id',
  ],
  customers: [
    'attributes',
    'avatar_url',
    'bio',
    'created_at',
    'display_name',
    'erased_at',
    'id',
    'lifecycle_stage',
    'merged_into',
    'primary_email',
    'updated_at',
    'website_domain',
    'workspace_id',
  ],
  customer_stats: [
    'computed_at',
    'customer_id',
    'followers',
    'influence',
    'intent_churn_risk',
    'intent_complaint',
    'intent_idea',
    'intent_praise',
    'intent_purchase_intent',
    'intent_spam',
    'intent_support_question',
    'last_mention_at',
    'last_negative_at',
    'last_positive_at',
    'mentions',
    'negative',
    'neutral',
    'positive',
    'workspace_id',
  ],
  customer_stats_state: ['last_mention_id', 'rebuilt_at', 'workspace_id'],
  segments: [
    'created_at',
    'description',
    'id',
    'kind',
    'name',
    'owner_user_id',
    'rule',
    'shared',
    'updated_at',
    'workspace_id',
  ],
  segment_members: ['added_at', 'added_by', 'customer_id', 'segment_id', 'workspace_id'],
  customer_consents: [
    'channel',
    'customer_id',
    'id',
    'purpose',
    'recorded_at',
    'recorded_by',
    'source',
    'status',
    'workspace_id',
  ],
  customer_erasures: ['counts', 'created_at', 'customer_id', 'id', 'reason', 'requested_by', 'workspace_id'],
  customer_attribute_definitions: ['choices', 'created_at', 'id', 'key', 'label', 'type', 'workspace_id'],
  customer_events: [
    'created_at',
    'customer_id',
    'id',
    'identity_kind',
    'identity_value',
    'name',
    'occurred_at',
    'properties',
    'workspace_id',
  ],
  customer_transactions: [
    'amount_minor',
    'created_at',
    'currency',
    'customer_id',
    'description',
    'external_id',
    'id',
    'kind',
    'occurred_at',
    'properties',
    'source',
    'status',
    'workspace_id',
  ],
  contact_links: [
    'applied_at',
    'channel',
    'created_at',
    'customer_id',
    'handle',
    'id',
    'source',
    'workspace_id',
  ],
  customer_merges: [
    'actor_user_id',
    'created_at',
    'evidence',
    'from_customer_id',
    'id',
    'into_customer_id',
    'snapshot',
    'undone_at',
    'workspace_id',
  ],
  identities: [
    'author_id',
    'channel',
    'created_at',
    'customer_id',
    'external_id',
    'handle',
    'handle_key',
    'id',
    'kind',
    'source',
    'verified',
    'workspace_id',
  ],
  identity_suggestions: [
    'confidence',
    'created_at',
    'customer_id',
    'decided_at',
    'decided_by',
    'evidence',
    'id',
    'other_customer_id',
    'status',
    'workspace_id',
  ],
  ingest_log: [
    'connector_id',
    'cursor',
    'format',
    'id',
    'payload',
    'processed_at',
    'received_at',
    'workspace_id',
  ],
  classifiers: [
    'created_at',
    'enabled',
    'held_out',
    'id',
    'labels',
    'model',
    'name',
    'updated_at',
    'workspace_id',
  ],
  listening_queries: ['created_at', 'enabled', 'id', 'name', 'query', 'updated_at', 'workspace_id'],
  mention_queries: ['created_at', 'mention_id', 'query_id', 'workspace_id'],
  mentions: [
    'analysis',
    'author_id',
    'case_id',
    'channel',
    'classes',
    'created_at',
    'deleted_at',
    'disposition',
    'disposition_at',
    'disposition_by',
    'disposition_reason',
    'edited_at',
    'engagement',
    'external_id',
    'id',
    'intents',
    'language',
    'received_at',
    'reply_to',
    'sentiment',
    'text',
    'thread_root',
    'topics',
    'urgency',
    'url',
    'version_at',
    'workspace_id',
  ],
  quarantine: [
    'connector_id',
    'created_at',
    'format',
    'id',
    'log_id',
    'payload',
    'reason',
    'resolved_at',
    'stage',
    'status',
    'workspace_id',
  ],
  topics: ['created_at', 'enabled', 'examples', 'id', 'keywords', 'name', 'updated_at', 'workspace_id'],
  sessions: [
    'created_at',
    'csrf_token',
    'expires_at',
    'id',
    'ip',
    'last_seen_at',
    'user_agent',
    'user_id',
    'workspace_id',
  ],
  users: [
    'created_at',
    'email',
    'id',
    'last_login_at',
    'name',
    'password_change_required',
    'password_hash',
    'role',
    'status',
    'updated_at',
    'workspace_id',
  ],
  workspaces: ['created_at', 'id', 'is_demo', 'name', 'slug', 'time_zone'],
  teams: ['created_at', 'id', 'name', 'workspace_id'],
  team_members: ['team_id', 'user_id', 'workspace_id'],
  cases: [
    'assignee_user_id',
    'channel',
    'closed_at',
    'created_at',
    'created_by',
    'custom_fields',
    'customer_id',
    'first_response_at',
    'id',
    'merged_into',
    'number',
    'priority',
    'solved_at',
    'status',
    'subject',
    'tags',
    'team_id',
    'type',
    'updated_at',
    'workspace_id',
  ],
  conversations: [
    'case_id',
    'channel',
    'created_at',
    'customer_id',
    'id',
    'last_activity_at',
    'preview',
    'thread_key',
    'workspace_id',
  ],
  record_events: [
    'actor_user_id',
    'created_at',
    'data',
    'id',
    'kind',
    'record_id',
    'record_type',
    'workspace_id',
  ],
  routing_rules: [
    'actions',
    'conditions',
    'created_at',
    'enabled',
    'fired_count',
    'id',
    'last_fired_at',
    'match',
    'name',
    'position',
    'updated_at',
    'workspace_id',
  ],
  business_hours: ['holidays', 'updated_at', 'week', 'workspace_id'],
  sla_policies: [
    'breach_actions',
    'business_hours',
    'conditions',
    'created_at',
    'enabled',
    'id',
    'name',
    'position',
    'targets',
    'updated_at',
    'warn_before_minutes',
    'workspace_id',
  ],
  case_sla: [
    'achieved_at',
    'breached_at',
    'case_id',
    'due_at',
    'elapsed_ms',
    'metric',
    'policy_id',
    'running_since',
    'status',
    'target_ms',
    'warned_at',
    'workspace_id',
  ],
  outbox_replies: [
    'attempts',
    'author_user_id',
    'body',
    'case_id',
    'channel',
    'created_at',
    'external_id',
    'external_url',
    'id',
    'last_error',
    'mention_id',
    'next_attempt_at',
    'recipient',
    'sent_at',
    'status',
    'visibility',
    'workspace_id',
  ],
  case_notes: ['author_user_id', 'body', 'case_id', 'created_at', 'id', 'mentioned_user_ids', 'workspace_id'],
  canned_responses: [
    'body',
    'created_at',
    'id',
    'name',
    'owner_user_id',
    'shared',
    'updated_at',
    'workspace_id',
  ],
  case_presence: ['case_id', 'expires_at', 'state', 'user_id', 'workspace_id'],
  routing_state: ['last_mention_id', 'round_robin', 'updated_at', 'workspace_id'],
  record_follows: ['created_at', 'record_id', 'record_type', 'user_id', 'workspace_id'],
  notifications: [
    'created_at',
    'event_id',
    'id',
    'read_at',
    'record_id',
    'record_type',
    'summary',
    'user_id',
    'workspace_id',
  ],
  // sales (0011)
  leads: [
    'case_id',
    'closed_at',
    'created_at',
    'created_by',
    'customer_id',
    'disqualify_reason',
    'engagement_score',
    'first_contact_at',
    'fit_score',
    'handoff_at',
    'handoff_decided_at',
    'handoff_from_user_id',
    'handoff_note',
    'handoff_reason',
    'handoff_status',
    'handoff_to_user_id',
    'id',
    'number',
    'owner_user_id',
    'score',
    'score_explanation',
    'scored_at',
    'source',
    'source_mention_id',
    'source_rule_id',
    'stage',
    'status',
    'team_id',
    'title',
    'updated_at',
    'workspace_id',
  ],
  lead_mentions: ['added_at', 'lead_id', 'mention_id', 'workspace_id'],
  opportunities: [
    'amount_minor',
    'closed_at',
    'created_at',
    'currency',
    'customer_id',
    'expected_close_on',
    'id',
    'lead_id',
    'lost_reason',
    'name',
    'owner_user_id',
    'stage',
    'updated_at',
    'workspace_id',
  ],
  lead_scoring_config: ['config', 'updated_at', 'updated_by', 'workspace_id'],
  webhook_endpoints: [
    'consecutive_failures',
    'created_at',
    'cursor',
    'description',
    'disabled_reason',
    'enabled',
    'event_types',
    'failing_since',
    'id',
    'previous_secret_encrypted',
    'previous_secret_expires_at',
    'secret_encrypted',
    'updated_at',
    'url',
    'workspace_id',
  ],
  webhook_deliveries: [
    'attempts',
    'created_at',
    'endpoint_id',
    'event_id',
    'id',
    'last_attempt_at',
    'last_duration_ms',
    'last_error',
    'last_response',
    'last_status_code',
    'locked_until',
    'message_id',
    'next_attempt_at',
    'payload',
    'status',
    'type',
    'workspace_id',
  ],
  webhook_attempts: [
    'attempted_at',
    'delivery_id',
    'duration_ms',
    'error',
    'id',
    'response',
    'status_code',
    'workspace_id',
  ],
  community_spaces: [
    'closed_at',
    'closed_by',
    'closed_reason',
    'created_at',
    'created_by_member_id',
    'created_by_user_id',
    'description',
    'ends_at',
    'id',
    'kind',
    'last_post_at',
    'post_count',
    'purpose',
    'slug',
    'thread_count',
    'title',
    'updated_at',
    'workspace_id',
  ],
  // 0013 creates the table; 0014 (member accounts, trust, reputation) adds the columns after trust_level.
  community_members: [
    'bio',
    'created_at',
    'customer_id',
    'days_visited',
    'display_name',
    'email',
    'email_verified_at',
    'flags_agreed',
    'flags_disagreed',
    'id',
    'last_seen_at',
    'likes_given',
    'likes_received',
    'password_hash',
    'points',
    'posts_read',
    'rank',
    'suspended_until',
    'time_reading_ms',
    'trust_level',
    'trust_level_changed_at',
    'username',
    'workspace_id',
  ],
  community_threads: [
    'accepted_post_id',
    'author_member_id',
    'author_user_id',
    'created_at',
    'deleted_at',
    'duplicate_of_thread_id',
    'hidden_at',
    'id',
    'idea_status',
    'kind',
    'last_post_at',
    'last_post_number',
    'post_count',
    'source_post_id',
    'space_id',
    'title',
    'updated_at',
    'vote_count',
    'workspace_id',
  ],
  community_posts: [
    'author_member_id',
    'author_user_id',
    'body_html',
    'body_markdown',
    'created_at',
    'deleted_at',
    'edited_at',
    'hidden_at',
    'id',
    'like_count',
    'number',
    'reply_to_number',
    'thread_id',
    'workspace_id',
  ],
  community_post_revisions: [
    'body_markdown',
    'created_at',
    'edited_by_member_id',
    'edited_by_user_id',
    'post_id',
    'revision',
  ],
  community_read_state: ['last_read_number', 'member_id', 'thread_id', 'updated_at', 'workspace_id'],
  community_idea_votes: ['created_at', 'member_id', 'thread_id'],
  community_idea_status_changes: [
    'changed_by_user_id',
    'created_at',
    'duplicate_of_thread_id',
    'from_status',
    'id',
    'note',
    'thread_id',
    'to_status',
    'workspace_id',
  ],
  // Community members' accounts, trust, reputation and flags (0014).
  community_member_sessions: [
    'created_at',
    'csrf_token',
    'expires_at',
    'id',
    'ip',
    'last_seen_at',
    'member_id',
    'user_agent',
    'workspace_id',
  ],
  community_email_verifications: [
    'created_at',
    'email',
    'expires_at',
    'id',
    'member_id',
    'used_at',
    'workspace_id',
  ],
  community_trust_config: ['config', 'updated_at', 'updated_by', 'workspace_id'],
  community_flags: [
    'created_at',
    'flagger_key',
    'id',
    'member_id',
    'note',
    'post_id',
    'reason',
    'resolution',
    'resolved_at',
    'resolved_by_member_id',
    'resolved_by_user_id',
    'user_id',
    'weight',
    'workspace_id',
  ],
  community_points_ledger: ['created_at', 'id', 'member_id', 'points', 'reason', 'ref', 'workspace_id'],
  community_space_moderators: ['created_at', 'created_by', 'member_id', 'space_id', 'workspace_id'],
  community_post_likes: ['created_at', 'member_id', 'post_id', 'workspace_id'],
  community_member_days: [
    'day',
    'likes_given',
    'likes_received',
    'member_id',
    'posts_read',
    'time_reading_ms',
    'visited',
    'workspace_id',
  ],
  community_idea_links: [
    'case_id',
    'confirmed_by',
    'created_at',
    'decided_at',
    'evidence',
    'id',
    'mention_id',
    'score',
    'status',
    'target_key',
    'target_type',
    'thread_id',
    'updated_at',
    'workspace_id',
  ],
  community_loop_cursors: ['last_id', 'name', 'updated_at'],
  community_member_notifications: [
    'body',
    'change_id',
    'created_at',
    'id',
    'kind',
    'member_id',
    'read_at',
    'reasons',
    'thread_id',
    'title',
    'url',
    'workspace_id',
  ],
  community_loop_deliveries: [
    'attempts',
    'body',
    'case_id',
    'change_id',
    'created_at',
    'external_id',
    'id',
    'kind',
    'last_error',
    'member_id',
    'next_attempt_at',
    'recipient',
    'sent_at',
    'status',
    'subject',
    'target_key',
    'workspace_id',
  ],
  community_unanswered_policy: ['enabled', 'hours', 'updated_at', 'updated_by', 'workspace_id'],
  community_question_cases: ['case_id', 'created_at', 'thread_id', 'workspace_id'],
  community_shares: [
    'attempts',
    'channel',
    'connector_id',
    'created_at',
    'created_by',
    'external_id',
    'external_url',
    'id',
    'last_error',
    'next_attempt_at',
    'sent_at',
    'status',
    'text',
    'thread_id',
    'workspace_id',
  ],
  // Communities: newsletters, challenges, lists (0017).
  community_newsletters: ['cadence', 'created_at', 'space_id', 'updated_at', 'updated_by', 'workspace_id'],
  community_newsletter_subscriptions: [
    'created_at',
    'id',
    'member_id',
    'space_id',
    'unsubscribed_at',
    'workspace_id',
  ],
  community_newsletter_digests: [
    'cadence',
    'created_at',
    'id',
    'item_count',
    'items',
    'period_end',
    'period_start',
    'space_id',
    'workspace_id',
  ],
  community_newsletter_deliveries: [
    'attempts',
    'created_at',
    'digest_id',
    'id',
    'last_error',
    'member_id',
    'message_id',
    'next_attempt_at',
    'recipient',
    'sent_at',
    'status',
    'subscription_id',
    'workspace_id',
  ],
  community_challenges: [
    'closes_at',
    'created_at',
    'created_by',
    'decided_at',
    'decided_by',
    'decision_note',
    'description',
    'id',
    'opens_at',
    'question',
    'reward',
    'space_id',
    'updated_at',
    'winner_thread_id',
    'workspace_id',
  ],
  community_challenge_entries: [
    'challenge_id',
    'created_at',
    'member_id',
    'thread_id',
    'vote_count',
    'workspace_id',
  ],
  community_challenge_votes: ['challenge_id', 'created_at', 'member_id', 'thread_id', 'workspace_id'],
  community_challenge_notifications: [
    'body',
    'challenge_id',
    'created_at',
    'id',
    'kind',
    'member_id',
    'read_at',
    'title',
    'url',
    'workspace_id',
  ],
  community_lists: [
    'created_at',
    'description',
    'entry_count',
    'follower_count',
    'id',
    'kind',
    'name',
    'owner_member_id',
    'owner_user_id',
    'updated_at',
    'visibility',
    'workspace_id',
  ],
  community_list_entries: [
    'added_by',
    'created_at',
    'customer_id',
    'entry_key',
    'list_id',
    'member_id',
    'workspace_id',
  ],
  community_list_follows: ['created_at', 'follower_key', 'list_id', 'workspace_id'],
};

describe(`database on ${testEngine}`, () => {
  it('applies every migration, and a second run applies nothing', async () => {
    expect(await pendingMigrations(t.ctx.database)).toEqual([]);
    expect(await migrateToLatest(t.ctx.database)).toEqual([]);
  });

  it('produces the same logical schema on both engines', async () => {
    const tables = await t.ctx.db.introspection.getTables();
    const actual = Object.fromEntries(
      tables
        // Kysely's migration bookkeeping, SQLite's FTS5 index tables (full-text and trigram;
        // PostgreSQL keeps those indexes inside GIN indexes instead) and PostgreSQL's stored
        // tsvector columns (`*_tsv`, the dialect's business) are not part of the logical schema.
        .filter((tb) => !tb.name.startsWith('kysely_') && !/_(fts|trgm)(_|$)/.test(tb.name))
        .map((tb) => [
          tb.name,
          tb.columns
            .map((c) => c.name)
            .filter((c) => !c.endsWith('_tsv'))
            .sort(),
        ]),
    );
    expect(actual).toEqual(expectedSchema);
  });

  it('enforces foreign keys', async () => {
    await expect(
      t.ctx.db
        .insertInto('users')
        .values({
          id: 'u-orphan',
          workspace_id: 'no-such-workspace',
          email: 'orphan@example.test',
          name: 'O',
          role: 'agent',
          status: 'active',
          password_hash: 'x',
          password_change_required: 0,
          created_at: '2026-01-01T00:00:00.000Z',
          updated_at: '2026-01-01T00:00:00.000Z',
          last_login_at: null,
        })
        .execute(),
    ).rejects.toThrow();
  });

  it('round-trips timestamps as ISO-8601 UTC strings and JSON documents as values', async () => {
    const ws = await buildWorkspace(t.ctx);
    const details = { nested: { list: [1, 'two', null], flag: true }, text: 'é ✓' };
    await t.ctx.db
      .insertInto('audit_log')
      .values({
        workspace_id: ws.id,
        actor_user_id: null,
        action: 'test.roundtrip',
        target_type: 'test',
        target_id: 'x',
        details: t.ctx.dialect.toJson(details),
        created_at: '2026-03-04T05:06:07.089Z',
      })
      .execute();
    const row = await t.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'test.roundtrip')
      .executeTakeFirstOrThrow();
    expect(row.created_at).toBe('2026-03-04T05:06:07.089Z');
    expect(t.ctx.dialect.parseJson(row.details)).toEqual(details);
    expect(typeof row.id).toBe('number');
  });

  it('buckets timestamps by UTC hour and day', async () => {
    const ws = await buildWorkspace(t.ctx);
    const times = [
      '2026-05-01T10:15:00.000Z',
      '2026-05-01T10:59:59.999Z',
      '2026-05-01T23:00:00.000Z',
      '2026-05-02T00:00:00.000Z',
    ];
    for (const created_at of times) {
      await t.ctx.db
        .insertInto('audit_log')
        .values({
          workspace_id: ws.id,
          actor_user_id: null,
          action: 'bucket',
          target_type: 't',
          target_id: 'x',
          details: '{}',
          created_at,
        })
        .execute();
    }
    const count = (unit: 'hour' | 'day') =>
      t.ctx.db
        .selectFrom('audit_log')
        .select([
          t.ctx.dialect.dateBucket(sql.ref('created_at'), unit).as('bucket'),
          (eb) => eb.fn.countAll<number>().as('n'),
        ])
        .where('workspace_id', '=', ws.id)
        .groupBy('bucket')
        .orderBy('bucket')
        .execute();
    expect((await count('hour')).map((r) => [r.bucket, Number(r.n)])).toEqual([
      ['2026-05-01T10:00:00.000Z', 2],
      ['2026-05-01T23:00:00.000Z', 1],
      ['2026-05-02T00:00:00.000Z', 1],
    ]);
    expect((await count('day')).map((r) => [r.bucket, Number(r.n)])).toEqual([
      ['2026-05-01T00:00:00.000Z', 3],
      ['2026-05-02T00:00:00.000Z', 1],
    ]);
  });

  it('reads the rows after a cursor by walking an index in id order, even with statistics from before a backlog', async () => {
    const ws = await buildWorkspace(t.ctx);
    // Statistics taken before the backlog arrives.
    await sql`analyze ingest_log`.execute(t.ctx.db);
    await sql`analyze mentions`.execute(t.ctx.db);
    const at = '2026-11-23T09:00:00.000Z';
    for (let i = 0; i < 5; i++) {
      const n = (k: number) => i * 1000 + k;
      await t.ctx.db
        .insertInto('ingest_log')
        .values(
          Array.from({ length: 1000 }, (_, k) => ({
            workspace_id: ws.id,
            connector_id: null,
            format: 'generic',
            payload: JSON.stringify({ n: n(k), text: 'x'.repeat(200) }),
            cursor: null,
            received_at: at,
            processed_at: null,
          })),
        )
        .execute();
      await t.ctx.db
        .insertInto('mentions')
        .values(
          Array.from({ length: 1000 }, (_, k) =>
            mentionRow(t.ctx, ws.id, { external_id: `m-${n(k)}`, text: 'y'.repeat(200), created_at: at }),
          ),
        )
        .execute();
    }
    const explain = (query: string) =>
      testEngine === 'postgres' ? sql.raw(`explain ${query}`) : sql.raw(`explain query plan ${query}`);
    const plan = (rows: unknown[]) =>
      rows
        .map((r) => (r as Record<string, string>)['QUERY PLAN'] ?? (r as { detail: string }).detail)
        .join('\n');
    // The pipeline's claim, and routing's read of the posts after its cursor.
    const claim = explain(
      `select * from ingest_log where processed_at is null order by id limit 100${testEngine === 'postgres' ? ' for update skip locked' : ''}`,
    );
    const unrouted = explain(
      `select * from mentions where workspace_id = '${ws.id}' and id > 0 order by id limit 100`,
    );
    await t.ctx.db.transaction().execute(async (trx) => {
      for (const [read, index] of [
        [claim, 'ingest_log_pending_idx'],
        [unrouted, 'mentions_stream_idx'],
      ] as const) {
        const ordered = plan((await t.ctx.dialect.inIndexOrder(trx, () => read.execute(trx))).rows);
        expect(ordered).toMatch(new RegExp(index));
        expect(ordered).not.toMatch(/Sort|TEMP B-TREE/);
        if (testEngine === 'postgres') {
          // Left to itself, PostgreSQL reads every row after the cursor and sorts them all for
          // each batch; and the setting ends with the read, so the rest plans as usual.
          expect(plan((await read.execute(trx)).rows)).toMatch(/Sort/);
        }
      }
    });
    await t.ctx.db.deleteFrom('ingest_log').where('workspace_id', '=', ws.id).execute();
    await t.ctx.db.deleteFrom('mentions').where('workspace_id', '=', ws.id).execute();
  });
});

describe('heavy reads', () => {
  it('return the same rows as the main connection', async () => {
    const ws = await buildWorkspace(t.ctx);
    const query = t.ctx.db.selectFrom('workspaces').selectAll().where('id', '=', ws.id);
    expect(await t.ctx.heavy.all(query)).toEqual(await query.execute());
  });

  it('leave the event loop free while a long query runs', async () => {
    // A query that takes hundreds of milliseconds: on the main thread better-sqlite3 would run it
    // to completion before any other callback; off it, a setImmediate callback runs first.
    const slow = sql<{
      n: number;
    }>`with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000000) select count(*) as n from c`;
    let finished = false;
    const running = t.ctx.heavy.all({ compile: () => slow.compile(t.ctx.db) }).then((rows) => {
      finished = true;
      return rows;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);
    expect(Number((await running)[0]?.n)).toBe(3000000);
  });

  it('report a failing query as an error', async () => {
    await expect(
      t.ctx.heavy.all({ compile: () => sql`select * from no_such_table`.compile(t.ctx.db) }),
    ).rejects.toThrow(/no_such_table/);
  });
});
