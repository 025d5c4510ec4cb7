/**
 * Cross-references in posts: phrases where an author claims another account (or an email address)
 * as their own ("my other account is @ana@mastodon.social", "follow me on Mastodon: …", "(alt:
 * @ana.dev)", "email me at ana@example.com"). Pure functions; the pipeline turns what they find
 * into identity suggestions (cross-reference-suggestions.ts). Precision over recall: a plain
 * @mention of someone else, a possessive ("@bob's talk"), a negation ("not my account") or a
 * third person ("Bob moved to …") is not evidence.
 */

/** Another account, or an email address, that a post claims as its author's own. */
export type CrossReference =
  | {
      kind: 'account';
      channel: string;
      /** Lower-cased, without the leading @: `ana.bsky.social`, `ana@mastodon.social`, or `ana` when not `exact`. */
      handle: string;
      /** False for a Mastodon user name without its server ("I'm @ana on Mastodon", written elsewhere). */
      exact: boolean;
      /** The words of the post that make the claim. */
      phrase: string;
    }
  | { kind: 'email'; address: string; phrase: string };

/** Where the post was written, to read a bare `@ana` the way its network does. */
export type PostContext = { channel?: string | undefined; authorHandle?: string | undefined };

const NETWORKS: Record<string, string> = {
  bluesky: 'bluesky',
  bsky: 'bluesky',
  mastodon: 'mastodon',
  masto: 'mastodon',
  fediverse: 'mastodon',
  'the fediverse': 'mastodon',
  fedi: 'mastodon',
  twitter: 'twitter',
  x: 'x',
  threads: 'threads',
  instagram: 'instagram',
  insta: 'instagram',
};

const NET =
  '(?:bluesky|bsky|mastodon|masto|the\\s+fediverse|fediverse|fedi|twitter|x|threads|instagram|insta)';
/** An @handle (`@ana`, `@ana.bsky.social`, `@ana@mastodon.social`), an email address or a URL. */
const TARGET =
  '(?:@[a-z0-9_][a-z0-9_.-]*(?:@[a-z0-9-]+(?:\\.[a-z0-9-]+)+)?|[a-z0-9._%+-]+@[a-z0-9-]+(?:\\.[a-z0-9-]+)+|https?:\\/\\/[^\\s<>"\')\\]]+)';
const T = (name: string) => `(?<${name}>${TARGET})`;
const ADJ =
  '(?:other|alt|alternate|alternative|second|2nd|backup|back-up|new|old|main|personal|private|work|business|official|primary|secondary|spare|real|current|e-?mail|mail|contact)';
const NOUN = '(?:accounts?|acct|handle|profile|alt|username|user\\s?name|address|e-?mail|inbox|home)';
/** Between the claim and the account: "is", ":", "is now at", "here:", or nothing. */
const SEP =
  '\\s*(?:(?:is|=|:|-|–|—|→)\\s*(?:(?:now|still|at|over\\s+at|over\\s+on|here:?)\\s+)*|(?:at|here|over\\s+at)\\s*:?\\s*)?';

/** Each pattern names its account `target`/`target2` and the network `net`/`net2` when it says one. */
const PATTERNS: RegExp[] = [
  // "my other account is @x", "my Mastodon account: @x", "my account on Bluesky is @x", "my email is x@y"
  new RegExp(
    `\\bmy\\s+(?:${ADJ}\\s+){0,2}(?:(?<net>${NET})\\s+)?(?:${ADJ}\\s+){0,2}${NOUN}(?:\\s+(?:on|over\\s+on|at)\\s+(?<net2>${NET}))?${SEP}${T('target')}`,
    'giu',
  ),
  // "my bluesky: @x", "my mastodon is @x"
  new RegExp(`\\bmy\\s+(?:${ADJ}\\s+){0,2}(?<net>${NET})\\s*(?::|=|is\\b|-|–|—|→)\\s*${T('target')}`, 'giu'),
  // "follow me on Mastodon: @x", "find me at @x", "email me at x@y", "find me on Bluesky as @x"
  new RegExp(
    `\\b(?:find|follow|catch|reach|contact|message|dm|ping|e-?mail|mail|write(?:\\s+to)?|add)\\s+me\\s+(?:(?:also|too)\\s+)?(?:(?:on|at|over\\s+on|over\\s+at|via|in)\\s+(?:(?<net>${NET})\\b\\s*)?(?:(?:as|at|:|-|–|—|→)\\s*)?|(?<net2>${NET})?\\s*[:=\\-–—→]\\s*)${T('target')}`,
    'giu',
  ),
  // "(alt: @x)", "other account: @x", "backup account is @x" (not "Bob's alt: …", not "your alt: …")
  new RegExp(
    `(?<![\\w'’]s\\s|\\b(?:his|her|their|your|its|the|a)\\s)(?<![\\w@.])(?:alt|alt\\s+account|alternate\\s+account|other\\s+account|second\\s+account|backup\\s+account)\\s*(?:[:=\\-–—→]|\\bis\\b)\\s*${T('target')}`,
    'giu',
  ),
  // "I'm @x on Mastodon", "I'm also on Bluesky as @x", "I am @x."
  new RegExp(
    `\\b(?:i['’]m|i\\s+am|im)\\s+(?:also\\s+)?(?:(?:on|over\\s+on|over\\s+at)\\s+(?<net>${NET})\\s*(?:as|at|:|-|–|—)?\\s*${T('target')}|${T('target2')}(?=\\s+(?:on|over\\s+on|over\\s+at|in)\\s+(?<net2>${NET})\\b|\\s*(?:[,;:!?)]|\\.(?:\\s|$)|$)|\\s+(?:there|too|as\\s+well|btw)\\b))`,
    'giu',
  ),
  // "also on Bluesky as @x", "also on Mastodon: @x"
  new RegExp(
    `\\balso\\s+(?:on|over\\s+on|over\\s+at|at|in)\\s+(?<net>${NET})\\b\\s*(?:as|at|:|-|,|–|—|→)?\\s*${T('target')}`,
    'giu',
  ),
  // "I've moved to @x", "This account has moved to @x", "Moved to Mastodon: @x" (a sentence of its
  // own, or with a first-person subject; "Bob moved to @x" is about Bob).
  new RegExp(
    `(?:^|(?<=[.!?\\n(]\\s*)|\\b(?:i|i['’]ve|i\\s+have|i['’]m|i\\s+am|we|we['’]ve|we\\s+have|we['’]re|we\\s+are|this\\s+account(?:\\s+(?:has|is))?)\\s+)(?:(?:now|just|finally|officially|permanently|been|have|has)\\s+)*(?:moved|moving|migrated|migrating|switched|switching|relocated)(?:\\s+(?:over|accounts|account|instances|servers?|here))?\\s+(?:to|over\\s+to)\\s+(?:(?<net>${NET})\\b\\s*(?:as|at|:|-|,|–|—|→)?\\s*)?${T('target')}`,
    'giu',
  ),
];

/** A word every pattern starts from: a cheap test before the patterns. */
const CUE =
  /\b(?:my|me|alt|other\s+account|second\s+account|backup\s+account|alternate\s+account|i['’]m|i\s+am|im|also|moved|moving|migrat|switch|relocat)/iu;

const NEGATION =
  /\b(?:not|never|no\s+longer|isn['’]t|wasn['’]t|aren['’]t|don['’]t|doesn['’]t|ain['’]t)\b[^.!?;\n]*$/iu;

/** The account a profile URL names, or null (a website says nothing here). */
function profileUrlTarget(url: string): { channel: string; handle: string } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const host = u.hostname.toLowerCase().replace(/^www\./, '');
  const bsky = /^\/profile\/([^/]+)\/?$/.exec(u.pathname);
  if (host === 'bsky.app' && bsky?.[1]) return { channel: 'bluesky', handle: bsky[1].toLowerCase() };
  const masto = /^\/@([a-z0-9_]+)\/?$/i.exec(u.pathname);
  if (masto?.[1]) return { channel: 'mastodon', handle: `${masto[1]}@${host}`.toLowerCase() };
  return null;
}

/** What the written target is, read with the network the phrase names and the post's own network. */
function readTarget(
  raw: string,
  net: string | undefined,
  post: PostContext,
  phrase: string,
): CrossReference | null {
  const target = raw.replace(/[._-]+$/u, '').toLowerCase();
  const named = net ? NETWORKS[net.toLowerCase().replace(/\s+/gu, ' ')] : undefined;
  if (/^https?:/u.test(target)) {
    const account = profileUrlTarget(target);
    return account ? { kind: 'account', ...account, exact: true, phrase } : null;
  }
  if (!target.startsWith('@')) {
    // "ana@mastodon.social" without its @ is a Mastodon handle when the phrase says Mastodon.
    if (named === 'mastodon')
      return { kind: 'account', channel: 'mastodon', handle: target, exact: true, phrase };
    return { kind: 'email', address: target, phrase };
  }
  const handle = target.slice(1);
  if (handle.includes('@')) {
    if (named && named !== 'mastodon') return null;
    return { kind: 'account', channel: 'mastodon', handle, exact: true, phrase };
  }
  if (handle.includes('.')) {
    // A domain handle is a Bluesky handle; Mastodon user names have no server part to show here.
    if (named && named !== 'bluesky') return null;
    return { kind: 'account', channel: 'bluesky', handle, exact: true, phrase };
  }
  const channel = named ?? post.channel;
  if (channel === 'bluesky')
    // Bluesky handles are domains: a bare name is one under bsky.social.
    return { kind: 'account', channel, handle: `${handle}.bsky.social`, exact: true, phrase };
  if (channel === 'mastodon') {
    // Written on Mastodon, a bare @name is an account of the author's own server.
    const server =
      post.channel === 'mastodon' ? post.authorHandle?.replace(/^@/u, '').split('@')[1] : undefined;
    return server
      ? { kind: 'account', channel, handle: `${handle}@${server.toLowerCase()}`, exact: true, phrase }
      : { kind: 'account', channel, handle, exact: false, phrase };
  }
  return named ? { kind: 'account', channel: named, handle, exact: true, phrase } : null;
}

/**
 * The accounts and email addresses a post claims as its author's own, each once, with the
 * phrase that claims it. A plain @mention, a possessive, a negated or third-person phrase is not
 * a claim.
 */
export function detectCrossReferences(text: string, post: PostContext = {}): CrossReference[] {
  // Every claim names an @handle, an address or a profile URL: most posts are done here.
  if (!text.includes('@') && !text.includes('://')) return [];
  if (!CUE.test(text)) return [];
  const found = new Map<string, CrossReference>();
  for (const pattern of PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const g = m.groups ?? {};
      const raw = g.target ?? g.target2;
      if (!raw || m.index === undefined) continue;
      const end = m.index + m[0].length;
      // "@bob's talk" is about Bob.
      if (/^['’]s\b/iu.test(text.slice(end))) continue;
      if (NEGATION.test(text.slice(Math.max(0, m.index - 30), m.index))) continue;
      const phrase = m[0].replace(/\s+/gu, ' ').trim().slice(0, 160);
      const ref = readTarget(raw, g.net ?? g.net2, post, phrase);
      if (!ref) continue;
      const key = ref.kind === 'email' ? `email ${ref.address}` : `${ref.channel} ${ref.handle}`;
      if (!found.has(key)) found.set(key, ref);
    }
  }
  // The author naming their own account is not another account.
  const own = post.authorHandle?.toLowerCase().replace(/^@/u, '');
  return [...found.values()].filter(
    (r) => !(r.kind === 'account' && r.channel === post.channel && r.handle === own),
  );
}

/** How a cross-reference reads in a suggestion's evidence; the label starts it so the UI can show it. */
export const CROSS_REFERENCE_LABEL = 'Cross-reference in a post';

export function crossReferenceEvidence(input: {
  mentionId: number;
  channelLabel: string;
  authorHandle: string;
  url: string | null;
  referenced: string;
  phrase: string;
}): string {
  const where = input.url ? `mention ${input.mentionId}, ${input.url}` : `mention ${input.mentionId}`;
  return `${CROSS_REFERENCE_LABEL}: ${input.channelLabel} account ${input.authorHandle} calls ${input.referenced} its own: "${input.phrase.replace(/"/gu, "'")}" (${where})`;
}

/** The mention a cross-reference evidence line names, or null for any other evidence. */
export function evidenceMentionId(evidence: string): number | null {
  if (!evidence.startsWith(`${CROSS_REFERENCE_LABEL}:`)) return null;
  const m = /\(mention (\d+)(?:, [^)]*)?\)$/u.exec(evidence);
  return m?.[1] ? Number(m[1]) : null;
}
