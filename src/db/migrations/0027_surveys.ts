import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // Satisfaction surveys (src/modules/surveys): what is asked, when and how it is sent.
  await db.schema
    .createTable('surveys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('question', 'text', (c) => c.notNull())
    .addColumn('comment_prompt', 'text')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('delivery', 'text', (c) => c.notNull())
    .addColumn('cooldown_days', 'integer', (c) => c.notNull())
    .addColumn('expires_days', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('surveys_name_key', ['workspace_id', 'name'])
    .execute();
  // One row per survey sent to a customer, with its answer once given. The token is the link's
  // capability: whoever holds the link may answer, nothing more.
  await db.schema
    .createTable('survey_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('survey_id', 'text', (c) => c.notNull().references('surveys.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.references('customers.id').onDelete('set null'))
    .addColumn('case_id', 'text', (c) => c.references('cases.id').onDelete('set null'))
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('delivery_error', 'text')
    .addColumn('reply_id', 'text')
    .addColumn('score', 'integer')
    .addColumn('comment', 'text')
    .addColumn('answered_at', d.timestampType)
    .addColumn('expires_at', d.timestampType, (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .execute();
  // A case's requests; a customer's (timeline, cooldown, merge); a survey's answers by time (results).
  await db.schema
    .createIndex('survey_requests_case_idx')
    .on('survey_requests')
    .columns(['case_id'])
    .execute();
  await db.schema
    .createIndex('survey_requests_customer_idx')
    .on('survey_requests')
    .columns(['customer_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('survey_requests_survey_idx')
    .on('survey_requests')
    .columns(['survey_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('survey_requests_answered_idx')
    .on('survey_requests')
    .columns(['survey_id', 'answered_at', 'id'])
    .where(sql.ref('answered_at'), 'is not', null)
    .execute();
}
