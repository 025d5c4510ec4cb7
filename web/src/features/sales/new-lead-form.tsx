import { type FormEvent, useId, useState } from 'react';
import { useNavigate } from 'react-router';
import { type LeadStage, leadStages, salesApi } from '../../api/sales.ts';
import { ApiError } from '../../api.ts';
import { PeopleOptions } from '../../components/forms.tsx';
import { useSession } from '../../session.tsx';
import { ForCustomer } from '../customers/customer-picker.tsx';
import { stageLabels, useOwners } from './sales-bits.tsx';

/**
 * Title, stage and owner of a new lead; once made, its page opens. Without `customerId` (the
 * board) it first asks whose lead it is: a search over name, handle or email.
 */
export function NewLeadForm({ customerId, onCancel }: { customerId?: string; onCancel(): void }) {
  return (
    <ForCustomer customerId={customerId} purpose="New lead" onCancel={onCancel}>
      {(c) => <LeadFields customerId={c.id} customerName={c.pickedName} onCancel={onCancel} />}
    </ForCustomer>
  );
}

function LeadFields({
  customerId,
  customerName,
  onCancel,
}: {
  customerId: string;
  /** Said above the fields when the customer was picked here. */
  customerName?: string | undefined;
  onCancel(): void;
}) {
  const id = useId();
  const navigate = useNavigate();
  const { session } = useSession();
  const owners = useOwners();
  const [title, setTitle] = useState('');
  const [stage, setStage] = useState<LeadStage>('lead');
  const [owner, setOwner] = useState(session?.user.id ?? '');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError('');
    setBusy(true);
    try {
      const lead = await salesApi.createLead({
        customerId,
        title: title.trim(),
        stage,
        ...(owner ? { ownerUserId: owner } : {}),
      });
      navigate(`/sales/leads/${encodeURIComponent(lead.id)}`, {
        state: { status: `Lead ${lead.number} created.` },
      });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not create the lead.');
      setBusy(false);
    }
  }

  return (
    <form className="edit-form" aria-label="New lead" onSubmit={(e) => void submit(e)}>
      {customerName && <p>For {customerName}</p>}
      <label htmlFor={`${id}-title`}>Title</label>
      <input
        id={`${id}-title`}
        value={title}
        required
        maxLength={300}
        placeholder="Group booking for the spring conference"
        // biome-ignore lint/a11y/noAutofocus: the form opens on request; typing the title comes first
        autoFocus
        onChange={(e) => setTitle(e.target.value)}
      />
      <label htmlFor={`${id}-stage`}>Stage</label>
      <select id={`${id}-stage`} value={stage} onChange={(e) => setStage(e.target.value as LeadStage)}>
        {leadStages.map((s) => (
          <option key={s} value={s}>
            {stageLabels[s]}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-owner`}>Owner</label>
      <select id={`${id}-owner`} value={owner} onChange={(e) => setOwner(e.target.value)}>
        <option value="">Nobody yet</option>
        <PeopleOptions people={owners.items} me={session?.user.id} />
      </select>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy || title.trim() === ''}>
          Create lead
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
