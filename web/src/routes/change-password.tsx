import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { usePageTitle } from '../components/page-title.tsx';
import { useSession } from '../session.tsx';

/** Shown instead of the app while the user still has a one-time password. */
export function ChangePasswordPage() {
  usePageTitle('Choose a new password');
  const { refresh, signOut } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (next.length < 12) problems.newPassword = 'Use at least 12 characters.';
    if (next !== confirm) problems.confirm = 'The two new passwords differ.';
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      await api.changePassword(current, next);
      await refresh();
    } catch (err) {
      if (err instanceof ApiError) setErrors({ ...err.fields, form: err.message });
      else setErrors({ form: 'Could not reach the server.' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Choose a new password</h1>
        <p>You signed in with a one-time password. Choose your own to continue.</p>
        <label htmlFor="current">Current password</label>
        <input
          id="current"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          aria-describedby={errors.currentPassword ? 'current-error' : undefined}
        />
        {errors.currentPassword && (
          <p id="current-error" className="field-error">
            {errors.currentPassword}
          </p>
        )}
        <label htmlFor="new">New password</label>
        <input
          id="new"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          aria-describedby="new-hint"
        />
        <p id="new-hint" className={errors.newPassword ? 'field-error' : 'hint'}>
          {errors.newPassword ?? 'At least 12 characters.'}
        </p>
        <label htmlFor="confirm">Confirm new password</label>
        <input
          id="confirm"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
        />
        {errors.confirm && <p className="field-error">{errors.confirm}</p>}
        {errors.form && (
          <p role="alert" className="error">
            {errors.form}
          </p>
        )}
        <div className="row">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save password'}
          </button>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Log out
          </button>
        </div>
      </form>
    </main>
  );
}
