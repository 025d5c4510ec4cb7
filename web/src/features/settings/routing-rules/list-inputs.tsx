import { useState } from 'react';
import { Link } from 'react-router';
import type { Assignee, RoutingAction } from '../../../api/inbox.ts';
import type { Marks } from './row-errors.tsx';
import { splitList } from './rule-model.ts';

/** A comma-separated list typed freely, emitted as trimmed values. */
export function ListInput({
  value,
  onChange,
  label,
  placeholder,
  marks,
}: {
  value: string[];
  onChange(v: string[]): void;
  label: string;
  placeholder?: string;
  marks?: Marks;
}) {
  const [text, setText] = useState(value.join(', '));
  // The text is kept as typed (a trailing comma, spaces), but when the list it stands for changes
  // from outside (the row above was removed and this row now shows another condition), it follows.
  // (Both sides as the text would read them back, so a value holding a comma cannot loop.)
  const shown = splitList(text);
  const given = splitList(value.join(', '));
  if (shown.length !== given.length || shown.some((v, i) => v !== given[i])) setText(value.join(', '));
  return (
    <input
      aria-label={label}
      {...marks}
      value={text}
      placeholder={placeholder}
      onChange={(e) => {
        setText(e.target.value);
        onChange(splitList(e.target.value));
      }}
    />
  );
}

export function Chips({
  options,
  value,
  onChange,
  label,
  marks,
}: {
  options: { value: string; label: string }[];
  value: string[];
  onChange(v: string[]): void;
  label: string;
  marks?: Marks;
}) {
  if (options.length === 0) return <span className="muted">None defined yet.</span>;
  return (
    <fieldset className="plain" {...marks}>
      <legend className="visually-hidden">{label}</legend>
      <div className="choice-chips">
        {options.map((o) => {
          const on = value.includes(o.value);
          return (
            <label key={o.value} className={on ? 'choice-chip checked' : 'choice-chip'}>
              <input
                type="checkbox"
                checked={on}
                onChange={(e) =>
                  onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))
                }
              />
              {o.label}
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}

/**
 * The skills an `assign` action asks for (the people's skills, set on the Users page) and what it
 * does when nobody in the pool has them.
 */
export function SkillPicker({
  a,
  label,
  people,
  onChange,
  skillsMarks,
  fallbackMarks,
}: {
  a: Extract<RoutingAction, { type: 'assign' }>;
  label: string;
  people: Assignee[];
  onChange(a: RoutingAction): void;
  skillsMarks: Marks;
  fallbackMarks: Marks;
}) {
  const chosen = a.skills ?? [];
  // A skill nobody has any longer stays listed while the rule asks for it, so it can be taken off.
  const known = [...new Set([...people.flatMap((p) => p.skills), ...chosen])].sort();
  if (known.length === 0)
    return (
      <span className="muted small-inline">
        To assign by skill, give people skills on the <Link to="/settings/users">Users</Link> page.
      </span>
    );
  return (
    <>
      <span className="muted small-inline">Only people with all of these skills:</span>
      <Chips
        label={`${label} skills`}
        marks={skillsMarks}
        options={known.map((s) => ({ value: s, label: s }))}
        value={chosen}
        onChange={(v) => {
          const { skills: _, fallback: __, ...rest } = a;
          onChange(v.length ? { ...rest, skills: v, fallback: a.fallback ?? 'pool' } : rest);
        }}
      />
      {chosen.length > 0 && (
        <select
          aria-label={`${label} when nobody has the skills`}
          {...fallbackMarks}
          value={a.fallback ?? 'pool'}
          onChange={(e) => onChange({ ...a, fallback: e.target.value as 'pool' | 'none' })}
        >
          <option value="pool">If nobody has them, assign from the whole pool</option>
          <option value="none">If nobody has them, leave the case unassigned</option>
        </select>
      )}
    </>
  );
}
