import { describe, expect, it } from 'vitest';
import { cellsOf, columnMapping, csvField, requireColumns } from './csv.ts';

describe('the columns an import reads', () => {
  const fields = ['email', 'title', 'stage'] as const;

  it('maps fields to the columns named, each other field to its own name, and refuses unknown fields', () => {
    expect(columnMapping(fields, 'email=E-mail, title = Deal')).toEqual({
      email: 'E-mail',
      title: 'Deal',
      stage: 'stage',
    });
    expect(columnMapping(fields, undefined)).toEqual({ email: 'email', title: 'title', stage: 'stage' });
    expect(() => columnMapping(fields, 'amount=Total')).toThrow(
      '--map: unknown field "amount" (fields: email, title, stage)',
    );
    expect(() => columnMapping(fields, 'email=')).toThrow('--map: "email=" names no column');
  });

  it('names every required column the header lacks and the --map that would fix it', () => {
    const mapping = columnMapping(fields, 'title=Deal');
    expect(() => requireColumns(mapping, ['email', 'title'], { Deal: 'x', stage: 'lead' })).toThrow(
      'The file has no column "email" (email); map it with --map email=<column>',
    );
    expect(() => requireColumns(mapping, ['email', 'title'], { email: 'a@b.example', title: 'x' })).toThrow(
      '"Deal" (title)',
    );
    expect(() => requireColumns(mapping, ['email', 'title'], { email: '', Deal: '' })).not.toThrow();
  });

  it('reads cells trimmed, an empty or absent one as undefined', () => {
    const cell = cellsOf(columnMapping(fields, 'title=Deal'), { email: '  a@b.example ', Deal: '   ' });
    expect(cell('email')).toBe('a@b.example');
    expect(cell('title')).toBeUndefined();
    expect(cell('stage')).toBeUndefined();
  });
});

describe('csvField', () => {
  it('quotes what needs quoting and keeps spreadsheets from running formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, "b"')).toBe('"a, ""b"""');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvField(-3)).toBe('-3');
    expect(csvField(null)).toBe('');
  });
});
