// Satisfaction surveys: CSAT and NPS sent when a case is solved, answered on a public page (src/modules/surveys).

import { type Page, qs, type Role, request } from '../api.ts';
import { casePath } from './inbox.ts';

/** csat: a score of 1..5; nps: 0..10. */
export type SurveyKind = 'csat' | 'nps';
export const surveyKinds: SurveyKind[] = ['csat', 'nps'];
export type SurveyTrigger = 'case_solved' | 'manual';
export const surveyTriggers: SurveyTrigger[] = ['case_solved', 'manual'];
/** reply: a public reply in the case's thread; private: Mastodon direct or email; link: nothing is sent, agents copy the link. */
export type SurveyDelivery = 'reply' | 'private' | 'link';
export const surveyDeliveries: SurveyDelivery[] = ['reply', 'private', 'link'];
export type SurveyView = {
  id: string;
  name: string;
  kind: SurveyKind;
  question: string;
  commentPrompt: string | null;
  trigger: SurveyTrigger;
  delivery: SurveyDelivery;
  cooldownDays: number;
  expiresDays: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
};
export type SurveyInput = {
  name: string;
  kind: SurveyKind;
  question: string;
  commentPrompt?: string | null;
  trigger?: SurveyTrigger;
  delivery?: SurveyDelivery;
  /** 0..365, 7 when absent: no new survey to a customer surveyed this recently. */
  cooldownDays?: number;
  /** 1..90, 14 when absent: how long the link can be answered. */
  expiresDays?: number;
  enabled?: boolean;
};
export type SurveyRequestStatus = 'sent' | 'queued' | 'not_sent' | 'answered' | 'expired' | 'withdrawn';
export type SurveyRequestView = {
  id: string;
  surveyId: string;
  surveyName: string;
  kind: SurveyKind;
  caseId: string | null;
  caseNumber: number | null;
  customerId: string | null;
  /** The public answer page (server-rendered, outside this app). */
  link: string;
  status: SurveyRequestStatus;
  /** A survey a solve queued is held until then: reopening the case before withdraws it. */
  heldUntil: string | null;
  deliveryError: string | null;
  score: number | null;
  comment: string | null;
  answeredAt: string | null;
  expiresAt: string;
  createdAt: string;
};
export type SurveyResults = {
  surveyId: string;
  kind: SurveyKind;
  days: number;
  sent: number;
  answered: number;
  /** 0..1 */
  responseRate: number | null;
  average: number | null;
  /** Every score of the scale, in order. */
  distribution: { score: number; count: number }[];
  /** csat only: the share (0..1) of answers scoring 4 or 5. */
  csat: number | null;
  /** nps only: -100..100. */
  nps: number | null;
};
export type SurveyAnswerView = {
  requestId: string;
  customerId: string | null;
  customerName: string | null;
  caseId: string | null;
  caseNumber: number | null;
  score: number;
  comment: string | null;
  answeredAt: string;
};
/** Who may create and change surveys; agents read them. */
export const surveyManagers: Role[] = ['owner', 'admin', 'manager'];
/** The top of a survey kind's scale (its bottom is 1 for CSAT, 0 for NPS). */
export const surveyScaleMax = (kind: SurveyKind) => (kind === 'csat' ? 5 : 10);

const surveyPath = (id: string, rest = '') => `/api/v1/surveys/${encodeURIComponent(id)}${rest}`;

export const surveysApi = {
  list: () => request<{ items: SurveyView[] }>('GET', '/api/v1/surveys'),
  create: (input: SurveyInput) => request<SurveyView>('POST', '/api/v1/surveys', input),
  update: (id: string, patch: Partial<SurveyInput>) => request<SurveyView>('PATCH', surveyPath(id), patch),
  results: (id: string, days = 30) =>
    request<SurveyResults>('GET', surveyPath(id, `/results${qs({ days })}`)),
  /** Newest first. */
  answers: (id: string, cursor?: string, limit = 20) =>
    request<Page<SurveyAnswerView>>('GET', surveyPath(id, `/answers${qs({ limit, cursor })}`)),
  /** The case's survey requests, newest first; `now` is the server's clock, to count a `heldUntil` down from. */
  forCase: (caseId: string) =>
    request<{ items: SurveyRequestView[]; now: string }>('GET', casePath(caseId, '/surveys')),
  /** Sends a survey for the case now (the enabled case_solved one unless `surveyId` says which). */
  sendForCase: (caseId: string, surveyId?: string) =>
    request<SurveyRequestView>('POST', casePath(caseId, '/survey'), surveyId ? { surveyId } : {}),
};
