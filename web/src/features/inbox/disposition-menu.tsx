import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import {
  type Case,
  type DismissReason,
  type Disposition,
  type DispositionAction,
  dismissReasons,
  inboxApi,
} from '../../api/inbox.ts';
import { ApiError } from '../../api.ts';
import { findCaseByNumber, words } from './inbox-bits.tsx';

/** What became of a mention, as a chip: "Case #12", "Lead", "Answered", "Dismissed · spam". */
function DispositionChip({ d, caseNumber }: { d: Disposition; caseNumber: number | null }) {
  if (d.disposition === 'case' && d.caseId) {
    return (
      <span className="chip disposition case">
        <Link to={`/inbox/${d.caseId}`}>{caseNumber !== null ? `Case #${caseNumber}` : 'In a case'}</Link>
      </span>
    );
  }
  if (d.disposition === 'answered') return <span className="chip disposition answered">Answered</span>;
  if (d.disposition === 'lead') return <span className="chip disposition lead">Lead</span>;
  return (
    <span className="chip disposition dismissed">Dismissed{d.reason ? ` · ${words(d.reason)}` : ''}</span>
  );
}

/**
 * Decide what becomes of a mention: a new case, attached to an existing case, answered, or
 * dismissed with a reason. A disclosure of plain buttons (Tab moves through them; Escape closes).
 */
export function DispositionMenu({
  mentionId,
  initial,
  onDecided,
}: {
  mentionId: number;
  /** The mention's current disposition, when the server sends it with the mention. */
  initial?: Disposition | null | undefined;
  /** Told of each decision saved, so a list holding the mention can show it decided. */
  onDecided?: (d: Disposition) => void;
}) {
  const [current, setCurrent] = useState<Disposition | null>(initial ?? null);
  const [caseNumber, setCaseNumber] = useState<number | null>(null);
  const [open, setOpen] = useState(false);
  const [step, setStep] = useState<'main' | 'attach' | 'dismiss'>('main');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLFieldSetElement>(null);
  const panelId = useId();

  useEffect(() => setCurrent(initial ?? null), [initial]);
  useEffect(() => {
    if (current?.disposition !== 'case' || !current.caseId) return;
    let stale = false;
    inboxApi
      .get(current.caseId)
      .then((c) => !stale && setCaseNumber(c.number))
      .catch(() => undefined);
    return () => {
      stale = true;
    };
  }, [current]);

  const close = useCallback(() => {
    setOpen(false);
    setStep('main');
    toggle.current?.focus();
  }, []);

  // Focus goes to the first control of each step; Escape or a click elsewhere closes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `step` moves focus to the new step
  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector<HTMLElement>('button, input')?.focus();
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!panel.current?.contains(t) && !toggle.current?.contains(t)) {
        setOpen(false);
        setStep('main');
      }
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && panel.current?.contains(document.activeElement)) {
        e.stopPropagation();
        close();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open, step, close]);

  async function decide(input: DispositionAction) {
    setBusy(true);
    setError('');
    try {
      const d = await inboxApi.dispose(mentionId, input);
      setCurrent(d);
      setCaseNumber(null);
      close();
      onDecided?.(d);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not save the decision.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="disposition-menu">
      {current && <DispositionChip d={current} caseNumber={caseNumber} />}
      <button
        ref={toggle}
        type="button"
        className="secondary compact"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => (open ? close() : setOpen(true))}
      >
        {current ? 'Change' : 'Decide'}
        <span className="visually-hidden"> what becomes of this post</span>
      </button>
      {open && (
        <fieldset id={panelId} ref={panel} className="disposition-panel">
          <legend className="visually-hidden">What becomes of this post</legend>
          {step === 'main' && (
            <>
              <button type="button" disabled={busy} onClick={() => void decide({ action: 'create_case' })}>
                Create case
              </button>
              <button type="button" className="secondary" onClick={() => setStep('attach')}>
                Attach to case #…
              </button>
              <button
                type="button"
                className="secondary"
                disabled={busy}
                onClick={() => void decide({ action: 'answered' })}
              >
                Answered
              </button>
              <button type="button" className="secondary" onClick={() => setStep('dismiss')}>
                Dismiss…
              </button>
            </>
          )}
          {step === 'dismiss' && (
            <>
              <p className="disposition-step">Dismiss because it is:</p>
              {dismissReasons.map((r: DismissReason) => (
                <button
                  key={r}
                  type="button"
                  className="secondary"
                  disabled={busy}
                  onClick={() => void decide({ action: 'dismiss', reason: r })}
                >
                  {r === 'not_actionable'
                    ? 'Not actionable'
                    : `${words(r).charAt(0).toUpperCase()}${words(r).slice(1)}`}
                </button>
              ))}
              <button type="button" className="link-button" onClick={() => setStep('main')}>
                Back
              </button>
            </>
          )}
          {step === 'attach' && (
            <AttachPicker
              busy={busy}
              onPick={(c) => void decide({ action: 'attach', caseId: c.id })}
              onBack={() => setStep('main')}
            />
          )}
          {error && (
            <p role="alert" className="field-error">
              {error}
            </p>
          )}
        </fieldset>
      )}
    </span>
  );
}

function AttachPicker({ busy, onPick, onBack }: { busy: boolean; onPick(c: Case): void; onBack(): void }) {
  const id = useId();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Case[] | null>(null);
  const [error, setError] = useState('');

  // The latest active cases to start from; typing a number or words narrows it.
  useEffect(() => {
    inboxApi
      .cases({ status: 'active' }, undefined, 8)
      .then((p) => setFound(p.items))
      .catch(() => setFound([]));
  }, []);

  async function search(e: FormEvent) {
    e.preventDefault();
    setError('');
    const t = q.trim().replace(/^#/, '');
    try {
      if (/^\d+$/.test(t)) {
        const c = await findCaseByNumber(Number(t));
        setFound(c ? [c] : []);
      } else {
        setFound((await inboxApi.cases({ status: 'active', search: t || undefined }, undefined, 8)).items);
      }
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not search cases.');
    }
  }

  return (
    <div className="attach-picker">
      <form onSubmit={(e) => void search(e)}>
        <label htmlFor={`${id}-q`} className="small-label">
          Case number or subject
        </label>
        <div className="inline-input">
          <input id={`${id}-q`} value={q} placeholder="#12" onChange={(e) => setQ(e.target.value)} />
          <button type="submit" className="secondary compact">
            Find
          </button>
        </div>
      </form>
      {found === null ? (
        <p className="muted">Loading…</p>
      ) : found.length === 0 ? (
        <p className="muted">No open case matches.</p>
      ) : (
        <ul className="attach-list">
          {found.map((c) => (
            <li key={c.id}>
              <button type="button" className="secondary" disabled={busy} onClick={() => onPick(c)}>
                Attach to #{c.number} <span className="muted">{c.subject}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      <button type="button" className="link-button" onClick={onBack}>
        Back
      </button>
    </div>
  );
}
