import { type Migration, type MigrationProvider, type MigrationResult, Migrator } from 'kysely';
import { AppError } from '../errors.ts';
import type { Database } from './client.ts';
import type { Dialect } from './dialect.ts';
import * as m0001 from './migrations/0001_foundation.ts';
import * as m0002 from './migrations/0002_listening.ts';
import * as m0003 from './migrations/0003_analysis.ts';
import * as m0004 from './migrations/0004_customers.ts';
import * as m0005 from './migrations/0005_influence.ts';
import * as m0006 from './migrations/0006_activity.ts';
import * as m0007 from './migrations/0007_privacy.ts';
import * as m0008 from './migrations/0008_segments.ts';
import * as m0009 from './migrations/0009_customer_indexes.ts';
import * as m0010 from './migrations/0010_inbox.ts';
import * as m0011 from './migrations/0011_sales.ts';
import * as m0012 from './migrations/0012_webhooks.ts';
import * as m0013 from './migrations/0013_communities.ts';
import * as m0014 from './migrations/0014_community_members.ts';
import * as m0015 from './migrations/0015_contact_links.ts';
import * as m0016 from './migrations/0016_community_loop.ts';
import * as m0017 from './migrations/0017_community_extras.ts';
import * as m0018 from './migrations/0018_community_indexes.ts';
import * as m0019 from './migrations/0019_community_unread_indexes.ts';
import * as m0021 from './migrations/0021_community_post_vectors.ts';
import * as m0022 from './migrations/0022_lookup_indexes.ts';
import * as m0023 from './migrations/0023_user_skills.ts';
import * as m0024 from './migrations/0024_inbox_views.ts';
import * as m0025 from './migrations/0025_case_rules.ts';
import * as m0026 from './migrations/0026_author_profiles.ts';
import * as m0027 from './migrations/0027_surveys.ts';
import * as m0028 from './migrations/0028_routing_without_rules.ts';
import * as m0029 from './migrations/0029_connector_passed_over.ts';
import * as m0030 from './migrations/0030_community_visible_counts.ts';
import * as m0031 from './migrations/0031_ingest_log_backfill.ts';
import * as m0032 from './migrations/0032_ingest_log_connector_index.ts';
import * as m0033 from './migrations/0033_community_session_page_views.ts';
import * as m0034 from './migrations/0034_community_thread_title_search.ts';
import * as m0035 from './migrations/0035_community_answer_and_title_history.ts';
import * as m0036 from './migrations/0036_community_post_notifications.ts';
import * as m0038 from './migrations/0038_mention_links.ts';
import * as m0039 from './migrations/0039_notification_counts.ts';
import * as m0040 from './migrations/0040_customer_list_orders.ts';
import * as m0041 from './migrations/0041_case_list_orders.ts';
import * as m0042 from './migrations/0042_case_snooze.ts';
import * as m0043 from './migrations/0043_author_verified_links.ts';
import * as m0044 from './migrations/0044_suggestion_indexes.ts';
import * as m0045 from './migrations/0045_pending_cross_references.ts';
import * as m0046 from './migrations/0046_ingest_log_transport_id.ts';
import * as m0047 from './migrations/0047_connector_leases.ts';

type DialectMigration = { up(db: Parameters<Migration['up']>[0], dialect: Dialect): Promise<void> };

/** Forward-only, in order. A migration is never edited once released; add the next one instead. */
const migrations: Record<string, DialectMigration> = {
  '0001_foundation': m0001,
  '0002_listening': m0002,
  '0003_analysis': m0003,
  '0004_customers': m0004,
  '0005_influence': m0005,
  '0006_activity': m0006,
  '0007_privacy': m0007,
  '0008_segments': m0008,
  '0009_customer_indexes': m0009,
  '0010_inbox': m0010,
  '0011_sales': m0011,
  '0012_webhooks': m0012,
  '0013_communities': m0013,
  '0014_community_members': m0014,
  '0015_contact_links': m0015,
  '0016_community_loop': m0016,
  '0017_community_extras': m0017,
  '0018_community_indexes': m0018,
  '0019_community_unread_indexes': m0019,
  '0021_community_post_vectors': m0021,
  '0022_lookup_indexes': m0022,
  '0023_user_skills': m0023,
  '0024_inbox_views': m0024,
  '0025_case_rules': m0025,
  '0026_author_profiles': m0026,
  '0027_surveys': m0027,
  '0028_routing_without_rules': m0028,
  '0029_connector_passed_over': m0029,
  '0030_community_visible_counts': m0030,
  '0031_ingest_log_backfill': m0031,
  '0032_ingest_log_connector_index': m0032,
  '0033_community_session_page_views': m0033,
  '0034_community_thread_title_search': m0034,
  '0035_community_answer_and_title_history': m0035,
  '0036_community_post_notifications': m0036,
  '0038_mention_links': m0038,
  '0039_notification_counts': m0039,
  '0040_customer_list_orders': m0040,
  '0041_case_list_orders': m0041,
  '0042_case_snooze': m0042,
  '0043_author_verified_links': m0043,
  '0044_suggestion_indexes': m0044,
  '0045_pending_cross_references': m0045,
  '0046_ingest_log_transport_id': m0046,
  '0047_connector_leases': m0047,
};

function providerFor(dialect: Dialect): MigrationProvider {
  return {
    getMigrations: async () =>
      Object.fromEntries(
        Object.entries(migrations).map(([name, m]) => [name, { up: (db) => m.up(db, dialect) }]),
      ),
  };
}

function migratorFor(database: Database): Migrator {
  return new Migrator({ db: database.db, provider: providerFor(database.dialect) });
}

/** Applies pending migrations; returns the names applied by this call. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const { error, results } = await migratorFor(database).migrateToLatest();
  if (error) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error')?.migrationName;
    throw new AppError('internal', `Migration ${failed ?? '(unknown)'} failed: ${(error as Error).message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Applies pending migrations up to and including `name`: a migration's test writes data as it was before the next one. */
export async function migrateTo(database: Database, name: string): Promise<void> {
  const { error } = await migratorFor(database).migrateTo(name);
  if (error) throw new AppError('internal', `Migration to ${name} failed: ${(error as Error).message}`);
}

/** Names of migrations the code knows but the database has not applied. */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const all = await migratorFor(database).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
