import { z } from 'zod';
import { PublishError } from '../bluesky/publish.ts';

const statusSchema = z.object({ id: z.string().min(1), url: z.string().nullish(), uri: z.string().min(1) });

/**
 * Posts a status on a Mastodon instance (POST /api/v1/statuses): a reply with `in_reply_to_id`,
 * or a direct message (`visibility: direct`, addressed by @mention). The reply id is sent as the
 * Idempotency-Key, so a retried delivery does not post twice.
 */
export async function postMastodonStatus(
  account: { instance: string; token: string },
  status: { id: string; text: string; inReplyToId: string | null; visibility: 'public' | 'direct' },
): Promise<{ id: string; url: string }> {
  let res: Response;
  try {
    res = await fetch(new URL('/api/v1/statuses', account.instance), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${account.token}`,
        'content-type': 'application/json',
        'idempotency-key': status.id,
      },
      body: JSON.stringify({
        status: status.text,
        visibility: status.visibility,
        ...(status.inReplyToId ? { in_reply_to_id: status.inReplyToId } : {}),
      }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new PublishError(`statuses: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  const text = await res.text();
  if (!res.ok) {
    let error = text.slice(0, 300);
    try {
      error = (JSON.parse(text) as { error?: string }).error ?? error;
    } catch {
      // not JSON
    }
    throw new PublishError(`statuses: HTTP ${res.status} ${error}`, res.status >= 500 || res.status === 429);
  }
  const parsed = statusSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new PublishError('statuses: unexpected response', false);
  return { id: parsed.data.id, url: parsed.data.url ?? parsed.data.uri };
}
