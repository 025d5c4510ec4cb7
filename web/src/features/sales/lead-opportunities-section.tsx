import { type FormEvent, useId, useState } from 'react';
import {
  type LeadDetail,
  type Opportunity,
  type OpportunityStage,
  opportunityStages,
  salesApi,
} from '../../api/sales.ts';
import { formatDate } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import type { Act } from './lead-page.tsx';
import { formatMoney, parseAmount } from './money.ts';
import { opportunityStageLabels } from './sales-bits.tsx';

const openStages = ['qualification', 'needs_analysis', 'proposal', 'negotiation'] as const;

export function OpportunitiesSection({ lead, act }: { lead: LeadDetail; act: Act }) {
  const id = useId();
  const [name, setName] = useState('');
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState(lead.opportunities[0]?.currency ?? 'EUR');
  const [stage, setStage] = useState<(typeof openStages)[number]>('qualification');
  const [close, setClose] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});

  async function create(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    const cur = currency.trim().toUpperCase();
    const amountMinor = parseAmount(amount, /^[A-Z]{3}$/.test(cur) ? cur : 'EUR');
    if (amountMinor === null) {
      setErrors({ amountMinor: 'An amount such as 1200 or 1200.50' });
      return;
    }
    try {
      await salesApi.createOpportunity({
        leadId: lead.id,
        name: name.trim(),
        amountMinor,
        currency: cur,
        stage,
        ...(close ? { expectedCloseOn: close } : {}),
      });
      setName('');
      setAmount('');
      setClose('');
      await act(async () => undefined, `Opportunity “${name.trim()}” added`, '');
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }

  return (
    <section className="card lead-opportunities" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        Opportunities
      </h2>
      {lead.opportunities.length === 0 ? (
        <p className="muted">No opportunities yet.</p>
      ) : (
        <ul className="plain-list opportunity-list">
          {lead.opportunities.map((o) => (
            <OpportunityItem key={o.id} o={o} act={act} />
          ))}
        </ul>
      )}
      {lead.status !== 'disqualified' && (
        <form
          className="opportunity-form"
          aria-label="New opportunity"
          noValidate
          onSubmit={(e) => void create(e)}
        >
          <h3>New opportunity</h3>
          <div className="grid-form">
            <div>
              <label htmlFor={`${id}-name`}>Name</label>
              <input
                id={`${id}-name`}
                value={name}
                onChange={(e) => setName(e.target.value)}
                {...describedBy(`${id}-name`, errors, 'name')}
              />
              <FieldError id={`${id}-name`} errors={errors} field="name" />
            </div>
            <div>
              <label htmlFor={`${id}-amount`}>Amount</label>
              <input
                id={`${id}-amount`}
                inputMode="decimal"
                value={amount}
                placeholder="1200.00"
                onChange={(e) => setAmount(e.target.value)}
                {...describedBy(`${id}-amount`, errors, 'amountMinor')}
              />
              <FieldError id={`${id}-amount`} errors={errors} field="amountMinor" />
            </div>
            <div>
              <label htmlFor={`${id}-currency`}>Currency</label>
              <input
                id={`${id}-currency`}
                value={currency}
                maxLength={3}
                className="narrow"
                onChange={(e) => setCurrency(e.target.value.toUpperCase())}
                {...describedBy(`${id}-currency`, errors, 'currency')}
              />
              <FieldError id={`${id}-currency`} errors={errors} field="currency" />
            </div>
            <div>
              <label htmlFor={`${id}-stage`}>Stage</label>
              <select
                id={`${id}-stage`}
                value={stage}
                onChange={(e) => setStage(e.target.value as (typeof openStages)[number])}
              >
                {openStages.map((s) => (
                  <option key={s} value={s}>
                    {opportunityStageLabels[s]}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor={`${id}-close`}>Expected close</label>
              <input
                id={`${id}-close`}
                type="date"
                value={close}
                onChange={(e) => setClose(e.target.value)}
                {...describedBy(`${id}-close`, errors, 'expectedCloseOn')}
              />
              <FieldError id={`${id}-close`} errors={errors} field="expectedCloseOn" />
            </div>
            <button type="submit">Add opportunity</button>
          </div>
          {errors.form && (
            <p role="alert" className="error">
              {errors.form}
            </p>
          )}
        </form>
      )}
    </section>
  );
}

function OpportunityItem({ o, act }: { o: Opportunity; act: Act }) {
  const id = useId();
  const [losing, setLosing] = useState(false);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const closed = o.stage === 'closed_won' || o.stage === 'closed_lost';

  async function markLost(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    try {
      await salesApi.updateOpportunity(o.id, { stage: 'closed_lost', lostReason: reason.trim() });
      setLosing(false);
      await act(async () => undefined, `Opportunity “${o.name}” lost`, '');
    } catch (err) {
      setErrors(fieldErrors(err));
    }
  }

  return (
    <li className={`opportunity opp-${o.stage}`} aria-label={`Opportunity ${o.name}`}>
      <div className="opportunity-head">
        <strong>{o.name}</strong>
        <span className="opportunity-amount">{formatMoney(o.amountMinor, o.currency)}</span>
        <span className={`chip opp-stage opp-stage-${o.stage}`}>{opportunityStageLabels[o.stage]}</span>
        {o.expectedCloseOn && !closed && <span className="muted">closes {o.expectedCloseOn}</span>}
        {o.closedAt && <span className="muted">closed {formatDate(o.closedAt)}</span>}
      </div>
      {o.stage === 'closed_lost' && o.lostReason && <p className="muted">Lost: {o.lostReason}</p>}
      {!closed && (
        <div className="row opportunity-actions">
          <label htmlFor={`${id}-stage`} className="visually-hidden">
            Stage of {o.name}
          </label>
          <select
            id={`${id}-stage`}
            className="compact-select"
            value={o.stage}
            onChange={(e) => {
              const stage = e.target.value as OpportunityStage;
              if (stage === 'closed_lost') {
                setLosing(true);
                return;
              }
              void act(
                () => salesApi.updateOpportunity(o.id, { stage }),
                stage === 'closed_won'
                  ? `Opportunity “${o.name}” won`
                  : `Opportunity “${o.name}” moved to ${opportunityStageLabels[stage]}`,
                'Could not change the opportunity.',
              );
            }}
          >
            {opportunityStages.map((s) => (
              <option key={s} value={s}>
                {opportunityStageLabels[s]}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="compact"
            onClick={() =>
              void act(
                () => salesApi.updateOpportunity(o.id, { stage: 'closed_won' }),
                `Opportunity “${o.name}” won`,
                'Could not mark the opportunity won.',
              )
            }
          >
            Mark won
          </button>
          <button
            type="button"
            className="secondary compact"
            aria-expanded={losing}
            onClick={() => setLosing((l) => !l)}
          >
            Mark lost…
          </button>
        </div>
      )}
      {losing && !closed && (
        <form noValidate onSubmit={(e) => void markLost(e)}>
          <label htmlFor={`${id}-reason`}>Why was {o.name} lost?</label>
          <input
            id={`${id}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            {...describedBy(`${id}-reason`, errors, 'lostReason')}
          />
          <FieldError id={`${id}-reason`} errors={errors} field="lostReason" />
          {errors.form && (
            <p role="alert" className="error">
              {errors.form}
            </p>
          )}
          <button type="submit" className="secondary compact">
            Close as lost
          </button>
        </form>
      )}
    </li>
  );
}
