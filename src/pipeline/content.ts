import {
  type AnalyzerSources,
  analyzeContent,
  type ContentAnalysis,
  type WorkspaceAnalyzers,
} from '../modules/analysis/service.ts';
import type { Matcher, QuerySources } from '../modules/listening/queries-cache.ts';
import type { NormalizedEvent, NormalizedPost } from './formats.ts';

/**
 * The stages of the pipeline that read an item's content and nothing else: analysis (all but the
 * author's prior contacts) and matching the listening queries. They run on the content thread
 * (`content-thread.ts`) ahead of the batch that stores the items, or in the batch itself.
 */
export type ContentOutcome =
  | { ok: true; content: ContentAnalysis; queryIds: string[] }
  | { ok: false; stage: 'analyze' | 'match'; reason: string; error?: unknown };

/** A test may replace the analysis to prove a failure is contained. */
export type ContentStages = { analyze: typeof analyzeContent };
export const defaultStages: ContentStages = { analyze: analyzeContent };

export function contentOf(
  post: NormalizedPost,
  analyzers: WorkspaceAnalyzers,
  queries: Matcher,
  stages: ContentStages = defaultStages,
): ContentOutcome {
  let stage: 'analyze' | 'match' = 'analyze';
  try {
    const content = stages.analyze(
      { text: post.text, declaredLanguage: post.language, authorFollowers: post.author.followers },
      analyzers,
    );
    stage = 'match';
    const queryIds = queries.match({
      text: post.text,
      authorHandle: post.author.handle,
      language: content.language,
      channel: post.channel,
      urls: post.urls,
    });
    return { ok: true, content, queryIds };
  } catch (error) {
    return { ok: false, stage, reason: error instanceof Error ? error.message : String(error), error };
  }
}

/** A log entry as the content thread gets it. */
export type ContentRow = {
  id: number;
  workspaceId: string;
  format: string;
  payload: string;
  receivedAt: string;
};

/** What the thread made of one entry: refused by normalisation, or normalised (and, for a post, its content). */
export type RowContent =
  | { kind: 'refused'; reason: string }
  | { kind: 'event'; event: NormalizedEvent; outcome: ContentOutcome | null };

export type WorkspaceSources = { analyzers: AnalyzerSources; queries: QuerySources };

/** Which compiled analyzers and queries a result was worked out with. */
export const signatureOf = (s: WorkspaceSources) => `${s.analyzers.signature}\n${s.queries.signature}`;

export type ContentRequest = {
  id: number;
  rows: ContentRow[];
  /** Sources of the workspaces the thread has not compiled at these signatures yet. */
  sources: Record<string, WorkspaceSources>;
  /** Each row's workspace's signature. */
  signatures: Record<string, string>;
};
/** Per row: its content, or null when working it out failed unexpectedly (the batch then does it). */
export type ContentReply =
  | { id: number; results: [number, RowContent | null][] }
  | { id: number; error: string };
