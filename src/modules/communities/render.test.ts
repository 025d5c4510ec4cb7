import { decodeHTML } from 'entities';
import { describe, expect, it } from 'vitest';
import { mentionCandidates, quoteMarkdown, renderMarkdown } from './render.ts';
import { xssCorpus } from './xss-corpus.ts';

const all = { allowLinks: true, allowImages: true };
const none = { allowLinks: false, allowImages: false };

/** Every start tag of the HTML (text `<` is always escaped, so these are the real elements). */
function tags(html: string): string[] {
  return html.match(/<[a-zA-Z][^>]*>/g) ?? [];
}

/** Control characters and spaces, which browsers skip inside a URL's scheme. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to remove
const ignored = /[\u0000-\u0020]/g;
const withoutIgnored = (value: string) => value.replace(ignored, '');

/** The attributes of a start tag, parsed as a browser does (names lower-cased, values entity-decoded). */
function attributes(tag: string): { name: string; value: string }[] {
  const body = tag.replace(/^<[a-zA-Z0-9]+/, '').replace(/\/?>$/, '');
  const out: { name: string; value: string }[] = [];
  for (const m of body.matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    out.push({ name: (m[1] ?? '').toLowerCase(), value: decodeHTML(m[2] ?? m[3] ?? m[4] ?? '') });
  }
  return out;
}

/** The URL-bearing attribute values of the HTML, without the characters browsers ignore in a scheme. */
function urls(html: string): string[] {
  return tags(html).flatMap((tag) =>
    attributes(tag)
      .filter((a) => ['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(a.name))
      .map((a) => withoutIgnored(a.value).toLowerCase()),
  );
}

/** The tags that close themselves in our output. */
const voidTags = new Set(['br', 'hr', 'img']);

/** The element names, innermost last, whose closing tag is wrong or missing (empty when the HTML nests well). */
function nestingErrors(html: string): string[] {
  const open: string[] = [];
  const errors: string[] = [];
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>/g)) {
    const name = (m[2] ?? '').toLowerCase();
    if (voidTags.has(name)) continue;
    if (m[1] === '') open.push(name);
    else if (open.pop() !== name) errors.push(`unexpected </${name}>`);
  }
  return [...errors, ...open.map((name) => `unclosed <${name}>`)];
}

/** The text of the HTML outside every anchor (tags removed). */
function textOutsideLinks(html: string): string {
  return html.replace(/<a\b[^>]*>[\s\S]*?<\/a>/g, '').replace(/<[^>]+>/g, '');
}

const count = (html: string, needle: string) => html.split(needle).length - 1;

describe('markdown rendering', () => {
  it('renders the allowed markdown elements', () => {
    const { html } = renderMarkdown(
      '## Title\n\n*em* **strong** `code`\n\n> quote\n\n- a\n- b\n\n1. one\n\n---\n\n```js\nlet x = 1;\n```',
      all,
    );
    expect(html).toContain('<h2>Title</h2>');
    expect(html).toContain('<em>em</em> <strong>strong</strong> <code>code</code>');
    expect(html).toContain('<blockquote>');
    expect(html).toContain('<ul>');
    expect(html).toContain('<ol>');
    expect(html).toContain('<hr />');
    expect(html).toContain('<pre><code class="language-js">let x = 1;');
  });

  it('turns top-level and deep headings into the allowed h2 to h4', () => {
    const { html } = renderMarkdown('# One\n\n###### Six', all);
    expect(html).toBe('<h2>One</h2>\n<h4>Six</h4>');
  });

  it('escapes raw HTML instead of passing it through', () => {
    const { html } = renderMarkdown('<b>bold</b> & <i>x</i>', all);
    expect(html).toBe('<p>&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;</p>');
  });

  it('gives every link rel="nofollow ugc noopener" and no target', () => {
    const { html } = renderMarkdown('[site](https://ok.example/a) and https://ok.example/b', all);
    expect(html).toBe(
      '<p><a href="https://ok.example/a" rel="nofollow ugc noopener">site</a> and <a href="https://ok.example/b" rel="nofollow ugc noopener">https://ok.example/b</a></p>',
    );
  });

  it('keeps http, https and mailto links and drops other schemes', () => {
    const { html } = renderMarkdown(
      '[a](mailto:x@ok.example) [b](ftp://ok.example/f) [c](http://ok.example)',
      all,
    );
    expect(html).toContain('href="mailto:x@ok.example"');
    expect(html).toContain('href="http://ok.example"');
    expect(html).not.toContain('ftp:');
  });

  it('keeps the text of links but not the links when the author may not post links', () => {
    const { html } = renderMarkdown('see [my site](https://spam.example) or https://spam.example/x', none);
    expect(html).toBe('<p>see my site or https://spam.example/x</p>');
  });

  it('shows images only when allowed, else their alt text', () => {
    expect(renderMarkdown('![a cat](https://ok.example/cat.png)', all).html).toBe(
      '<p><img src="https://ok.example/cat.png" alt="a cat" loading="lazy" referrerpolicy="no-referrer" /></p>',
    );
    expect(renderMarkdown('![a cat](https://ok.example/cat.png)', none).html).toBe('<p>a cat</p>');
  });

  it('refuses images from other schemes than https', () => {
    expect(renderMarkdown('![x](mailto:x@ok.example)', all).html).not.toContain('mailto');
    expect(renderMarkdown('![plain](http://ok.example/cat.png)', all).html).not.toContain('http:');
  });

  it('links @mentions to the member page and lists them once, even without the right to post links', () => {
    const r = renderMarkdown('Thanks @Ana and @bob_2, @ana again; mail me at me@ok.example. `@notme`', none);
    expect(r.mentions).toEqual(['ana', 'bob_2']);
    expect(r.html).toContain(
      '<a href="/community/u/Ana" rel="nofollow ugc noopener" class="mention">@Ana</a>',
    );
    expect(r.html).toContain(
      '<a href="/community/u/bob_2" rel="nofollow ugc noopener" class="mention">@bob_2</a>',
    );
    expect(r.html).toContain('me@ok.example');
    expect(r.html).toContain('<code>@notme</code>');
  });

  it('links only the mentioned members that exist when given the list', () => {
    const r = renderMarkdown('@ana and @ghost.', { ...none, mentionable: new Set(['ana']) });
    expect(r.mentions).toEqual(['ana']);
    expect(r.html).toBe(
      '<p><a href="/community/u/ana" rel="nofollow ugc noopener" class="mention">@ana</a> and @ghost.</p>',
    );
  });

  it('does not let a markdown link pose as a mention link', () => {
    const { html } = renderMarkdown('[@ana](/community/u/ana)', none);
    expect(html).toBe('<p>@ana</p>');
  });

  it('keeps a refused markdown link as text and links only the mentions after it', () => {
    const r = renderMarkdown('[ok](https://example.com)\n@qa_one @sam.flies', none);
    expect(r.html).toBe(
      '<p>ok\n<a href="/community/u/qa_one" rel="nofollow ugc noopener" class="mention">@qa_one</a> <a href="/community/u/sam.flies" rel="nofollow ugc noopener" class="mention">@sam.flies</a></p>',
    );
    expect(r.mentions).toEqual(['qa_one', 'sam.flies']);
    expect(nestingErrors(r.html)).toEqual([]);
    expect(r.html).not.toContain('span');
  });

  it('keeps a refused bare URL as text and ends the mention link at the name', () => {
    const { html } = renderMarkdown('see https://example.com @qa_one and this', none);
    expect(html).toBe(
      '<p>see https://example.com <a href="/community/u/qa_one" rel="nofollow ugc noopener" class="mention">@qa_one</a> and this</p>',
    );
    expect(count(html, '<a ')).toBe(1);
    expect(count(html, '</a>')).toBe(1);
    expect(textOutsideLinks(html)).toBe('see https://example.com  and this');
  });

  it('links only the name in a preview with a refused link before a known member', () => {
    const { html } = renderMarkdown('[ok](https://example.com) @qa_one and this', {
      ...none,
      mentionable: new Set(['qa_one']),
    });
    expect(html).toBe(
      '<p>ok <a href="/community/u/qa_one" rel="nofollow ugc noopener" class="mention">@qa_one</a> and this</p>',
    );
    expect(/<a [^>]*>([^<]*)<\/a>/.exec(html)?.[1]).toBe('@qa_one');
  });

  it('closes every element it opens when links are refused, whatever follows the refused link', () => {
    const inputs = [
      '[ok](https://example.com) **bold** *em* `code` @ana',
      'https://example.com and [two](https://two.example)\n\n@ana then **bold**',
      '- [ok](https://example.com)\n- @ana *em*\n\n> https://example.com @bob **x**',
      '[![cat](https://ok.example/cat.png)](https://example.com) @ana',
    ];
    for (const input of inputs) {
      const { html } = renderMarkdown(input, none);
      expect(nestingErrors(html), `${input} → ${html}`).toEqual([]);
      expect(count(html, '<a '), html).toBe(count(html, '</a>'));
      expect(html).not.toContain('example.com"');
    }
  });

  it('drops the tag of a link whose scheme is refused, keeping its text and the mention after it', () => {
    const { html } = renderMarkdown('[b](ftp://ok.example/f) @ana **bold**', all);
    expect(html).toBe(
      '<p>b <a href="/community/u/ana" rel="nofollow ugc noopener" class="mention">@ana</a> <strong>bold</strong></p>',
    );
  });

  it('finds mention candidates before rendering', () => {
    expect(mentionCandidates('hi @Ana, @bob. and x@y.example')).toEqual(['ana', 'bob']);
  });

  it('keeps an author name from breaking out of the quote', () => {
    const md = quoteMarkdown('Eve**\n\n[x](https://evil.example)', 'quoted', 'reply');
    expect(renderMarkdown(md, none).html).toBe(
      '<blockquote>\n<p><strong>Eve x(https://evil.example)</strong> wrote:\nquoted</p>\n</blockquote>\n<p>reply</p>',
    );
  });

  it('quotes a post as an attributed blockquote', () => {
    const md = quoteMarkdown('Ana', 'first line\nsecond', 'I agree');
    expect(renderMarkdown(md, none).html).toBe(
      '<blockquote>\n<p><strong>Ana</strong> wrote:\nfirst line\nsecond</p>\n</blockquote>\n<p>I agree</p>',
    );
  });
});

describe('XSS corpus', () => {
  it('has at least 100 payloads', () => {
    expect(xssCorpus.length).toBeGreaterThanOrEqual(100);
  });

  for (const [label, options] of [
    ['links and images allowed', all],
    ['links and images refused', none],
  ] as const) {
    it(`leaves no script, event handler or script URL in any payload (${label})`, () => {
      const failures: string[] = [];
      for (const payload of xssCorpus) {
        const { html } = renderMarkdown(payload, options);
        const problems: string[] = [];
        if (/<script/i.test(html)) problems.push('script tag');
        for (const tag of tags(html)) {
          for (const { name } of attributes(tag)) {
            if (/^on/.test(name)) problems.push(`handler in ${tag}`);
            if (!['href', 'rel', 'class', 'src', 'alt', 'start', 'loading', 'referrerpolicy'].includes(name))
              problems.push(`attribute ${name} in ${tag}`);
          }
          const name = /^<([a-zA-Z0-9]+)/.exec(tag)?.[1]?.toLowerCase() ?? '';
          const allowed = [
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
            'img',
          ];
          if (!allowed.includes(name)) problems.push(`tag ${name}`);
        }
        for (const url of urls(html)) {
          if (/^(javascript|vbscript|data|file):/.test(url)) problems.push(`url ${url}`);
          // Anything with a scheme must be one of ours (a colon after other characters is a relative path).
          const scheme = /^([a-z][a-z0-9+.-]*):/.exec(url)?.[1];
          if (scheme !== undefined && !['http', 'https', 'mailto'].includes(scheme))
            problems.push(`scheme ${url}`);
          if (url.startsWith('//') || url.startsWith('\\\\')) problems.push(`protocol-relative ${url}`);
        }
        // Whatever the case or encoding, no attribute value starts a javascript: URL.
        for (const tag of tags(html))
          for (const { value } of attributes(tag))
            if (/^javascript:/i.test(withoutIgnored(value))) problems.push(`javascript in ${tag}`);
        if (problems.length > 0)
          failures.push(`${JSON.stringify(payload)} → ${html}\n  ${problems.join('; ')}`);
      }
      expect(failures).toEqual([]);
    });
  }

  it('renders the script-tag payload as visible text', () => {
    expect(renderMarkdown('<script>alert(1)</script>', all).html).toBe(
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    );
  });

  it('drops the href of a javascript: markdown link but keeps its text', () => {
    expect(renderMarkdown('[x](JaVaScRiPt:alert(1))', all).html).toBe('<p>[x](JaVaScRiPt:alert(1))</p>');
    expect(renderMarkdown('[x][1]\n\n[1]: https://ok.example', all).html).toBe(
      '<p><a href="https://ok.example" rel="nofollow ugc noopener">x</a></p>',
    );
  });
});
