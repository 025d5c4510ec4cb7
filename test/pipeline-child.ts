// A pipeline worker in its own process, for the crash test: drains the ingest log of the
// database named by the environment, printing one line per batch, then exits.
import { loadConfig } from '../src/config.ts';
import { createContext } from '../src/context.ts';
import { openPostgres, openSqlite } from '../src/db/client.ts';
import { createHeavyReader } from '../src/db/heavy-read.ts';
import { createLogger } from '../src/log.ts';
import { processBatch } from '../src/pipeline/worker.ts';

const database = process.env.CHILD_DATABASE_URL
  ? openPostgres(process.env.CHILD_DATABASE_URL)
  : openSqlite(process.env.CHILD_SQLITE_PATH ?? '');
const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), secretKey: 'x'.repeat(32) };
const ctx = createContext(
  database,
  createHeavyReader(database),
  config,
  createLogger({ logLevel: 'silent' }),
);
for (;;) {
  const { claimed } = await processBatch(ctx, 500);
  if (claimed === 0) break;
  process.stdout.write(`batch ${claimed}\n`);
}
await database.close();
