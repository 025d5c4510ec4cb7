import { seededRandom } from '../../random.ts';

/**
 * The demo stream's passers-by: people who write about the brand once or a few times a week, as
 * most of a real brand's chatter comes from (the named cast in demo-stream.ts posts the rest).
 * Generated once, the same every run, with names that fit their language and no two alike, so
 * that they are not merge suggestions of each other.
 */
export type DemoPerson = {
  id: string;
  handle: string;
  name: string;
  followers: number;
  channel: string;
  /** What they write in, their own language first. */
  languages: string[];
};

const names: Record<string, { first: string[]; last: string[] }> = {
  en: {
    first: [
      'Olivia',
      'James',
      'Emma',
      'Noah',
      'Chloe',
      'Ryan',
      'Hannah',
      'Daniel',
      'Grace',
      'Owen',
      'Zoe',
      'Ethan',
    ],
    last: ['Walker', 'Hughes', 'Patel', 'Murphy', 'Bennett', 'Clarke', 'Reid', 'Foster', 'Hayes', 'Morgan'],
  },
  es: {
    first: ['Lucía', 'Javier', 'Marta', 'Pablo', 'Elena', 'Diego', 'Carmen', 'Álvaro'],
    last: ['García', 'Fernández', 'López', 'Martín', 'Sánchez', 'Romero', 'Navarro', 'Torres'],
  },
  fr: {
    first: ['Camille', 'Hugo', 'Léa', 'Théo', 'Manon', 'Louis', 'Chloé', 'Antoine'],
    last: ['Dubois', 'Moreau', 'Laurent', 'Simon', 'Michel', 'Lefebvre', 'Girard', 'Roux'],
  },
  de: {
    first: ['Jonas', 'Lea', 'Felix', 'Mia', 'Paul', 'Hanna', 'Lukas', 'Sophie'],
    last: ['Schmidt', 'Weber', 'Wagner', 'Becker', 'Hoffmann', 'Schulz', 'Koch', 'Richter'],
  },
  pt: {
    first: ['Beatriz', 'João', 'Mariana', 'Tiago', 'Inês', 'Rafael'],
    last: ['Silva', 'Santos', 'Oliveira', 'Pereira', 'Costa', 'Ferreira'],
  },
};
const languageShare: [string, number][] = [
  ['en', 50],
  ['es', 15],
  ['de', 13],
  ['fr', 12],
  ['pt', 10],
];
const mastodonServers = ['mastodon.example', 'social.example', 'piaille.example', 'norden.example'];

/** Lower-case ASCII for a handle: "Álvaro" → "alvaro". */
const slug = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

function makePassersBy(count: number): DemoPerson[] {
  const rand = seededRandom(4242);
  const one = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T;
  const total = languageShare.reduce((s, [, w]) => s + w, 0);
  const people: DemoPerson[] = [];
  const taken = new Set<string>();
  for (let tries = 0; people.length < count && tries < count * 20; tries++) {
    let r = rand() * total;
    let lang = 'en';
    for (const [l, w] of languageShare) {
      if (r < w) {
        lang = l;
        break;
      }
      r -= w;
    }
    const list = names[lang] ?? (names.en as { first: string[]; last: string[] });
    const first = one(list.first);
    const last = one(list.last);
    const name = `${first} ${last}`;
    const bluesky = rand() < 0.6;
    const handle = bluesky
      ? `${slug(first)}.${slug(last)}`
      : `${slug(first)}${slug(last).slice(0, 1)}@${one(mastodonServers)}`;
    if (taken.has(name) || taken.has(handle)) continue;
    taken.add(name);
    taken.add(handle);
    // Mostly small accounts, a few with a following: 10 to about 3,000 followers, log-spread.
    const followers = Math.round(10 ** (1 + rand() * 2.5));
    people.push({
      id: `p${people.length + 1}`,
      handle,
      name,
      followers,
      channel: bluesky ? 'bluesky' : 'mastodon',
      languages: lang === 'en' || rand() < 0.5 ? [lang] : [lang, 'en'],
    });
  }
  return people;
}

export const passersBy: DemoPerson[] = makePassersBy(150);
