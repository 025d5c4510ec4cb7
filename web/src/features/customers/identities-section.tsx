import { type FormEvent, useId, useState } from 'react';
import { Link } from 'react-router';
import { type CustomerProfile, customersApi } from '../../api/customers.ts';
import { ApiError } from '../../api.ts';
import {
  ConfirmDelete,
  describedBy,
  FieldError,
  type FieldErrors,
  fieldErrors,
} from '../../components/forms.tsx';
import { Ago } from './customer-bits.tsx';

export function IdentitiesSection({
  profile,
  canWrite,
  onAdded,
}: {
  profile: CustomerProfile;
  canWrite: boolean;
  onAdded(text: string): void;
}) {
  const [kind, setKind] = useState<'email' | 'phone'>('email');
  const [value, setValue] = useState('');
  const [verified, setVerified] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  /** The customer who already has the address, after a conflict. */
  const [owner, setOwner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setOwner(null);
    try {
      const identity = await customersApi.addIdentity(profile.id, { kind, value: value.trim(), verified });
      setValue('');
      setVerified(false);
      onAdded(`Added ${identity.kind} ${identity.handle ?? identity.externalId}.`);
    } catch (err) {
      const fe = fieldErrors(err);
      // A conflict (the identity belongs to someone else) is about the value typed.
      if (fe.form && err instanceof ApiError && (err.status === 409 || err.status === 400)) {
        fe.value = fe.form;
        delete fe.form;
        const other = err.details?.customerId;
        if (err.status === 409 && typeof other === 'string') setOwner(other);
      }
      setErrors(fe);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Identities</h2>
      <ul className="identity-list">
        {profile.identities.map((i) => (
          <li key={i.id} className="identity">
            <span className={`chip channel-${i.channel}`}>{i.channel}</span>
            <span className="identity-handle">
              {i.kind === 'social' && i.handle ? `@${i.handle}` : (i.handle ?? i.externalId)}
            </span>
            {i.verified ? (
              <span className="pill ok">verified</span>
            ) : (
              <span className="pill off">unverified</span>
            )}
            <span className="muted small-inline">
              {i.kind} · from {i.source} · <Ago at={i.createdAt} />
            </span>
            {/* Social accounts carry the person's posts: they move by merge and unmerge only. */}
            {canWrite && i.kind !== 'social' && (
              <ConfirmDelete
                what={i.handle ?? i.externalId}
                disabled={false}
                onConfirm={async () => {
                  await customersApi.removeIdentity(profile.id, i.id);
                  onAdded(`Removed ${i.kind} ${i.handle ?? i.externalId}.`);
                }}
              />
            )}
          </li>
        ))}
      </ul>
      <details className="add-identity">
        <summary>Add email or phone</summary>
        <form onSubmit={add} aria-label="Add email or phone">
          <fieldset disabled={!canWrite} className="plain">
            <div className="inline-fields">
              <div className="narrow">
                <label htmlFor={`${id}-kind`}>Kind</label>
                <select
                  id={`${id}-kind`}
                  value={kind}
                  onChange={(e) => setKind(e.target.value as 'email' | 'phone')}
                >
                  <option value="email">Email</option>
                  <option value="phone">Phone</option>
                </select>
              </div>
              <div>
                <label htmlFor={`${id}-value`}>{kind === 'email' ? 'Email address' : 'Phone number'}</label>
                <input
                  id={`${id}-value`}
                  type={kind === 'email' ? 'email' : 'tel'}
                  value={value}
                  onChange={(e) => setValue(e.target.value)}
                  required
                  {...describedBy(`${id}-value`, errors, 'value')}
                />
              </div>
            </div>
            <FieldError id={`${id}-value`} errors={errors} field="value" />
            {owner && errors.value && (
              <p className="hint">
                <Link to={`/customers/${encodeURIComponent(owner)}`}>Open that customer</Link>; if they are
                the same person, merge them into this profile below.
              </p>
            )}
            <label className="check" htmlFor={`${id}-verified`}>
              <input
                id={`${id}-verified`}
                type="checkbox"
                checked={verified}
                onChange={(e) => setVerified(e.target.checked)}
              />{' '}
              Verified (you confirmed it belongs to this person)
            </label>
            {errors.form && (
              <p role="alert" className="error">
                {errors.form}
              </p>
            )}
            <div className="row">
              <button type="submit" disabled={!canWrite || busy || !value.trim()}>
                {busy ? 'Adding…' : 'Add identity'}
              </button>
            </div>
          </fieldset>
        </form>
      </details>
    </section>
  );
}
