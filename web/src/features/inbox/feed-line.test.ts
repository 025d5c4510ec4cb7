import { describe, expect, it } from 'vitest';
import type { RecordEvent } from '../../api/collaboration.ts';
import type { Assignee, Team } from '../../api/inbox.ts';
import { type Directory, feedLine } from './inbox-bits.tsx';

const rep = '01a24a24-72ad-7000-8000-000000000001';
const team = '01a24a24-6fa5-7000-8000-000000000002';
const dir = {
  assignees: [],
  teams: [],
  people: new Map([[rep, { id: rep, name: 'Sofia Sales' } as Assignee]]),
  teamsById: new Map([[team, { id: team, name: 'Billing' } as Team]]),
  nameOf: (id: string | null | undefined) => (id === rep ? 'Sofia Sales' : 'a colleague'),
  reloadTeams: () => undefined,
} as Directory;

const event = (data: Record<string, unknown>): RecordEvent => ({
  id: 1,
  recordType: 'case',
  recordId: 'c',
  kind: 'rules_fired',
  actorUserId: null,
  data,
  createdAt: '2026-01-01T00:00:00Z',
});

describe('feedLine', () => {
  it("shows people's and teams' names in a rule's explanation, not their ids", () => {
    const line = feedLine(
      event({
        event: 'case_created',
        rules: [
          {
            name: 'Sales leads',
            reasons: ['intent is purchase'],
            actions: [`created lead 20 owned by ${rep}`, `team already ${team}`],
          },
        ],
      }),
      dir,
    );
    expect(line.detail).toBe(
      'Sales leads — intent is purchase → created lead 20 owned by Sofia Sales; team already Billing',
    );
    expect(line.detail).not.toMatch(/01a24a24/);
  });
});

describe('feedLine for surveys', () => {
  it('says a survey was not sent, with the reason, rather than that it was sent', () => {
    const line = feedLine(
      { ...event({ error: 'Case 27 has no post to reply to' }), kind: 'survey_not_sent' },
      dir,
    );
    expect(line.text).toBe('Survey not sent');
    expect(line.detail).toBe('Case 27 has no post to reply to');
  });
});
