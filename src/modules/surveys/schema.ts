import { z } from '@hono/zod-openapi';

export const surveyKinds = ['csat', 'nps'] as const;
export const surveyTriggers = ['case_solved', 'manual'] as const;
export const surveyDeliveries = ['reply', 'private', 'link'] as const;

/** The scores a kind accepts: CSAT 1–5, NPS 0–10. */
export const scaleOf = { csat: { min: 1, max: 5 }, nps: { min: 0, max: 10 } } as const;

/**
 * How an answer reads on either scale, for people and routing rules: CSAT 1–2 and NPS 0–6
 * (detractors) unhappy, CSAT 3 and NPS 7–8 (passives) neutral, CSAT 4–5 and NPS 9–10 (promoters) happy.
 */
export const surveyRatings = ['unhappy', 'neutral', 'happy'] as const;
export type SurveyRating = (typeof surveyRatings)[number];

export function ratingOf(kind: keyof typeof scaleOf, score: number): SurveyRating {
  const [unhappyUpTo, neutralUpTo] = kind === 'csat' ? [2, 3] : [6, 8];
  return score <= unhappyUpTo ? 'unhappy' : score <= neutralUpTo ? 'neutral' : 'happy';
}

const name = z.string().trim().min(1).max(100);
const question = z.string().trim().min(1).max(200);
const commentPrompt = z.string().trim().min(1).max(200).nullable();

export const surveyInput = z
  .object({
    name,
    kind: z.enum(surveyKinds).openapi({ description: 'csat: score 1–5; nps: score 0–10' }),
    question,
    commentPrompt: commentPrompt.optional().openapi({ description: 'Asks for a comment under the score' }),
    trigger: z.enum(surveyTriggers).default('case_solved').openapi({
      description:
        'case_solved: sent when a case of a customer is solved; manual: only when an agent sends it',
    }),
    delivery: z.enum(surveyDeliveries).default('reply').openapi({
      description:
        "reply: a reply in the case's thread on its channel; private: a Mastodon direct message or an email; link: nothing is sent, agents share the link",
    }),
    cooldownDays: z.number().int().min(0).max(365).default(7).openapi({
      description: 'A customer is asked at most once in this many days by a solved case (0: every time)',
    }),
    expiresDays: z
      .number()
      .int()
      .min(1)
      .max(90)
      .default(14)
      .openapi({ description: 'Days the link takes answers' }),
    enabled: z.boolean().default(true),
  })
  .strict()
  .openapi('SurveyInput');

export const surveyPatch = z
  .object({
    name: name.optional(),
    kind: z.enum(surveyKinds).optional(),
    question: question.optional(),
    commentPrompt: commentPrompt.optional(),
    trigger: z.enum(surveyTriggers).optional(),
    delivery: z.enum(surveyDeliveries).optional(),
    cooldownDays: z.number().int().min(0).max(365).optional(),
    expiresDays: z.number().int().min(1).max(90).optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .openapi('SurveyPatch');

export const surveySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(surveyKinds),
    question: z.string(),
    commentPrompt: z.string().nullable(),
    trigger: z.enum(surveyTriggers),
    delivery: z.enum(surveyDeliveries),
    cooldownDays: z.number(),
    expiresDays: z.number(),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Survey');

export const surveyRequestSchema = z
  .object({
    id: z.string(),
    surveyId: z.string(),
    surveyName: z.string(),
    kind: z.enum(surveyKinds),
    caseId: z.string().nullable(),
    caseNumber: z.number().nullable(),
    customerId: z.string().nullable(),
    link: z.string().openapi({ description: 'The answer page; whoever holds it may answer' }),
    status: z.enum(['sent', 'queued', 'not_sent', 'answered', 'expired', 'withdrawn']).openapi({
      description:
        'queued/sent: the message is in the outbox / was delivered; not_sent: link only, or delivery failed (deliveryError says why); withdrawn: held after a solve and taken back when the case left solved, never sent',
    }),
    heldUntil: z.string().nullable().openapi({
      description:
        'For a survey queued by a solve: when the outbox may send it; until then reopening the case withdraws it',
    }),
    deliveryError: z.string().nullable(),
    score: z.number().nullable(),
    comment: z.string().nullable(),
    answeredAt: z.string().nullable(),
    expiresAt: z.string(),
    createdAt: z.string(),
  })
  .openapi('SurveyRequest');

export const surveyResultsSchema = z
  .object({
    surveyId: z.string(),
    kind: z.enum(surveyKinds),
    days: z.number(),
    sent: z.number().openapi({ description: 'Requests made in the period' }),
    answered: z.number().openapi({ description: 'Of those, answered' }),
    responseRate: z.number().nullable(),
    average: z.number().nullable(),
    distribution: z.array(z.object({ score: z.number(), count: z.number() })),
    csat: z.number().nullable().openapi({ description: 'CSAT: share of answers scoring 4 or 5 (0–1)' }),
    nps: z.number().nullable().openapi({ description: 'NPS: % promoters (9–10) minus % detractors (0–6)' }),
  })
  .openapi('SurveyResults');

export const surveyAnswerSchema = z
  .object({
    requestId: z.string(),
    customerId: z.string().nullable(),
    customerName: z.string().nullable(),
    caseId: z.string().nullable(),
    caseNumber: z.number().nullable(),
    score: z.number(),
    comment: z.string().nullable(),
    answeredAt: z.string(),
  })
  .openapi('SurveyAnswer');

export const sendSurveyInput = z
  .object({ surveyId: z.string().min(1).max(100).optional() })
  .strict()
  .openapi('SendSurveyInput');

/** What the customer submits on the public page (form fields, hence strings). */
export const answerInput = z.object({
  score: z.coerce.number().int(),
  comment: z
    .string()
    .trim()
    .max(2000)
    .optional()
    .transform((c) => (c ? c : null)),
});

export type SurveyInput = z.input<typeof surveyInput>;
export type SurveyPatch = z.infer<typeof surveyPatch>;
export type SurveyView = z.infer<typeof surveySchema>;
export type SurveyRequestView = z.infer<typeof surveyRequestSchema>;
export type SurveyResults = z.infer<typeof surveyResultsSchema>;
export type SurveyAnswerView = z.infer<typeof surveyAnswerSchema>;
