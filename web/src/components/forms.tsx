import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.ts';

export type FieldErrors = Record<string, string>;

/**
 * API field errors by form field: `keywords.2` becomes the `keywords` field, "line 3: …", or with
 * `rows` (`{ conditions: 'Condition' }`) the form's own name for a row: "Condition 3: …".
 */
export function fieldErrors(err: unknown, rows: Record<string, string> = {}): FieldErrors {
  if (!(err instanceof ApiError)) return { form: 'Something went wrong. Try again.' };
  const out: FieldErrors = {};
  for (const [path, message] of Object.entries(err.fields)) {
    const [field = 'form', index] = path.split('.');
    const text =
      index !== undefined && /^\d+$/.test(index)
        ? `${rows[field] ?? 'line'} ${Number(index) + 1}: ${message}`
        : message;
    out[field] = out[field] ? `${out[field]}; ${text}` : text;
  }
  if (Object.keys(out).length === 0) out.form = err.message;
  return out;
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
