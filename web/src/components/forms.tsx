import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.ts';

export type FieldErrors = Record<string, string>;

/** API field errors by form field: `keywords.2` becomes the `keywords` field, "line 3: …". */
export function fieldErrors(err: unknown): FieldErrors {
  if (!(err instanceof ApiError)) return { form: 'Something went wrong. Try again.' };
  return byField(err.fields, err.message);
}

function byField(fields: Record<string, string>, otherwise: string): FieldErrors {
  const out: FieldErrors = {};
  for (const [path, message] of Object.entries(fields)) {
    const [field = 'form', index] = path.split('.');
    const text =
      index !== undefined && /^\d+$/.test(index) ? `line ${Number(index) + 1}: ${message}` : message;
    out[field] = out[field] ? `${out[field]}; ${text}` : text;
  }
  if (Object.keys(out).length === 0) out.form = otherwise;
  return out;
}

/** One row's API errors by the row's own field (`value`, `teamId`), '' for the row as a whole. */
export type RowErrors = Record<string, string>;

export type FormErrors = {
  /** Errors that belong to no row, as fieldErrors reads them. */
  fields: FieldErrors;
  /** By list (`conditions`), then by row index from 0. */
  rows: Record<string, Record<number, RowErrors>>;
};

export const noFormErrors: FormErrors = { fields: {}, rows: {} };

/**
 * API field errors of a form with repeated rows, so each can be shown under its own row:
 * `conditions.1.value` is row 2 of `conditions`, field `value`. An error about a list as a whole
 * (`conditions`) or any other field stays in `fields`.
 */
export function formErrors(err: unknown, lists: readonly string[]): FormErrors {
  if (!(err instanceof ApiError)) return { fields: fieldErrors(err), rows: {} };
  const rest: Record<string, string> = {};
  const rows: FormErrors['rows'] = {};
  for (const [path, message] of Object.entries(err.fields)) {
    const [list = '', index, field = ''] = path.split('.');
    if (!lists.includes(list) || index === undefined || !/^\d+$/.test(index)) {
      rest[path] = message;
      continue;
    }
    const byRow = rows[list] ?? {};
    const row = byRow[Number(index)] ?? {};
    row[field] = row[field] ? `${row[field]}; ${message}` : message;
    byRow[Number(index)] = row;
    rows[list] = byRow;
  }
  // When every error has its row, the request's own message ("Invalid request body") adds nothing.
  const fields =
    Object.keys(rest).length > 0 || Object.keys(rows).length === 0 ? byField(rest, err.message) : {};
  return { fields, rows };
}

/** Props for an input whose API error is shown right under it. */
export function describedBy(id: string, errors: FieldErrors, field: string) {
  return errors[field]
    ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` }
    : { 'aria-invalid': false as const };
}

export function FieldError({ id, errors, field }: { id: string; errors: FieldErrors; field: string }) {
  return errors[field] ? (
    <p id={`${id}-error`} className="field-error">
      {errors[field]}
    </p>
  ) : null;
}

/** A delete button that asks once more, inline, before deleting. */
export function ConfirmDelete({
  what,
  disabled,
  onConfirm,
}: {
  what: string;
  disabled: boolean;
  onConfirm(): Promise<void>;
}) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState('');
  const cancel = useRef<HTMLButtonElement>(null);
  const start = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  // Focus follows the question: onto Cancel when it appears, back to Delete when it goes.
  useEffect(() => {
    if (asking) cancel.current?.focus();
    else if (wasAsking.current) start.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button
        ref={start}
        type="button"
        className="secondary danger"
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        Delete
      </button>
    );
  }
  return (
    <span className="confirm">
      <span>Delete “{what}”?</span>
      <button
        type="button"
        className="danger-solid"
        onClick={() =>
          void onConfirm().catch((err) =>
            setError(err instanceof ApiError ? err.message : 'Could not delete.'),
          )
        }
      >
        Yes, delete
      </button>
      <button ref={cancel} type="button" className="secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
      {error && (
        <span role="alert" className="field-error">
          {error}
        </span>
      )}
    </span>
  );
}

/**
 * The options of a person select: `me` first, marked "(you)", then the others by name. Who opens
 * a record by hand usually works it, so forms default to them.
 */
export function PeopleOptions({
  people,
  me,
}: {
  people: { id: string; name: string }[];
  me: string | undefined;
}) {
  const sorted = [...people].sort((a, b) =>
    a.id === me ? -1 : b.id === me ? 1 : a.name.localeCompare(b.name),
  );
  return sorted.map((p) => (
    <option key={p.id} value={p.id}>
      {p.id === me ? `${p.name} (you)` : p.name}
    </option>
  ));
}
