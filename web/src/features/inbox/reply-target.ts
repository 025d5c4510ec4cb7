type Post = { id: number; channel: string; author: { handle: string | null } | null };
type Customer = { identities: { channel: string; handle: string | null }[] } | null;

/**
 * The post a reply answers when the agent names none, as the server chooses it: the customer's
 * latest post, not someone else's reply in their thread or our own post coming back from the
 * network; the case's latest post when none is the customer's. `posts` are oldest first.
 */
export function customerLatestPost<P extends Post>(posts: P[], customer: Customer): P | undefined {
  const theirs = new Set(
    (customer?.identities ?? []).flatMap((i) => (i.handle ? [`${i.channel} ${i.handle}`] : [])),
  );
  return [...posts].reverse().find((m) => m.author?.handle && theirs.has(`${m.channel} ${m.author.handle}`));
}
