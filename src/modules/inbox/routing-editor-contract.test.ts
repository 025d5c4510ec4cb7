import { describe, expect, it } from 'vitest';
import type { RoutingCondition as EditorCondition } from '../../../web/src/api/inbox.ts';
import { routingActionTypes, routingFields } from '../../../web/src/api/inbox.ts';
import {
  actionsFor,
  choicesOf,
  emptyRule,
  fieldsFor,
  type Lookups,
  newAction,
  newCondition,
  onEvent,
  opsOf,
} from '../../../web/src/features/settings/routing-rules/rule-model.ts';
import { routingAction, routingCondition, routingRuleInput, ruleEvents } from './routing-schema.ts';

// The web rule editor keeps its own lists of fields, operators, choices and actions: these tests
// hold them to the server's schema, so an editor rule a person completes is one the API accepts.

const stamp = '2026-12-01T00:00:00Z';
const lookups = {
  queries: [{ id: 'q1', name: 'Brand mentions' }],
  topics: [{ id: 'tp1', name: 'Baggage' }],
  teams: [{ id: 't1', name: 'Customer care', memberIds: [], createdAt: stamp }],
  people: [{ id: 'u1', name: 'Sofia Sales', role: 'agent', skills: [] }],
  segments: [{ id: 's1', name: 'VIP' }],
  leadOwners: [{ id: 'u2', name: 'Marco Marketing', role: 'manager' }],
  canned: [
    {
      id: 'c1',
      name: 'Refund status',
      body: 'Hi',
      shared: true,
      ownerUserId: null,
      createdAt: stamp,
      updatedAt: stamp,
    },
  ],
  channels: ['bluesky', 'mastodon'],
} as unknown as Lookups;

/** What a person fills in after adding the condition: the first choice offered, or a typed word. */
function completed(c: EditorCondition): EditorCondition {
  if (!('value' in c) || !Array.isArray(c.value) || c.value.length > 0) return c;
  const offered = choicesOf(c.field, lookups)[0]?.value;
  const typed = c.field === 'language' ? 'en' : 'refund';
  return { ...c, value: [offered ?? typed] } as EditorCondition;
}

const serverFields = routingCondition.options.map((o) => o.shape.field.value).sort();
const serverActions = routingAction.options.map((o) => o.shape.type.value).sort();

describe('the web rule editor against the routing schema', () => {
  it('offers exactly the fields and actions the server knows', () => {
    expect([...routingFields].sort()).toEqual(serverFields);
    expect([...routingActionTypes].sort()).toEqual(serverActions);
  });

  it('starts every field with a condition the server accepts once its value is filled in, under every operator it offers', () => {
    const refused: string[] = [];
    for (const field of routingFields)
      for (const op of opsOf(field)) {
        const condition = { ...completed(newCondition(field)), op } as EditorCondition;
        if (!routingCondition.safeParse(condition).success) refused.push(`${field} ${op}`);
      }
    expect(refused).toEqual([]);
  });

  it('offers for each choice field only values the server accepts', () => {
    const refused: string[] = [];
    for (const field of routingFields)
      for (const choice of choicesOf(field, lookups)) {
        const condition = { ...newCondition(field), value: [choice.value] };
        if (!routingCondition.safeParse(condition).success) refused.push(`${field}=${choice.value}`);
      }
    expect(refused).toEqual([]);
  });

  it('starts every action so that the server accepts it (tags and people once chosen)', () => {
    const refused: string[] = [];
    for (const type of routingActionTypes) {
      let action = newAction(type, lookups);
      if (action.type === 'add_tags') action = { ...action, value: ['vip'] };
      if (action.type === 'notify') action = { ...action, userIds: ['u1'] };
      if (!routingAction.safeParse(action).success) refused.push(type);
    }
    expect(refused).toEqual([]);
  });

  it('offers on each event exactly the conditions and actions the server allows there', () => {
    for (const event of ruleEvents) {
      const hours = completed(newCondition('hours_since'));
      const base = { name: 'r', event, match: 'all' as const };
      const accepts = (conditions: EditorCondition[], actions: unknown[]) =>
        routingRuleInput.safeParse({
          ...base,
          // A time rule needs its lower bound on time, whatever else it says.
          conditions: event === 'time_elapsed' ? [hours, ...conditions] : conditions,
          actions,
        }).success;
      const anAction = newAction(actionsFor(event)[0] ?? 'set_priority', lookups);
      const offeredFields = new Set(fieldsFor(event));
      for (const field of routingFields)
        expect(accepts([completed(newCondition(field))], [anAction]), `${event}: ${field}`).toBe(
          offeredFields.has(field),
        );
      const offeredActions = new Set(actionsFor(event));
      for (const type of routingActionTypes) {
        let action = newAction(type, lookups);
        if (action.type === 'add_tags') action = { ...action, value: ['vip'] };
        if (action.type === 'notify') action = { ...action, userIds: ['u1'] };
        expect(accepts([], [action]), `${event}: ${type}`).toBe(offeredActions.has(type));
      }
    }
  });

  it('turns a rule on posts into one the server accepts on every other event', () => {
    const onPosts = {
      ...emptyRule(),
      name: 'Complaints',
      conditions: [
        { field: 'intent', op: 'in', value: ['complaint'] },
        { field: 'keywords', op: 'contains_any', value: ['refund'] },
      ],
      actions: [
        { type: 'create_case', attachToOpenCase: true },
        { type: 'dismiss', reason: 'spam' },
      ],
    } as Parameters<typeof onEvent>[0];
    for (const event of ruleEvents) {
      const moved = onEvent(onPosts, event, lookups);
      const parsed = routingRuleInput.safeParse(moved);
      expect(parsed.error?.issues ?? [], event).toEqual([]);
      expect(moved.event).toBe(event);
    }
  });
});
