import { z } from '@hono/zod-openapi';

const keyword = z.string().trim().min(1).max(80);
const example = z.string().trim().min(3).max(500);

export const topicSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    keywords: z.array(z.string()),
    examples: z.array(z.string()),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Topic');

export const topicInput = z
  .object({
    name: z.string().trim().min(1).max(80),
    keywords: z.array(keyword).max(200).default([]),
    examples: z.array(example).max(100).default([]),
    enabled: z.boolean().default(true),
  })
  .refine((t) => t.keywords.length + t.examples.length > 0, {
    message: 'give at least one keyword or example',
    path: ['keywords'],
  })
  .openapi('TopicInput');

export const topicPatch = z
  .object({
    name: z.string().trim().min(1).max(80).optional(),
    keywords: z.array(keyword).max(200).optional(),
    examples: z.array(example).max(100).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'give at least one field')
  .openapi('TopicPatch');

export const classifierSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    labels: z.array(z.string()),
    enabled: z.boolean(),
    /** Held-out figures the trainer measured, when it did. */
    heldOut: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Classifier');

export const classifierInput = z
  .object({
    name: z.string().trim().min(1).max(80),
    /** The JSON written by `rapport classifier train`. */
    model: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'the model file written by `rapport classifier train`' }),
    enabled: z.boolean().default(true),
  })
  .openapi('ClassifierInput');

export const classifierPatch = z
  .object({ name: z.string().trim().min(1).max(80).optional(), enabled: z.boolean().optional() })
  .refine((v) => Object.keys(v).length > 0, 'give at least one field')
  .openapi('ClassifierPatch');

export const analyzeInput = z
  .object({
    text: z.string().min(1).max(10_000),
    language: z.string().max(8).optional().openapi({ description: 'the language the source declared' }),
    authorFollowers: z.number().int().min(0).optional(),
    priorContacts: z.number().int().min(0).optional(),
  })
  .openapi('AnalyzeInput');

const reasons = z.array(z.string());
export const analysisSchema = z
  .object({
    language: z.string(),
    languageConfidence: z.number(),
    sentiment: z.object({ label: z.string(), score: z.number(), reasons }),
    intents: z.array(z.object({ label: z.string(), score: z.number(), reasons })),
    topics: z.array(z.object({ id: z.string(), name: z.string(), score: z.number(), reasons })),
    classifiers: z.array(
      z.object({ classifierId: z.string(), name: z.string(), label: z.string(), score: z.number() }),
    ),
    urgency: z.object({ score: z.number(), reasons }),
  })
  .openapi('Analysis');

export type TopicView = z.infer<typeof topicSchema>;
export type ClassifierView = z.infer<typeof classifierSchema>;
