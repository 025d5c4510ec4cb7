import { describe, expect, it } from 'vitest';
import { triageSummary } from './triage-bar.tsx';

const decided = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    mentionId: i + 1,
    disposition: 'dismissed' as const,
    reason: 'spam',
    caseId: null,
    at: '2026-12-07T09:00:00.000Z',
    by: 'u1',
  }));

describe('triageSummary', () => {
  it('says how many posts were decided and why the others were left', () => {
    expect(triageSummary({ decided: decided(3), skipped: [] }, 'Dismissed as spam:')).toBe(
      'Dismissed as spam: 3 posts.',
    );
    expect(
      triageSummary(
        {
          decided: decided(1),
          skipped: [
            { mentionId: 7, reason: 'already_decided' },
            { mentionId: 8, reason: 'deleted' },
            { mentionId: 9, reason: 'not_found' },
          ],
        },
        'Marked answered:',
      ),
    ).toBe(
      'Marked answered: 1 post. 1 already decided kept its decision. 2 deleted meanwhile were left out.',
    );
    expect(
      triageSummary(
        {
          decided: [],
          skipped: [
            { mentionId: 7, reason: 'already_decided' },
            { mentionId: 8, reason: 'already_decided' },
          ],
        },
        'Dismissed as noise:',
      ),
    ).toBe('Dismissed as noise: 0 posts. 2 already decided kept their decision.');
  });
});
