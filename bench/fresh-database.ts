import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { type AppContext, createContext } from '../src/context.ts';
import { type Database, openPostgres, openSqlite } from '../src/db/client.ts';
import { createHeavyReader } from '../src/db/heavy-read.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createLogger } from '../src/log.ts';
import { createWorkspace } from '../src/modules/auth/service.ts';
import type { GenericPost } from '../src/pipeline/formats.ts';
import { appendToLog } from '../src/pipeline/ingest-log.ts';

export type Fresh = { ctx: AppContext; workspaceId: string; drop(): Promise<void> };

/**
 * A new, migrated database on the chosen engine (PostgreSQL: `DATABASE_URL`'s server), with one
 * workspace. `BENCH_KEEP_DATABASE=1` keeps it after the run (its name or path goes to stderr), to
 * read query plans on the benchmark's data.
 */
export async function freshDatabase(engine: 'sqlite' | 'postgres', label: string): Promise<Fresh> {
  const dir = mkdtempSync(path.join(tmpdir(), `rapport-bench-${label}-`));
  let database: Database;
  let dropDb = async () => {};
  let keptName = '';
  if (engine === 'postgres') {
    const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const name = `rapport_bench_${label}_${process.pid}`;
    keptName = name;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    await admin.end();
    const target = new URL(url);
    target.pathname = `/${name}`;
    database = openPostgres(target.toString());
    dropDb = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  } else {
    database = openSqlite(path.join(dir, 'rapport.sqlite'));
  }
  await migrateToLatest(database);
  const config = { ...loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), secretKey: 'x'.repeat(32) };
  const ctx = createContext(
    database,
    createHeavyReader(database),
    config,
    createLogger({ logLevel: 'silent' }),
  );
  const ws = await createWorkspace(ctx, { name: 'Bench', slug: 'bench' });
  return {
    ctx,
    workspaceId: ws.id,
    drop: async () => {
      await ctx.heavy.close();
      await database.close();
      if (process.env.BENCH_KEEP_DATABASE === '1') {
        process.stderr.write(`kept ${engine === 'postgres' ? keptName : dir}\n`);
        return;
      }
      await dropDb();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Appends generated posts to the workspace's ingest log as a connector would, 1,000 per append. */
export async function appendPosts(
  ctx: AppContext,
  workspaceId: string,
  posts: GenericPost[],
  connectorId: string | null = null,
): Promise<void> {
  for (let i = 0; i < posts.length; i += 1000)
    await appendToLog(
      ctx,
      posts.slice(i, i + 1000).map((p) => ({
        workspaceId,
        connectorId,
        format: 'generic' as const,
        payload: JSON.stringify(p),
      })),
    );
}
