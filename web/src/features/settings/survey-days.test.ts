import { describe, expect, it } from 'vitest';
import { readSurveyDays } from './survey-days.ts';

describe('readSurveyDays', () => {
  it('refuses a cleared field with a message saying what to enter, instead of leaving it to a default', () => {
    expect(readSurveyDays('cooldownDays', '')).toEqual({
      error: 'Enter the cooldown in days, from 0 to 365 (0: no cooldown, ask every time).',
    });
    expect(readSurveyDays('expiresDays', '  ')).toEqual({
      error: 'Enter how many days the link takes answers, from 1 to 90.',
    });
  });

  it('takes whole numbers in the API’s ranges, 0 meaning no cooldown', () => {
    expect(readSurveyDays('cooldownDays', '0')).toEqual({ days: 0 });
    expect(readSurveyDays('cooldownDays', ' 365 ')).toEqual({ days: 365 });
    expect(readSurveyDays('expiresDays', '1')).toEqual({ days: 1 });
    expect(readSurveyDays('expiresDays', '90')).toEqual({ days: 90 });
  });

  it('refuses fractions, signs and numbers out of range', () => {
    for (const [field, text] of [
      ['cooldownDays', '366'],
      ['cooldownDays', '-1'],
      ['cooldownDays', '2.5'],
      ['cooldownDays', '1e2'],
      ['expiresDays', '0'],
      ['expiresDays', '91'],
    ] as const)
      expect(readSurveyDays(field, text), `${field} ${text}`).toHaveProperty('error');
    expect(readSurveyDays('expiresDays', '0')).toEqual({
      error: 'Enter a whole number of days from 1 to 90.',
    });
  });
});
