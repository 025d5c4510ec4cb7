import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import type { CaseDetail, CasePatch } from '../../api/inbox.ts';
import { localInputValue, snoozeChoices } from './snooze-times.ts';

/**
 * Snooze a case out of the working views until a moment (it comes back then, or when the customer
 * writes), or end a snooze. The moments are the browser's local time; the server keeps UTC.
 */
export function SnoozeControl({
  detail,
  onChange,
  openRequest = 0,
}: {
  detail: CaseDetail;
  onChange(p: CasePatch, label: string): Promise<boolean>;
  /** Opens the menu (or, once snoozed, focuses Unsnooze) when it changes to a value above 0. */
  openRequest?: number;
}) {
  const [open, setOpen] = useState(false);
  const [when, setWhen] = useState('');
  const id = useId();
  const toggle = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLFormElement>(null);
  // The menu takes the focus when it opens, and gives it back to its button (Unsnooze once
  // snoozed) when it closes.
  const refocus = useRef(false);
  useEffect(() => {
    if (open) menu.current?.querySelector('button')?.focus();
  }, [open]);
  // After the render that closed the menu (the button may be Unsnooze by then).
  useEffect(() => {
    if (!refocus.current) return;
    refocus.current = false;
    toggle.current?.focus();
  });
  const done = detail.status === 'solved' || detail.status === 'closed';
  const snoozed = detail.snoozedUntil !== null;
  // A request (the `s` shortcut) opens the menu, or focuses its first choice when it is open; on a
  // snoozed case it lands on Unsnooze. Only a new request acts, not a change of the case.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the request number alone triggers it
  useEffect(() => {
    if (openRequest <= 0 || done) return;
    if (snoozed) toggle.current?.focus();
    else if (open) menu.current?.querySelector('button')?.focus();
    else setOpen(true);
  }, [openRequest]);
  const close = () => {
    refocus.current = true;
    setOpen(false);
  };
  if (snoozed)
    return (
      <button
        ref={toggle}
        type="button"
        className="secondary compact"
        onClick={() => void onChange({ snoozedUntil: null }, 'Snooze ended: the case is back in the views')}
      >
        Unsnooze
      </button>
    );
  if (done) return null;
  const snooze = async (at: Date) => {
    if (await onChange({ snoozedUntil: at.toISOString() }, `Snoozed until ${at.toLocaleString()}`)) close();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (when) void snooze(new Date(when));
  };
  return (
    <div className="snooze">
      <button
        ref={toggle}
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
          ref={menu}
          id={`${id}-menu`}
          className="snooze-menu"
          aria-label="Snooze until"
          onSubmit={submit}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              close();
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
