import { type ReactNode, useId, useState } from 'react';
import { customersApi } from '../../api/customers.ts';
import { ApiError } from '../../api.ts';

type Outcome = { line: string; rejected: { line: number; reason: string }[] };

/** A CSV upload with its summary and the lines refused, and why. */
function CsvImport({
  title,
  hint,
  label,
  mappable,
  run,
  onImported,
}: {
  title: string;
  hint: ReactNode;
  label: string;
  /** Offers the `field=column,…` mapping for files whose columns are named otherwise. */
  mappable?: boolean;
  run(file: File, map: string | undefined): Promise<Outcome>;
  onImported(): void;
}) {
  const id = useId();
  const [file, setFile] = useState<File | null>(null);
  const [map, setMap] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function upload() {
    if (!file) return;
    setBusy(true);
    setError('');
    setOutcome(null);
    try {
      setOutcome(await run(file, map.trim() || undefined));
      onImported();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not import the file.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="import-contacts">
      <summary>{title}</summary>
      <p className="hint small">{hint}</p>
      <div className="row">
        <label htmlFor={`${id}-file`}>{label}</label>
        <input
          id={`${id}-file`}
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        {mappable && (
          <>
            <label htmlFor={`${id}-map`}>Column names</label>
            <input
              id={`${id}-map`}
              placeholder="email=Buyer,amount=Total"
              value={map}
              onChange={(e) => setMap(e.target.value)}
            />
          </>
        )}
        <button type="button" disabled={!file || busy} onClick={() => void upload()}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {outcome && (
        <div role="status" aria-label="Import summary">
          <p>{outcome.line}</p>
          {outcome.rejected.length > 0 && (
            <ul className="small">
              {outcome.rejected.slice(0, 50).map((r) => (
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

/**
 * Upload a contacts CSV. Each line is one person: customers holding its email, phone or handles
 * are merged (the line is the evidence), and handles not seen yet join when they first post.
 */
export function ImportContacts({ onImported }: { onImported(): void }) {
  return (
    <CsvImport
      title="Import contacts"
      label="Contacts file"
      hint={
        <>
          A CSV with a header row and any of the columns <code>name</code>, <code>email</code>,{' '}
          <code>email_verified</code>, <code>phone</code>, <code>bluesky</code>, <code>mastodon</code> and{' '}
          <code>attr.&lt;attribute key&gt;</code>. The identities on one line are one person: customers that
          hold them are merged, with the line as evidence (undo from the profile), and handles not seen yet
          join them when they first post.
        </>
      }
      onImported={onImported}
      run={async (file) => {
        const s = await customersApi.importContacts(file);
        return {
          line: `Read ${s.read} lines: ${s.created} new customers, ${s.updated} updated, ${s.unchanged} unchanged, ${s.merged} merged, ${s.pendingLinks} handles waiting to be seen, ${s.rejected.length} rejected.`,
          rejected: s.rejected,
        };
      }}
    />
  );
}

/** Upload orders, subscriptions and refunds: each joins the customer of its email, once per id. */
export function ImportTransactions({ onImported }: { onImported(): void }) {
  return (
    <CsvImport
      title="Import transactions"
      label="Transactions file"
      mappable
      hint={
        <>
          A CSV with the columns <code>email</code>, <code>external_id</code>, <code>amount</code>,{' '}
          <code>currency</code>, <code>occurred_at</code>, <code>kind</code> (order, subscription, refund…)
          and optionally <code>status</code> and <code>description</code>; name yours with “Column names”,
          e.g. <code>email=Buyer,amount=Total</code>. A new email becomes a customer; the same id twice is one
          transaction.
        </>
      }
      onImported={onImported}
      run={async (file, map) => {
        const s = await customersApi.importTransactions(file, map);
        return {
          line: `Read ${s.read} lines: ${s.imported} transactions imported, ${s.duplicates} already there, ${s.customersCreated} new customers, ${s.rejected.length} rejected.`,
          rejected: s.rejected,
        };
      }}
    />
  );
}
