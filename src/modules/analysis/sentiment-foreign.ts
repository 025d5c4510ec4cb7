import type { Token } from './tokenize.ts';
import type { SentimentLabel, SentimentResult } from './types.ts';

/**
 * Sentiment for Spanish, French, German and Portuguese posts: a small hand-written lexicon per
 * language (the words and complaint phrases customers use about a service, written from
 * knowledge of the languages; there is no labelled data in them to learn from), with negation,
 * intensifiers and a "but" that makes the clause after it weigh more, scored as VADER does:
 * sum / sqrt(sum² + 15), negative at ≤ −0.05 and positive at ≥ 0.05. English has the learnt
 * model in sentiment.ts; other languages get `und`.
 */

type Language = 'es' | 'fr' | 'de' | 'pt';
type Lexicon = {
  /** Word → valence, −3 (worst) .. 3. */
  words: Record<string, number>;
  /** Phrases of two or three words, read before single words; complaints without a sentiment word. */
  phrases: [string, number][];
  negators: string[];
  intensifiers: string[];
  /** "but": what comes after it counts more than what came before. */
  contrast: string[];
};

const lexicons: Record<Language, Lexicon> = {
  es: {
    words: {
      horrible: -3,
      terrible: -3,
      pésimo: -3,
      pésima: -3,
      fatal: -2.5,
      desastre: -3,
      vergüenza: -2.5,
      indignante: -3,
      lamentable: -2.5,
      malo: -2,
      mala: -2,
      mal: -1.5,
      peor: -2.5,
      odio: -3,
      asco: -3,
      perdido: -1.5,
      perdida: -1.5,
      perdieron: -1.5,
      roto: -1.5,
      rota: -1.5,
      retraso: -1.5,
      retrasado: -1.5,
      cancelado: -1.5,
      cancelaron: -1.5,
      enfadado: -2,
      enfadada: -2,
      harto: -2.5,
      harta: -2.5,
      decepcionado: -2,
      decepcionada: -2,
      decepcionante: -2,
      inútil: -2.5,
      estafa: -3,
      sucio: -2,
      grosero: -2.5,
      maleducado: -2.5,
      problema: -1,
      problemas: -1,
      triste: -2,
      gracias: 1.5,
      genial: 3,
      excelente: 3,
      perfecto: 2.5,
      perfecta: 2.5,
      bueno: 2,
      buena: 2,
      bien: 1.5,
      encanta: 3,
      encantó: 3,
      maravilloso: 3,
      estupendo: 3,
      fantástico: 3,
      recomiendo: 2,
      rápido: 1.5,
      rápida: 1.5,
      amable: 2,
      amables: 2,
      feliz: 2.5,
      contento: 2,
      contenta: 2,
      mejor: 2,
      agradecido: 2,
      agradecida: 2,
      puntual: 1.5,
      cómodo: 1.5,
    },
    phrases: [
      ['sin respuesta', -2],
      ['sin reembolso', -2],
      ['no funciona', -2],
      ['no llegó', -2],
      ['nadie responde', -2.5],
      ['nadie contesta', -2.5],
      ['otra vez', -1],
      ['todavía no', -1.5],
      ['aún no', -1.5],
      ['muchas gracias', 2.5],
      ['merece la pena', 2],
    ],
    negators: ['no', 'nunca', 'jamás', 'ni', 'sin', 'tampoco', 'nada'],
    intensifiers: ['muy', 'tan', 'super', 'realmente', 'totalmente'],
    contrast: ['pero'],
  },
  fr: {
    words: {
      horrible: -3,
      nul: -2.5,
      nulle: -2.5,
      lamentable: -2.5,
      inadmissible: -3,
      honteux: -3,
      honte: -2.5,
      scandale: -3,
      scandaleux: -3,
      pire: -2.5,
      catastrophe: -3,
      déçu: -2,
      déçue: -2,
      décevant: -2,
      mauvais: -2,
      mauvaise: -2,
      mal: -1.5,
      perdu: -1.5,
      perdue: -1.5,
      cassé: -1.5,
      cassée: -1.5,
      retard: -1.5,
      retardé: -1.5,
      annulé: -1.5,
      annulée: -1.5,
      marre: -2.5,
      énervé: -2,
      furieux: -3,
      arnaque: -3,
      impoli: -2,
      inutile: -2,
      problème: -1,
      galère: -2,
      merci: 1.5,
      génial: 3,
      excellent: 3,
      excellente: 3,
      parfait: 2.5,
      parfaite: 2.5,
      super: 2.5,
      bon: 1.5,
      bonne: 1.5,
      bien: 1.5,
      top: 2,
      adore: 3,
      magnifique: 3,
      rapide: 1.5,
      sympa: 2,
      aimable: 2,
      agréable: 2,
      content: 2,
      contente: 2,
      ravi: 2.5,
      ravie: 2.5,
      recommande: 2,
      meilleur: 2,
      formidable: 3,
      impeccable: 2.5,
      bravo: 2.5,
      confortable: 1.5,
    },
    phrases: [
      ['sans réponse', -2],
      ['toujours pas', -1.5],
      ['aucune réponse', -2.5],
      ['aucun remboursement', -2],
      ['ne fonctionne pas', -2],
      ['ne répond pas', -2],
      ['personne ne répond', -2.5],
      ['encore une fois', -1],
      ['merci beaucoup', 2.5],
      ['pas mal', 1.5],
      ['vaut le coup', 2],
    ],
    negators: ['pas', 'jamais', 'ni', 'sans', 'aucun', 'aucune', 'rien', 'plus'],
    intensifiers: ['très', 'trop', 'vraiment', 'tellement', 'super', 'si'],
    contrast: ['mais'],
  },
  de: {
    words: {
      schrecklich: -3,
      furchtbar: -3,
      katastrophe: -3,
      katastrophal: -3,
      unverschämt: -3,
      frechheit: -3,
      schlecht: -2,
      schlechter: -2,
      schlechteste: -3,
      mies: -2.5,
      ärgerlich: -2,
      enttäuscht: -2,
      enttäuschend: -2,
      verloren: -1.5,
      kaputt: -1.5,
      beschädigt: -1.5,
      verspätung: -1.5,
      verspätet: -1.5,
      gestrichen: -1.5,
      annulliert: -1.5,
      wütend: -3,
      sauer: -2,
      unfreundlich: -2,
      nutzlos: -2.5,
      abzocke: -3,
      betrug: -3,
      ärger: -2,
      problem: -1,
      probleme: -1,
      dreckig: -2,
      chaos: -2.5,
      nervig: -2,
      danke: 1.5,
      super: 2.5,
      toll: 2.5,
      klasse: 2.5,
      prima: 2.5,
      perfekt: 2.5,
      gut: 1.5,
      freundlich: 2,
      schnell: 1.5,
      hervorragend: 3,
      ausgezeichnet: 3,
      großartig: 3,
      zufrieden: 2,
      empfehle: 2,
      empfehlen: 2,
      bequem: 1.5,
      pünktlich: 1.5,
      hilfsbereit: 2,
      wunderbar: 3,
      beste: 2,
      besten: 2,
    },
    phrases: [
      ['keine antwort', -2],
      ['keine erstattung', -2],
      ['keine rückerstattung', -2],
      ['funktioniert nicht', -2],
      ['schon wieder', -1.5],
      ['vielen dank', 2.5],
      ['lohnt sich', 2],
    ],
    negators: ['nicht', 'kein', 'keine', 'keinen', 'keinem', 'keiner', 'nie', 'niemals', 'nichts', 'ohne'],
    intensifiers: ['sehr', 'so', 'total', 'echt', 'wirklich', 'extrem', 'absolut'],
    contrast: ['aber'],
  },
  pt: {
    words: {
      horrível: -3,
      péssimo: -3,
      péssima: -3,
      vergonha: -2.5,
      absurdo: -2.5,
      lamentável: -2.5,
      ruim: -2,
      mau: -2,
      pior: -2.5,
      decepcionado: -2,
      decepcionada: -2,
      decepção: -2,
      perdido: -1.5,
      perdida: -1.5,
      perderam: -1.5,
      quebrado: -1.5,
      quebrada: -1.5,
      atraso: -1.5,
      atrasado: -1.5,
      cancelado: -1.5,
      cancelaram: -1.5,
      descaso: -2.5,
      raiva: -2.5,
      irritado: -2,
      chateado: -2,
      inútil: -2.5,
      golpe: -2.5,
      sujo: -2,
      grosseiro: -2.5,
      problema: -1,
      triste: -2,
      obrigado: 1.5,
      obrigada: 1.5,
      ótimo: 3,
      ótima: 3,
      excelente: 3,
      perfeito: 2.5,
      perfeita: 2.5,
      bom: 1.5,
      boa: 1.5,
      adorei: 3,
      amei: 3,
      maravilhoso: 3,
      incrível: 2.5,
      recomendo: 2,
      rápido: 1.5,
      rápida: 1.5,
      simpático: 2,
      atencioso: 2,
      feliz: 2.5,
      satisfeito: 2,
      satisfeita: 2,
      melhor: 2,
      parabéns: 2.5,
      pontual: 1.5,
    },
    phrases: [
      ['sem resposta', -2],
      ['sem reembolso', -2],
      ['não funciona', -2],
      ['não chegou', -2],
      ['ninguém responde', -2.5],
      ['de novo', -1],
      ['ainda não', -1.5],
      ['muito obrigado', 2.5],
      ['muito obrigada', 2.5],
      ['vale a pena', 2],
    ],
    negators: ['não', 'nunca', 'jamais', 'nem', 'sem', 'nada'],
    intensifiers: ['muito', 'tão', 'super', 'realmente'],
    contrast: ['mas'],
  },
};

const emoji: Record<string, number> = {
  '😡': -3,
  '🤬': -3,
  '😠': -2.5,
  '😤': -2,
  '😞': -2,
  '😢': -2,
  '😭': -2,
  '👎': -2,
  '🙄': -1.5,
  '👍': 2,
  '❤': 3,
  '😍': 3,
  '🥰': 3,
  '😊': 2,
  '😀': 2,
  '😃': 2,
  '😁': 2,
  '🙏': 1.5,
  '👏': 2,
  '🙌': 2,
  '💯': 2,
  '🎉': 2,
};

/** How much a negated word keeps, its sign turned (VADER's N_SCALAR). */
const NEGATED = -0.74;
const INTENSIFIED = 1.3;
const SHOUTED = 1.2;
/** Before and after a "but". */
const BEFORE_CONTRAST = 0.5;
const AFTER_CONTRAST = 1.5;
const NEGATION_WINDOW = 3;

type Compiled = {
  words: Map<string, number>;
  /** First word → phrases starting with it, longest first. */
  phrases: Map<string, { words: string[]; valence: number; text: string }[]>;
  negators: Set<string>;
  intensifiers: Set<string>;
  contrast: Set<string>;
};

const compiled = new Map<Language, Compiled>();

function compile(language: Language): Compiled {
  const cached = compiled.get(language);
  if (cached) return cached;
  const lex = lexicons[language];
  const phrases = new Map<string, { words: string[]; valence: number; text: string }[]>();
  for (const [text, valence] of lex.phrases) {
    const words = text.split(' ');
    const list = phrases.get(words[0] as string) ?? [];
    list.push({ words, valence, text });
    list.sort((a, b) => b.words.length - a.words.length);
    phrases.set(words[0] as string, list);
  }
  const c: Compiled = {
    words: new Map(Object.entries(lex.words)),
    phrases,
    negators: new Set(lex.negators),
    intensifiers: new Set(lex.intensifiers),
    contrast: new Set(lex.contrast),
  };
  compiled.set(language, c);
  return c;
}

/** Whether `analyzeForeignSentiment` reads this language. */
export function hasForeignSentiment(language: string): language is Language {
  return Object.hasOwn(lexicons, language);
}

/** Sentiment of a post in Spanish, French, German or Portuguese from its tokens. */
export function analyzeForeignSentiment(tokens: Token[], language: Language): SentimentResult {
  const lex = compile(language);
  // The words in order, with their token, so phrases and negation see neighbours.
  const words = tokens.filter((t) => t.kind === 'word' || t.kind === 'emoji');
  const cues: { text: string; value: number }[] = [];
  let contrastAt = -1;
  for (let i = 0; i < words.length; i++) if (lex.contrast.has((words[i] as Token).norm)) contrastAt = i;
  let i = 0;
  while (i < words.length) {
    const t = words[i] as Token;
    const weight =
      contrastAt < 0 ? 1 : i < contrastAt ? BEFORE_CONTRAST : i > contrastAt ? AFTER_CONTRAST : 0;
    if (t.kind === 'emoji') {
      const v = emoji[t.norm.replace(/\uFE0F/g, '')];
      if (v !== undefined) cues.push({ text: t.raw, value: v * weight });
      i++;
      continue;
    }
    const phrase = lex.phrases
      .get(t.norm)
      ?.find((p) => p.words.every((w, k) => (words[i + k] as Token | undefined)?.norm === w));
    if (phrase) {
      cues.push({
        text: phrase.valence < 0 ? `"${phrase.text}" (complaint)` : `"${phrase.text}"`,
        value: phrase.valence * weight,
      });
      i += phrase.words.length;
      continue;
    }
    const valence = lex.words.get(t.norm);
    if (valence !== undefined) {
      let v = valence * (t.shouted ? SHOUTED : 1);
      const before = words[i - 1];
      if (before && lex.intensifiers.has(before.norm)) v *= INTENSIFIED;
      let negated = false;
      for (let k = 1; k <= NEGATION_WINDOW && i - k >= 0; k++) {
        const w = (words[i - k] as Token).norm;
        if (lex.contrast.has(w)) break;
        if (lex.negators.has(w)) negated = true;
      }
      if (negated) v *= NEGATED;
      cues.push({ text: negated ? `negated "${t.norm}"` : `"${t.norm}"`, value: v * weight });
    }
    i++;
  }
  const sum = cues.reduce((s, c) => s + c.value, 0);
  const score = Math.round((sum / Math.sqrt(sum * sum + 15)) * 1000) / 1000;
  const label: SentimentLabel = score <= -0.05 ? 'negative' : score >= 0.05 ? 'positive' : 'neutral';
  const sign = label === 'negative' ? -1 : 1;
  const reasons = cues
    .filter((c) => (label === 'neutral' ? c.value !== 0 : c.value * sign > 0))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
    .slice(0, 3)
    .map((c) => c.text);
  if (contrastAt >= 0 && reasons.length > 0)
    reasons.push(`contrast "${(words[contrastAt] as Token).norm}" (the clause after it weighs more)`);
  return { label, score, reasons };
}
