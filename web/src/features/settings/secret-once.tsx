import { useState } from 'react';

/** Shows a secret that the server will not show again, with a copy button. */
export function SecretOnce({ label, value, onDone }: { label: string; value: string; onDone(): void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="card secret" role="status">
      <p>
        <strong>{label}</strong> Copy it now: it will not be shown again.
      </p>
      <code className="secret-value">{value}</code>
      <div className="row">
        <button
          type="button"
          onClick={() =>
            navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
