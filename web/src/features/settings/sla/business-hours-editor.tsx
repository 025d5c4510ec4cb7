import { type FormEvent, useEffect, useId, useState } from 'react';
import {
  type BusinessHours,
  type BusinessHoursInput,
  inboxApi,
  type Weekday,
  weekdays,
} from '../../../api/inbox.ts';
import { type FieldErrors, fieldErrors } from '../../../components/forms.tsx';

const dayNames: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};
const hhmm = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** Opening windows per weekday and holidays, in the workspace's time zone. */
export function BusinessHoursEditor({
  canManage,
  onSaved,
}: {
  canManage: boolean;
  onSaved(text: string): void;
}) {
  const id = useId();
  const [hours, setHours] = useState<BusinessHours | null>(null);
  const [draft, setDraft] = useState<BusinessHoursInput | null>(null);
  const [holiday, setHoliday] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    inboxApi
      .businessHours()
      .then((h) => {
        setHours(h);
        setDraft({ week: h.week, holidays: h.holidays });
      })
      .catch((err) => setErrors(fieldErrors(err)));
  }, []);

  if (!draft || !hours)
    return errors.form ? (
      <p role="alert" className="error">
        {errors.form}
      </p>
    ) : (
      <p className="muted">Loading opening hours…</p>
    );

  const setDay = (day: Weekday, windows: [string, string][]) =>
    setDraft({ ...draft, week: { ...draft.week, [day]: windows } });
  const invalid = weekdays.some((d) =>
    draft.week[d].some(([from, to]) => !hhmm.test(from) || !hhmm.test(to) || from >= to),
  );

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    setBusy(true);
    setErrors({});
    onSaved('');
    try {
      const saved = await inboxApi.setBusinessHours(draft);
      setHours(saved);
      setDraft({ week: saved.week, holidays: saved.holidays });
      onSaved('Opening hours saved; clocks counting open hours follow them.');
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const problems = Object.entries(errors).map(([k, v]) => (k === 'form' ? v : `${k}: ${v}`));
  return (
    <form className="card business-hours" aria-labelledby={`${id}-title`} onSubmit={(e) => void save(e)}>
      <h2 id={`${id}-title`}>Business hours</h2>
      <p className="hint">
        Times are in the workspace’s time zone, <strong>{hours.timeZone}</strong> — open now:{' '}
        <strong>{hours.openNow ? 'yes' : 'no'}</strong>. “24:00” ends a day. Policies counting open hours only
        stop the clock outside these windows and on holidays.
      </p>
      <fieldset className="plain" disabled={!canManage}>
        <legend className="visually-hidden">Opening hours per weekday</legend>
        <ul className="plain-list week">
          {weekdays.map((d) => (
            <li key={d} className="weekday">
              <span className="weekday-name">{dayNames[d]}</span>
              <div className="windows">
                {draft.week[d].length === 0 && <span className="muted">Closed</span>}
                {draft.week[d].map(([from, to], i) => {
                  const bad = !hhmm.test(from) || !hhmm.test(to) || from >= to;
                  return (
                    // biome-ignore lint/suspicious/noArrayIndexKey: windows have no identity but their place
                    <span key={i} className={bad ? 'window bad' : 'window'}>
                      <input
                        aria-label={`${dayNames[d]} window ${i + 1} opens`}
                        value={from}
                        placeholder="09:00"
                        size={5}
                        aria-invalid={bad}
                        onChange={(e) =>
                          setDay(
                            d,
                            draft.week[d].map((w, j) => (j === i ? [e.target.value, w[1]] : w)),
                          )
                        }
                      />
                      –
                      <input
                        aria-label={`${dayNames[d]} window ${i + 1} closes`}
                        value={to}
                        placeholder="17:00"
                        size={5}
                        aria-invalid={bad}
                        onChange={(e) =>
                          setDay(
                            d,
                            draft.week[d].map((w, j) => (j === i ? [w[0], e.target.value] : w)),
                          )
                        }
                      />
                      <button
                        type="button"
                        className="link-button"
                        aria-label={`Remove ${dayNames[d]} window ${i + 1}`}
                        onClick={() =>
                          setDay(
                            d,
                            draft.week[d].filter((_, j) => j !== i),
                          )
                        }
                      >
                        ×
                      </button>
                    </span>
                  );
                })}
                <button
                  type="button"
                  className="secondary compact"
                  disabled={draft.week[d].length >= 6}
                  onClick={() => {
                    const last = draft.week[d].at(-1);
                    setDay(d, [
                      ...draft.week[d],
                      last ? [last[1] < '23:00' ? last[1] : '23:00', '24:00'] : ['09:00', '17:00'],
                    ]);
                  }}
                >
                  Add hours<span className="visually-hidden"> on {dayNames[d]}</span>
                </button>
              </div>
            </li>
          ))}
        </ul>
        <h3 className="field-legend">Holidays</h3>
        {draft.holidays.length === 0 ? (
          <p className="muted">No holidays.</p>
        ) : (
          <ul className="chip-list plain-list holidays">
            {[...draft.holidays].sort().map((h) => (
              <li key={h} className="chip">
                <time dateTime={h}>
                  {new Date(`${h}T12:00:00`).toLocaleDateString(undefined, { dateStyle: 'medium' })}
                </time>
                <button
                  type="button"
                  className="link-button"
                  aria-label={`Remove holiday ${h}`}
                  onClick={() => setDraft({ ...draft, holidays: draft.holidays.filter((x) => x !== h) })}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <div className="inline-input holiday-add">
          <label htmlFor={`${id}-holiday`} className="visually-hidden">
            Holiday date
          </label>
          <input
            id={`${id}-holiday`}
            type="date"
            value={holiday}
            onChange={(e) => setHoliday(e.target.value)}
          />
          <button
            type="button"
            className="secondary compact"
            disabled={!/^\d{4}-\d{2}-\d{2}$/.test(holiday) || draft.holidays.includes(holiday)}
            onClick={() => {
              setDraft({ ...draft, holidays: [...draft.holidays, holiday] });
              setHoliday('');
            }}
          >
            Add holiday
          </button>
        </div>
        {invalid && (
          <p className="field-error">
            Each window is HH:MM–HH:MM and ends after it starts (24:00 ends a day).
          </p>
        )}
        {problems.length > 0 && (
          <div role="alert" className="error">
            {problems.map((m) => (
              <p key={m}>{m}</p>
            ))}
          </div>
        )}
        {canManage && (
          <div className="row">
            <button type="submit" disabled={busy || invalid}>
              Save business hours
            </button>
          </div>
        )}
      </fieldset>
    </form>
  );
}
