/**
 * Intent detection (multi-label): purchase_intent, complaint, support_question, praise, idea,
 * churn_risk, spam, and `other` when nothing passes. There is no labelled data for this
 * taxonomy, so it is built from phrase rules with hand-set weights: each matched phrase adds
 * evidence to one or more intents (negative evidence is allowed, e.g. "thanks for nothing"),
 * a negator shortly before a phrase cancels it ("not cancelling", "no complaints"), and the
 * evidence e of an intent becomes a score 1 − exp(−e). Definitions and examples:
 * docs/analysis.md (Intents).
 */
import type { Token } from './tokenize.ts';
import type { IntentLabel, IntentResult } from './types.ts';

type Weights = Partial<Record<Exclude<IntentLabel, 'other'>, number>>;
/**
 * A phrase: space-separated elements, each a word, `a|b` alternatives, `*` (any word), `@` (a
 * handle), `#` (a hashtag), `<url>`, `<num>`; then its weights and an optional note for reasons.
 */
type Rule = [phrase: string, weights: Weights, note?: string];

/** An intent is reported at or above this score (evidence ≈ 0.69). */
export const INTENT_THRESHOLD = 0.5;

const S = 1.4; // strong cue on its own (score 0.75)
const M = 0.9; // medium (0.59)
const W = 0.5; // weak, needs company (0.39)

// English first; the other languages have the commonest cues only.
const RULES: Record<string, Rule[]> = {
  en: [
    // complaint: something went wrong, said with or without sentiment words
    ['where is my|our', { complaint: M, support_question: S }, 'asks where their item is'],
    ["where's|wheres my|our", { complaint: M, support_question: S }, 'asks where their item is'],
    ['still no|not', { complaint: S }],
    ['still waiting', { complaint: S }],
    ['no refund|reply|response|answer|update|one', { complaint: M }],
    ['on hold', { complaint: M }],
    ['been waiting', { complaint: M }],
    ['hours|days|weeks|months', { complaint: W }],
    ['never arrived|came|showed|received|got', { complaint: S }],
    ["hasn't|hasnt|haven't|havent|didn't|didnt arrived|arrive|come|shown", { complaint: S }],
    ['not working', { complaint: S }],
    ["doesn't|doesnt|isn't|isnt|won't|wont work|working|load|open|connect", { complaint: S }],
    ['unable to', { complaint: M, support_question: W }],
    ["can't|cant|cannot|unable log|sign|login|connect|access|get", { complaint: M, support_question: W }],
    ['charged twice', { complaint: S }],
    ['double charged', { complaint: S }],
    ['overcharged', { complaint: S }],
    ['delayed|delay|delays|cancelled|canceled', { complaint: M }],
    ['lost|missing|broken|damaged|stolen|crashed|crashes|crashing', { complaint: M }],
    // "found my lost headphones": the problem is solved, which is praise rather than a complaint.
    ['found|returned|recovered my|our lost|missing', { complaint: -M, praise: W }, 'a lost item found'],
    ['broke', { complaint: M }],
    [
      'worst|terrible|awful|horrible|useless|pathetic|ridiculous|unacceptable|disgusting|disgraceful|shameful',
      {
        complaint: S,
      },
    ],
    ['rude|incompetent|scam|ripoff|joke', { complaint: M }],
    ['late|missed|stuck|stranded|worse|unhelpful|lied|mess|dirty|shocking|waste|wasted', { complaint: M }],
    ['nightmare|disaster|appalling|atrocious|abysmal|dreadful', { complaint: S }],
    ['sparks|sparking|overheating|overheated|exploded|melted|smoking', { complaint: M }],
    ['caught fire', { complaint: S }],
    ['wait|waiting|waited|compensation|rebook|rebooked', { complaint: W }],
    ["can't|cant believe", { complaint: M }],
    ['disappointed|disappointing|frustrated|frustrating|annoyed|angry|furious|fed', { complaint: M }],
    ['hate|sucks|shame|bad|poor|fail|failed|fails', { complaint: M }],
    ['again', { complaint: W }],
    ['third|fourth|fifth time', { complaint: M }],
    ['every time', { complaint: W }],
    ['fix this|it|your', { complaint: M }],
    ['nobody|no-one answers|answers|replies|cares|helps|responds', { complaint: S }],
    ['no one answers|replies|cares|helps|responds', { complaint: S }],
    ['hung up', { complaint: M }],
    ['thanks|thank for nothing', { complaint: S, praise: -3 }, 'sarcastic thanks'],
    ['complaint|complain', { complaint: M }],
    ['refund', { complaint: W }],
    [
      'issue|issues|problem|problems|trouble|error|bug|glitch|outage|down',
      { complaint: W, support_question: W },
    ],
    ['not good|acceptable|okay|ok|cool', { complaint: M }],
    ['smh|ugh|wtf|seriously', { complaint: W }],
    ['😡|🤬|😠|😤|👎|😒', { complaint: M }],
    // support_question: asks for help or information about using the product or an account
    ['how do|can i|we', { support_question: S }],
    ['how to', { support_question: M }],
    ['can|could you help|check|look|dm|tell|fix|reset|send', { support_question: M }],
    ['please help|advise|assist', { support_question: S }],
    ['help me', { support_question: S }],
    ['need help', { support_question: S }],
    ['any help|idea|ideas|update', { support_question: M }],
    ['anyone else', { support_question: W, complaint: W }],
    ['does anyone|anybody know', { support_question: M }],
    ["why is|does|do|did|can't|cant|won't|wont|isn't|isnt|am|are|has", { support_question: M, complaint: W }],
    ['what happened|happens to|with', { support_question: M, complaint: W }],
    ['who do|should i', { support_question: M }],
    ['is there a|any|an', { support_question: W }],
    ['is it possible', { support_question: M }],
    ['dm me|us', { support_question: M }],
    ['reset my|the password', { support_question: M }],
    [
      'change|update|cancel my booking|reservation|address|flight|order|seat|password',
      {
        support_question: M,
      },
    ],
    ['my order|booking|account|flight|package|parcel|refund|claim|ticket', { support_question: W }],
    ['thanks|thank in advance', { support_question: M, praise: -3 }, 'thanks in advance'],
    // purchase_intent: wants to buy, asks about price, plans, availability
    ['how much', { purchase_intent: S }],
    ['price|prices|pricing|cost|costs|quote|quotes', { purchase_intent: W }],
    ['buy|purchase|subscribe|upgrade', { purchase_intent: W }],
    [
      'want|wanna|looking|going|planning|thinking|ready|need to|of buy|purchase|order|subscribe|upgrade|book|buying|ordering|upgrading|subscribing',
      {
        purchase_intent: M,
      },
    ],
    ['where can i buy|get|order|find', { purchase_intent: S }],
    ["would|i'd|id|we'd like|love to buy|purchase|order|book|subscribe|upgrade", { purchase_intent: S }],
    ['can i buy|order|book|pay', { purchase_intent: M }],
    ['do|does you|it|they ship|deliver|sell|offer|have|stock|carry', { purchase_intent: M }],
    ['in stock', { purchase_intent: M }],
    ['available in', { purchase_intent: M }],
    [
      'family|business|student|annual|monthly|premium|pro|enterprise|unlimited plan|plans|tier|subscription|package|version',
      {
        purchase_intent: W,
      },
    ],
    ['plan|plans|tier|subscription', { purchase_intent: W }],
    ['free trial|demo', { purchase_intent: M }],
    ['discount|discounts|coupon|deal|deals|sale', { purchase_intent: W }],
    ['promo|discount code', { purchase_intent: M }],
    ['interested in', { purchase_intent: M }],
    ['looking for a|an|some', { purchase_intent: M }],
    ['recommendations|recommendation|suggestions', { purchase_intent: W }],
    ['take my money', { purchase_intent: S }],
    ["can't|cant wait to get|buy|try", { purchase_intent: M }],
    ['recommend a|an|any', { purchase_intent: M }],
    ['which one should i', { purchase_intent: M }],
    ['worth it', { purchase_intent: W }],
    ['sign up', { purchase_intent: M }],
    // praise
    ['thanks|thank|thx|ty|cheers|kudos|shoutout|props|congrats|congratulations', { praise: M }],
    ['love|loved|loving|lovely|adore', { praise: M }],
    [
      'great|amazing|awesome|excellent|fantastic|brilliant|wonderful|perfect|superb|outstanding|incredible|stellar|flawless',
      {
        praise: M,
      },
    ],
    ['best', { praise: M }],
    ['impressed|delighted|thrilled|grateful|happy|pleased', { praise: M }],
    ['helpful|friendly|kind|quick|fast|smooth|seamless|easy', { praise: W }],
    ['well done', { praise: S }],
    ['good job|work', { praise: S }],
    ['great job|work|service', { praise: S }],
    ['above and beyond', { praise: S }],
    ['highly recommend', { praise: S }],
    ['recommend', { praise: W }],
    ['no complaints', { praise: M }],
    ["can't|cant complain", { praise: M }],
    ['not bad', { praise: W }],
    ['😍|❤️|❤|🥰|🙏|👏|🙌|💯|🔥|😊|👍|💙|💚|💜|🤩|✨', { praise: W }],
    // idea: feature request or suggestion
    [
      'you|they|u should add|make|have|let|allow|offer|support|bring|consider|do|introduce|include|fix',
      {
        idea: S,
      },
    ],
    ['should add|have|allow|support', { idea: M }],
    ["would|it'd|itd be nice|great|cool|awesome|helpful|useful|better", { idea: S }],
    ['please add|bring|make|allow|support|consider', { idea: S }],
    ['can|could you|u add|bring|make|allow', { idea: M }],
    ['feature request', { idea: S }],
    ['suggestion|suggest|idea|proposal', { idea: M }],
    ['i wish', { idea: M }],
    ['wish you|it|they|there', { idea: M }],
    ['bring back', { idea: S }],
    ['why not', { idea: M }],
    ['add an|a|the option|setting|button|way|feature|filter|mode', { idea: M }],
    ['dark mode', { idea: W }],
    ['needs a|an|more', { idea: W }],
    ['integrate|integration|integrations', { idea: W }],
    ['how about', { idea: M }],
    // "would love a quiet zone", "I'd love to see dark mode": a wish for something new, not praise.
    ["would|i'd|id|we'd love a|an|the|live|more|some", { idea: S, praise: -M }, 'a wish'],
    ["would|i'd|id|we'd love to see|have|get", { idea: S, praise: -M }, 'a wish'],
    // churn_risk: leaving, cancelling, moving to a competitor
    [
      'cancel|cancelling|canceling|close|closing|delete|deleting|terminate|end my|our|the account|subscription|membership|contract|plan|service',
      {
        churn_risk: S,
      },
    ],
    ['cancel|cancelling|canceling|unsubscribe|unsubscribing', { churn_risk: M }],
    ['switching|switch|moving|move|going|changing|jumping|leaving to|for @', { churn_risk: S }],
    ['switching|switch|moving|move|changing|jumping to', { churn_risk: M }],
    ['leaving|ditching|dumping|quitting|quit|dropping', { churn_risk: M }],
    ['done with', { churn_risk: S }],
    ['never again', { churn_risk: S, complaint: W }],
    ['never using|buying|ordering|flying|booking|shopping|coming', { churn_risk: S, complaint: W }],
    // "last time I fly with you" is leaving; "last time I flew with them it was included" is not.
    [
      'last time i fly|book|use|order|buy|shop|travel|choose|trust|give|deal|recommend|bother|pay|waste',
      { churn_risk: M, complaint: W },
    ],
    [
      "last time i'm|im|i'll|ill flying|booking|using|ordering|buying|shopping|travelling|traveling|choosing|trusting|giving|dealing|recommending|bothering|paying|wasting",
      { churn_risk: M, complaint: W },
    ],
    ['this|that is|was the last time', { churn_risk: M, complaint: W }],
    ['not renewing', { churn_risk: S }],
    ["won't|wont be renewing|back|returning", { churn_risk: S }],
    ['will not be renewing|back|returning', { churn_risk: S }],
    ['found a better', { churn_risk: S }],
    ['going back to', { churn_risk: M }],
    ['goodbye|bye', { churn_risk: W }],
    ['take|taking my|our business elsewhere', { churn_risk: S }],
    ['lost a customer', { churn_risk: S }],
    ['@ is|are better|cheaper', { churn_risk: M }],
    // spam
    ['free followers|likes|views|money|iphone|gift', { spam: S }],
    ['click here|below|now|link', { spam: S }],
    ['click the link', { spam: S }],
    ['link in bio', { spam: M }],
    ['check my|out bio|profile|page|channel', { spam: M }],
    ['dm for', { spam: M }],
    ['dm me for', { spam: M }],
    ['buy followers|likes', { spam: S }],
    ['earn|make $|<num> per|a day|week|month|hour', { spam: S }],
    ['make|earn money online|fast|from', { spam: S }],
    ['work from home', { spam: M }],
    ['crypto|bitcoin|btc|forex|nft|airdrop|giveaway|onlyfans', { spam: M }],
    ['guaranteed profit|results|returns|income', { spam: M }],
    ['limited offer|time', { spam: W }],
    ['act now', { spam: M }],
    ['you won', { spam: S }],
    ['you have won', { spam: S }],
    ["you've won", { spam: S }],
    ['claim your|now', { spam: M }],
    ['promo', { spam: W }],
  ],
  es: [
    [
      'dónde|donde está|esta mi|mis',
      { complaint: M, support_question: S },
      'pregunta dónde está su artículo',
    ],
    ['todavía|aún|aun no|sin', { complaint: S }],
    ['sin respuesta|reembolso|servicio|internet', { complaint: M }],
    ['no funciona|funcionan|llega|llegó|responde|responden|contestan', { complaint: S }],
    ['nadie responde|contesta|atiende|ayuda', { complaint: S }],
    ['vergüenza|desastre|pésimo|pésima|horrible|fatal|indignante|lamentable', { complaint: S }],
    ['retraso|roto|rota|perdido|perdida|cobrado', { complaint: M }],
    ['otra vez', { complaint: W }],
    ['cómo|como puedo|hago|cambio|cancelo', { support_question: M }],
    ['ayuda|ayudenme|ayúdenme', { support_question: M }],
    ['alguien sabe', { support_question: M }],
    ['cuánto|cuanto cuesta|vale|cuestan', { purchase_intent: S }],
    ['precio|precios|tarifa', { purchase_intent: M }],
    ['quiero comprar|contratar|pedir', { purchase_intent: S }],
    ['tienen envíos|envíos|envios a', { purchase_intent: M }],
    ['gracias|graciass', { praise: M }],
    ['encanta|encantó|genial|excelente|increíble|maravilloso|recomiendo|perfecto|buenísimo', { praise: M }],
    ['deberían|deberian añadir|agregar|poner|tener', { idea: S }],
    ['estaría|sería bien|genial|bueno', { idea: M }],
    ['darme de baja', { churn_risk: S }],
    ['cancelar|cancelen|cancelo mi|la cuenta|suscripción|contrato|servicio', { churn_risk: S }],
    ['me cambio|paso a|de', { churn_risk: S }],
    ['nunca más', { churn_risk: S, complaint: W }],
  ],
  fr: [
    ['où est|sont mon|ma|mes', { complaint: M, support_question: S }, 'demande où est son article'],
    ['toujours pas|rien', { complaint: S }],
    ['pas de remboursement|réponse', { complaint: M }],
    ['marche|fonctionne pas|plus', { complaint: S }],
    ['personne ne répond|repond', { complaint: S }],
    ['honteux|honte|inadmissible|scandaleux|nul|catastrophique|lamentable|inacceptable', { complaint: S }],
    ['retard|panne|cassé|perdu|plante', { complaint: M }],
    ['encore une fois', { complaint: W }],
    ['comment faire|puis', { support_question: M }],
    ['comment je peux', { support_question: M }],
    ['aidez-moi|aide', { support_question: M }],
    ["quelqu'un sait", { support_question: M }],
    ['combien coûte|coute|ça|pour', { purchase_intent: S }],
    ['prix|tarif|tarifs', { purchase_intent: M }],
    ['je veux|voudrais acheter|commander|souscrire', { purchase_intent: S }],
    ['vous livrez', { purchase_intent: M }],
    ['merci', { praise: M }],
    ["j'adore|génial|excellent|parfait|top|bravo|super|recommande", { praise: M }],
    ['vous devriez|pourriez ajouter|mettre|proposer', { idea: S }],
    ['ce serait bien|top|génial', { idea: M }],
    ['résilier|résiliez|résilie', { churn_risk: S }],
    ['je passe chez', { churn_risk: S }],
    ['plus jamais', { churn_risk: S, complaint: W }],
  ],
  de: [
    ['wo ist|sind mein|meine', { complaint: M, support_question: S }, 'fragt, wo der Artikel ist'],
    ['immer noch nicht|kein|keine', { complaint: S }],
    ['keine erstattung|antwort|rückmeldung', { complaint: M }],
    ['funktioniert nicht', { complaint: S }],
    ['frechheit|katastrophe|unmöglich|unverschämt|skandal|schlecht', { complaint: S }],
    ['verspätung|kaputt|verloren|stürzt|ausfall', { complaint: M }],
    ['schon wieder', { complaint: M }],
    ['wie kann|geht|mache', { support_question: M }],
    ['hilfe', { support_question: M }],
    ['weiß jemand', { support_question: M }],
    ['was kostet', { purchase_intent: S }],
    ['preis|preise|tarif', { purchase_intent: M }],
    ['möchte|will kaufen|bestellen|buchen', { purchase_intent: S }],
    ['liefert ihr', { purchase_intent: M }],
    ['danke|dankeschön', { praise: M }],
    ['toll|super|großartig|klasse|perfekt|empfehlen|spitze|liebe', { praise: M }],
    ['ihr solltet|könntet', { idea: S }],
    ['wäre schön|toll|super|gut', { idea: M }],
    // German puts the adjective first as readily: "Schön wäre eine Ruhezone …".
    ['schön|toll|super|gut wäre', { idea: M }],
    ['kündigen|kündigt|kündige|gekündigt', { churn_risk: S }],
    ['ich wechsle zu', { churn_risk: S }],
    ['nie wieder', { churn_risk: S, complaint: W }],
  ],
  pt: [
    ['cadê', { complaint: M, support_question: S }, 'pergunta onde está o item'],
    ['onde está|esta o|a|meu|minha', { complaint: M, support_question: S }, 'pergunta onde está o item'],
    ['ainda nada|não|sem', { complaint: S }],
    ['sem resposta|reembolso', { complaint: M }],
    ['não funciona|chegou|responde|respondem', { complaint: S }],
    ['ninguém responde|atende|ajuda', { complaint: S }],
    ['vergonha|absurdo|péssimo|péssima|horrível|lamentável|descaso', { complaint: S }],
    ['atraso|quebrado|perdido|cobrado', { complaint: M }],
    ['de novo', { complaint: W }],
    ['como faço|posso', { support_question: M }],
    ['ajuda', { support_question: M }],
    ['alguém sabe', { support_question: M }],
    ['quanto custa|é|sai', { purchase_intent: S }],
    ['preço|preços', { purchase_intent: M }],
    ['quero comprar|assinar|contratar', { purchase_intent: S }],
    ['vocês entregam', { purchase_intent: M }],
    ['obrigado|obrigada|valeu', { praise: M }],
    ['amei|adorei|excelente|perfeito|maravilhoso|recomendo|incrível', { praise: M }],
    ['vocês deviam|deveriam colocar|adicionar|ter', { idea: S }],
    ['seria bom|legal|ótimo', { idea: M }],
    ['cancelar|cancelem|cancelo minha|a|o conta|assinatura|plano|contrato', { churn_risk: S }],
    ['vou mudar|trocar para|pra', { churn_risk: S }],
    ['vou mudar|trocar de companhia|operadora|banco|empresa|loja', { churn_risk: S }],
    ['nunca mais', { churn_risk: S, complaint: W }],
  ],
};

// Negators that cancel a cue within three words before it, in the same clause.
const NEGATORS = new Set(
  `not no never don't dont doesn't doesnt didn't didnt won't wont wouldn't isn't isnt aren't wasn't
  weren't can't cant cannot without nor hardly nothing no-one nunca sin pas jamais sans nicht kein keine
  nie ohne não sem`.split(/\s+/),
);
// Cues that a negator does not cancel: they contain their own negation or are emphatic.
const UNNEGATABLE_FIRST = new Set([...NEGATORS, 'nobody', 'still', 'todavía', 'aún', 'toujours', 'ainda']);
const CLAUSE_BREAKS = new Set([
  ',',
  '.',
  ';',
  ':',
  '!',
  '?',
  '…',
  '-',
  '(',
  ')',
  'but',
  'pero',
  'mais',
  'aber',
  'mas',
]);

const SHORTENER =
  /\b(?:bit\.ly|tinyurl\.com|goo\.gl|ow\.ly|is\.gd|cutt\.ly|rb\.gy|shorturl\.at|t\.me|wa\.me)\//i;
// Cheap substring checks before the regex: most posts contain none of these.
const SHORTENER_PARTS = ['.ly/', '.gl/', '.gd/', '.gy/', '.at/', '.me/', 'tinyurl'];
const SHORTENER_HOSTS = new Set([
  'bit.ly',
  'tinyurl.com',
  'goo.gl',
  'ow.ly',
  'is.gd',
  'cutt.ly',
  'rb.gy',
  'shorturl.at',
  't.me',
  'wa.me',
]);
const MONEY = /[$€£]\s?\d|\d\s?[$€£]/;
const QUESTION_STARTS = new Set(
  'how where why when what who which can could does do did is are will would any anyone anybody'.split(' '),
);

const LABELS = [
  'purchase_intent',
  'complaint',
  'support_question',
  'praise',
  'idea',
  'churn_risk',
  'spam',
] as const;
type Scored = (typeof LABELS)[number];
const PURCHASE = 0;
const COMPLAINT = 1;
const SUPPORT = 2;
const PRAISE = 3;
const CHURN = 5;
const SPAM = 6;

type Element = Set<string> | null; // null: any word
type Compiled = {
  elements: Element[];
  /** [label index, weight] */
  entries: [number, number][];
  note: string | undefined;
  negatable: boolean;
};

function compile(rules: Rule[]): Map<string, Compiled[]> {
  const byFirst = new Map<string, Compiled[]>();
  for (const [phrase, weights, note] of rules) {
    const elements: Element[] = phrase
      .split(' ')
      .map((e) => (e === '*' ? null : new Set(e.split('|').map((w) => w.replace('’', "'")))));
    const first = elements[0];
    if (!first) continue;
    const negatable = ![...first].some((w) => UNNEGATABLE_FIRST.has(w));
    const entries = (Object.entries(weights) as [Scored, number][]).map(
      ([label, w]) => [LABELS.indexOf(label), w] as [number, number],
    );
    const compiled = { elements, entries, note, negatable };
    for (const w of first) {
      const list = byFirst.get(w) ?? [];
      list.push(compiled);
      byFirst.set(w, list);
    }
  }
  // Longest phrases first, so a longer match can shadow the shorter ones at the same position.
  for (const list of byFirst.values()) list.sort((a, b) => b.elements.length - a.elements.length);
  return byFirst;
}

const COMPILED: Record<string, Map<string, Compiled[]>> = {};
for (const [lang, rules] of Object.entries(RULES)) {
  // English cues also apply to other languages: social posts mix them ("refund", "thanks").
  COMPILED[lang] = compile(lang === 'en' ? rules : [...rules, ...(RULES.en ?? [])]);
}

/** The token as a matching unit: words by their normal form, other kinds by a placeholder. */
function unitOf(t: Token): string {
  switch (t.kind) {
    case 'word':
      return t.norm;
    case 'mention':
      return '@';
    case 'url':
      return '<url>';
    case 'number':
      return '<num>';
    case 'hashtag':
      return t.norm;
    case 'punct':
      return t.raw.includes('?') ? '?' : t.raw.includes('!') ? '!' : t.raw;
    default:
      return t.raw;
  }
}

type Hit = { label: number; weight: number; start: number; end: number; note: string | undefined };

/** The top reasons of one label: the phrases as written (with their note), strongest first. */
function reasonsFor(label: number, hits: Hit[], tokens: Token[]): string[] {
  const mine = hits.filter((h) => h.label === label && h.weight > 0).sort((a, b) => b.weight - a.weight);
  const out: string[] = [];
  for (const h of mine) {
    let r: string;
    if (h.start < 0) r = h.note ?? '';
    else {
      const phrase = `"${tokens
        .slice(h.start, h.end)
        .map((t) => t.raw)
        .join(' ')}"`;
      r = h.note ? `${phrase} (${h.note})` : phrase;
    }
    if (!out.includes(r)) out.push(r);
    if (out.length === 4) break;
  }
  return out;
}

/**
 * The intents of a post, highest score first: every label whose score reaches
 * `INTENT_THRESHOLD`, or `[other]` when none does. Each carries the phrases that decided it.
 */
export function detectIntents(tokens: Token[], text: string, language: string): IntentResult[] {
  const rules = COMPILED[language] ?? (COMPILED.en as Map<string, Compiled[]>);
  const units: string[] = new Array(tokens.length);
  let hashtags = 0;
  let mentions = 0;
  let shortener = false;
  let shoutedFree = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    units[i] = unitOf(t);
    if (t.kind === 'hashtag') hashtags++;
    else if (t.kind === 'mention') mentions++;
    else if (t.kind === 'url' && SHORTENER_HOSTS.has(t.norm)) shortener = true;
    else if (t.shouted && t.norm === 'free') shoutedFree = true;
  }

  // Evidence by label index (LABELS); hits keep what to say, built into text only for the winners.
  const evidence = new Float64Array(LABELS.length);
  const hits: Hit[] = [];

  // One pass over the units; at each position, the phrases starting with that word.
  // A phrase that contains another matched at the same position wins (longest match first).
  for (let i = 0; i < units.length; i++) {
    const candidates = rules.get(units[i] as string);
    if (!candidates) continue;
    let longest = 0;
    for (const rule of candidates) {
      const n = rule.elements.length;
      if (n < longest || i + n > units.length) continue;
      let ok = true;
      for (let k = 1; k < n; k++) {
        const el = rule.elements[k];
        const u = units[i + k] as string;
        if (el === null ? CLAUSE_BREAKS.has(u) : !el?.has(u)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      longest = n;
      const negated = rule.negatable && negatedAt(units, i);
      for (const [label, weight] of rule.entries) {
        if (negated && weight > 0) {
          // "not happy" is a complaint; "no complaints" / "not cancelling" simply do not count.
          if (label === PRAISE) {
            evidence[COMPLAINT] = (evidence[COMPLAINT] ?? 0) + weight * 0.8;
            hits.push({ label: COMPLAINT, weight: weight * 0.8, start: i, end: i + n, note: 'negated' });
          }
          continue;
        }
        evidence[label] = (evidence[label] ?? 0) + weight;
        if (weight > 0) hits.push({ label, weight, start: i, end: i + n, note: rule.note });
      }
    }
  }
  const add = (label: number, weight: number, reason: string) => {
    evidence[label] = (evidence[label] ?? 0) + weight;
    hits.push({ label, weight, start: -1, end: -1, note: reason });
  };

  // Question form: a question mark or an English question opening.
  const first = units.find((u) => u !== '@');
  const question = units.includes('?') || (first !== undefined && QUESTION_STARTS.has(first));
  if (question) {
    // A question about buying ("how much…?", "any discount for students?") is a buyer's question.
    if ((evidence[PURCHASE] ?? 0) > 0 && (evidence[PURCHASE] ?? 0) >= (evidence[SUPPORT] ?? 0)) {
      add(PURCHASE, W, 'question');
    } else add(SUPPORT, W, 'question');
  }

  // Spam signals outside the words.
  if (shortener || (SHORTENER_PARTS.some((p) => text.includes(p)) && SHORTENER.test(text))) {
    add(SPAM, M, 'link shortener');
  }
  if (shoutedFree) add(SPAM, W, '"FREE" in capitals');
  if (hashtags >= 5) add(SPAM, hashtags >= 8 ? M : W, `${hashtags} hashtags`);
  if (mentions >= 5) add(SPAM, W, `${mentions} handles`);
  if ((evidence[SPAM] ?? 0) > 0 && MONEY.test(text)) add(SPAM, W, 'money amount');

  const e = (label: number) => evidence[label] ?? 0;
  // Spam drowns the rest: an ad is not a buyer or a fan.
  if (e(SPAM) >= S) {
    evidence[PURCHASE] = e(PURCHASE) * 0.3;
    evidence[PRAISE] = e(PRAISE) * 0.3;
    evidence[SUPPORT] = e(SUPPORT) * 0.3;
  }
  // A complaint's "thanks"/"please" is politeness, not praise.
  if (e(COMPLAINT) >= S && e(PRAISE) > 0 && e(PRAISE) <= M) evidence[PRAISE] = e(PRAISE) * 0.6;
  // Churn talk is a complaint even without complaint words ("switching to @rival"); asking how
  // to cancel is not, by itself.
  if (e(CHURN) >= S && e(COMPLAINT) < M && !question) add(COMPLAINT, W + 0.3, 'wants to leave');

  const out: IntentResult[] = [];
  let best = 0;
  for (let l = 0; l < LABELS.length; l++) {
    if (e(l) <= 0) continue;
    const score = 1 - Math.exp(-e(l));
    best = Math.max(best, score);
    if (score >= INTENT_THRESHOLD) {
      out.push({ label: LABELS[l] as Scored, score: round(score), reasons: reasonsFor(l, hits, tokens) });
    }
  }
  if (out.length === 0) {
    return [{ label: 'other', score: round(1 - best), reasons: ['no intent cue reached the threshold'] }];
  }
  return out.sort((a, b) => b.score - a.score);
}

/** A negator within the three units before `i`, without a clause break in between. */
function negatedAt(units: string[], i: number): boolean {
  for (let k = i - 1; k >= 0 && k >= i - 3; k--) {
    const u = units[k] as string;
    if (CLAUSE_BREAKS.has(u)) return false;
    if (NEGATORS.has(u)) return true;
  }
  return false;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
