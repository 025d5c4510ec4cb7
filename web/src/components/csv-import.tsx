import { type ReactNode, useId, useState } from 'react';
import { ApiError } from '../api.ts';

type Outcome = { line: string; rejected: { line: number; reason: string }[] };

/** A CSV upload with its summary and the lines refused, and why. */
export function CsvImport({
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
  /** Offers the `field=column,…` mapping for files whose columns are named otherwise (the example). */
  mappable?: string;
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
    <details className="csv-import">
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
              placeholder={mappable}
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
