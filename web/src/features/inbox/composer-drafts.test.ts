import { describe, expect, it } from 'vitest';
import { loadDraft, saveDraft, unfilledPlaceholders } from './composer-drafts.ts';

function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
    size: () => m.size,
  };
}

describe('composer drafts', () => {
  it('keeps a draft per case and forgets it once emptied', () => {
    const s = memoryStorage();
    saveDraft(s, 'a', { mode: 'note', body: 'ask @Mia', ack: '' });
    saveDraft(s, 'b', { mode: 'reply', body: 'Hello', ack: '' });
    expect(loadDraft(s, 'a')).toEqual({ mode: 'note', body: 'ask @Mia', ack: '' });
    expect(loadDraft(s, 'b')?.body).toBe('Hello');
    saveDraft(s, 'a', { mode: 'note', body: '  ', ack: '' });
    expect(loadDraft(s, 'a')).toBeNull();
    expect(s.size()).toBe(1);
  });

  it('reads a damaged entry as no draft', () => {
    const s = memoryStorage();
    s.setItem('rapport.composer-draft.a', '{not json');
    expect(loadDraft(s, 'a')).toBeNull();
    expect(loadDraft(undefined, 'a')).toBeNull();
  });
});

describe('unfilledPlaceholders', () => {
  it('finds every {{…}} left in the text, whatever its name', () => {
    expect(unfilledPlaceholders('Hi {{customer.first_name}}, {{customerx}} and {{ customer.nme }}')).toEqual([
      '{{customer.first_name}}',
      '{{customerx}}',
      '{{ customer.nme }}',
    ]);
    expect(unfilledPlaceholders('Hi Ana, thanks {for} writing')).toEqual([]);
  });
});
