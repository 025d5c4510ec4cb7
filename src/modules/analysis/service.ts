/**
 * The analysis module: what the pipeline calls for every item (language, sentiment, intent,
 * topics, custom classifiers, urgency, each with its reasons), and the workspace's own topics and
 * classifiers as use cases.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { type ClassifierModel, classify, parseClassifierModel } from './classifier.ts';
import { detectIntents } from './intent.ts';
import { detectLanguage } from './language.ts';
import type { ClassifierView, TopicView } from './schema.ts';
import { analyzeSentiment } from './sentiment.ts';
import { tokenize } from './tokenize.ts';
import { compileTopics, type TopicSet } from './topics.ts';
import type { Analysis } from './types.ts';
import { finishUrgency, type UrgencyParts, urgencyParts } from './urgency.ts';

export type { Analysis } from './types.ts';

export type AnalysisInput = {
  text: string;
  /** The language the source declared (Bluesky langs, Mastodon language), if any. */
  declaredLanguage: string | null;
  authorFollowers: number | null;
  /** How many times the author wrote to the workspace recently, before this post. */
  priorContacts?: number;
};

/** A workspace's own topics and trained classifiers, compiled once (see `workspaceAnalyzers`). */
export type WorkspaceAnalyzers = {
  topics: TopicSet;
  classifiers: { id: string; name: string; model: ClassifierModel }[];
};

export const noWorkspaceAnalyzers: WorkspaceAnalyzers = { topics: compileTopics([]), classifiers: [] };

/** Everything the module says about one text, with explanations. Pure; never throws on text. */
export function analyzeText(
  input: AnalysisInput,
  workspace: WorkspaceAnalyzers = noWorkspaceAnalyzers,
): Analysis {
  return withPriorContacts(analyzeContent(input, workspace), input.priorContacts ?? 0);
}

/**
 * The analysis of a text before its author's prior contacts are counted: everything but the
 * last step of urgency. The pipeline works this out on another thread (`src/pipeline/content-thread.ts`).
 */
export type ContentAnalysis = Omit<Analysis, 'urgency'> & { urgency: UrgencyParts };

export function analyzeContent(
  input: Omit<AnalysisInput, 'priorContacts'>,
  workspace: WorkspaceAnalyzers = noWorkspaceAnalyzers,
): ContentAnalysis {
  const tokens = tokenize(input.text);
  const language = detectLanguage(input.text, tokens, input.declaredLanguage);
  const sentiment = analyzeSentiment(tokens, language.code);
  const intents = detectIntents(tokens, input.text, language.code);
  const topics = workspace.topics.match(tokens);
  const classifiers = workspace.classifiers.map((c) => {
    const result = classify(c.model, tokens);
    return { classifierId: c.id, name: c.name, label: result.label, score: result.score };
  });
  const urgency = urgencyParts({
    intents,
    sentiment,
    tokens,
    text: input.text,
    authorFollowers: input.authorFollowers,
  });
  return {
    language: language.code,
    languageConfidence: language.confidence,
    sentiment,
    intents,
    topics,
    classifiers,
    urgency,
  };
}

/** Finishes a `ContentAnalysis` with how many times the author wrote before. */
export function withPriorContacts(content: ContentAnalysis, priorContacts: number): Analysis {
  return { ...content, urgency: finishUrgency(content.urgency, priorContacts) };
}

// ---------------------------------------------------------------------------------------------
// The workspace's analyzers, compiled once and recompiled when topics or classifiers change

/** What a workspace's analyzers are compiled from, as stored; `signature` changes when they do. */
export type AnalyzerSources = {
  signature: string;
  topics: { id: string; name: string; keywords: string[]; examples: string[] }[];
  classifiers: { id: string; name: string; model: string }[];
};

type Cached = { sources: AnalyzerSources; analyzers: WorkspaceAnalyzers };
const cache = new Map<string, Cached>();

async function signatureOf(db: Kysely<DB> | Transaction<DB>, workspaceId: string): Promise<string> {
  const [topics, classifiers] = await Promise.all(
    (['topics', 'classifiers'] as const).map((table) =>
      db
        .selectFrom(table)
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('latest')])
        .where('workspace_id', '=', workspaceId)
        .where('enabled', '=', 1)
        .executeTakeFirstOrThrow(),
    ),
  );
  return `${Number(topics?.n)}|${topics?.latest ?? ''}|${Number(classifiers?.n)}|${classifiers?.latest ?? ''}`;
}

/** Compiles a workspace's topics and classifiers; a model that cannot be read is skipped (`onUnreadable`). */
export function compileAnalyzers(
  sources: AnalyzerSources,
  onUnreadable: (classifierId: string, err: unknown) => void = () => {},
): WorkspaceAnalyzers {
  return {
    topics: compileTopics(sources.topics),
    // Models are validated on upload; one damaged since must not stop the workspace's analysis.
    classifiers: sources.classifiers.flatMap((r) => {
      try {
        return [{ id: r.id, name: r.name, model: parseClassifierModel(JSON.parse(r.model)) }];
      } catch (err) {
        onUnreadable(r.id, err);
        return [];
      }
    }),
  };
}

/**
 * The compiled topics and classifiers of a workspace, with what they were compiled from. Checked
 * with two small queries per batch and recompiled only when they changed, so several processes
 * sharing a database see edits.
 */
export async function workspaceAnalyzers(
  ctx: AppContext,
  db: Kysely<DB> | Transaction<DB>,
  workspaceId: string,
): Promise<Cached> {
  const signature = await signatureOf(db, workspaceId);
  const hit = cache.get(workspaceId);
  if (hit && hit.sources.signature === signature) return hit;
  const [topicRows, classifierRows] = await Promise.all([
    db
      .selectFrom('topics')
      .select(['id', 'name', 'keywords', 'examples'])
      .where('workspace_id', '=', workspaceId)
      .where('enabled', '=', 1)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('classifiers')
      .select(['id', 'name', 'model'])
      .where('workspace_id', '=', workspaceId)
      .where('enabled', '=', 1)
      .orderBy('id')
      .execute(),
  ]);
  const sources: AnalyzerSources = {
    signature,
    topics: topicRows.map((r) => ({
      id: r.id,
      name: r.name,
      keywords: ctx.dialect.parseJson<string[]>(r.keywords),
      examples: ctx.dialect.parseJson<string[]>(r.examples),
    })),
    classifiers: classifierRows.map((r) => ({ id: r.id, name: r.name, model: r.model })),
  };
  const analyzers = compileAnalyzers(sources, (classifierId, err) =>
    ctx.log.error({ err, classifierId }, 'classifier model unreadable; skipped'),
  );
  const compiled = { sources, analyzers };
  cache.set(workspaceId, compiled);
  ctx.log.debug(
    { workspaceId, topics: topicRows.length, classifiers: classifierRows.length },
    'workspace analyzers compiled',
  );
  return compiled;
}

/** Analyses a text with the workspace's topics and classifiers: `POST /analysis/analyze`. */
export async function analyzeForWorkspace(
  ctx: AppContext,
  actor: Actor,
  input: {
    text: string;
    language?: string | undefined;
    authorFollowers?: number | undefined;
    priorContacts?: number | undefined;
  },
): Promise<Analysis> {
  requirePermission(actor, 'listening:read');
  const { analyzers } = await workspaceAnalyzers(ctx, ctx.db, actor.workspaceId);
  return analyzeText(
    {
      text: input.text,
      declaredLanguage: input.language ?? null,
      authorFollowers: input.authorFollowers ?? null,
      priorContacts: input.priorContacts ?? 0,
    },
    analyzers,
  );
}

// ---------------------------------------------------------------------------------------------
// Topics

type TopicRow = DB['topics'];

function toTopicView(ctx: AppContext, r: TopicRow): TopicView {
  return {
    id: r.id,
    name: r.name,
    keywords: ctx.dialect.parseJson<string[]>(r.keywords),
    examples: ctx.dialect.parseJson<string[]>(r.examples),
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function listTopics(ctx: AppContext, actor: Actor): Promise<TopicView[]> {
  requirePermission(actor, 'listening:read');
  const rows = await ctx.db
    .selectFrom('topics')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('name')
    .execute();
  return rows.map((r) => toTopicView(ctx, r));
}

async function topicRow(ctx: AppContext, actor: Actor, id: string): Promise<TopicRow> {
  const row = await ctx.db
    .selectFrom('topics')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No topic ${id}`);
  return row;
}

export async function createTopic(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; keywords: string[]; examples: string[]; enabled: boolean },
): Promise<TopicView> {
  requirePermission(actor, 'listening:manage');
  const now = ctx.now().toISOString();
  const row: TopicRow = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    name: input.name,
    keywords: ctx.dialect.toJson(input.keywords),
    examples: ctx.dialect.toJson(input.examples),
    enabled: input.enabled ? 1 : 0,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.insertInto('topics').values(row).execute();
  return toTopicView(ctx, row);
}

export async function updateTopic(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: {
    name?: string | undefined;
    keywords?: string[] | undefined;
    examples?: string[] | undefined;
    enabled?: boolean | undefined;
  },
): Promise<TopicView> {
  requirePermission(actor, 'listening:manage');
  const existing = toTopicView(ctx, await topicRow(ctx, actor, id));
  const keywords = patch.keywords ?? existing.keywords;
  const examples = patch.examples ?? existing.examples;
  if (keywords.length + examples.length === 0) {
    throw new AppError('validation_failed', 'A topic needs at least one keyword or example', {
      fields: [{ path: 'keywords', message: 'give at least one keyword or example' }],
    });
  }
  const updatedAt = ctx.now().toISOString();
  const enabled = patch.enabled ?? existing.enabled;
  await ctx.db
    .updateTable('topics')
    .set({
      name: patch.name ?? existing.name,
      keywords: ctx.dialect.toJson(keywords),
      examples: ctx.dialect.toJson(examples),
      enabled: enabled ? 1 : 0,
      updated_at: updatedAt,
    })
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .execute();
  return { ...existing, name: patch.name ?? existing.name, keywords, examples, enabled, updatedAt };
}

export async function deleteTopic(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'listening:manage');
  const result = await ctx.db
    .deleteFrom('topics')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new AppError('not_found', `No topic ${id}`);
}

// ---------------------------------------------------------------------------------------------
// Custom classifiers

type ClassifierRow = DB['classifiers'];

/** The columns a classifier is shown with: everything but the weights. */
const classifierColumns = [
  'id',
  'workspace_id',
  'name',
  'labels',
  'held_out',
  'enabled',
  'created_at',
  'updated_at',
] as const;
type ClassifierSummaryRow = Omit<ClassifierRow, 'model'>;

function toClassifierView(ctx: AppContext, r: ClassifierSummaryRow): ClassifierView {
  return {
    id: r.id,
    name: r.name,
    labels: ctx.dialect.parseJson<string[]>(r.labels),
    enabled: r.enabled === 1,
    heldOut: r.held_out === null ? null : ctx.dialect.parseJson<Record<string, unknown>>(r.held_out),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function listClassifiers(ctx: AppContext, actor: Actor): Promise<ClassifierView[]> {
  requirePermission(actor, 'listening:read');
  const rows = await ctx.db
    .selectFrom('classifiers')
    .select(classifierColumns)
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('name')
    .execute();
  return rows.map((r) => toClassifierView(ctx, r));
}

/** Adds a classifier from the JSON that `rapport classifier train` wrote; validates it first. */
export async function createClassifier(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; model: unknown; enabled: boolean },
): Promise<ClassifierView> {
  requirePermission(actor, 'listening:manage');
  let model: ClassifierModel;
  try {
    model = parseClassifierModel(input.model);
  } catch (err) {
    throw new AppError('validation_failed', `Not a classifier model: ${(err as Error).message}`, {
      fields: [{ path: 'model', message: (err as Error).message }],
    });
  }
  const now = ctx.now().toISOString();
  const row: ClassifierRow = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    name: input.name,
    labels: ctx.dialect.toJson(model.labels),
    held_out: ctx.dialect.toJson(model.calibration.heldOut),
    model: JSON.stringify(model),
    enabled: input.enabled ? 1 : 0,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.insertInto('classifiers').values(row).execute();
  return toClassifierView(ctx, row);
}

export async function updateClassifier(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: { name?: string | undefined; enabled?: boolean | undefined },
): Promise<ClassifierView> {
  requirePermission(actor, 'listening:manage');
  const row = await ctx.db
    .selectFrom('classifiers')
    .select(classifierColumns)
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No classifier ${id}`);
  const next = {
    ...row,
    name: patch.name ?? row.name,
    enabled: patch.enabled === undefined ? row.enabled : patch.enabled ? 1 : 0,
    updated_at: ctx.now().toISOString(),
  };
  await ctx.db
    .updateTable('classifiers')
    .set({ name: next.name, enabled: next.enabled, updated_at: next.updated_at })
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .execute();
  return toClassifierView(ctx, next);
}

export async function deleteClassifier(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'listening:manage');
  const result = await ctx.db
    .deleteFrom('classifiers')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new AppError('not_found', `No classifier ${id}`);
}
