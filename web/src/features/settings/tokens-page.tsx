import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiError, api, formatDate, type Token } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { SecretOnce } from './secret-once.tsx';
import { Field } from './users-page.tsx';

export function TokensPage() {
  usePageTitle('API tokens');
  const [tokens, setTokens] = useState<Token[]>([]);
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('90');
  const [secret, setSecret] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});

  const load = useCallback(async () => {
    try {
      setTokens((await api.listTokens()).items);
    } catch (err) {
      setErrors({ form: err instanceof ApiError ? err.message : 'Could not load tokens.' });
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    try {
      const result = await api.createToken({
        name,
        ...(expiry === 'never' ? {} : { expiresInDays: Number(expiry) }),
      });
      setSecret(result.secret);
      setName('');
      await load();
    } catch (err) {
      setErrors(
        err instanceof ApiError
          ? { ...err.fields, form: err.message }
          : { form: 'Could not reach the server.' },
      );
    }
  }

  async function revoke(token: Token) {
    if (!window.confirm(`Revoke "${token.name}"? Anything using it stops working.`)) return;
    try {
      await api.revokeToken(token.id);
      await load();
    } catch (err) {
      setErrors({ form: err instanceof ApiError ? err.message : 'Could not revoke the token.' });
    }
  }

  return (
    <section className="page">
      <h1>API tokens</h1>
      <p>
        Personal tokens for scripts and integrations. Send one as <code>Authorization: Bearer rpt_…</code>; it
        acts with your role.
      </p>
      {secret && <SecretOnce label="Your new token." value={secret} onDone={() => setSecret(null)} />}
      <form className="card grid-form" onSubmit={create} noValidate>
        <Field id="token-name" label="Name" error={errors.name}>
          <input
            id="token-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. reporting script"
          />
        </Field>
        <Field id="token-expiry" label="Expires" error={errors.expiresInDays}>
          <select id="token-expiry" value={expiry} onChange={(e) => setExpiry(e.target.value)}>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
            <option value="never">never</option>
          </select>
        </Field>
        <button type="submit">Create token</button>
      </form>
      {errors.form && (
        <p role="alert" className="error">
          {errors.form}
        </p>
      )}
      {tokens.length === 0 ? (
        <p className="notice">You have no API tokens.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Your API tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Token</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id}>
                <td data-label="Name">{t.name}</td>
                <td data-label="Token">
                  <code>{t.prefix}…</code>
                </td>
                <td data-label="Created">{formatDate(t.createdAt)}</td>
                <td data-label="Last used">{formatDate(t.lastUsedAt)}</td>
                <td data-label="Expires">{t.expiresAt ? formatDate(t.expiresAt) : 'never'}</td>
                <td data-label="Status">
                  {t.revokedAt ? (
                    <span className="pill off">revoked {formatDate(t.revokedAt)}</span>
                  ) : (
                    <button type="button" className="secondary" onClick={() => void revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
