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
  /** Long-running reader started by the worker service; webhooks have none (the API receives them). */
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
    runtime: blueskyConnector,
    expectedIntervalSeconds: 60,
  },
  {
    kind: 'mastodon',
    configSchema: mastodonConfigSchema,
    // The access token: required by the user stream, optional for public and hashtag streams.
    secret: 'optional',
    runtime: mastodonConnector,
    expectedIntervalSeconds: 600,
  },
  // Email out (SMTP): replies and private follow-ups; the SMTP password is the secret.
  {
    kind: 'email',
    configSchema: smtpConfigSchema,
    secret: 'optional',
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

/**
 * A stored configuration as it is in effect: with the defaults of options added since it was
 * saved. One that no longer parses is shown as stored (the connector reports its own error).
 */
export function effectiveConfig(kind: string, stored: unknown): Record<string, unknown> {
  const parsed = connectorDefinition(kind)?.configSchema.safeParse(stored);
  return (parsed?.success ? parsed.data : stored) as Record<string, unknown>;
}
