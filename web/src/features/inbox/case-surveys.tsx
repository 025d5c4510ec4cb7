import { useCallback, useEffect, useId, useState } from 'react';
import type { CaseDetail } from '../../api/inbox.ts';
import {
  type SurveyRequestStatus,
  type SurveyRequestView,
  type SurveyView,
  surveyScaleMax,
  surveysApi,
} from '../../api/surveys.ts';
import { ApiError } from '../../api.ts';
import { Ago } from '../customers/customer-bits.tsx';

const statusLabels: Record<SurveyRequestStatus, string> = {
  sent: 'Sent',
  queued: 'Queued',
  not_sent: 'Not sent',
  answered: 'Answered',
  expired: 'Expired',
  withdrawn: 'Withdrawn (case reopened)',
};
const statusPill: Record<SurveyRequestStatus, string> = {
  sent: 'pill',
  queued: 'pill off',
  not_sent: 'pill warn',
  answered: 'pill ok',
  expired: 'pill off',
  withdrawn: 'pill off',
};

/**
 * The case's satisfaction surveys: each request with its status and answer, a link to copy while it
 * can still be answered, and "Send survey" for who works cases.
 */
export function CaseSurveys({
  detail,
  version,
  canWork,
}: {
  detail: CaseDetail;
  /** Bumped when the live stream says the case changed. */
  version: number;
  canWork: boolean;
}) {
  const [items, setItems] = useState<SurveyRequestView[] | null>(null);
  const [hidden, setHidden] = useState(false);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  /** Enabled surveys, for a choice when there are several (the server picks the oldest otherwise). */
  const [choices, setChoices] = useState<SurveyView[]>([]);
  const [choice, setChoice] = useState('');
  const pickId = useId();
  const caseId = detail.id;

  useEffect(() => {
    if (!canWork) return;
    surveysApi
      .list()
      .then((r) =>
        setChoices(
          // Oldest first: the one the server sends when none is named.
          r.items.filter((s) => s.enabled).sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
        ),
      )
      .catch(() => setChoices([]));
  }, [canWork]);

  const reload = useCallback(async () => {
    try {
      setItems((await surveysApi.forCase(caseId)).items);
    } catch (err) {
      // Who may not read surveys (or a server without them) does not see the section.
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) setHidden(true);
      else setError(err instanceof ApiError ? err.message : 'Could not load the surveys.');
    }
  }, [caseId]);

  // A solved case may just have sent one: reload on live changes and on the status changing here.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` and the status ask for a reload
  useEffect(() => {
    void reload();
  }, [reload, version, detail.status]);

  async function send() {
    setBusy(true);
    setError('');
    setStatus('');
    try {
      const sent = await surveysApi.sendForCase(caseId, choice || undefined);
      setItems((prev) => [sent, ...(prev ?? []).filter((r) => r.id !== sent.id)]);
      setStatus(
        sent.status === 'not_sent'
          ? `Survey “${sent.surveyName}” created, not sent: copy its link for the customer.`
          : `Survey “${sent.surveyName}” ${sent.status === 'queued' ? 'queued' : statusLabels[sent.status].toLowerCase()}.`,
      );
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not send the survey.');
    } finally {
      setBusy(false);
    }
  }

  if (hidden) return null;
  return (
    <section className="card case-surveys" aria-label="Satisfaction">
      <h3 className="card-title">Satisfaction</h3>
      {items === null ? (
        !error && <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No survey sent for this case yet.</p>
      ) : (
        <ol className="plain-list survey-requests" aria-label="Surveys of this case">
          {items.map((r) => (
            <SurveyRequestItem key={r.id} r={r} onCopied={setStatus} />
          ))}
        </ol>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {status}
      </p>
      {canWork && (
        <div className="inline-input survey-send">
          {choices.length > 1 && (
            <>
              <label htmlFor={pickId} className="visually-hidden">
                Survey to send
              </label>
              <select
                id={pickId}
                value={choice || choices[0]?.id}
                onChange={(e) => setChoice(e.target.value)}
              >
                {choices.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </>
          )}
          <button type="button" className="secondary compact" disabled={busy} onClick={() => void send()}>
            Send survey
          </button>
        </div>
      )}
    </section>
  );
}

function SurveyRequestItem({ r, onCopied }: { r: SurveyRequestView; onCopied(text: string): void }) {
  const id = useId();
  const [showLink, setShowLink] = useState(false);
  // A withdrawn request was never sent and its link does not open: nothing to copy.
  const open = r.status !== 'answered' && r.status !== 'expired' && r.status !== 'withdrawn';
  // Not sent without an error: the survey is delivered by link, for an agent to pass on.
  const linkOnly = r.status === 'not_sent' && !r.deliveryError;

  async function copy() {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(r.link);
      onCopied('Survey link copied.');
    } catch {
      // No clipboard (an insecure origin, or permission refused): show the link to copy by hand.
      setShowLink(true);
    }
  }

  return (
    <li className="survey-request">
      <div className="survey-request-head">
        <strong>{r.surveyName}</strong>
        {linkOnly ? (
          <span className="pill off">Link only</span>
        ) : (
          <span className={statusPill[r.status]}>{statusLabels[r.status]}</span>
        )}
        {r.score !== null && (
          <span className="survey-score" title={`Score ${r.score} of ${surveyScaleMax(r.kind)}`}>
            {r.score} / {surveyScaleMax(r.kind)}
          </span>
        )}
      </div>
      {r.comment && <p className="survey-comment">{r.comment}</p>}
      {r.deliveryError && <p className="field-error">{r.deliveryError}</p>}
      <p className="muted small-inline">
        {r.answeredAt ? (
          <>
            answered <Ago at={r.answeredAt} />
          </>
        ) : r.status === 'withdrawn' ? (
          <>
            made <Ago at={r.createdAt} />, never sent
          </>
        ) : r.heldUntil ? (
          <>held until {new Date(r.heldUntil).toLocaleTimeString()}: reopening the case withdraws it</>
        ) : r.status === 'not_sent' ? (
          <>
            {linkOnly ? 'link made' : 'tried'} <Ago at={r.createdAt} />
          </>
        ) : (
          <>
            sent <Ago at={r.createdAt} />
          </>
        )}
        {open && (
          <>
            {' · '}link valid until{' '}
            <time dateTime={r.expiresAt}>{new Date(r.expiresAt).toLocaleDateString()}</time>
          </>
        )}
      </p>
      {open && (
        <button type="button" className="secondary compact" onClick={() => void copy()}>
          Copy link<span className="visually-hidden"> to {r.surveyName}</span>
        </button>
      )}
      {open && showLink && (
        <div className="survey-link">
          <label htmlFor={`${id}-link`}>Copy this link</label>
          <input
            id={`${id}-link`}
            readOnly
            value={r.link}
            // biome-ignore lint/a11y/noAutofocus: the link appears because the person asked to copy it
            autoFocus
            onFocus={(e) => e.currentTarget.select()}
          />
        </div>
      )}
    </li>
  );
}
