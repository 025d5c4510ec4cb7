import { describe, expect, it } from 'vitest';
import type { RoutingRuleInput } from '../../../api/inbox.ts';
import { describe as describeRule, type Lookups } from './rule-model.ts';

const lookups: Lookups = {
  queries: [],
  topics: [],
  teams: [{ id: 't1', name: 'Customer care', memberIds: [], createdAt: '2026-12-01T00:00:00Z' }],
  people: [{ id: 'u1', name: 'Sofia Sales', role: 'agent', skills: [] }],
  segments: [],
  leadOwners: [{ id: 'u2', name: 'Marco Marketing', role: 'manager' }],
  canned: [
    {
      id: 'c1',
      name: 'Refund status',
      body: 'Hi {{customer.name}}',
      shared: true,
      ownerUserId: null,
      createdAt: '2026-12-01T00:00:00Z',
      updatedAt: '2026-12-01T00:00:00Z',
    },
  ],
  channels: ['bluesky'],
};

const rule = (actions: RoutingRuleInput['actions']): RoutingRuleInput => ({
  name: 'r',
  enabled: true,
  match: 'all',
  conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
  actions,
});

describe('a routing rule as a sentence', () => {
  it('names what each action sets and whom it names', () => {
    expect(
      describeRule(
        rule([
          { type: 'create_case', caseType: 'complaint', priority: 'high', attachToOpenCase: true },
          { type: 'add_tags', value: ['refund', 'baggage'] },
          { type: 'assign_team', teamId: 't1' },
          { type: 'assign', strategy: 'least_open', teamId: 't1', skills: ['spanish'] },
          { type: 'send_reply', cannedId: 'c1' },
          { type: 'notify', userIds: ['u1', 'u2'] },
        ]),
        lookups,
      ),
    ).toBe(
      'When intent is any of complaint → Create a case (high, complaint), Tag #refund #baggage, Send to Customer care, ' +
        'Assign by fewest open cases in Customer care with spanish, Reply with "Refund status", Notify Sofia Sales, Marco Marketing',
    );
    expect(
      describeRule(
        rule([
          { type: 'set_priority', value: 'urgent' },
          { type: 'create_lead', stage: 'marketing_qualified', ownerUserId: 'u2' },
          { type: 'dismiss', reason: 'not_actionable' },
          { type: 'create_case', attachToOpenCase: false },
        ]),
        lookups,
      ),
    ).toBe(
      'When intent is any of complaint → Set priority to urgent, Create a sales lead (marketing qualified) for Marco Marketing, ' +
        'Dismiss as not actionable, Create a case (a new one even when one is open)',
    );
  });

  it('says so when an action names a team, person or response that is gone', () => {
    expect(
      describeRule(
        rule([
          { type: 'assign_team', teamId: 'gone' },
          { type: 'assign_agent', userId: 'gone' },
          { type: 'send_reply', cannedId: 'gone' },
        ]),
        lookups,
      ),
    ).toBe(
      'When intent is any of complaint → Send to a deleted team, Assign to a removed person, Reply with "a deleted canned response"',
    );
  });
});
