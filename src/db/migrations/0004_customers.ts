import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // One row per person. A merged customer keeps its row (hidden from lists) so that unmerge can
  // restore it exactly; `merged_into` points at the customer that absorbed it.
  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('primary_email', 'text')
    .addColumn('avatar_url', 'text')
    .addColumn('bio', 'text')
    .addColumn('attributes', d.jsonType, (c) => c.notNull())
    .addColumn('merged_into', 'text', (c) => c.references('customers.id'))
    /** The host of the `website` attribute (without www.), for the custom-domain handle rule. */
    .addColumn('website_domain', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('customers_page_idx').on('customers').columns(['workspace_id', 'id']).execute();
  await db.schema
    .createIndex('customers_name_idx')
    .on('customers')
    .columns(['workspace_id', 'display_name'])
    .execute();
  await db.schema
    .createIndex('customers_website_idx')
    .on('customers')
    .columns(['workspace_id', 'website_domain'])
    .execute();
  await db.schema
    .createIndex('customers_email_idx')
    .on('customers')
    .columns(['workspace_id', 'primary_email'])
    .execute();

  // How a customer shows up: a social account (linked to its `authors` row, hence its mentions),
  // an email address or a phone number. An identity belongs to exactly one customer.
  await db.schema
    .createTable('identities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('handle', 'text')
    /** Lower-cased handle without network suffix (`maya.travels`), for cross-network suggestions. */
    .addColumn('handle_key', 'text')
    .addColumn('author_id', 'bigint', (c) => c.references('authors.id'))
    .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('identities_key', ['workspace_id', 'kind', 'channel', 'external_id'])
    .execute();
  await db.schema.createIndex('identities_customer_idx').on('identities').column('customer_id').execute();
  await db.schema.createIndex('identities_author_idx').on('identities').column('author_id').execute();
  await db.schema
    .createIndex('identities_handle_idx')
    .on('identities')
    .columns(['workspace_id', 'handle'])
    .execute();
  await db.schema
    .createIndex('identities_handle_key_idx')
    .on('identities')
    .columns(['workspace_id', 'handle_key'])
    .execute();

  await db.schema
    .createTable('customer_merges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('into_customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('from_customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('evidence', d.jsonType, (c) => c.notNull())
    .addColumn('snapshot', d.jsonType, (c) => c.notNull())
    .addColumn('actor_user_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('undone_at', d.timestampType)
    .execute();
  await db.schema
    .createIndex('customer_merges_into_idx')
    .on('customer_merges')
    .columns(['into_customer_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('customer_merges_from_idx')
    .on('customer_merges')
    .columns(['from_customer_id', 'created_at'])
    .execute();

  // A pair is stored once, ordered (customer_id < other_customer_id), whatever found it.
  await db.schema
    .createTable('identity_suggestions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('other_customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('confidence', 'double precision', (c) => c.notNull())
    .addColumn('evidence', d.jsonType, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('decided_at', d.timestampType)
    .addColumn('decided_by', 'text')
    .addUniqueConstraint('identity_suggestions_pair', ['workspace_id', 'customer_id', 'other_customer_id'])
    .execute();
  await db.schema
    .createIndex('identity_suggestions_status_idx')
    .on('identity_suggestions')
    .columns(['workspace_id', 'status', 'id'])
    .execute();

  await db.schema
    .createTable('customer_attribute_definitions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('choices', d.jsonType, (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('customer_attribute_definitions_key', ['workspace_id', 'key'])
    .execute();

  // A customer's timeline pages through their mentions by time.
  await db.schema
    .createIndex('mentions_author_time_idx')
    .on('mentions')
    .columns(['author_id', 'created_at', 'id'])
    .execute();
}
