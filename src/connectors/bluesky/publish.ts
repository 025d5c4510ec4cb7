import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Posting to Bluesky over XRPC (AT Protocol): a session from an app password
 * (com.atproto.server.createSession), the replied-to post's cid and thread root from the
 * AppView through the PDS (app.bsky.feed.getPosts), and the reply record
 * (com.atproto.repo.createRecord with reply refs).
 */

export class PublishError extends Error {
  /** False when retrying cannot help (bad credentials, a deleted post, a rejected record). */
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = 'PublishError';
    this.retryable = retryable;
  }
}

const sessionSchema = z.object({ accessJwt: z.string().min(1), did: z.string().startsWith('did:') });
const strongRef = z.object({ uri: z.string().startsWith('at://'), cid: z.string().min(1) });
const postsSchema = z.object({
  posts: z.array(
    strongRef.extend({
      record: z.object({ reply: z.object({ root: strongRef, parent: strongRef }).optional() }).passthrough(),
    }),
  ),
});

async function xrpc(
  service: string,
  method: string,
  init: { body?: unknown; query?: Record<string, string>; token?: string },
): Promise<unknown> {
  const url = new URL(`/xrpc/${method}`, service);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.append(k, v);
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.body === undefined ? 'GET' : 'POST',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new PublishError(`${method}: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  const text = await res.text();
  if (!res.ok) {
    let error = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error?: string; message?: string };
      error = [parsed.error, parsed.message].filter(Boolean).join(': ') || error;
    } catch {
      // not JSON: keep the start of the body
    }
    // 5xx and rate limits pass; other client errors will fail the same way again.
    throw new PublishError(`${method}: HTTP ${res.status} ${error}`, res.status >= 500 || res.status === 429);
  }
  return text === '' ? {} : JSON.parse(text);
}

const BASE32_SORTABLE = '234567abcdefghijklmnopqrstuvwxyz';

/**
 * A record key in TID form fixed by the reply's id and time, so a retried delivery writes the same
 * record (the PDS refuses a second one) instead of posting twice.
 */
export function replyRecordKey(replyId: string, createdAt: Date): string {
  const micros = BigInt(createdAt.getTime()) * 1000n;
  const clockId = BigInt(
    Number.parseInt(createHash('sha256').update(replyId).digest('hex').slice(0, 4), 16) & 0x3ff,
  );
  let n = ((micros & ((1n << 53n) - 1n)) << 10n) | clockId;
  let out = '';
  for (let i = 0; i < 13; i++) {
    out = BASE32_SORTABLE[Number(n & 31n)] + out;
    n >>= 5n;
  }
  return out;
}

export type BlueskyAccount = { service: string; identifier: string; password: string };

/** Replies to the post `parentUri`; returns the new post's URI and web URL. */
export async function postBlueskyReply(
  account: BlueskyAccount,
  reply: { id: string; createdAt: Date; parentUri: string; text: string },
): Promise<{ uri: string; url: string }> {
  const session = sessionSchema.safeParse(
    await xrpc(account.service, 'com.atproto.server.createSession', {
      body: { identifier: account.identifier, password: account.password },
    }),
  );
  if (!session.success) throw new PublishError('createSession: unexpected response', false);
  const posts = postsSchema.safeParse(
    await xrpc(account.service, 'app.bsky.feed.getPosts', {
      query: { uris: reply.parentUri },
      token: session.data.accessJwt,
    }),
  );
  if (!posts.success) throw new PublishError('getPosts: unexpected response', true);
  const parent = posts.data.posts[0];
  if (!parent) throw new PublishError(`The post ${reply.parentUri} no longer exists`, false);
  const parentRef = { uri: parent.uri, cid: parent.cid };
  const rkey = replyRecordKey(reply.id, reply.createdAt);
  const record = {
    $type: 'app.bsky.feed.post',
    text: reply.text,
    createdAt: reply.createdAt.toISOString(),
    reply: { root: parent.record.reply?.root ?? parentRef, parent: parentRef },
  };
  let uri = `at://${session.data.did}/app.bsky.feed.post/${rkey}`;
  try {
    const created = strongRef.safeParse(
      await xrpc(account.service, 'com.atproto.repo.createRecord', {
        body: { repo: session.data.did, collection: 'app.bsky.feed.post', rkey, record },
        token: session.data.accessJwt,
      }),
    );
    if (created.success) uri = created.data.uri;
  } catch (err) {
    // An earlier attempt that timed out after writing: the record is there, which is success.
    if (!(err instanceof PublishError && /already exists|RecordAlreadyExists/i.test(err.message))) throw err;
  }
  return { uri, url: `https://bsky.app/profile/${session.data.did}/post/${rkey}` };
}
