import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import {
  type Consent,
  type ConsentPurpose,
  type ConsentStatus,
  type CustomerProfile,
  consentChannelPattern,
  consentPurposes,
  customersApi,
  type Erasure,
  privacyManagers,
} from '../../api/customers.ts';
import { ApiError, formatDate } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { useSession } from '../../session.tsx';

const ERASED_NAME = 'Erased customer';

/** Channels offered for a consent: `any`, the common ones, and every channel the person is known on. */
function consentChannels(profile: CustomerProfile): string[] {
  const known = [
    ...profile.identities.map((i) => i.channel),
    ...profile.social.map((s) => s.channel),
    ...profile.consents.map((c) => c.channel),
  ];
  const all = ['any', 'email', 'bluesky', 'mastodon', ...known];
  return [...new Set(all)].filter((c) => consentChannelPattern.test(c));
}

function ConsentLine({ c }: { c: Consent }) {
  return (
    <>
      <span className="chip">{c.purpose}</span>{' '}
      <span className={`chip channel-${c.channel}`}>{c.channel}</span>{' '}
      <span className={`pill ${c.status === 'granted' ? 'ok' : 'bad'}`}>{c.status}</span>{' '}
      <span className="muted small-inline">
        <time dateTime={c.recordedAt}>{formatDate(c.recordedAt)}</time>
        {c.source ? ` · from ${c.source}` : ' · no source given'}
      </span>
    </>
  );
}

/** Consent per purpose and channel: the current state, a form to record a change, the history. */
export function ConsentSection({
  profile,
  canWrite,
  onRecorded,
}: {
  profile: CustomerProfile;
  canWrite: boolean;
  onRecorded(text: string): void;
}) {
  const id = useId();
  const channels = consentChannels(profile);
  const [purpose, setPurpose] = useState<ConsentPurpose>('marketing');
  const [channel, setChannel] = useState('any');
  const [status, setStatus] = useState<ConsentStatus>('granted');
  const [source, setSource] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [history, setHistory] = useState<Consent[] | null>(null);
  const [showHistory, setShowHistory] = useState(false);
  const [historyError, setHistoryError] = useState('');

  async function loadHistory() {
    try {
      setHistoryError('');
      const r = await customersApi.consents(profile.id);
      setHistory([...r.history].reverse());
    } catch (err) {
      setHistoryError(err instanceof ApiError ? err.message : 'Could not load the history.');
    }
  }

  async function record(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const c = await customersApi.recordConsent(profile.id, {
        purpose,
        channel,
        status,
        ...(source.trim() ? { source: source.trim() } : {}),
      });
      setSource('');
      onRecorded(`Consent recorded: ${c.purpose} on ${c.channel} ${c.status}.`);
      if (showHistory) void loadHistory();
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Consent</h2>
      {profile.consents.length === 0 ? (
        <p className="notice">No consent recorded for any purpose.</p>
      ) : (
        <ul className="consent-list plain" aria-label="Current consent">
          {profile.consents.map((c) => (
            <li key={`${c.purpose}-${c.channel}`} className="consent">
              <ConsentLine c={c} />
            </li>
          ))}
        </ul>
      )}
      <details className="add-identity">
        <summary>Record a consent change</summary>
        <form onSubmit={record} aria-label="Record consent">
          <fieldset disabled={!canWrite} className="plain">
            <div className="inline-fields">
              <div className="narrow">
                <label htmlFor={`${id}-purpose`}>Purpose</label>
                <select
                  id={`${id}-purpose`}
                  value={purpose}
                  onChange={(e) => setPurpose(e.target.value as ConsentPurpose)}
                  {...describedBy(`${id}-purpose`, errors, 'purpose')}
                >
                  {consentPurposes.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
                </select>
              </div>
              <div className="narrow">
                <label htmlFor={`${id}-channel`}>Channel</label>
                <select
                  id={`${id}-channel`}
                  value={channel}
                  onChange={(e) => setChannel(e.target.value)}
                  {...describedBy(`${id}-channel`, errors, 'channel')}
                >
                  {channels.map((c) => (
                    <option key={c} value={c}>
                      {c === 'any' ? 'any channel' : c}
                    </option>
                  ))}
                </select>
              </div>
              <div className="narrow">
                <label htmlFor={`${id}-status`}>Status</label>
                <select
                  id={`${id}-status`}
                  value={status}
                  onChange={(e) => setStatus(e.target.value as ConsentStatus)}
                >
                  <option value="granted">granted</option>
                  <option value="withdrawn">withdrawn</option>
                </select>
              </div>
            </div>
            <FieldError id={`${id}-purpose`} errors={errors} field="purpose" />
            <FieldError id={`${id}-channel`} errors={errors} field="channel" />
            <label htmlFor={`${id}-source`}>Source (optional)</label>
            <input
              id={`${id}-source`}
              value={source}
              onChange={(e) => setSource(e.target.value)}
              maxLength={200}
              aria-describedby={`${id}-source-hint`}
              {...(errors.source ? { 'aria-invalid': true } : {})}
            />
            <p id={`${id}-source-hint`} className="hint">
              Where it was given or withdrawn, e.g. “signup form”. No personal data.
            </p>
            <FieldError id={`${id}-source`} errors={errors} field="source" />
            {errors.form && (
              <p role="alert" className="error">
                {errors.form}
              </p>
            )}
            <div className="row">
              <button type="submit" disabled={!canWrite || busy}>
                {busy ? 'Recording…' : 'Record consent'}
              </button>
            </div>
          </fieldset>
        </form>
      </details>
      <div className="row">
        <button
          type="button"
          className="secondary"
          aria-expanded={showHistory}
          aria-controls={`${id}-history`}
          onClick={() => {
            const next = !showHistory;
            setShowHistory(next);
            if (next) void loadHistory();
          }}
        >
          {showHistory ? 'Hide consent history' : 'Show consent history'}
        </button>
      </div>
      <div id={`${id}-history`} hidden={!showHistory}>
        {historyError && (
          <p role="alert" className="error">
            {historyError}
          </p>
        )}
        {showHistory &&
          (history === null ? (
            <p className="muted">Loading…</p>
          ) : history.length === 0 ? (
            <p className="notice">No changes recorded.</p>
          ) : (
            <>
              <h3 className="why-kind">History, newest first</h3>
              <ol className="consent-list plain" aria-label="Consent history, newest first">
                {history.map((c) => (
                  <li key={c.id} className="consent">
                    <ConsentLine c={c} />
                  </li>
                ))}
              </ol>
            </>
          ))}
      </div>
    </section>
  );
}

/** Saves `data` as a JSON file through a temporary link: no inline script, fine under the CSP. */
function downloadJson(data: unknown, filename: string) {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked a moment later: some browsers start the download after the click handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const countLabel = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/** Export and erasure of the person's data; owner and admin only. */
export function PrivacySection({ profile, onErased }: { profile: CustomerProfile; onErased(): void }) {
  const id = useId();
  const { session } = useSession();
  const allowed = !!session && privacyManagers.includes(session.user.role);
  const [exporting, setExporting] = useState(false);
  const [exportStatus, setExportStatus] = useState('');
  const [exportError, setExportError] = useState('');
  const [reason, setReason] = useState('');
  const [confirmName, setConfirmName] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const [erasure, setErasure] = useState<Erasure | null>(null);
  const resultRef = useRef<HTMLDivElement>(null);
  // The erase form goes away with the erasure: focus moves to the outcome.
  useEffect(() => {
    if (erasure) resultRef.current?.focus();
  }, [erasure]);

  async function exportData() {
    setExporting(true);
    setExportError('');
    setExportStatus('');
    try {
      const data = await customersApi.exportCustomer(profile.id);
      downloadJson(data, `customer-${profile.id}.json`);
      setExportStatus(`Export downloaded as customer-${profile.id}.json.`);
    } catch (err) {
      setExportError(err instanceof ApiError ? err.message : 'Could not export.');
    } finally {
      setExporting(false);
    }
  }

  async function erase(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      setErasure(await customersApi.erase(profile.id, reason.trim()));
      setReason('');
      setConfirmName('');
      onErased();
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const confirmed = confirmName.trim() === profile.displayName.trim();
  return (
    <section className="card profile-section privacy-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Privacy</h2>
      {!allowed && (
        <p className="notice" role="note">
          Only owners and admins can export or erase a customer’s personal data.
        </p>
      )}
      <div className="row">
        <button
          type="button"
          className="secondary"
          disabled={!allowed || exporting}
          onClick={() => void exportData()}
        >
          {exporting ? 'Exporting…' : 'Export data'}
        </button>
      </div>
      <p className="hint">Everything held about this person, as one JSON file. Each export is audited.</p>
      {exportStatus && (
        <p role="status" className="success">
          {exportStatus}
        </p>
      )}
      {exportError && (
        <p role="alert" className="error">
          {exportError}
        </p>
      )}
      {erasure ? (
        <div ref={resultRef} tabIndex={-1} role="status" className="erasure-result">
          <p className="success">
            Personal data erased. The profile is now “{ERASED_NAME}”; reason: {erasure.reason}.
          </p>
          <ul className="plain erasure-counts" aria-label="What was erased">
            {Object.entries(erasure.counts)
              .filter(([, n]) => n > 0)
              .map(([key, n]) => (
                <li key={key}>
                  {countLabel(key)}: <strong>{n}</strong>
                </li>
              ))}
          </ul>
          <p className="muted small">
            Kept: anonymous counts, amounts and dates, and the consent records, under the opaque customer id.
          </p>
        </div>
      ) : profile.erasedAt !== null ? (
        <p className="notice">This customer’s personal data has been erased.</p>
      ) : (
        allowed && (
          <details className="erase-details">
            <summary className="erase-summary">Erase personal data…</summary>
            <form onSubmit={erase} aria-label="Erase personal data">
              <fieldset className="confirm-box">
                <legend className="visually-hidden">Erase personal data</legend>
                <p>
                  Removes their posts’ text, accounts, identities, name, email and attributes everywhere,
                  keeping anonymous counts. This cannot be undone.
                </p>
                <label htmlFor={`${id}-reason`}>Reason</label>
                <input
                  id={`${id}-reason`}
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                  required
                  maxLength={500}
                  aria-describedby={`${id}-reason-hint${errors.reason ? ` ${id}-reason-error` : ''}`}
                  {...(errors.reason ? { 'aria-invalid': true } : {})}
                />
                <p id={`${id}-reason-hint`} className="hint">
                  Why, not who: e.g. “GDPR art. 17 request #123”.
                </p>
                <FieldError id={`${id}-reason`} errors={errors} field="reason" />
                <label htmlFor={`${id}-confirm`}>
                  Type the customer’s name, <strong>{profile.displayName}</strong>, to confirm
                </label>
                <input
                  id={`${id}-confirm`}
                  value={confirmName}
                  onChange={(e) => setConfirmName(e.target.value)}
                  autoComplete="off"
                  required
                />
                {errors.form && (
                  <p role="alert" className="error">
                    {errors.form}
                  </p>
                )}
                <div className="row">
                  <button
                    type="submit"
                    className="danger-solid"
                    disabled={busy || !reason.trim() || !confirmed}
                  >
                    {busy ? 'Erasing…' : 'Erase personal data'}
                  </button>
                </div>
              </fieldset>
            </form>
          </details>
        )
      )}
    </section>
  );
}
