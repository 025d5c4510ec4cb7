import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from './errors.ts';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  PUBLIC_URL: z.url().optional(),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  WEBHOOKS_ALLOW_PRIVATE_TARGETS: z.enum(['true', 'false']).default('false'),
  INGEST_LOG_RETENTION_DAYS: z.coerce.number().int().min(0).max(36_500).default(30),
  NATS_URL: z
    .string()
    .regex(/^(nats|tls):\/\/[^\s]+$/, 'must be a nats:// or tls:// URL (several separated by commas)')
    .optional(),
  NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, _ or - (a JetStream stream name)')
    .default('RAPPORT_INGEST'),
});

export type Config = Readonly<{
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: (typeof logLevels)[number];
  publicUrl: string;
  /** Absent until `withSecretKey` resolves it from the environment or the data dir. */
  secretKey: string | undefined;
  /** Outbound webhooks may target loopback/private addresses and plain http:// (docs/webhooks.md). */
  webhooksAllowPrivateTargets: boolean;
  /** Processed ingest log entries older than this are deleted hourly; 0 keeps them forever. */
  ingestLogRetentionDays: number;
  /** When set, appends travel through this NATS JetStream server (docs/operations.md, Scaling out). */
  natsUrl: string | undefined;
  /** The JetStream stream (and subject prefix) the ingest log travels on. */
  natsStream: string;
}>;

/** Parses the environment once; a bad value throws `invalid_config` naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset" (e.g. `DATABASE_URL= npm start`).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new AppError('invalid_config', `Invalid configuration: ${problems.join('; ')}`, { problems });
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).replace(
      /\/$/,
      '',
    ),
    secretKey: e.SECRET_KEY,
    webhooksAllowPrivateTargets: e.WEBHOOKS_ALLOW_PRIVATE_TARGETS === 'true',
    ingestLogRetentionDays: e.INGEST_LOG_RETENTION_DAYS,
    natsUrl: e.NATS_URL,
    natsStream: e.NATS_STREAM,
  });
}

/**
 * Returns the config with a secret key: the one from the environment, or the one stored in
 * `<DATA_DIR>/secret.key`, generated (mode 0600) on first run.
 */
export function withSecretKey(config: Config): Config {
  if (config.secretKey) return config;
  mkdirSync(config.dataDir, { recursive: true });
  const file = path.join(config.dataDir, 'secret.key');
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  const secretKey = readFileSync(file, 'utf8').trim();
  if (secretKey.length < 32) {
    throw new AppError(
      'invalid_config',
      `Invalid configuration: ${file} holds a key shorter than 32 characters`,
    );
  }
  return Object.freeze({ ...config, secretKey });
}
