import { useId, useState } from 'react';
import { ApiError, type ContactImportSummary, customersApi } from '../../api.ts';

/**
 * Upload a contacts CSV. Each line is one person: customers holding its email, phone or handles
 * are merged (the line is the evidence), and handles not seen yet join when they first post.
 */
export function ImportContacts({ onImported }: { onImported(): void }) {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [summary, setSummary] = useState<ContactImportSummary | null>(null);

  async function upload() {
    if (!file) return;
    setBusy(true);
    setError('');
    setSummary(null);
    try {
      setSummary(await customersApi.importContacts(file));
      onImported();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not import the file.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="import-contacts">
      <summary>Import contacts</summary>
      <p className="hint small">
        A CSV with a header row and any of the columns <code>name</code>, <code>email</code>,{' '}
        <code>email_verified</code>, <code>phone</code>, <code>bluesky</code>, <code>mastodon</code> and{' '}
        <code>attr.&lt;attribute key&gt;</code>. The identities on one line are one person: customers that
        hold them are merged, with the line as evidence (undo from the profile), and handles not seen yet join
        them when they first post.
      </p>
      <div className="row">
        <label htmlFor={`${id}-file`}>Contacts file</label>
        <input
          id={`${id}-file`}
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        <button type="button" disabled={!file || busy} onClick={() => void upload()}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {summary && (
        <div role="status" aria-label="Import summary">
          <p>
            Read {summary.read} lines: {summary.created} new customers, {summary.updated} updated,{' '}
            {summary.unchanged} unchanged, {summary.merged} merged, {summary.pendingLinks} handles waiting to
            be seen, {summary.rejected.length} rejected.
          </p>
          {summary.rejected.length > 0 && (
            <ul className="small">
              {summary.rejected.slice(0, 50).map((r) => (
                <li key={r.line}>
                  Line {r.line}: {r.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </details>
  );
}
