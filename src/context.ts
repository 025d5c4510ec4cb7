import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import type { Dialect } from './db/dialect.ts';
import type { HeavyReader } from './db/heavy-read.ts';
import type { DB } from './db/schema.ts';
import type { Logger } from './log.ts';
import type { IngestTransport } from './pipeline/nats-transport.ts';

/** What every use case receives as its first argument. `now` is injectable so tests control the clock. */
export type AppContext = Readonly<{
  db: Kysely<DB>;
  dialect: Dialect;
  database: Database;
  /** For reports and exports: off the event loop on SQLite. */
  heavy: HeavyReader;
  config: Config;
  log: Logger;
  now: () => Date;
  /** Present when the ingest log travels through NATS JetStream (`NATS_URL`): appends publish there. */
  ingest?: IngestTransport;
}>;

export function createContext(
  database: Database,
  heavy: HeavyReader,
  config: Config,
  log: Logger,
  now = () => new Date(),
  ingest?: IngestTransport,
): AppContext {
  return Object.freeze({
    db: database.db,
    dialect: database.dialect,
    database,
    heavy,
    config,
    log,
    now,
    ...(ingest ? { ingest } : {}),
  });
}
