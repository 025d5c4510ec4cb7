import { type FormEvent, useState } from 'react';
import { Navigate, useLocation } from 'react-router';
import { ApiError } from '../api.ts';
import { usePageTitle } from '../components/page-title.tsx';
import { useSession } from '../session.tsx';

export function LoginPage() {
  usePageTitle('Sign in');
  const { session, signIn } = useSession();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/inbox';

  if (session) return <Navigate to={from} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await signIn(email, password);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        setError(`Too many attempts, try again in ${err.retryAfterSeconds ?? 60} seconds.`);
      } else {
        setError(err instanceof ApiError ? err.message : 'Could not reach the server.');
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} noValidate>
        <h1>Sign in to Rapport</h1>
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
