/**
 * The analysis module's interface, which the pipeline calls for every item. The parts
 * (language, sentiment, intent, topics, custom classifiers, urgency) are composed here.
 */
import type { Analysis } from './types.ts';

export type { Analysis } from './types.ts';

export type AnalysisInput = { text: string; declaredLanguage: string | null; authorFollowers: number | null };

export function analyzeText(input: AnalysisInput): Analysis {
  return {
    // Sources often declare the language (Bluesky langs, Mastodon language); otherwise unknown.
    language: input.declaredLanguage?.toLowerCase() ?? 'und',
    languageConfidence: input.declaredLanguage ? 1 : 0,
    sentiment: { label: 'und', score: 0, reasons: [] },
    intents: [],
    topics: [],
    classifiers: [],
    urgency: { score: 0, reasons: [] },
  };
}
