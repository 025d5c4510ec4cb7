import { type FormEvent, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { type CasePriority, type CaseType, casePriorities, caseTypes, inboxApi } from '../../api/inbox.ts';
import { ApiError } from '../../api.ts';
import { PeopleOptions } from '../../components/forms.tsx';
import { useSession } from '../../session.tsx';
import { ForCustomer } from '../customers/customer-picker.tsx';
import { useDirectory, words } from './inbox-bits.tsx';

/**
 * A case opened by hand for a customer (a phone call, a letter, a conversation outside the
 * channels Rapport connects): subject, type, priority, assignee (whoever opens it unless another
 * or nobody is chosen) and team. Once made, it opens in the inbox. Without `customerId` (the
 * inbox) it first asks whose case it is.
 */
export function NewCaseForm({
  customerId,
  onCancel,
  onOpened,
}: {
  customerId?: string;
  onCancel(): void;
  /** Told once the new case is open (the inbox then closes the form). */
  onOpened?: () => void;
}) {
  return (
    <ForCustomer customerId={customerId} purpose="New case" onCancel={onCancel}>
      {(c) => (
        <CaseFields customerId={c.id} customerName={c.pickedName} onCancel={onCancel} onOpened={onOpened} />
      )}
    </ForCustomer>
  );
}

function CaseFields({
  customerId,
  customerName,
  onCancel,
  onOpened,
}: {
  customerId: string;
  /** Said above the fields when the customer was picked here. */
  customerName?: string | undefined;
  onCancel(): void;
  onOpened?: (() => void) | undefined;
}) {
  const id = useId();
  const navigate = useNavigate();
  const { session } = useSession();
  const directory = useDirectory();
  const me = session?.user.id ?? '';
  const [subject, setSubject] = useState('');
  const [type, setType] = useState<CaseType>('question');
  const [priority, setPriority] = useState<CasePriority>('normal');
  const [assignee, setAssignee] = useState(me);
  const [team, setTeam] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError('');
    setBusy(true);
    try {
      const made = await inboxApi.create({
        subject: subject.trim(),
        type,
        priority,
        customerId,
        ...(assignee ? { assigneeUserId: assignee } : {}),
        ...(team ? { teamId: team } : {}),
      });
      navigate(`/inbox/${encodeURIComponent(made.id)}`);
      onOpened?.();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not open the case.');
      setBusy(false);
    }
  }

  return (
    <form className="edit-form" aria-label="New case" onSubmit={(e) => void submit(e)}>
      {customerName && <p>For {customerName}</p>}
      <label htmlFor={`${id}-subject`}>Subject</label>
      <input
        id={`${id}-subject`}
        value={subject}
        required
        maxLength={300}
        placeholder="Called about a refund for flight DA 204"
        // biome-ignore lint/a11y/noAutofocus: the form opens on request; the subject comes first
        autoFocus
        onChange={(e) => setSubject(e.target.value)}
      />
      <label htmlFor={`${id}-type`}>Type</label>
      <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as CaseType)}>
        {caseTypes.map((t) => (
          <option key={t} value={t}>
            {words(t)}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-priority`}>Priority</label>
      <select
        id={`${id}-priority`}
        value={priority}
        onChange={(e) => setPriority(e.target.value as CasePriority)}
      >
        {casePriorities.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-assignee`}>Assignee</label>
      <select id={`${id}-assignee`} value={assignee} onChange={(e) => setAssignee(e.target.value)}>
        <option value="">Unassigned</option>
        <PeopleOptions people={directory.assignees} me={me} />
      </select>
      <label htmlFor={`${id}-team`}>Team</label>
      <select id={`${id}-team`} value={team} onChange={(e) => setTeam(e.target.value)}>
        <option value="">No team</option>
        {directory.teams.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy || subject.trim() === ''}>
          Open case
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
