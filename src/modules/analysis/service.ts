/**
 * The analysis module's interface, which the pipeline calls for every item. This is the minimal
 * implementation the listening issue needs; the understanding issue (#4) replaces the inside
 * (language, sentiment, intent, topic, urgency models) behind the same signature.
 */
export type SentimentLabel = 'negative' | 'neutral' | 'positive' | 'und';

export type Analysis = {
  language: string;
  sentiment: { label: SentimentLabel; score: number };
  intents: { label: string; score: number }[];
  topics: string[];
  urgency: { score: number; reasons: string[] };
};

export type AnalysisInput = { text: string; declaredLanguage: string | null; authorFollowers: number | null };

export function analyzeText(input: AnalysisInput): Analysis {
  return {
    // Sources often declare the language (Bluesky langs, Mastodon language); otherwise unknown.
    language: input.declaredLanguage?.toLowerCase() ?? 'und',
    sentiment: { label: 'und', score: 0 },
    intents: [],
    topics: [],
    urgency: { score: 0, reasons: [] },
  };
}
