import type { Topic } from '../../../api/analysis.ts';
import { lifecycleStages } from '../../../api/customers.ts';
import {
  type Assignee,
  type CannedResponse,
  type CaseMoment,
  caseChanges,
  casePriorities,
  caseStatuses,
  caseTypes,
  type RoutingAction,
  type RoutingActionType,
  type RoutingCondition,
  type RoutingField,
  type RoutingRuleInput,
  type RuleEvent,
  routingActionTypes,
  routingFields,
  surveyRatings,
  type Team,
} from '../../../api/inbox.ts';
import type { ListeningQuery } from '../../../api/listening.ts';
import type { SalesOwner } from '../../../api/sales.ts';
import type { Segment } from '../../../api/segments.ts';

const intents = [
  'purchase_intent',
  'complaint',
  'support_question',
  'praise',
  'idea',
  'churn_risk',
  'spam',
  'other',
];
const sentiments = ['negative', 'neutral', 'positive', 'und'];
export const words = (s: string) => s.replaceAll('_', ' ');

export const fieldLabels: Record<RoutingField, string> = {
  channel: 'Channel',
  query: 'Listening query',
  intent: 'Intent',
  sentiment: 'Sentiment',
  topic: 'Topic',
  language: 'Language',
  urgency: 'Urgency (0–100)',
  influence: 'Author influence (0–100)',
  followers: 'Author followers',
  keywords: 'Text',
  segment: 'Customer segment',
  lifecycle_stage: 'Customer lifecycle stage',
  business_hours: 'Posted within business hours',
  customer_has_open_case: 'Customer has an open case',
  case_exists: 'An earlier rule made a case',
  case_priority: 'Case priority',
  case_type: 'Case type',
  case_status: 'Case status',
  case_assigned: 'Case is assigned',
  case_team: 'Case team',
  case_tags: 'Case tags',
  changed: 'The update changed',
  hours_since: 'Hours since',
  survey_rating: 'Latest survey answer',
};

export const eventLabels: Record<RuleEvent, string> = {
  mention_stored: 'a new post is stored',
  case_created: 'a case is created',
  case_updated: 'a case is updated',
  time_elapsed: 'time passes on an open case',
};
export const eventPills: Record<RuleEvent, string> = {
  mention_stored: 'new posts',
  case_created: 'case created',
  case_updated: 'case updated',
  time_elapsed: 'time rule',
};
export const momentLabels: Record<CaseMoment, string> = {
  created: 'the case was created',
  updated: 'the case was last updated',
  solved: 'the case was solved',
  customer_message: 'the customer last wrote',
  agent_reply: 'an agent last replied',
};
/** Conditions on a case's present state or change: rules on case events only. */
const caseOnly = new Set<RoutingField>([
  'case_status',
  'case_assigned',
  'case_team',
  'case_tags',
  'changed',
  'hours_since',
  'survey_rating',
]);
/** The conditions a rule on this event may use (the server checks the same). */
export const fieldsFor = (event: RuleEvent): RoutingField[] =>
  routingFields.filter((f) =>
    event === 'mention_stored'
      ? !caseOnly.has(f)
      : (f !== 'changed' || event === 'case_updated') && (f !== 'hours_since' || event === 'time_elapsed'),
  );
/** Actions that act on a new post, which rules on cases have not. */
const postOnly = new Set<RoutingActionType>(['create_case', 'create_lead', 'dismiss']);
export const actionsFor = (event: RuleEvent): RoutingActionType[] =>
  routingActionTypes.filter((t) => (event === 'mention_stored' ? t !== 'set_status' : !postOnly.has(t)));
export const opLabels: Record<string, string> = {
  in: 'is any of',
  not_in: 'is none of',
  gte: 'is at least',
  lte: 'is at most',
  contains_any: 'contains any of',
  contains_none: 'contains none of',
  is_true: 'yes',
  is_false: 'no',
};
export const actionLabels: Record<RoutingActionType, string> = {
  create_case: 'Create a case',
  set_priority: 'Set priority',
  set_type: 'Set type',
  add_tags: 'Add tags',
  assign_team: 'Send to team',
  assign: 'Assign by round robin or load',
  assign_agent: 'Assign to a named person',
  send_reply: 'Reply with a canned response',
  create_lead: 'Create a sales lead',
  notify: 'Notify people',
  dismiss: 'Dismiss the post',
  set_status: 'Set status',
};

type FieldKind = 'choices' | 'list' | 'number' | 'bool' | 'hours';
export const kindOf = (f: RoutingField): FieldKind =>
  f === 'hours_since'
    ? 'hours'
    : f === 'urgency' || f === 'influence' || f === 'followers'
      ? 'number'
      : f === 'customer_has_open_case' ||
          f === 'case_exists' ||
          f === 'business_hours' ||
          f === 'case_assigned'
        ? 'bool'
        : f === 'keywords' || f === 'language' || f === 'case_tags'
          ? 'list'
          : 'choices';
export const opsOf = (f: RoutingField): string[] => {
  if (f === 'keywords' || f === 'case_tags') return ['contains_any', 'contains_none'];
  if (f === 'hours_since') return ['gte', 'lte'];
  const k = kindOf(f);
  return k === 'number' ? ['gte', 'lte'] : k === 'bool' ? ['is_true', 'is_false'] : ['in', 'not_in'];
};

export function newCondition(field: RoutingField): RoutingCondition {
  const k = kindOf(field);
  if (field === 'hours_since') return { field, since: 'created', op: 'gte', value: 24 };
  if (field === 'case_tags') return { field, op: 'contains_any', value: [] };
  if (k === 'number')
    return {
      field,
      op: 'gte',
      value: field === 'followers' ? 1000 : field === 'urgency' ? 70 : 50,
    } as RoutingCondition;
  if (k === 'bool') return { field, op: 'is_true' } as RoutingCondition;
  if (field === 'keywords') return { field, op: 'contains_any', value: [] };
  return { field, op: 'in', value: [] } as RoutingCondition;
}

export function newAction(type: RoutingActionType, l: Lookups): RoutingAction {
  switch (type) {
    case 'create_case':
      return { type, attachToOpenCase: true };
    case 'set_priority':
      return { type, value: 'high' };
    case 'set_type':
      return { type, value: 'complaint' };
    case 'add_tags':
      return { type, value: [] };
    case 'assign_team':
      return { type, teamId: l.teams[0]?.id ?? '' };
    case 'assign':
      return { type, strategy: 'round_robin' };
    case 'assign_agent':
      return { type, userId: l.people[0]?.id ?? '' };
    case 'send_reply':
      return { type, cannedId: l.canned[0]?.id ?? '' };
    case 'create_lead':
      return { type, stage: 'lead' };
    case 'notify':
      return { type, userIds: [] };
    case 'dismiss':
      return { type, reason: 'spam' };
    case 'set_status':
      return { type, value: 'solved' };
  }
}

/** The rule as it becomes on another event: what that event cannot use is dropped, with a start for what it needs. */
export function onEvent(d: RoutingRuleInput, event: RuleEvent, l: Lookups): RoutingRuleInput {
  const fields = new Set(fieldsFor(event));
  const types = new Set(actionsFor(event));
  let conditions = d.conditions.filter((c) => fields.has(c.field));
  let actions = d.actions.filter((a) => types.has(a.type));
  if (actions.length === 0)
    actions = [newAction(event === 'mention_stored' ? 'create_case' : 'set_priority', l)];
  if (event === 'time_elapsed' && !conditions.some((c) => c.field === 'hours_since' && c.op === 'gte'))
    conditions = [newCondition('hours_since'), ...conditions];
  return { ...d, event, conditions, actions, ...(event === 'time_elapsed' ? { match: 'all' as const } : {}) };
}

export const emptyRule = (): RoutingRuleInput => ({
  name: '',
  enabled: true,
  match: 'all',
  conditions: [],
  actions: [{ type: 'create_case', attachToOpenCase: true }],
});

export type Lookups = {
  queries: ListeningQuery[];
  topics: Topic[];
  teams: Team[];
  people: Assignee[];
  segments: Segment[];
  leadOwners: SalesOwner[];
  /** Shared canned responses: the ones a rule may send. */
  canned: CannedResponse[];
  /** The known channels, then those only the workspace's posts came from (an import's). */
  channels: readonly string[];
};

/** Conditions that hold or not, as they read in a rule's sentence: [when true, when false]. */
const yesNoSentences: Partial<Record<RoutingField, [string, string]>> = {
  customer_has_open_case: ['the customer has an open case', 'the customer has no open case'],
  case_exists: ['an earlier rule made a case', 'no earlier rule made a case'],
  business_hours: ['posted within business hours', 'posted outside business hours'],
  case_assigned: ['the case is assigned', 'the case is unassigned'],
};

/** Sentences for a rule in the list: "When sentiment is any of negative → Create a case". */
export function describe(r: RoutingRuleInput, l: Lookups): string {
  const name = (f: RoutingField, v: string) =>
    f === 'query'
      ? (l.queries.find((q) => q.id === v)?.name ?? 'a deleted query')
      : f === 'topic'
        ? (l.topics.find((t) => t.id === v)?.name ?? 'a deleted topic')
        : f === 'segment'
          ? (l.segments.find((s) => s.id === v)?.name ?? 'a deleted segment')
          : f === 'case_team'
            ? (l.teams.find((t) => t.id === v)?.name ?? 'a deleted team')
            : words(v);
  const conds = r.conditions.map((c) => {
    if (c.field === 'changed')
      return `the update ${c.op === 'in' ? 'changed' : 'did not change'} ${c.value.map(words).join(c.op === 'in' ? ' or ' : ' nor ')}`;
    if (c.field === 'hours_since')
      return `${momentLabels[c.since] ?? words(c.since)} ${c.op === 'gte' ? 'at least' : 'at most'} ${c.value} h ago`;
    const yesNo = yesNoSentences[c.field];
    if (yesNo) return c.op === 'is_true' ? yesNo[0] : yesNo[1];
    const v = 'value' in c ? c.value : undefined;
    const shown = Array.isArray(v)
      ? v.map((x) => name(c.field, x)).join(', ')
      : v === undefined
        ? ''
        : String(v);
    const label = fieldLabels[c.field] ?? words(c.field);
    return `${label.replace(/ \(.*\)$/, '').toLowerCase()} ${opLabels[c.op] ?? words(c.op)}${shown ? ` ${shown}` : ''}`;
  });
  const event = r.event ?? 'mention_stored';
  const joined = conds.join(r.match === 'all' ? ' and ' : ' or ');
  const when =
    event === 'mention_stored'
      ? conds.length
        ? `When ${joined}`
        : 'Every mention'
      : `When ${eventLabels[event] ?? words(event)}${conds.length ? ` and ${joined}` : ''}`;
  return `${when} → ${r.actions.map((a) => describeAction(a, l)).join(', ')}`;
}

/** An action as it reads in a rule's sentence, with what it sets and whom it names. */
function describeAction(a: RoutingAction, l: Lookups): string {
  const team = (id: string) => l.teams.find((t) => t.id === id)?.name ?? 'a deleted team';
  const person = (id: string) =>
    (l.people.find((p) => p.id === id) ?? l.leadOwners.find((p) => p.id === id))?.name ?? 'a removed person';
  switch (a.type) {
    case 'create_case': {
      const details = [
        a.priority,
        a.caseType && words(a.caseType),
        a.attachToOpenCase === false && 'a new one even when one is open',
      ].filter(Boolean);
      return details.length > 0 ? `Create a case (${details.join(', ')})` : 'Create a case';
    }
    case 'set_priority':
      return `Set priority to ${a.value}`;
    case 'set_type':
      return `Set type to ${words(a.value)}`;
    case 'add_tags':
      return `Tag ${a.value.map((t) => `#${t}`).join(' ')}`;
    case 'assign_team':
      return `Send to ${team(a.teamId)}`;
    case 'assign':
      return `Assign by ${a.strategy === 'round_robin' ? 'round robin' : 'fewest open cases'}${a.teamId ? ` in ${team(a.teamId)}` : ''}${a.skills?.length ? ` with ${a.skills.join(', ')}` : ''}`;
    case 'assign_agent':
      return `Assign to ${person(a.userId)}`;
    case 'send_reply':
      return `Reply with "${l.canned.find((c) => c.id === a.cannedId)?.name ?? 'a deleted canned response'}"`;
    case 'create_lead':
      return `Create a sales lead (${words(a.stage ?? 'lead')})${a.ownerUserId ? ` for ${person(a.ownerUserId)}` : a.teamId ? ` for ${team(a.teamId)}` : ''}`;
    case 'notify':
      return `Notify ${a.userIds.map(person).join(', ')}`;
    case 'dismiss':
      return `Dismiss as ${words(a.reason)}`;
    case 'set_status':
      return `Set status to ${words(a.value)}`;
    default:
      // A rule made through the API by a newer server may hold kinds this page does not know yet.
      return words((a as { type: string }).type);
  }
}

export const splitList = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const opts = (list: readonly string[]) =>
  list.map((v) => ({ value: v, label: v === 'und' ? 'undetermined' : words(v) }));

/** The values a person picks from for a condition on this field. */
export function choicesOf(field: RoutingField, l: Lookups): { value: string; label: string }[] {
  switch (field) {
    case 'channel':
      return opts(l.channels);
    case 'query':
      return l.queries.map((q) => ({ value: q.id, label: q.name }));
    case 'topic':
      return l.topics.map((t) => ({ value: t.id, label: t.name }));
    case 'segment':
      return l.segments.map((s) => ({ value: s.id, label: s.name }));
    case 'lifecycle_stage':
      return opts(lifecycleStages);
    case 'intent':
      return opts(intents);
    case 'sentiment':
      return opts(sentiments);
    case 'case_priority':
      return opts(casePriorities);
    case 'case_type':
      return opts(caseTypes);
    case 'case_status':
      return opts(caseStatuses);
    case 'case_team':
      return l.teams.map((t) => ({ value: t.id, label: t.name }));
    case 'changed':
      return opts(caseChanges);
    case 'survey_rating':
      return opts(surveyRatings);
    default:
      return [];
  }
}
