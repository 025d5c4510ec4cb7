import { z } from '@hono/zod-openapi';

export const cannedInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    body: z.string().trim().min(1).max(5000),
    shared: z.boolean().default(false),
  })
  .openapi('CannedResponseInput');

export const cannedSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    body: z.string(),
    shared: z.boolean(),
    ownerUserId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('CannedResponse');

export const noteInput = z
  .object({
    body: z.string().trim().min(1).max(10_000),
    mentionUserIds: z.array(z.string().min(1).max(64)).max(50).default([]),
  })
  .openapi('NoteInput');

export const noteSchema = z
  .object({
    id: z.string(),
    authorUserId: z.string(),
    body: z.string(),
    mentionUserIds: z.array(z.string()),
    createdAt: z.string(),
  })
  .openapi('Note');

export const replyInput = z
  .object({
    body: z.string().trim().min(1).max(20_000),
    /** public: in the thread of `mentionId`; private: a direct message or email to the customer. */
    visibility: z.enum(['public', 'private']).default('public'),
    mentionId: z.number().int().positive().optional(),
    /** With a private reply: a short public reply in the thread saying the conversation moved. */
    acknowledgement: z.string().trim().min(1).max(300).optional(),
  })
  .openapi('ReplyInput');

export const replySchema = z
  .object({
    id: z.string(),
    caseId: z.string(),
    mentionId: z.number().nullable(),
    channel: z.string(),
    visibility: z.enum(['public', 'private']),
    recipient: z.string().nullable(),
    body: z.string(),
    status: z.enum(['queued', 'sending', 'sent', 'failed', 'cancelled']).openapi({
      description:
        'cancelled: withdrawn before sending (a survey held after a solve, taken back when the case left solved)',
    }),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    externalId: z.string().nullable(),
    externalUrl: z.string().nullable(),
    authorUserId: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .openapi('Reply');

export type CannedInput = z.input<typeof cannedInput>;
export type CannedView = z.infer<typeof cannedSchema>;
export type NoteInput = z.input<typeof noteInput>;
export type NoteView = z.infer<typeof noteSchema>;
export type ReplyInput = z.input<typeof replyInput>;
export type ReplyView = z.infer<typeof replySchema>;
