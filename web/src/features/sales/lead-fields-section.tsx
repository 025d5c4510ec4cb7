import { type FormEvent, useId, useState } from 'react';
import { type LeadDetail, type LeadStage, leadStages, salesApi } from '../../api/sales.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import type { Act } from './lead-page.tsx';
import { type Owners, stageLabels } from './sales-bits.tsx';

export function FieldsSection({ lead, owners, act }: { lead: LeadDetail; owners: Owners; act: Act }) {
  const id = useId();
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const open = lead.status === 'open';
  const ownerKnown = !lead.ownerUserId || owners.items.some((o) => o.id === lead.ownerUserId);

  async function disqualify(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    try {
      await salesApi.updateLead(lead.id, { status: 'disqualified', disqualifyReason: reason.trim() });
      setReason('');
      await act(async () => undefined, 'Lead disqualified', '');
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        Stage and owner
      </h2>
      <label htmlFor={`${id}-stage`}>Lifecycle stage</label>
      <select
        id={`${id}-stage`}
        value={lead.stage}
        onChange={(e) => {
          const stage = e.target.value as LeadStage;
          void act(
            () => salesApi.updateLead(lead.id, { stage }),
            `Stage set to ${stageLabels[stage]}`,
            'Could not change the stage.',
          );
        }}
      >
        {leadStages.map((s) => (
          <option key={s} value={s}>
            {stageLabels[s]}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-owner`}>Owner</label>
      <select
        id={`${id}-owner`}
        value={lead.ownerUserId ?? ''}
        onChange={(e) => {
          const ownerUserId = e.target.value || null;
          void act(
            () => salesApi.updateLead(lead.id, { ownerUserId }),
            ownerUserId ? `Owner set to ${owners.nameOf(ownerUserId)}` : 'Owner removed',
            'Could not change the owner.',
          );
        }}
      >
        <option value="">No owner</option>
        {!ownerKnown && lead.ownerUserId && (
          <option value={lead.ownerUserId}>{lead.owner?.name ?? 'a colleague'}</option>
        )}
        {owners.items.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name} ({o.role})
          </option>
        ))}
      </select>
      {open ? (
        <details className="lead-disqualify">
          <summary>Disqualify</summary>
          <form onSubmit={(e) => void disqualify(e)} noValidate>
            <label htmlFor={`${id}-reason`}>Why is it not a lead?</label>
            <textarea
              id={`${id}-reason`}
              rows={2}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              {...describedBy(`${id}-reason`, errors, 'disqualifyReason')}
            />
            <FieldError id={`${id}-reason`} errors={errors} field="disqualifyReason" />
            {errors.form && (
              <p role="alert" className="error">
                {errors.form}
              </p>
            )}
            <button type="submit" className="secondary compact">
              Disqualify lead
            </button>
          </form>
        </details>
      ) : lead.status === 'disqualified' ? (
        <div className="row">
          <button
            type="button"
            className="secondary compact"
            onClick={() =>
              void act(
                () => salesApi.updateLead(lead.id, { status: 'open' }),
                'Lead reopened',
                'Could not reopen the lead.',
              )
            }
          >
            Reopen lead
          </button>
        </div>
      ) : null}
    </section>
  );
}
