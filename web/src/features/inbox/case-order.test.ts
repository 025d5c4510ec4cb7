import { describe, expect, it } from 'vitest';
import type { CasePriority } from '../../api/inbox.ts';
import { appendPage, compareCases, placeCard, sortOf } from './case-order.ts';

const card = (
  number: number,
  priority: CasePriority = 'normal',
  waitingSince: string | null = null,
  dueAt: string | null = null,
) => ({
  id: `c${number}`,
  number,
  priority,
  waitingSince,
  sla: dueAt
    ? [
        {
          metric: 'resolution' as const,
          policyId: 'p',
          status: 'running' as const,
          dueAt,
          targetMinutes: 60,
          warnedAt: null,
          breachedAt: null,
          achievedAt: null,
        },
        {
          metric: 'first_response' as const,
          policyId: 'p',
          status: 'achieved' as const,
          dueAt: '2026-01-01T00:00:00.000Z',
          targetMinutes: 60,
          warnedAt: null,
          breachedAt: null,
          achievedAt: null,
        },
      ]
    : [],
});
const numbers = (cs: { number: number }[]) => cs.map((c) => c.number);

describe('compareCases', () => {
  const cards = [
    card(1, 'low', '2026-12-07T10:00:00.000Z'),
    card(2, 'urgent'),
    card(3, 'high', '2026-12-07T09:00:00.000Z'),
    card(4, 'urgent', '2026-12-07T10:00:00.000Z'),
    card(5, 'normal'),
  ];
  it('orders as the server does for each order', () => {
    expect(numbers([...cards].sort(compareCases('newest')))).toEqual([5, 4, 3, 2, 1]);
    expect(numbers([...cards].sort(compareCases('oldest')))).toEqual([1, 2, 3, 4, 5]);
    expect(numbers([...cards].sort(compareCases('priority')))).toEqual([2, 4, 3, 5, 1]);
    // Waiting first, longest wait first (ties by number); then the rest newest first.
    expect(numbers([...cards].sort(compareCases('waiting')))).toEqual([3, 1, 4, 5, 2]);
  });
  it('orders by the earliest running clock for the due order, the clocks met or stopped aside', () => {
    const due = [
      card(1, 'normal', null, '2026-12-07T12:00:00.000Z'),
      card(2),
      card(3, 'normal', null, '2026-12-07T11:00:00.000Z'),
      card(4, 'normal', null, '2026-12-07T12:00:00.000Z'),
    ];
    expect(numbers([...due].sort(compareCases('due')))).toEqual([3, 1, 4, 2]);
  });
});

describe('sortOf', () => {
  it('is the order named, else due first for the due-soon filter, else newest first', () => {
    expect(sortOf({})).toBe('newest');
    expect(sortOf({ dueWithinMinutes: 60 })).toBe('due');
    expect(sortOf({ dueWithinMinutes: 60, sort: 'priority' })).toBe('priority');
  });
});

describe('placeCard', () => {
  it('puts a changed card where the order wants it and drops its old place', () => {
    const loaded = [card(3, 'urgent'), card(1, 'high'), card(2, 'normal')];
    expect(numbers(placeCard(loaded, card(2, 'urgent'), 'priority', false))).toEqual([2, 3, 1]);
  });
  it('leaves a card that sorts after the loaded ones to a later page while there is one', () => {
    const loaded = [card(1), card(2)];
    expect(numbers(placeCard(loaded, card(9), 'oldest', true))).toEqual([1, 2]);
    expect(numbers(placeCard(loaded, card(9), 'oldest', false))).toEqual([1, 2, 9]);
    // A card already listed that moves past the end leaves the list until its page comes.
    expect(numbers(placeCard([card(1, 'high'), card(2, 'high')], card(1, 'low'), 'priority', true))).toEqual([
      2,
    ]);
  });
});

describe('appendPage', () => {
  it('keeps a card once, where the newer page has it', () => {
    expect(numbers(appendPage([card(1), card(2), card(3)], [card(2), card(4)]))).toEqual([1, 3, 2, 4]);
  });
});
