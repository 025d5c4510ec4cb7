/** What the analysis module says about one text. Stored on every mention as JSON. */
export type SentimentLabel = 'negative' | 'neutral' | 'positive' | 'und';

export const intentLabels = [
  'purchase_intent',
  'complaint',
  'support_question',
  'praise',
  'idea',
  'churn_risk',
  'spam',
  'other',
] as const;
export type IntentLabel = (typeof intentLabels)[number];

export type LanguageResult = {
  /** ISO 639-1 code (`en`, `es`, …) or `und` when unsure. */
  code: string;
  /** 0..1 */
  confidence: number;
};

export type SentimentResult = {
  label: SentimentLabel;
  /** -1 (most negative) .. 1 (most positive); 0 for `und`. */
  score: number;
  /** The main reasons, most important first, e.g. `"no refund" (complaint, negative)`. */
  reasons: string[];
};

export type IntentResult = {
  label: IntentLabel;
  /** 0..1 */
  score: number;
  reasons: string[];
};

export type TopicMatch = { id: string; name: string; score: number; reasons: string[] };

export type ClassifierMatch = {
  classifierId: string;
  name: string;
  /** The predicted label, or `none` when the text belongs to none of the labels. */
  label: string;
  score: number;
};

export type Urgency = {
  /** 0..100 */
  score: number;
  /** e.g. ["complaint", "negative", "author has 40k followers"] */
  reasons: string[];
};

export type Analysis = {
  /** ISO 639-1 code or `und`. */
  language: string;
  languageConfidence: number;
  sentiment: SentimentResult;
  /** Every intent over its threshold, highest score first; `[other]` when none is. */
  intents: IntentResult[];
  topics: TopicMatch[];
  classifiers: ClassifierMatch[];
  urgency: Urgency;
};
