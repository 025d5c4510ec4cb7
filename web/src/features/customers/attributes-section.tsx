import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { Link } from 'react-router';
import {
  type AttributeDefinition,
  type AttributeValue,
  type CustomerProfile,
  customersApi,
} from '../../api/customers.ts';
import { ApiError } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors } from '../../components/forms.tsx';

/** Form text for a stored attribute value. */
function toText(def: AttributeDefinition, v: AttributeValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (def.type === 'boolean') return v ? 'true' : 'false';
  if (def.type === 'date') return String(v).slice(0, 10);
  return String(v);
}

/** A form value as the API expects it for the attribute's type. */
function fromText(def: AttributeDefinition, text: string): AttributeValue {
  if (text === '') return null;
  if (def.type === 'number') return Number(text);
  if (def.type === 'boolean') return text === 'true';
  return text;
}

/** Errors of an attributes save, by attribute key (the API names the attribute). */
function attributeErrors(err: unknown, defs: AttributeDefinition[]): FieldErrors {
  if (!(err instanceof ApiError)) return { form: 'Something went wrong. Try again.' };
  const keys = new Set(defs.map((d) => d.key));
  const out: FieldErrors = {};
  for (const [path, msg] of Object.entries(err.fields)) {
    const key = path.replace(/^attributes\./, '').split('.')[0] ?? '';
    if (keys.has(key)) out[key] = msg;
    else out.form = out.form ? `${out.form}; ${msg}` : msg;
  }
  if (Object.keys(out).length > 0) return out;
  const named = err.details?.attribute ?? err.details?.key;
  if (typeof named === 'string' && keys.has(named)) return { [named]: err.message };
  const mentioned = defs.find((d) => new RegExp(`\\b${d.key}\\b`).test(err.message));
  return mentioned ? { [mentioned.key]: err.message } : { form: err.message };
}

export function AttributesSection({
  profile,
  definitions,
  canWrite,
  onSaved,
}: {
  profile: CustomerProfile;
  definitions: AttributeDefinition[];
  canWrite: boolean;
  onSaved(p: CustomerProfile): void;
}) {
  const initial = useMemo(
    () => Object.fromEntries(definitions.map((d) => [d.key, toText(d, profile.attributes[d.key])])),
    [definitions, profile.attributes],
  );
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId();
  useEffect(() => setValues(initial), [initial]);

  const changed = definitions.filter((d) => (values[d.key] ?? '') !== (initial[d.key] ?? ''));

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setSaved('');
    try {
      const attributes = Object.fromEntries(changed.map((d) => [d.key, fromText(d, values[d.key] ?? '')]));
      onSaved(await customersApi.update(profile.id, { attributes }));
      setSaved('Attributes saved.');
    } catch (err) {
      setErrors(attributeErrors(err, definitions));
    } finally {
      setBusy(false);
    }
  }

  const set = (key: string, v: string) => {
    setValues((prev) => ({ ...prev, [key]: v }));
    setSaved('');
  };

  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Attributes</h2>
      {definitions.length === 0 ? (
        <p className="notice">
          No custom attributes are defined. Owners and admins define them in{' '}
          <Link to="/settings/customer-attributes">Settings → Customer attributes</Link>.
        </p>
      ) : (
        <form onSubmit={save} aria-label="Attributes" noValidate>
          <fieldset disabled={!canWrite} className="plain attribute-fields">
            {definitions.map((d) => {
              const fid = `${id}-${d.key}`;
              const v = values[d.key] ?? '';
              const common = {
                id: fid,
                value: v,
                ...describedBy(fid, errors, d.key),
              };
              return (
                <div key={d.id} className="attribute-field">
                  <label htmlFor={fid}>{d.label}</label>
                  {d.type === 'boolean' ? (
                    <select {...common} onChange={(e) => set(d.key, e.target.value)}>
                      <option value="">—</option>
                      <option value="true">Yes</option>
                      <option value="false">No</option>
                    </select>
                  ) : d.type === 'choice' ? (
                    <select {...common} onChange={(e) => set(d.key, e.target.value)}>
                      <option value="">—</option>
                      {d.choices.map((c) => (
                        <option key={c} value={c}>
                          {c}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      {...common}
                      type={d.type === 'number' ? 'number' : d.type === 'date' ? 'date' : 'text'}
                      step={d.type === 'number' ? 'any' : undefined}
                      inputMode={d.type === 'number' ? 'decimal' : undefined}
                      onChange={(e) => set(d.key, e.target.value)}
                    />
                  )}
                  <FieldError id={fid} errors={errors} field={d.key} />
                </div>
              );
            })}
          </fieldset>
          {errors.form && (
            <p role="alert" className="error">
              {errors.form}
            </p>
          )}
          <div className="row">
            <button type="submit" disabled={!canWrite || busy || changed.length === 0}>
              {busy ? 'Saving…' : 'Save attributes'}
            </button>
            <span role="status" className="success-inline">
              {saved}
            </span>
          </div>
        </form>
      )}
    </section>
  );
}
