import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  if (d.name !== 'postgres') return;
  // Community search ranks every match with ts_rank, which needs the post's tsvector: computed
  // from the text for each match it cost most of a search (bench `communities`: 124 ms p95 at
  // 200k posts). Stored, it is computed once per write, and erasure or an edit recomputes it.
  await sql`alter table community_posts add column body_markdown_tsv tsvector
    generated always as (to_tsvector('simple', body_markdown)) stored`.execute(db);
  await sql`create index community_posts_body_markdown_tsv_idx on community_posts using gin (body_markdown_tsv)`.execute(
    db,
  );
  await sql`drop index if exists community_posts_body_markdown_fts_idx`.execute(db);
}
