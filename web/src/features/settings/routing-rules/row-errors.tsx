import type { FormErrors, RowErrors } from '../../../components/forms.tsx';

/** The rule's lists of rows, whose errors are shown under the row they are about. */
export const ruleLists = ['conditions', 'actions'] as const;

export type Marks = { 'aria-invalid'?: true; 'aria-describedby'?: string };

/**
 * Marks the controls of a row whose fields the API refused, pointing each at the row's message.
 * Each control claims the fields it edits; `rest` (for the row's first control, asked last) takes
 * its own and any error no control shown can fix (a team removed meanwhile, a row the API refused
 * as a whole).
 */
export function rowMarks(errors: RowErrors | undefined, errorId: string) {
  const claimed = new Set<string>();
  const marks = (bad: boolean): Marks => (bad ? { 'aria-invalid': true, 'aria-describedby': errorId } : {});
  return {
    on(...fields: string[]): Marks {
      for (const f of fields) claimed.add(f);
      return marks(fields.some((f) => errors?.[f] !== undefined));
    },
    rest(...fields: string[]): Marks {
      return marks(Object.keys(errors ?? {}).some((f) => fields.includes(f) || !claimed.has(f)));
    },
  };
}

/** The messages of a row, under it. */
export function RowError({ id, errors }: { id: string; errors: RowErrors | undefined }) {
  const messages = Object.values(errors ?? {});
  return messages.length > 0 ? (
    <p id={id} className="field-error">
      {messages.join('; ')}
    </p>
  ) : null;
}

/** After row `i` of `list` is removed, the errors of the rows below it move up with their rows. */
export function withoutRow(e: FormErrors, list: string, i: number): FormErrors {
  const rows = e.rows[list];
  if (!rows) return e;
  const kept: Record<number, RowErrors> = {};
  for (const [k, v] of Object.entries(rows)) {
    const n = Number(k);
    if (n !== i) kept[n > i ? n - 1 : n] = v;
  }
  return { ...e, rows: { ...e.rows, [list]: kept } };
}
