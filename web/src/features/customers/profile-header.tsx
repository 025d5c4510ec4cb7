import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { collaborationApi } from '../../api/collaboration.ts';
import {
  type CustomerProfile,
  customersApi,
  type LifecycleStage,
  lifecycleStages,
} from '../../api/customers.ts';
import { ApiError } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { CustomerAvatar, CustomerFigures, LifecycleChip, lifecycleLabels } from './customer-bits.tsx';

/** Follow the customer: their new cases and leads, merges into them and identities added notify you. */
function FollowButton({
  profile,
  onChanged,
}: {
  profile: CustomerProfile;
  onChanged(p: CustomerProfile): void;
}) {
  const [error, setError] = useState('');
  const following = profile.following ?? false;
  async function toggle() {
    setError('');
    try {
      if (following) await collaborationApi.unfollow('customer', profile.id);
      else await collaborationApi.follow('customer', profile.id);
      onChanged({ ...profile, following: !following });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not change following.');
    }
  }
  return (
    <>
      <button
        type="button"
        className={following ? 'secondary active' : 'secondary'}
        aria-pressed={following}
        title="Be notified of this customer's new cases and leads, merges and identities"
        onClick={() => void toggle()}
      >
        {following ? 'Following' : 'Follow'}
      </button>
      {error && (
        <span role="alert" className="field-error">
          {error}
        </span>
      )}
    </>
  );
}

export function ProfileHeader({
  profile,
  canWrite,
  onSaved,
}: {
  profile: CustomerProfile;
  canWrite: boolean;
  onSaved(p: CustomerProfile): void;
}) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [bio, setBio] = useState('');
  const [stage, setStage] = useState<LifecycleStage | ''>('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const wasEditing = useRef(false);
  const id = useId();

  useEffect(() => {
    if (editing) nameInput.current?.focus();
    else if (wasEditing.current) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  function start() {
    setName(profile.displayName);
    setEmail(profile.primaryEmail ?? '');
    setBio(profile.bio ?? '');
    setStage(profile.lifecycleStage ?? '');
    setErrors({});
    setEditing(true);
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      onSaved(
        await customersApi.update(profile.id, {
          displayName: name.trim(),
          primaryEmail: email.trim() || null,
          bio: bio.trim() || null,
          // Left out when unchanged, so a server without stages still saves the rest.
          ...((profile.lifecycleStage ?? '') !== stage ? { lifecycleStage: stage || null } : {}),
        }),
      );
      setEditing(false);
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <header className="card profile-header">
      <div className="profile-who">
        <CustomerAvatar name={profile.displayName} large />
        <div className="profile-names">
          <h1>{profile.displayName}</h1>
          {profile.primaryEmail ? (
            <a href={`mailto:${profile.primaryEmail}`}>{profile.primaryEmail}</a>
          ) : (
            <span className="muted">No email</span>
          )}
          <p className="profile-stage">
            <span className="muted small-inline">Lifecycle stage </span>
            {profile.lifecycleStage ? (
              <LifecycleChip stage={profile.lifecycleStage} />
            ) : (
              <span className="muted small-inline">not set</span>
            )}
          </p>
          {profile.bio && <p className="profile-bio">{profile.bio}</p>}
        </div>
        <div className="row">
          <FollowButton profile={profile} onChanged={onSaved} />
          {!editing && (
            <button ref={editButton} type="button" className="secondary" disabled={!canWrite} onClick={start}>
              Edit
            </button>
          )}
        </div>
      </div>
      <CustomerFigures c={{ ...profile, influence: profile.influence?.score ?? null }} />
      {editing && (
        <form className="edit-form" onSubmit={save} aria-label="Edit customer">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            ref={nameInput}
            id={`${id}-name`}
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={200}
            {...describedBy(`${id}-name`, errors, 'displayName')}
          />
          <FieldError id={`${id}-name`} errors={errors} field="displayName" />
          <label htmlFor={`${id}-email`}>Primary email</label>
          <input
            id={`${id}-email`}
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            {...describedBy(`${id}-email`, errors, 'primaryEmail')}
          />
          <FieldError id={`${id}-email`} errors={errors} field="primaryEmail" />
          <label htmlFor={`${id}-stage`}>Lifecycle stage</label>
          <select
            id={`${id}-stage`}
            value={stage}
            onChange={(e) => setStage(e.target.value as LifecycleStage | '')}
            {...describedBy(`${id}-stage`, errors, 'lifecycleStage')}
          >
            <option value="">Not set</option>
            {lifecycleStages.map((s) => (
              <option key={s} value={s}>
                {lifecycleLabels[s]}
              </option>
            ))}
          </select>
          <FieldError id={`${id}-stage`} errors={errors} field="lifecycleStage" />
          <label htmlFor={`${id}-bio`}>Bio</label>
          <textarea
            id={`${id}-bio`}
            className="prose"
            rows={3}
            value={bio}
            onChange={(e) => setBio(e.target.value)}
            maxLength={4000}
            {...describedBy(`${id}-bio`, errors, 'bio')}
          />
          <FieldError id={`${id}-bio`} errors={errors} field="bio" />
          {errors.form && (
            <p role="alert" className="error">
              {errors.form}
            </p>
          )}
          <div className="row">
            <button type="submit" disabled={busy || !name.trim()}>
              {busy ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </header>
  );
}
