/**
 * Language detection for social posts. Measured against eld, tinyld and franc-min on
 * `language-corpus.ts` (see docs/analysis-intents.md): the libraries' n-gram models are either
 * slow per text (25–260 µs) or heavy to load (eld/large: 1.4 s, ~390 MB), so the common case is
 * decided here from function words, diacritics and script in ~1–2 µs, and only texts where
 * that evidence is weak or points outside the eight languages go to tinyld's light model.
 */
import { detectAll as tinyldDetectAll } from 'tinyld/light';
import type { Token } from './tokenize.ts';
import type { LanguageResult } from './types.ts';

/** Latin-script languages decided locally, by index. */
const LATIN = ['en', 'es', 'fr', 'de', 'pt', 'it', 'nl'] as const;
type Latin = (typeof LATIN)[number];

// Frequent function words and everyday social words of each language, from general knowledge
// of the languages (not fitted to the evaluation posts). A word listed in several languages
// counts for each of them at a lower weight.
const WORDS: Record<Latin, string> = {
  en: `the a an and or but is are was were be been being am i you he she it we they me my your our their
    his her its this that these those to of in on at for with from by about as not no yes do does did don't
    can't won't isn't i'm it's you're have has had will would should could can just so very what when where
    why how who which there here out up get got all some any more one still again after before than then
    them him us really thanks thank please because if like love hate good bad great new today tonight now
    know think want need make made going gonna got back only also even never ever every off over too way well
    time day days people thing year week month hour hours service order account help anyone else trouble morning something nothing everyone everything since until while into through guys omg smh tho dont cant im`,
  es: `el la los las un una unos unas y o pero es son era fue ser estar está están estoy que de del al en
    por para con sin sobre mi mis tu tus su sus nuestro yo tú él ella nosotros ellos me te se lo le les
    muy más menos ya aún todavía también tampoco nada nadie algo alguien todo todos cuando donde dónde cómo
    qué quién cuál porque pero si sí no hay hoy mañana ayer ahora siempre nunca otra otro vez gracias hola
    bueno buena mucho muchas mucha muchos esto esta este eso esa ese aquí allí hacer tengo tiene tienen
    quiero puedo hace llevo desde hasta cuenta jaja vamos
    encanta gusta quiero tengo puedo dice ver día días semana hora horas casa gente cosa nuevo nueva mejor peor después antes entonces pues vale oye bien mal tan así solo sólo cada`,
  fr: `le la les un une des et ou mais est sont était être avoir ai as a avons avez ont que qui de du au aux
    en dans par pour avec sans sur sous mon ma mes ton ta tes son sa ses notre votre leur je tu il elle nous
    vous ils elles me te se ne pas plus très bien tout tous toute toujours encore déjà aussi rien personne
    quelque quand où comment pourquoi quoi ce cette ces cet ça c'est j'ai il y oui non aujourd'hui demain
    hier maintenant jamais merci bonjour fois beaucoup peu faire fait peut veux voudrais depuis chez moi toi
    lui eux ici là trop même après avant
    adore aime suis es sommes êtes vais va allez faut jour jours semaine heure heures gens chose nouveau nouvelle mieux pire alors donc car voilà bon mal si seulement chaque`,
  de: `der die das den dem des ein eine einen einem einer und oder aber ist sind war waren sein haben hat
    habe hatte wird werden wurde dass daß von zu zum zur in im an am auf aus bei mit nach für über unter
    ohne mein meine meinen dein deine sein seine ihr ihre unser euer ich du er sie es wir ihr mich dich
    sich mir dir uns euch nicht kein keine keinen noch schon auch nur sehr mehr immer wieder nie heute
    morgen gestern jetzt hier dort wo wie was warum wer wann weil wenn ob ja nein danke bitte gut schlecht
    mal doch so viel alles nichts etwas jemand man kann muss will möchte seit bis schon
    liebe mag bin bist seid gehe geht gibt tag tage woche stunde stunden leute sache neu neue besser schlimmer dann also denn eben halt jeder alle vielen`,
  pt: `o a os as um uma uns umas e ou mas é são era foi ser estar está estão estou que de do da dos das no
    na nos nas em por pelo pela para com sem sobre meu minha meus minhas teu tua seu sua seus suas nosso
    nossa eu tu ele ela nós eles elas você vocês me te se lhe muito mais menos já ainda também nada
    ninguém algo alguém tudo todos todas quando onde como porque porquê se sim não hoje amanhã ontem agora
    sempre nunca outra outro vez obrigado obrigada olá bom boa isso isto essa esse aqui ali fazer tenho tem
    têm quero posso faz desde até conta kkk vou vai né pra
    amo adoro gosto sou somos vamos dia dias semana hora horas gente coisa novo nova melhor pior então depois antes tão só cada aí demais cadê tá tô`,
  it: `il lo la i gli le un uno una e o ma è sono era ero essere avere ho hai ha abbiamo avete hanno che di
    del della dei degli delle al alla ai agli alle da dal dalla in nel nella nei per con senza su sul sulla
    mio mia miei mie tuo tua suo sua nostro nostra io tu lui lei noi voi loro mi ti si ci vi ne non più
    molto poco già ancora anche niente nessuno qualcosa qualcuno tutto tutti quando dove come perché cosa
    chi quale sì no oggi domani ieri adesso ora sempre mai altra altro volta grazie ciao buongiorno bene
    questo questa quello quella qui fare faccio fa posso voglio vorrei sto sta stanno dopo prima
    adoro amo piace siamo vado andare giorno giorni settimana ore gente cosa nuovo nuova meglio peggio allora così solo ogni stasera tutta mille`,
  nl: `de het een en of maar is zijn was waren ben bent heeft hebben heb had wordt worden werd dat die dit
    deze van voor met zonder op in aan uit bij naar over onder tot mijn jouw je jij zijn haar ons onze
    jullie hun ik hij zij ze we wij me mij u niet geen nog al ook alleen heel meer altijd weer nooit
    vandaag morgen gisteren nu hier daar waar hoe wat waarom wie wanneer omdat als ja nee dank bedankt
    alsjeblieft graag goed slecht wel toch zo veel alles niets iets iemand kan moet wil zou sinds tot
    hoor even echt er om te
    vind hou ga gaat dag dagen week uur uren mensen ding nieuw nieuwe beter slechter dan dus want nou alweer keer thuis`,
};

const WORD_LANGS = new Map<string, number>();
for (const [i, lang] of LATIN.entries()) {
  for (const w of WORDS[lang].split(/\s+/)) {
    if (w) WORD_LANGS.set(w, (WORD_LANGS.get(w) ?? 0) | (1 << i));
  }
}
// Weight of a word by the number of languages it is listed in (index = popcount).
const SHARE_WEIGHT = [0, 1, 0.5, 0.34, 0.25, 0.2, 0.17, 0.15];

// Letters and letter groups that are (nearly) specific to some of the languages, each counted once
// per text: match → weights by LATIN index (en, es, fr, de, pt, it, nl).
const HINT_WEIGHTS: Record<string, number[]> = {};
function hint(weights: number[], ...keys: string[]): void {
  for (const k of keys) HINT_WEIGHTS[k] = weights;
}
hint([0, 2, 0, 0, 0, 0, 0], 'ñ');
hint([0, 1, 0, 0, 0, 0, 0], 'ción');
hint([0, 0, 0, 0, 2, 0, 0], 'ã', 'õ', 'ção', 'ões', 'lha', 'lho', 'nh');
hint([0, 0, 0, 2, 0, 0, 0], 'ß');
hint([0, 0, 0, 1.5, 0, 0, 0.2], 'ä', 'ö', 'ü');
hint([0, 0, 0, 1, 0, 0, 0.3], 'sch', 'ung', 'keit', 'lich', 'tz');
hint([0, 0, 1.5, 0, 0, 0, 0], 'œ', 'eau', 'î', 'û', "j'", "c'", "n'", "m'", "s'", "t'", "qu'");
hint([0, 0, 0.8, 0, 0, 0.8, 0], "l'", "d'");
hint([0, 0, 0, 0, 0, 1.5, 0], "all'", "dell'", "nell'", "dall'", "sull'", "un'");
hint([0, 0, 0.8, 0, 0.8, 0, 0], 'ç', 'ê', 'ô');
hint([0, 0, 0.8, 0, 0, 0.8, 0], 'è', 'ù');
hint([0, 0, 0, 0, 0, 1.5, 0], 'ì', 'ò', 'zione', 'cch');
hint([0, 0.8, 0, 0, 0.8, 0, 0], 'á', 'í', 'ó', 'ú');
hint([0, 0, 0, 0, 0, 0, 1.5], 'ij', 'oe', 'aa', 'uu', 'tje');
hint([1.2, 0, 0, 0, 0, 0, 0], 'th', 'wh', 'ing', "'s", "'t", "'m", "'re", "'ll", "'ve");
const HINT_RE =
  /ñ|ción|ã|õ|ção|ões\b|lh[ao]\b|\bnh|ß|[äöü]|sch|ung\b|keit\b|lich\b|tz|œ|eau|[îû]|\b(?:[jlcdnmst]|qu|all|dell|nell|dall|sull|un)'|[çêô]|[èù]|[ìò]|zione|cch|[áíóú]|ij|oe|aa|uu|tje\b|th|\bwh|ing\b|'(?:s|t|m|re|ll|ve)\b/g;

const KANA = /[\u3040-\u30ff\uff66-\uff9f]/;
const HAN = /\p{Script=Han}/u;
const HANGUL = /\p{Script=Hangul}/u;

/** Below this many letters (after removing URLs, handles, hashtags, emoji) a text is `und`. */
const MIN_LETTERS = 4;
/** Latin-script texts shorter than this never reach the fallback model. */
const FALLBACK_MIN_LETTERS = 12;
const FALLBACK_MAX_CHARS = 100;

export type LanguageGuess = { code: string; confidence: number };
/** A slower whole-text model consulted when the local evidence is weak; null when it has no answer. */
export type LanguageFallback = (text: string) => LanguageGuess | null;

const tinyldFallback: LanguageFallback = (text) => {
  const all = tinyldDetectAll(text);
  const top = all[0];
  if (!top) return null;
  return { code: top.lang, confidence: top.accuracy };
};

/** Latin script: Basic Latin to Latin Extended-B, and Latin Extended Additional. */
function isLatin(code: number): boolean {
  return code < 0x250 || (code >= 0x1e00 && code < 0x1f00);
}

/** Scores the seven Latin-script languages from function words and letter hints. */
// Scanning for hints costs ~100 ns a letter, but words repeat across posts: cache them per word.
const HINT_CACHE = new Map<string, readonly string[]>();
const HINT_CACHE_MAX = 50_000;
const NO_HINTS: readonly string[] = [];

function hintsOf(word: string): readonly string[] {
  let keys = HINT_CACHE.get(word);
  if (keys) return keys;
  HINT_RE.lastIndex = 0;
  const found: string[] = [];
  for (let m = HINT_RE.exec(word); m !== null; m = HINT_RE.exec(word)) found.push(m[0]);
  keys = found.length > 0 ? found : NO_HINTS;
  if (HINT_CACHE.size >= HINT_CACHE_MAX) HINT_CACHE.clear();
  HINT_CACHE.set(word, keys);
  return keys;
}

function latinScores(words: string[]): { scores: number[]; wordHits: number[] } {
  const scores = [0, 0, 0, 0, 0, 0, 0];
  const wordHits = [0, 0, 0, 0, 0, 0, 0];
  for (const w of words) {
    const mask = WORD_LANGS.get(w);
    if (mask === undefined) continue;
    let bits = 0;
    for (let m = mask; m; m &= m - 1) bits++;
    const weight = SHARE_WEIGHT[bits] ?? 0.15;
    for (let i = 0; i < 7; i++) {
      if (mask & (1 << i)) {
        scores[i] = (scores[i] ?? 0) + weight;
        wordHits[i] = (wordHits[i] ?? 0) + weight;
      }
    }
  }
  const seen: string[] = [];
  for (const w of words) {
    for (const key of hintsOf(w)) {
      if (seen.includes(key)) continue;
      seen.push(key);
      const weights = HINT_WEIGHTS[key];
      if (weights) for (let i = 0; i < 7; i++) scores[i] = (scores[i] ?? 0) + (weights[i] ?? 0);
    }
  }
  return { scores, wordHits };
}

/** The first ~100 characters of the words: the fallback's cost grows with length, its accuracy hardly. */
function head(raws: string[]): string {
  let s = '';
  for (const r of raws) {
    if (s.length + r.length > FALLBACK_MAX_CHARS) break;
    s = s ? `${s} ${r}` : r;
  }
  return s || (raws[0] ?? '').slice(0, FALLBACK_MAX_CHARS);
}

function normalizeDeclared(declared: string | null): string | null {
  if (!declared) return null;
  const code = declared.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return /^[a-z]{2,3}$/.test(code) ? code : null;
}

/** Builds a detector; `fallback` is the slower model for weak evidence (tinyld's light model by default). */
export function createLanguageDetector(
  options: { fallback?: LanguageFallback | null } = {},
): (text: string, tokens: Token[], declared: string | null) => LanguageResult {
  const fallback = options.fallback === undefined ? tinyldFallback : options.fallback;

  return (text, tokens, declaredRaw) => {
    const declared = normalizeDeclared(declaredRaw);
    // Only words carry language: URLs, handles, hashtags, emoji and numbers are dropped.
    const words: string[] = [];
    const raws: string[] = [];
    // Word tokens are letters and combining marks only, so lengths count letters.
    let letters = 0;
    let latin = 0;
    for (const t of tokens) {
      if (t.kind !== 'word') continue;
      words.push(t.norm);
      raws.push(t.raw);
      letters += t.norm.length;
      if (isLatin(t.norm.charCodeAt(0))) latin += t.norm.length;
    }
    if (letters === 0) return { code: 'und', confidence: 0 };
    const joined = latin < letters ? words.join(' ') : '';

    // Script first: kana is only Japanese; Han without kana is most likely Chinese; Hangul Korean.
    if (latin < letters && KANA.test(joined)) return agree('ja', 0.99, declared);
    if (latin < letters && HANGUL.test(joined)) return agree('ko', 0.95, declared);
    if (latin < letters / 2 && HAN.test(joined)) {
      // Japanese written in kanji alone is rare but real; trust a Japanese declaration here.
      return declared === 'ja' ? { code: 'ja', confidence: 0.8 } : agree('zh', 0.8, declared);
    }

    if (letters < MIN_LETTERS) {
      // Too little text to judge: a declared language is the best we have, held loosely.
      return declared ? { code: declared, confidence: 0.4 } : { code: 'und', confidence: 0 };
    }

    if (latin >= letters / 2) {
      const { scores, wordHits } = latinScores(words);
      if (text.includes('¿') || text.includes('¡')) scores[1] = (scores[1] ?? 0) + 2;
      let best = 0;
      let second = -1;
      for (let i = 1; i < 7; i++) {
        if ((scores[i] ?? 0) > (scores[best] ?? 0)) {
          second = best;
          best = i;
        } else if (second < 0 || (scores[i] ?? 0) > (scores[second] ?? 0)) second = i;
      }
      const top = scores[best] ?? 0;
      const margin = top - (scores[second] ?? 0);
      const code = LATIN[best] as string;
      // Clear local evidence: at least one and a half function words (or a word and a specific
      // letter) ahead of the runner-up.
      // Letters alone (ä, ö…) are not enough: Swedish or Finnish would pass for German.
      if (margin >= 1 && top >= 1.5 && (wordHits[best] ?? 0) >= 1) {
        const confidence = Math.min(0.99, 0.6 + 0.1 * margin + 0.02 * words.length);
        return agree(code, confidence, declared, scores, margin);
      }
      // Weak evidence: a declared language among the close contenders wins.
      if (declared) {
        const di = LATIN.indexOf(declared as Latin);
        if (di >= 0 && (scores[di] ?? 0) >= top - 0.5 && (top > 0 || words.length <= 3)) {
          return { code: declared, confidence: 0.7 };
        }
      }
      // The n-gram model costs ~100 µs and is unreliable on a few words, so it only sees longer texts.
      const guess = letters >= FALLBACK_MIN_LETTERS ? (fallback?.(head(raws)) ?? null) : null;
      if (guess?.code) {
        const gi = LATIN.indexOf(guess.code as Latin);
        // The fallback may pick among the seven, or name another language (Catalan, Swedish…)
        // when our evidence is thin or only letters (ä, ö are Swedish too).
        if (gi >= 0 || top < 1 || (wordHits[best] ?? 0) < 1)
          return agree(guess.code, Math.min(0.9, 0.5 + guess.confidence / 2), declared);
      }
      if (top >= 1 && margin > 0) return agree(code, 0.5, declared);
      if (declared) return { code: declared, confidence: 0.5 };
      return { code: 'und', confidence: 0 };
    }

    // Another script (Cyrillic, Arabic, Greek…): only the fallback model can name it.
    const guess = fallback?.(head(raws)) ?? null;
    if (guess?.code) return agree(guess.code, Math.min(0.9, 0.5 + guess.confidence / 2), declared);
    return declared ? { code: declared, confidence: 0.5 } : { code: 'und', confidence: 0 };
  };
}

/**
 * Combines a detected language with the source's declaration: agreement raises confidence; a
 * detection that is not sure enough gives way to the declaration when that is a close contender.
 */
function agree(
  code: string,
  confidence: number,
  declared: string | null,
  scores?: number[],
  margin?: number,
): LanguageResult {
  if (!declared || declared === code) {
    return { code, confidence: declared ? Math.min(1, confidence + 0.1) : confidence };
  }
  // The declaration disagrees. Sources default the language to the user's interface setting,
  // so a clear detection overrides it; a close call goes to the declaration.
  const di = LATIN.indexOf(declared as Latin);
  if (scores && di >= 0 && margin !== undefined) {
    const gap = (scores[LATIN.indexOf(code as Latin)] ?? 0) - (scores[di] ?? 0);
    if (gap < 2) return { code: declared, confidence: 0.6 };
  }
  if (confidence < 0.7) return { code: declared, confidence: 0.55 };
  return { code, confidence: Math.max(0.5, confidence - 0.15) };
}

const defaultDetector = createLanguageDetector();

/**
 * The language of a post as an ISO 639-1 code with a confidence in 0..1, or `und` when the
 * text has too little language in it (emoji, URLs, handles, a word or two). `declared` is the
 * source's own language tag (Bluesky `langs`, Mastodon `language`), a strong but fallible prior.
 */
export function detectLanguage(text: string, tokens: Token[], declared: string | null): LanguageResult {
  return defaultDetector(text, tokens, declared);
}
