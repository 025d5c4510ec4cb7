import { describe, expect, it } from 'vitest';
import { mentionedIn } from './note-mentions.ts';

const people = [
  { id: 'sofia', name: 'Sofia' },
  { id: 'sofia-sales', name: 'Sofia Sales' },
  { id: 'mia', name: 'Mia Manager' },
];

describe('mentionedIn', () => {
  it('takes the longest name after an @, not every name it starts with', () => {
    expect(mentionedIn('Over to you @Sofia Sales', people)).toEqual(['sofia-sales']);
  });

  it('finds several people, each once', () => {
    expect(mentionedIn('@Sofia and @Mia Manager, then @Sofia again', people).sort()).toEqual([
      'mia',
      'sofia',
    ]);
  });

  it('needs the name to end at a word boundary', () => {
    expect(mentionedIn('@Sofiane will look, and @Mia Managers too', people)).toEqual([]);
    expect(mentionedIn('@Sofia, @Sofia Sales.', people).sort()).toEqual(['sofia', 'sofia-sales']);
  });

  it('ignores an @ that names nobody, and a name without an @', () => {
    expect(mentionedIn('mail me@example.com or ask Sofia', people)).toEqual([]);
  });
});
