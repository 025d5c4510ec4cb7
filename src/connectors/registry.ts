import { z } from 'zod';
import type { ConnectorRuntime } from './connector.ts';
import { demoConfigSchema, demoConnector } from './demo/demo-stream.ts';
import { smtpConfigSchema } from './email/smtp.ts';
import { mastodonConfigSchema, mastodonConnector } from './fediverse/mastodon.ts';
import { rssConfigSchema, rssConnector } from './feeds/feed.ts';
import { blueskyConfigSchema, blueskyConnector } from './jetstream/jetstream.ts';

export type ConnectorDefinition = {
  kind: string;
  configSchema: z.ZodType;
  /** none: no credential; optional/required: supplied by the user; generated: made by Rapport (webhook signing key). */
  secret: 'none' | 'optional' | 'required' | 'generated';
  /** For an optional secret: what it is needed for with this configuration, or null when it is not. */
  secretFor?: (config: Record<string, unknown>) => string | null;
  /** Long-running reader started by the connectors service; webhooks have none (the API receives them). */
  runtime?: ConnectorRuntime;
  /** Silence longer than this raises the connector's silence alert. */
  expectedIntervalSeconds: number | null;
};

const definitions: ConnectorDefinition[] = [
  {
    kind: 'webhook',
    // Posts carry their own channel; a webhook needs no configuration, only its signing secret.
    configSchema: z.object({}),
    secret: 'generated',
    expectedIntervalSeconds: null,
  },
  {
    kind: 'demo',
    configSchema: demoConfigSchema,
    secret: 'none',
    runtime: demoConnector,
    expectedIntervalSeconds: 120,
  },
  // The firehose never goes quiet for long; a minute of silence means something is wrong.
  {
    kind: 'bluesky',
    configSchema: blueskyConfigSchema,
    // The app password of `account`, for replies; listening needs none.
    secret: 'optional',
    secretFor: (c) => (c.account ? 'the app password of the reply account' : null),
    runtime: blueskyConnector,
    expectedIntervalSeconds: 60,
  },
  {
    kind: 'mastodon',
    configSchema: mastodonConfigSchema,
    // The access token: required by the user stream, optional for public and hashtag streams.
    secret: 'optional',
    secretFor: (c) =>
      (c.streams as { stream: string }[]).some((s) => s.stream === 'user')
        ? 'an access token, for the home timeline (user stream)'
        : null,
    runtime: mastodonConnector,
    expectedIntervalSeconds: 600,
  },
  // Email out (SMTP): replies and private follow-ups; the SMTP password is the secret.
  {
    kind: 'email',
    configSchema: smtpConfigSchema,
    secret: 'optional',
    secretFor: (c) => (c.username ? `the SMTP password of ${String(c.username)}` : null),
    expectedIntervalSeconds: null,
  },
  // Blogs and review sites post rarely: only a day without any item is worth a look.
  {
    kind: 'rss',
    configSchema: rssConfigSchema,
    secret: 'none',
    runtime: rssConnector,
    expectedIntervalSeconds: 86_400,
  },
];

export const connectorKinds = definitions.map((d) => d.kind);

export function connectorDefinition(kind: string): ConnectorDefinition | undefined {
  return definitions.find((d) => d.kind === kind);
}

/** What a connector of this kind and configuration needs a secret for, or null when it needs none. */
export function secretNeeded(kind: string, config: Record<string, unknown>): string | null {
  const definition = connectorDefinition(kind);
  if (definition?.secret === 'required') return 'its credential';
  return definition?.secretFor?.(config) ?? null;
}

/**
 * Whether a connector can send (reply, post, mail) as configured. Bluesky and Mastodon always post
 * with their credential; an SMTP connector needs its password only when its configuration logs in
 * (a username), by the same rule as `secretNeeded`: a local relay without authentication sends without one.
 */
export function canSendWith(kind: string, config: Record<string, unknown>, hasSecret: boolean): boolean {
  if (hasSecret) return true;
  return kind === 'email' && secretNeeded(kind, config) === null;
}

/**
 * A stored configuration as it is in effect: with the defaults of options added since it was
 * saved. One that no longer parses is shown as stored (the connector reports its own error).
 */
export function effectiveConfig(kind: string, stored: unknown): Record<string, unknown> {
  const parsed = connectorDefinition(kind)?.configSchema.safeParse(stored);
  return (parsed?.success ? parsed.data : stored) as Record<string, unknown>;
}
