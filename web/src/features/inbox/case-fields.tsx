import { type FormEvent, useEffect, useId, useState } from 'react';
import {
  type CaseDetail,
  type CaseFieldValue,
  type CasePatch,
  type CasePriority,
  type CaseStatus,
  type CaseType,
  casePriorities,
  caseStatuses,
  caseTypes,
} from '../../api/inbox.ts';
import { type Directory, statusLabels, words } from './inbox-bits.tsx';

/** A custom field's value as a person reads it: links open in a new tab, booleans as yes/no. */
function FieldValue({ value }: { value: CaseFieldValue }) {
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'string' && /^https?:\/\/\S+$/.test(value))
    return (
      <a href={value} target="_blank" rel="noopener noreferrer">
        {value.replace(/^https?:\/\//, '')}
      </a>
    );
  return <>{value === null ? '—' : String(value)}</>;
}

/** The case's custom fields (the API's `customFields`): read by everyone, set and removed by who works cases. */
export function CustomFieldsCard({
  detail,
  canWork,
  onChange,
}: {
  detail: CaseDetail;
  canWork: boolean;
  onChange(p: CasePatch, label: string): void;
}) {
  const id = useId();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const entries = Object.entries(detail.customFields ?? {});
  if (!canWork && entries.length === 0) return null;
  const validKey = /^[a-z][a-z0-9_]{0,39}$/.test(key);
  return (
    <section className="card case-custom-fields" aria-label="Custom fields">
      <h3 className="card-title">Custom fields</h3>
      {entries.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <dl className="figures custom-field-list">
          {entries.map(([k, v]) => (
            <div key={k}>
              <dt>{words(k)}</dt>
              <dd>
                <FieldValue value={v} />
                {canWork && (
                  <button
                    type="button"
                    className="secondary compact"
                    onClick={() => onChange({ customFields: { [k]: null } }, `Removed the field ${words(k)}`)}
                  >
                    Remove<span className="visually-hidden"> {words(k)}</span>
                  </button>
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {canWork && (
        <form
          className="custom-field-add"
          onSubmit={(e) => {
            e.preventDefault();
            if (!validKey || !value.trim()) return;
            onChange({ customFields: { [key]: value.trim() } }, `Set the field ${words(key)}`);
            setKey('');
            setValue('');
          }}
        >
          <label htmlFor={`${id}-key`} className="visually-hidden">
            Field name
          </label>
          <input
            id={`${id}-key`}
            placeholder="booking_ref"
            value={key}
            aria-invalid={key !== '' && !validKey}
            aria-describedby={`${id}-hint`}
            onChange={(e) => setKey(e.target.value.trim().toLowerCase())}
          />
          <label htmlFor={`${id}-value`} className="visually-hidden">
            Field value
          </label>
          <input
            id={`${id}-value`}
            placeholder="value"
            maxLength={1000}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
          <button type="submit" className="secondary compact" disabled={!validKey || !value.trim()}>
            Set field
          </button>
          <p id={`${id}-hint`} className="muted small-inline">
            Name: lower-case letters, digits and _, starting with a letter.
          </p>
        </form>
      )}
    </section>
  );
}

/** The fields an agent changes: status, priority, type, assignee, team and tags. */
export function CaseFields({
  detail,
  dir,
  canWork,
  onChange,
}: {
  detail: CaseDetail;
  dir: Directory;
  canWork: boolean;
  onChange(p: CasePatch, label: string): Promise<boolean>;
}) {
  const id = useId();
  const savedTags = detail.tags.join(' ');
  const [tags, setTags] = useState(savedTags);
  // While the person edits the field (dirty), a live update of the case (someone else changed
  // it) must not overwrite their text; it takes the saved value again on save or Escape.
  const [tagsDirty, setTagsDirty] = useState(false);
  useEffect(() => {
    if (!tagsDirty) setTags(savedTags);
  }, [savedTags, tagsDirty]);
  const saveTags = async (e?: FormEvent) => {
    e?.preventDefault();
    const list = [
      ...new Set(
        tags
          .split(/[\s,]+/)
          .map((t) => t.replace(/^#/, '').toLowerCase())
          .filter(Boolean),
      ),
    ];
    if (list.join(' ') === savedTags) {
      setTagsDirty(false);
      setTags(savedTags);
      return;
    }
    // Kept dirty until the save lands, so a failed save leaves the text to try again.
    if (await onChange({ tags: list }, list.length ? `Tags set to ${list.join(', ')}` : 'Tags cleared'))
      setTagsDirty(false);
  };
  return (
    <section className="card case-fields" aria-label="Fields">
      <h3 className="card-title">Fields</h3>
      <fieldset className="plain" disabled={!canWork}>
        <label htmlFor={`${id}-status`}>Status</label>
        <select
          id={`${id}-status`}
          value={detail.status}
          onChange={(e) =>
            onChange(
              { status: e.target.value as CaseStatus },
              `Status set to ${statusLabels[e.target.value as CaseStatus]}`,
            )
          }
        >
          {caseStatuses.map((s) => (
            <option key={s} value={s}>
              {statusLabels[s]}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-priority`}>Priority</label>
        <select
          id={`${id}-priority`}
          value={detail.priority}
          onChange={(e) =>
            onChange({ priority: e.target.value as CasePriority }, `Priority set to ${e.target.value}`)
          }
        >
          {casePriorities.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-type`}>Type</label>
        <select
          id={`${id}-type`}
          value={detail.type}
          onChange={(e) => onChange({ type: e.target.value as CaseType }, `Type set to ${e.target.value}`)}
        >
          {caseTypes.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-assignee`}>Assignee</label>
        <select
          id={`${id}-assignee`}
          value={detail.assigneeUserId ?? ''}
          onChange={(e) =>
            onChange(
              { assigneeUserId: e.target.value || null },
              e.target.value ? `Assigned to ${dir.nameOf(e.target.value)}` : 'Unassigned',
            )
          }
        >
          <option value="">Unassigned</option>
          {detail.assigneeUserId && !dir.people.has(detail.assigneeUserId) && (
            <option value={detail.assigneeUserId}>{dir.nameOf(detail.assigneeUserId)}</option>
          )}
          {/* Skills help pick who fits the case; a native option holds text only. */}
          {dir.assignees.map((a) => (
            <option key={a.id} value={a.id}>
              {a.skills.length ? `${a.name} (${a.skills.join(', ')})` : a.name}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-team`}>Team</label>
        <select
          id={`${id}-team`}
          value={detail.teamId ?? ''}
          onChange={(e) =>
            onChange(
              { teamId: e.target.value || null },
              e.target.value ? `Team set to ${dir.teamsById.get(e.target.value)?.name ?? ''}` : 'No team',
            )
          }
        >
          <option value="">No team</option>
          {dir.teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        <form onSubmit={(e) => void saveTags(e)}>
          <label htmlFor={`${id}-tags`}>Tags</label>
          <div className="inline-input">
            <input
              id={`${id}-tags`}
              value={tags}
              placeholder="billing refund"
              aria-describedby={`${id}-tags-hint`}
              onChange={(e) => {
                setTags(e.target.value);
                setTagsDirty(true);
              }}
              onKeyDown={(e) => {
                if (e.key === 'Escape' && tagsDirty) {
                  e.preventDefault();
                  setTagsDirty(false);
                  setTags(savedTags);
                }
              }}
            />
            <button type="submit" className="secondary compact">
              Save tags
            </button>
          </div>
          <p id={`${id}-tags-hint`} className="hint">
            Separate tags with spaces or commas; Escape undoes unsaved changes.
          </p>
        </form>
      </fieldset>
    </section>
  );
}
