import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // Workspace topics: a name, keywords and example texts; matched on every mention.
  await db.schema
    .createTable('topics')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('keywords', d.jsonType, (c) => c.notNull())
    .addColumn('examples', d.jsonType, (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('topics_workspace_idx').on('topics').columns(['workspace_id', 'id']).execute();

  // Custom classifiers trained from labelled examples (`rapport classifier train`), uploaded per
  // workspace; the model is the JSON the trainer wrote.
  await db.schema
    .createTable('classifiers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('labels', d.jsonType, (c) => c.notNull())
    // The trainer's held-out figures, copied out of the model so lists need not read the weights.
    .addColumn('held_out', d.jsonType)
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('classifiers_workspace_idx')
    .on('classifiers')
    .columns(['workspace_id', 'id'])
    .execute();

  // Filterable copies of the analysis (the full result with explanations stays in `analysis`).
  await db.schema.alterTable('mentions').addColumn('urgency', 'integer').execute();
  await db.schema.alterTable('mentions').addColumn('topics', 'text').execute();
  await db.schema.alterTable('mentions').addColumn('classes', 'text').execute();
}
