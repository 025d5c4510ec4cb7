import { type FormEvent, useId, useState } from 'react';
import { type ContactChannel, contactChannels, type LeadDetail, salesApi } from '../../api/sales.ts';
import { formatDate } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { Ago } from '../customers/customer-bits.tsx';
import { useNow } from '../inbox/inbox-bits.tsx';
import type { Act } from './lead-page.tsx';
import { formatDuration, type Owners } from './sales-bits.tsx';

/** The clock from the handoff to the first contact: stopped at the contact, or still running. */
function FirstContactClock({ lead }: { lead: LeadDetail }) {
  const now = useNow();
  const h = lead.handoff;
  if (!h.at || h.status === 'none') return null;
  if (h.firstContactAt) {
    const ms = h.handoffToFirstContactMs ?? Date.parse(h.firstContactAt) - Date.parse(h.at);
    return (
      <p className="first-contact done">
        First contact <strong>{formatDuration(ms)}</strong> after the handoff ({formatDate(h.firstContactAt)}
        ).
      </p>
    );
  }
  if (h.status === 'rejected' || lead.status !== 'open') return null;
  return (
    <p className="first-contact running">
      No contact yet: <strong>{formatDuration(now - Date.parse(h.at))}</strong> since the handoff.
    </p>
  );
}

export function HandoffSection({
  lead,
  me,
  canConfigure,
  owners,
  act,
}: {
  lead: LeadDetail;
  me: string | undefined;
  canConfigure: boolean;
  owners: Owners;
  act: Act;
}) {
  const id = useId();
  const h = lead.handoff;
  const [to, setTo] = useState('');
  const [note, setNote] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const open = lead.status === 'open';
  const decides = h.status === 'pending' && (h.toUserId === me || canConfigure);

  async function submit(e: FormEvent, run: () => Promise<unknown>, done: string, reset: () => void) {
    e.preventDefault();
    setErrors({});
    try {
      await run();
      reset();
      await act(async () => undefined, done, '');
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }

  return (
    <section className="card lead-handoff" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        Handoff to sales
      </h2>
      {h.status === 'none' && <p className="muted">Not handed off yet.</p>}
      {h.status !== 'none' && (
        <p>
          {h.status === 'pending' ? 'Handed' : 'Was handed'} to <strong>{owners.nameOf(h.toUserId)}</strong>{' '}
          by {owners.nameOf(h.fromUserId)} {h.at && <Ago at={h.at} />}
          {h.status === 'accepted' && <> · accepted {h.decidedAt && <Ago at={h.decidedAt} />}</>}
          {h.status === 'rejected' && <> · rejected {h.decidedAt && <Ago at={h.decidedAt} />}</>}
        </p>
      )}
      {h.note && <blockquote className="handoff-note">{h.note}</blockquote>}
      {h.status === 'rejected' && h.reason && (
        <p className="handoff-reason">
          <strong>Rejected because:</strong> {h.reason}
        </p>
      )}
      <FirstContactClock lead={lead} />
      {open && h.status === 'pending' && !decides && (
        <p className="notice">Waiting for {owners.nameOf(h.toUserId)} to accept or reject it.</p>
      )}
      {open && decides && (
        <div className="handoff-decision">
          <div className="row">
            <button
              type="button"
              onClick={() =>
                void act(
                  () => salesApi.accept(lead.id),
                  'Handoff accepted: the lead is yours',
                  'Could not accept the handoff.',
                )
              }
            >
              Accept handoff
            </button>
            <button
              type="button"
              className="secondary"
              aria-expanded={rejecting}
              onClick={() => setRejecting((r) => !r)}
            >
              Reject…
            </button>
          </div>
          {rejecting && (
            <form
              noValidate
              onSubmit={(e) =>
                void submit(
                  e,
                  () => salesApi.reject(lead.id, reason.trim()),
                  'Handoff rejected',
                  () => {
                    setReason('');
                    setRejecting(false);
                  },
                )
              }
            >
              <label htmlFor={`${id}-reason`}>Reason for rejecting</label>
              <textarea
                id={`${id}-reason`}
                rows={2}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                {...describedBy(`${id}-reason`, errors, 'reason')}
              />
              <FieldError id={`${id}-reason`} errors={errors} field="reason" />
              <button type="submit" className="secondary">
                Reject handoff
              </button>
            </form>
          )}
        </div>
      )}
      {open && h.status !== 'pending' && (
        <form
          className="handoff-form"
          noValidate
          onSubmit={(e) =>
            void submit(
              e,
              () => salesApi.handoff(lead.id, { toUserId: to, note: note.trim() }),
              `Handed off to ${owners.nameOf(to)}`,
              () => {
                setTo('');
                setNote('');
              },
            )
          }
        >
          <label htmlFor={`${id}-to`}>Hand off to</label>
          <select
            id={`${id}-to`}
            value={to}
            onChange={(e) => setTo(e.target.value)}
            {...describedBy(`${id}-to`, errors, 'toUserId')}
          >
            <option value="">Choose a person…</option>
            {owners.items
              .filter((o) => o.id !== me)
              .map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name} ({o.role})
                </option>
              ))}
          </select>
          <FieldError id={`${id}-to`} errors={errors} field="toUserId" />
          <label htmlFor={`${id}-note`}>Note for them</label>
          <textarea
            id={`${id}-note`}
            rows={3}
            value={note}
            placeholder="What they asked for, when, and why it is worth a call"
            onChange={(e) => setNote(e.target.value)}
            {...describedBy(`${id}-note`, errors, 'note')}
          />
          <FieldError id={`${id}-note`} errors={errors} field="note" />
          <button type="submit" disabled={!to}>
            Hand off
          </button>
        </form>
      )}
      {errors.form && (
        <p role="alert" className="error">
          {errors.form}
        </p>
      )}
    </section>
  );
}

export function ContactForm({ lead, act }: { lead: LeadDetail; act: Act }) {
  const id = useId();
  const [channel, setChannel] = useState<ContactChannel>('email');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const ok = await act(
      () => salesApi.contact(lead.id, { channel, ...(note.trim() ? { note: note.trim() } : {}) }),
      `Contact by ${channel} logged`,
      'Could not log the contact.',
    );
    if (ok) setNote('');
    setBusy(false);
  }
  return (
    <form className="card lead-contact" aria-labelledby={`${id}-title`} onSubmit={(e) => void submit(e)}>
      <h2 id={`${id}-title`} className="card-title">
        Log a contact
      </h2>
      <div className="grid-form">
        <div>
          <label htmlFor={`${id}-channel`}>Channel</label>
          <select
            id={`${id}-channel`}
            value={channel}
            onChange={(e) => setChannel(e.target.value as ContactChannel)}
          >
            {contactChannels.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-note`}>Note (optional)</label>
          <input id={`${id}-note`} value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
        </div>
        <button type="submit" disabled={busy}>
          Log contact
        </button>
      </div>
    </form>
  );
}
