import { type FormEvent, useId, useState } from 'react';
import type { CaseDetail, CasePatch } from '../../api/inbox.ts';
import { localInputValue, snoozeChoices } from './snooze-times.ts';

/**
 * Snooze a case out of the working views until a moment (it comes back then, or when the customer
 * writes), or end a snooze. The moments are the browser's local time; the server keeps UTC.
 */
export function SnoozeControl({
  detail,
  onChange,
}: {
  detail: CaseDetail;
  onChange(p: CasePatch, label: string): Promise<boolean>;
}) {
  const [open, setOpen] = useState(false);
  const [when, setWhen] = useState('');
  const id = useId();
  const done = detail.status === 'solved' || detail.status === 'closed';
  if (detail.snoozedUntil)
    return (
      <button
        type="button"
        className="secondary compact"
        onClick={() => void onChange({ snoozedUntil: null }, 'Snooze ended: the case is back in the views')}
      >
        Unsnooze
      </button>
    );
  if (done) return null;
  const snooze = async (at: Date) => {
    if (await onChange({ snoozedUntil: at.toISOString() }, `Snoozed until ${at.toLocaleString()}`))
      setOpen(false);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (when) void snooze(new Date(when));
  };
  return (
    <div className="snooze">
      <button
        type="button"
        className="secondary compact"
        aria-expanded={open}
        aria-controls={`${id}-menu`}
        onClick={() => setOpen((o) => !o)}
      >
        Snooze…
      </button>
      {open && (
        <form
          id={`${id}-menu`}
          className="snooze-menu"
          aria-label="Snooze until"
          onSubmit={submit}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              setOpen(false);
            }
          }}
        >
          {snoozeChoices(new Date()).map((c) => (
            <button key={c.label} type="button" className="link-button" onClick={() => void snooze(c.at)}>
              {c.label}
            </button>
          ))}
          <label htmlFor={`${id}-when`} className="small-label">
            Until
          </label>
          <input
            id={`${id}-when`}
            type="datetime-local"
            value={when}
            min={localInputValue(new Date())}
            onChange={(e) => setWhen(e.target.value)}
          />
          <button type="submit" className="compact" disabled={!when}>
            Snooze
          </button>
        </form>
      )}
    </div>
  );
}
