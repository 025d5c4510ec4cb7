/**
 * Urgency 0–100: how soon a person should look at a post. A sum of documented parts, capped at
 * 100, each part named in the reasons (docs/analysis-intents.md has the table):
 *
 * | part | points |
 * |---|---|
 * | intent | complaint 25 × score, churn_risk 20 × score, support_question 12 × score, purchase_intent 8 × score |
 * | sentiment | negative: 20 × |score| (strongly negative, ≤ −0.6, also named so) |
 * | safety words | 30 for the first, +5 per other, at most 40 |
 * | legal words | 20 for the first, +5 per other, at most 30 |
 * | time pressure ("urgent", "asap", "stranded") | 8 |
 * | author's reach | 0 below 1k followers, then 5 + 5 × log10(followers / 1k), at most 20 (10k → 10, 100k → 15) |
 * | repeated contact | 5 per prior contact (at most 15); a phrase like "still waiting" or "third time" 10 |
 *
 * Spam is never urgent: a post whose top intent is spam keeps a fifth of its points.
 */
import type { Token } from './tokenize.ts';
import type { IntentLabel, IntentResult, SentimentResult, Urgency } from './types.ts';

export const URGENCY_WEIGHTS = {
  intent: { complaint: 25, churn_risk: 20, support_question: 12, purchase_intent: 8 } as Partial<
    Record<IntentLabel, number>
  >,
  negativeSentiment: 20,
  strongNegativeAt: -0.6,
  safetyFirst: 30,
  safetyEach: 5,
  safetyMax: 40,
  legalFirst: 20,
  legalEach: 5,
  legalMax: 30,
  timePressure: 8,
  reachFrom: 1000,
  reachBase: 5,
  reachPerDecade: 5,
  reachMax: 20,
  perPriorContact: 5,
  priorContactsMax: 15,
  repeatPhrase: 10,
  spamFactor: 0.2,
} as const;

type Cue = 'safety' | 'legal' | 'repeat' | 'time';

// One, two and three word cues, in the languages the analysis supports best.
const CUES = new Map<string, Cue>();
function cues(kind: Cue, list: string): void {
  for (const c of list.split(',')) {
    const k = c.trim();
    if (k) CUES.set(k, kind);
  }
}
cues(
  'safety',
  `injury, injuries, injured, hurt, hurts, fire, smoke, smoking, burn, burned, burnt, burning, burns, explode,
  exploded, exploding, explosion, unsafe, dangerous, danger, hazard, emergency, medical, hospital,
  hospitalized, hospitalised, ambulance, allergic, allergy, anaphylaxis, poisoning, food poisoning, sick,
  vomiting, bleeding, blood, electric shock, electrocuted, gas leak, carbon monoxide, sparks, sparking,
  overheating, overheated, melted, choking, choked, collapsed, fainted, unconscious, assault, assaulted,
  harassed, harassment, threatened, mold, mould, rat, rats, cockroach, cockroaches,
  incendio, humo, herido, herida, peligro, peligroso, emergencia, intoxicación, incendie, fumée, blessé,
  blessée, dangereux, urgence, intoxication, feuer, rauch, verletzt, gefährlich, gefahr, notfall,
  krankenhaus, vergiftung, incêndio, fumaça, ferido, ferida, perigo, perigoso, emergência, intoxicação`,
);
cues(
  'legal',
  `lawyer, lawyers, attorney, solicitor, solicitors, sue, suing, sued, lawsuit, legal action, to court, in court,
  small claims, class action, gdpr, data protection, regulator, ombudsman, ftc, fcc, cfpb, ico,
  trading standards, consumer protection, chargeback, charge back, bbb, report you, legal, abogado,
  demandar, denuncia, denunciar, tribunal, avocat, plainte, anwalt, klage, verbraucherzentrale,
  advogado, processo, procon`,
);
cues(
  'repeat',
  `still waiting, still no, still not, third time, fourth time, fifth time, second time, again and again,
  how many times, asked twice, asked three, no response, no reply, no answer, keep asking, chasing,
  todavía no, otra vez, toujours pas, encore une fois, immer noch, schon wieder, ainda não, de novo`,
);
cues('time', 'urgent, urgently, asap, immediately, stranded, right now, tonight, stuck, urgente, dringend');

const STARTS_TWO = new Set<string>();
const STARTS_THREE = new Set<string>();
for (const key of CUES.keys()) {
  const parts = key.split(' ');
  if (parts.length === 2) STARTS_TWO.add(parts[0] as string);
  if (parts.length === 3) STARTS_THREE.add(parts[0] as string);
}

/** Records a cue found at this word; `prev` is the word before, to tell slang from danger. */
function note(found: Record<Cue, string[]>, key: string, prev: string): void {
  const kind = CUES.get(key);
  if (!kind) return;
  if (kind === 'safety' && SLANG_WORDS.has(key) && SLANG_BEFORE.has(prev)) return;
  if (!found[kind].includes(key)) found[kind].push(key);
}

// "fire" and "sick" as praise slang ("this album is fire", "sick goal") are not safety.
const SLANG_BEFORE = new Set([
  'is',
  'was',
  'so',
  'straight',
  'pure',
  'absolute',
  'absolutely',
  "that's",
  'lowkey',
]);
const SLANG_WORDS = new Set(['fire', 'sick']);

function formatFollowers(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(n >= 10_000_000 ? 0 : 1).replace(/\.0$/, '')}M`;
  if (n >= 1000) return `${(n / 1000).toFixed(n >= 10_000 ? 0 : 1).replace(/\.0$/, '')}k`;
  return String(n);
}

/**
 * Urgency's points from the text and its author, before the author's prior contacts are known
 * (they are read from the database, while the rest can be worked out on another thread).
 * `priorAt` is where the prior-contacts part goes, so the finished reasons keep one order.
 */
export type UrgencyParts = { parts: [string, number][]; priorAt: number; spam: boolean };

/** Urgency 0–100 with its reasons, most points first. */
export function scoreUrgency(input: {
  intents: IntentResult[];
  sentiment: SentimentResult;
  tokens: Token[];
  text: string;
  authorFollowers: number | null;
  priorContacts?: number;
}): Urgency {
  return finishUrgency(urgencyParts(input), input.priorContacts ?? 0);
}

export function urgencyParts(input: {
  intents: IntentResult[];
  sentiment: SentimentResult;
  tokens: Token[];
  text: string;
  authorFollowers: number | null;
}): UrgencyParts {
  const w = URGENCY_WEIGHTS;
  const parts: [string, number][] = [];

  for (const intent of input.intents) {
    const weight = w.intent[intent.label];
    if (weight) parts.push([intent.label, weight * intent.score]);
  }

  const s = input.sentiment;
  if (s.label === 'negative' && s.score < 0) {
    const strong = s.score <= w.strongNegativeAt;
    parts.push([
      strong ? 'strongly negative sentiment' : 'negative sentiment',
      w.negativeSentiment * -s.score,
    ]);
  }

  // Cues: one pass over the words (hashtags count: #emergency), looking up 1-, 2- and 3-word keys.
  const found: Record<Cue, string[]> = { safety: [], legal: [], repeat: [], time: [] };
  let prev = '';
  let prev2 = '';
  for (const t of input.tokens) {
    if (t.kind !== 'word' && t.kind !== 'hashtag') {
      if (t.kind === 'punct') {
        prev = '';
        prev2 = '';
      }
      continue;
    }
    const word = t.norm;
    note(found, word, prev);
    // Two- and three-word cues are looked up only after a word that starts one.
    if (prev && STARTS_TWO.has(prev)) note(found, `${prev} ${word}`, '');
    if (prev2 && STARTS_THREE.has(prev2)) note(found, `${prev2} ${prev} ${word}`, '');
    prev2 = prev;
    prev = word;
  }
  if (found.safety.length > 0) {
    const pts = Math.min(w.safetyMax, w.safetyFirst + w.safetyEach * (found.safety.length - 1));
    parts.push([`safety: ${found.safety.map((c) => `"${c}"`).join(', ')}`, pts]);
  }
  if (found.legal.length > 0) {
    const pts = Math.min(w.legalMax, w.legalFirst + w.legalEach * (found.legal.length - 1));
    parts.push([`legal: ${found.legal.map((c) => `"${c}"`).join(', ')}`, pts]);
  }
  if (found.time.length > 0) parts.push([`time pressure: "${found.time[0]}"`, w.timePressure]);

  const followers = input.authorFollowers ?? 0;
  if (followers >= w.reachFrom) {
    const pts = Math.min(w.reachMax, w.reachBase + w.reachPerDecade * Math.log10(followers / w.reachFrom));
    parts.push([`author has ${formatFollowers(followers)} followers`, pts]);
  }

  const priorAt = parts.length;
  if (found.repeat.length > 0) parts.push([`repeat contact: "${found.repeat[0]}"`, w.repeatPhrase]);
  return { parts, priorAt, spam: input.intents[0]?.label === 'spam' };
}

/** The urgency of `urgencyParts` once the author's prior contacts are counted. */
export function finishUrgency(u: UrgencyParts, priorContacts: number): Urgency {
  const w = URGENCY_WEIGHTS;
  const parts = [...u.parts];
  if (priorContacts > 0)
    parts.splice(u.priorAt, 0, [
      `contacted ${priorContacts} time${priorContacts === 1 ? '' : 's'} before`,
      Math.min(w.priorContactsMax, w.perPriorContact * priorContacts),
    ]);
  let total = 0;
  for (const [, pts] of parts) total += pts;
  const reasons = parts
    .filter(([, pts]) => pts >= 0.5)
    .sort((a, b) => b[1] - a[1])
    .map(([r]) => r);
  if (u.spam) {
    total *= w.spamFactor;
    reasons.push('spam (urgency reduced)');
  }
  return { score: Math.min(100, Math.round(total)), reasons };
}
