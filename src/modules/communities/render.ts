import MarkdownIt from 'markdown-it';
import type StateCore from 'markdown-it/lib/rules_core/state_core.mjs';
import type Token from 'markdown-it/lib/token.mjs';
import sanitizeHtml from 'sanitize-html';

/**
 * Community posts are Markdown rendered once, at write time, to HTML that is safe to insert in
 * any page: markdown-it without raw HTML, then sanitize-html with an allow-list. The two layers
 * are on purpose: markdown-it already refuses `javascript:` links and escapes `<`, and the
 * sanitizer is what guarantees the output whatever markdown-it or a future plugin emits.
 */

export type RenderOptions = {
  /** Links to other sites (trust decides); mention links are always kept. */
  allowLinks: boolean;
  /** Images (trust decides); without, an image becomes its alt text. */
  allowImages: boolean;
  /**
   * Lower-cased usernames that exist: only those `@name`s become links. Absent: every `@name`
   * does (for previews, where looking members up is not worth it).
   */
  mentionable?: ReadonlySet<string>;
};

export type Rendered = {
  html: string;
  /** Lower-cased usernames mentioned (and linked), each once, in order of appearance. */
  mentions: string[];
};

export const MENTION_PATH = '/community/u/';
const REL = 'nofollow ugc noopener';

// A username: letters, digits, `_`, `.` and `-`, not ending in `.` or `-` (so "@ana." at the end
// of a sentence mentions "ana"); the `@` must not follow a word character (email addresses).
const MENTION = /(^|[^\p{L}\p{N}_@/.+-])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,28}[A-Za-z0-9_])?)/gu;

type Env = { options: RenderOptions; mentions: string[] };

const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
md.disable(['table']);

const defaultImage = md.renderer.rules.image;
md.renderer.rules.image = (tokens, idx, options, env: Env, self) => {
  const token = tokens[idx] as Token;
  if (env.options.allowImages && defaultImage) return defaultImage(tokens, idx, options, env, self);
  return md.utils.escapeHtml(self.renderInlineAsText(token.children ?? [], options, env));
};

// Runs after linkify, so it sees every link the author wrote. Without the trust to post links, a
// link's tokens are dropped here and its text stays plain text: such a link is never emitted.
md.core.ruler.push('community_mentions', (state: StateCore) => {
  const env = state.env as Env;
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const out: Token[] = [];
    let linkDepth = 0;
    for (const token of block.children) {
      if (token.type === 'link_open') linkDepth++;
      if (token.type === 'link_close') linkDepth--;
      if ((token.type === 'link_open' || token.type === 'link_close') && !env.options.allowLinks) continue;
      if (token.type !== 'text' || linkDepth > 0 || !token.content.includes('@')) {
        out.push(token);
        continue;
      }
      out.push(...splitMentions(state, token.content, env));
    }
    block.children = out;
  }
});

function splitMentions(state: StateCore, text: string, env: Env): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  const pushText = (content: string) => {
    if (content === '') return;
    const t = new state.Token('text', '', 0);
    t.content = content;
    tokens.push(t);
  };
  for (const match of text.matchAll(MENTION)) {
    const prefix = match[1] ?? '';
    const name = match[2] ?? '';
    const lower = name.toLowerCase();
    if (env.options.mentionable && !env.options.mentionable.has(lower)) continue;
    const at = (match.index ?? 0) + prefix.length;
    pushText(text.slice(last, at));
    const open = new state.Token('link_open', 'a', 1);
    open.attrs = [
      ['href', `${MENTION_PATH}${encodeURIComponent(name)}`],
      ['class', 'mention'],
    ];
    const label = new state.Token('text', '', 0);
    label.content = `@${name}`;
    tokens.push(open, label, new state.Token('link_close', 'a', -1));
    if (!env.mentions.includes(lower)) env.mentions.push(lower);
    last = at + 1 + name.length;
  }
  pushText(text.slice(last));
  return tokens;
}

const baseTags = [
  'p',
  'em',
  'strong',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'h2',
  'h3',
  'h4',
  'hr',
  'br',
];

function sanitizerOptions(options: RenderOptions): sanitizeHtml.IOptions {
  return {
    allowedTags: options.allowImages ? [...baseTags, 'img'] : baseTags,
    allowedAttributes: {
      a: ['href', 'rel', 'class'],
      img: ['src', 'alt', 'loading', 'referrerpolicy'],
      code: ['class'],
      ol: ['start'],
    },
    allowedClasses: { a: ['mention'], code: ['language-*'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    // Images from https only: the site's policy (`img-src https:`) loads nothing else, and a
    // plain-http image would be mixed content on an https site.
    allowedSchemesByTag: { img: ['https'] },
    allowedSchemesAppliedToAttributes: ['href', 'src'],
    allowProtocolRelative: false,
    // Tags outside the list are dropped with their text kept, except these whose text is code.
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed'],
    // An `a` left without an href (a refused scheme, or a link the author may not post) loses its
    // tag and keeps its text. Not by renaming it in `transformTags` to a tag that is then
    // discarded: sanitize-html 2.17 keeps that rename and closes the next tag at the same depth
    // with it (`<a class="mention" …>@ana</span>`, a link running on to the end of the page).
    exclusiveFilter: (frame) => (frame.tag === 'a' && !frame.attribs.href ? 'excludeTag' : false),
    transformTags: {
      h1: 'h2',
      h5: 'h4',
      h6: 'h4',
      a: (_tagName, attribs) => {
        const mention = attribs.class === 'mention' && attribs.href?.startsWith(MENTION_PATH) === true;
        // The renderer already drops such links; this is the guarantee whatever it emits.
        if (!options.allowLinks && !mention) return { tagName: 'a', attribs: {} };
        const kept: Record<string, string> = {};
        if (attribs.href !== undefined) kept.href = attribs.href;
        kept.rel = REL;
        if (mention) kept.class = 'mention';
        return { tagName: 'a', attribs: kept };
      },
      // A remote image learns nothing of the page it is on, and loads only when scrolled to.
      img: (_tagName, attribs) => ({
        tagName: 'img',
        attribs: {
          ...(attribs.src !== undefined ? { src: attribs.src } : {}),
          ...(attribs.alt !== undefined ? { alt: attribs.alt } : {}),
          loading: 'lazy',
          referrerpolicy: 'no-referrer',
        },
      }),
    },
  };
}

/** Markdown → sanitized HTML, with the members it mentions. */
export function renderMarkdown(markdown: string, options: RenderOptions): Rendered {
  const env: Env = { options, mentions: [] };
  const unsafe = md.render(markdown, env);
  return { html: sanitizeHtml(unsafe, sanitizerOptions(options)).trim(), mentions: env.mentions };
}

/** The `@name`s a text may mention (lower-cased), to look up before rendering. */
export function mentionCandidates(markdown: string): string[] {
  const names = new Set<string>();
  for (const match of markdown.matchAll(MENTION)) if (match[2]) names.add(match[2].toLowerCase());
  return [...names];
}

/** Quoting: the quoted post's Markdown as a blockquote, attributed, above the reply. */
export function quoteMarkdown(authorName: string, quoted: string, reply: string): string {
  const lines = quoted.trim().split('\n').slice(0, 40);
  // The name is the author's own text: no Markdown marks, no line breaks to escape the quote.
  const name =
    authorName
      .replace(/[*_`[\]\\<>]/g, '')
      .replace(/\s+/g, ' ')
      .trim() || 'Someone';
  return `> **${name}** wrote:\n${lines.map((l) => `> ${l}`).join('\n')}\n\n${reply}`;
}
