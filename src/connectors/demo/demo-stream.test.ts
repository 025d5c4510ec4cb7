import { describe, expect, it } from 'vitest';
import { genericPostSchema } from '../../pipeline/formats.ts';
import { seededRandom } from '../../random.ts';
import { chatter, fill, type Kind, type ReplyTo, replyTexts } from './demo-chatter.ts';
import { passersBy } from './demo-people.ts';
import { demoAuthorById, demoAuthors, demoPost } from './demo-stream.ts';

const at = new Date('2026-12-01T10:00:00.000Z');
const posts = Array.from({ length: 400 }, (_, i) => demoPost(7, i, at));
const byId = new Map(posts.map((p) => [p.externalId, p]));
const authorOf = (p: (typeof posts)[number]) => demoAuthorById(p.author?.externalId?.slice(5) ?? '');

describe('demo stream', () => {
  it('makes the same post for the same seed and sequence, in the generic format', () => {
    expect(demoPost(7, 123, at)).toEqual(demoPost(7, 123, at));
    expect(demoPost(8, 123, at)).not.toEqual(demoPost(7, 123, at));
    for (const p of posts) expect(genericPostSchema.safeParse(p).success).toBe(true);
  });

  it('has each author write only in their own languages, and spam come from the spam account alone', () => {
    for (const p of posts) {
      const author = authorOf(p);
      expect(author?.languages).toContain(p.language);
      expect(p.channel).toBe(author?.channel);
      if (/cheap-tix|followers\.example|free-flights/.test(p.text ?? '')) expect(author?.id).toBe('deals');
    }
    // Several languages in all, as real brand chatter has.
    expect(new Set(posts.map((p) => p.language)).size).toBeGreaterThanOrEqual(5);
  });

  it('answers an earlier post on the same network by someone else, never spam, so threads hold together', () => {
    const replies = posts.filter((p) => p.replyTo);
    expect(replies.length).toBeGreaterThan(20);
    for (const r of replies) {
      const parent = byId.get(r.replyTo as string);
      expect(parent, String(r.replyTo)).toBeDefined();
      expect(parent?.channel).toBe(r.channel);
      expect(parent?.author?.externalId).not.toBe(r.author?.externalId);
      expect(authorOf(parent as (typeof posts)[number])?.id).not.toBe('deals');
      expect(Number(r.replyTo?.split(':')[2])).toBeLessThan(Number(r.externalId.split(':')[2]));
    }
  });

  it('answers with words that fit: a price to a purchase question, an answer to a question, sympathy to a complaint', () => {
    const shape = (text: string) =>
      new RegExp(`^${text.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '.+')}$`);
    const isOne = (templates: { texts: string[] }[], text: string) =>
      templates.some((t) => t.texts.some((x) => shape(x).test(text)));
    const expected: Partial<Record<Kind, ReplyTo>> = {
      purchase: 'price',
      question: 'answer',
      complaint: 'sympathy',
    };
    let checked = 0;
    for (const r of posts.filter((p) => p.replyTo)) {
      const parent = byId.get(r.replyTo as string)?.text ?? '';
      for (const [kind, group] of Object.entries(expected) as [Kind, ReplyTo][])
        if (isOne(chatter[kind], parent)) {
          expect(isOne(replyTexts[group], r.text ?? ''), `${r.text} → ${parent}`).toBe(true);
          checked++;
        }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('has many people write, most of them now and then, beside a cast that writes often', () => {
    const byAuthor = new Map<string, number>();
    for (const p of posts)
      byAuthor.set(p.author?.externalId ?? '', (byAuthor.get(p.author?.externalId ?? '') ?? 0) + 1);
    const cast = new Set(demoAuthors.map((a) => `demo:${a.id}`));
    const passerByPosts = posts.filter((p) => !cast.has(p.author?.externalId ?? '')).length;
    expect(passerByPosts / posts.length).toBeGreaterThan(0.4);
    expect(passerByPosts / posts.length).toBeLessThan(0.7);
    const passersSeen = [...byAuthor.keys()].filter((id) => !cast.has(id));
    expect(passersSeen.length).toBeGreaterThan(80);
    for (const id of passersSeen) expect(byAuthor.get(id)).toBeLessThanOrEqual(8);
    // Every cast member still shows up in a week.
    for (const id of cast) expect(byAuthor.get(id) ?? 0, id).toBeGreaterThan(0);
  });

  it('gives passers-by names and handles of their own, none like another person of the demo', () => {
    const everyone = [...demoAuthors, ...passersBy];
    expect(new Set(everyone.map((a) => a.handle)).size).toBe(everyone.length);
    // Maya's two accounts share a name on purpose (a merge suggestion); nobody else does.
    expect(new Set(everyone.map((a) => a.name)).size).toBe(everyone.length - 1);
    expect(new Set(everyone.map((a) => a.id)).size).toBe(everyone.length);
    for (const p of passersBy) {
      expect(p.handle).toMatch(/^[a-z0-9.]+(@[a-z0-9.]+\.example)?$/);
      expect(p.channel === 'mastodon').toBe(p.handle.includes('@'));
    }
  });

  it('rarely has a person say exactly the same thing twice in a week of demo history', () => {
    const said = new Map<string, Set<string>>();
    let repeats = 0;
    // Replies such as "+1 to this" may come back, and a spam account repeats itself; people's own
    // posts hardly ever do.
    const own = posts.filter((p) => !p.replyTo && p.author?.externalId !== 'demo:deals');
    for (const p of own) {
      const key = p.author?.externalId ?? '';
      const texts = said.get(key) ?? new Set();
      if (texts.has(p.text ?? '')) repeats++;
      texts.add(p.text ?? '');
      said.set(key, texts);
    }
    expect(repeats / own.length).toBeLessThan(0.05);
  });

  it('fills every slot of a text, the same slot with the same value', () => {
    const rand = seededRandom(3);
    const text = fill('{flight} to {city}, {flight} again after {hours} hours', rand);
    expect(text).toMatch(/^DA \d{3} to [A-Z][a-z]+( York)?, DA \d{3} again after \d hours$/);
    const [first, second] = text.match(/DA \d{3}/g) ?? [];
    expect(first).toBe(second);
    expect(fill('{unknown} stays', rand)).toBe('{unknown} stays');
    // A city in a German text has its German name.
    const german = new Set(Array.from({ length: 60 }, () => fill('{city}', rand, 'de')));
    expect(german).toContain('Lissabon');
    expect(german).not.toContain('Lisbon');
  });
});
