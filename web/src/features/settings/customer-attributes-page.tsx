import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import {
  type AttributeDefinition,
  type AttributeType,
  attributeManagers,
  attributeTypes,
  customersApi,
} from '../../api/customers.ts';
import { ApiError } from '../../api.ts';
import {
  ConfirmDelete,
  describedBy,
  FieldError,
  type FieldErrors,
  fieldErrors,
} from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';

const typeLabels: Record<AttributeType, string> = {
  text: 'Text',
  number: 'Number',
  date: 'Date',
  boolean: 'Yes / no',
  choice: 'Choice',
};

/** A key from a label: "Plan tier" → "plan_tier" (keys start with a letter). */
const keyFrom = (label: string) =>
  label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 40);

export function CustomerAttributesPage() {
  usePageTitle('Customer attributes');
  const { session } = useSession();
  const canManage = !!session && attributeManagers.includes(session.user.role);
  const [items, setItems] = useState<AttributeDefinition[] | null>(null);
  const [error, setError] = useState('');
  const [label, setLabel] = useState('');
  const [key, setKey] = useState('');
  const [keyTouched, setKeyTouched] = useState(false);
  const [type, setType] = useState<AttributeType>('text');
  const [choices, setChoices] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId();

  const reload = useCallback(
    () =>
      customersApi
        .attributes()
        .then((r) => setItems(r.items))
        .catch((err) => setError(err instanceof ApiError ? err.message : 'Could not load attributes.')),
    [],
  );
  useEffect(() => {
    void reload();
  }, [reload]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setMessage('');
    const list = choices
      .split('\n')
      .map((c) => c.trim())
      .filter(Boolean);
    try {
      const created = await customersApi.createAttribute({
        key: key.trim(),
        label: label.trim(),
        type,
        ...(type === 'choice' ? { choices: list } : {}),
      });
      setMessage(`Attribute “${created.label}” created: it appears on every customer profile.`);
      setLabel('');
      setKey('');
      setKeyTouched(false);
      setChoices('');
      setType('text');
      await reload();
    } catch (err) {
      // A key already in use is about the key field.
      setErrors(err instanceof ApiError && err.status === 409 ? { key: err.message } : fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="page wide attributes-page">
      <h1>Customer attributes</h1>
      <p className="hint">
        Fields of your own on every customer profile (plan, account manager, renewal date…), typed so that
        segments can filter on them. <Link to="/settings">Back to settings</Link>
      </p>
      {!canManage && (
        <p className="notice" role="note">
          Only owners and admins can define customer attributes.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {message && <p role="status">{message}</p>}
      <div className="two-col">
        <div>
          {items === null ? (
            <p className="muted">Loading…</p>
          ) : items.length === 0 ? (
            <p className="notice">No attributes yet.</p>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Customer attributes</caption>
              <thead>
                <tr>
                  <th scope="col">Label</th>
                  <th scope="col">Key</th>
                  <th scope="col">Type</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.id}>
                    <td data-label="Label">
                      <strong>{a.label}</strong>
                    </td>
                    <td data-label="Key">
                      <code>{a.key}</code>
                    </td>
                    <td data-label="Type">
                      {typeLabels[a.type]}
                      {a.type === 'choice' && (
                        <span className="chip-list">
                          {a.choices.map((c) => (
                            <span key={c} className="chip">
                              {c}
                            </span>
                          ))}
                        </span>
                      )}
                    </td>
                    <td data-label="Actions">
                      <ConfirmDelete
                        what={a.label}
                        disabled={!canManage}
                        onConfirm={async () => {
                          await customersApi.deleteAttribute(a.id);
                          setMessage(`Attribute “${a.label}” deleted.`);
                          await reload();
                        }}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <form className="card" onSubmit={create} aria-label="New attribute">
          <h2 className="card-title">New attribute</h2>
          <fieldset disabled={!canManage} className="plain">
            <label htmlFor={`${id}-label`}>Label</label>
            <input
              id={`${id}-label`}
              value={label}
              onChange={(e) => {
                setLabel(e.target.value);
                if (!keyTouched) setKey(keyFrom(e.target.value));
              }}
              required
              maxLength={120}
              {...describedBy(`${id}-label`, errors, 'label')}
            />
            <FieldError id={`${id}-label`} errors={errors} field="label" />
            <label htmlFor={`${id}-key`}>Key</label>
            <input
              id={`${id}-key`}
              value={key}
              onChange={(e) => {
                setKey(e.target.value);
                setKeyTouched(true);
              }}
              required
              pattern="[a-z][a-z0-9_]*"
              maxLength={40}
              spellCheck={false}
              aria-invalid={!!errors.key}
              aria-describedby={`${id}-key-hint${errors.key ? ` ${id}-key-error` : ''}`}
            />
            <p id={`${id}-key-hint`} className="hint">
              Lower-case letters, digits and _, starting with a letter; used in the API and in segment rules.
            </p>
            <FieldError id={`${id}-key`} errors={errors} field="key" />
            <label htmlFor={`${id}-type`}>Type</label>
            <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as AttributeType)}>
              {attributeTypes.map((t) => (
                <option key={t} value={t}>
                  {typeLabels[t]}
                </option>
              ))}
            </select>
            <FieldError id={`${id}-type`} errors={errors} field="type" />
            {type === 'choice' && (
              <>
                <label htmlFor={`${id}-choices`}>Choices</label>
                <textarea
                  id={`${id}-choices`}
                  rows={4}
                  value={choices}
                  onChange={(e) => setChoices(e.target.value)}
                  placeholder={'free\npro\nenterprise'}
                  aria-invalid={!!errors.choices}
                  aria-describedby={`${id}-choices-hint${errors.choices ? ` ${id}-choices-error` : ''}`}
                />
                <p id={`${id}-choices-hint`} className="hint">
                  One per line.
                </p>
                <FieldError id={`${id}-choices`} errors={errors} field="choices" />
              </>
            )}
            {errors.form && (
              <p role="alert" className="error">
                {errors.form}
              </p>
            )}
            <div className="row">
              <button type="submit" disabled={!canManage || busy || !label.trim() || !key.trim()}>
                {busy ? 'Creating…' : 'Create attribute'}
              </button>
            </div>
          </fieldset>
        </form>
      </div>
    </section>
  );
}
