// Analysis: analysing a text, topics, custom classifiers, and reading a mention's stored analysis.

import { request } from '../api.ts';
import type { Mention } from './listening.ts';

export type Scored = { label: string; score: number; reasons: string[] };
export type Analysis = {
  language: string;
  languageConfidence: number;
  sentiment: Scored;
  intents: Scored[];
  topics: { id: string; name: string; score: number; reasons: string[] }[];
  classifiers: { classifierId: string; name: string; label: string; score: number }[];
  urgency: { score: number; reasons: string[] };
};
export type AnalyzeInput = {
  text: string;
  language?: string;
  authorFollowers?: number;
  priorContacts?: number;
};
export type Topic = {
  id: string;
  name: string;
  keywords: string[];
  examples: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
};
export type TopicInput = { name: string; keywords: string[]; examples: string[]; enabled: boolean };
export type HeldOut = {
  method?: string;
  n?: number;
  accuracy?: number;
  macroF1?: number;
  inScopeAccuracy?: number | null;
  oosN?: number;
  oosRecall?: number | null;
};
export type Classifier = {
  id: string;
  name: string;
  labels: string[];
  enabled: boolean;
  heldOut: HeldOut | null;
  createdAt: string;
  updatedAt: string;
};

const at = (base: string, id: string) => `${base}/${encodeURIComponent(id)}`;

export const analysisApi = {
  analyze: (input: AnalyzeInput) => request<Analysis>('POST', '/api/v1/analysis/analyze', input),
  topics: () => request<{ items: Topic[] }>('GET', '/api/v1/analysis/topics'),
  createTopic: (input: TopicInput) => request<Topic>('POST', '/api/v1/analysis/topics', input),
  updateTopic: (id: string, patch: Partial<TopicInput>) =>
    request<Topic>('PATCH', at('/api/v1/analysis/topics', id), patch),
  deleteTopic: (id: string) => request<void>('DELETE', at('/api/v1/analysis/topics', id)),
  classifiers: () => request<{ items: Classifier[] }>('GET', '/api/v1/analysis/classifiers'),
  createClassifier: (input: { name: string; model: Record<string, unknown>; enabled: boolean }) =>
    request<Classifier>('POST', '/api/v1/analysis/classifiers', input),
  updateClassifier: (id: string, patch: { name?: string; enabled?: boolean }) =>
    request<Classifier>('PATCH', at('/api/v1/analysis/classifiers', id), patch),
  deleteClassifier: (id: string) => request<void>('DELETE', at('/api/v1/analysis/classifiers', id)),
};

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown, fallback = 0): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const reasonsOf = (v: unknown): string[] => list(v).filter((r): r is string => typeof r === 'string');

/**
 * A mention's stored analysis made whole: stored JSON from older versions may lack keys,
 * so the mention's own columns fill the gaps and anything unknown becomes empty.
 */
export function readAnalysis(
  m: Pick<Mention, 'analysis' | 'language' | 'sentiment' | 'intents' | 'urgency'>,
): Analysis {
  const a = obj(m.analysis);
  const sentiment = obj(a.sentiment);
  const urgency = obj(a.urgency);
  const storedIntents = list(a.intents).map(obj);
  return {
    language: str(a.language, m.language),
    languageConfidence: num(a.languageConfidence),
    sentiment: {
      label: str(sentiment.label, m.sentiment ?? 'und'),
      score: num(sentiment.score),
      reasons: reasonsOf(sentiment.reasons),
    },
    intents:
      storedIntents.length > 0
        ? storedIntents.map((i) => ({
            label: str(i.label, 'other'),
            score: num(i.score),
            reasons: reasonsOf(i.reasons),
          }))
        : m.intents.map((label) => ({ label, score: 0, reasons: [] })),
    topics: list(a.topics)
      .map(obj)
      .map((t) => ({
        id: str(t.id),
        name: str(t.name, 'topic'),
        score: num(t.score),
        reasons: reasonsOf(t.reasons),
      })),
    classifiers: list(a.classifiers)
      .map(obj)
      .map((c) => ({
        classifierId: str(c.classifierId),
        name: str(c.name, 'classifier'),
        label: str(c.label, 'none'),
        score: num(c.score),
      })),
    urgency: { score: num(urgency.score, m.urgency ?? 0), reasons: reasonsOf(urgency.reasons) },
  };
}
