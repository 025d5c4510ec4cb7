/**
 * The survey editor's two day counts. The API takes whole numbers in these ranges and, on a new
 * survey, puts its defaults (7 and 14) in place of an omitted one; an editor that sent a cleared
 * field as "omitted" would save a number nobody typed, so an empty field is refused instead.
 */
export const surveyDayFields = {
  cooldownDays: {
    min: 0,
    max: 365,
    empty: 'Enter the cooldown in days, from 0 to 365 (0: no cooldown, ask every time).',
  },
  expiresDays: {
    min: 1,
    max: 90,
    empty: 'Enter how many days the link takes answers, from 1 to 90.',
  },
} as const;

export type SurveyDayField = keyof typeof surveyDayFields;

/** A day count as typed: the number to save, or what is wrong with it, in words for the field. */
export function readSurveyDays(field: SurveyDayField, text: string): { days: number } | { error: string } {
  const { min, max, empty } = surveyDayFields[field];
  const trimmed = text.trim();
  if (trimmed === '') return { error: empty };
  const days = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || days < min || days > max)
    return { error: `Enter a whole number of days from ${min} to ${max}.` };
  return { days };
}
