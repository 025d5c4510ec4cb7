import type { ReactNode } from 'react';
import {
  type CaseMoment,
  caseMoments,
  type RoutingCondition,
  type RoutingField,
  type RuleEvent,
} from '../../../api/inbox.ts';
import type { RowErrors } from '../../../components/forms.tsx';
import { Chips, ListInput } from './list-inputs.tsx';
import { RowError, rowMarks } from './row-errors.tsx';
import {
  choicesOf,
  fieldLabels,
  fieldsFor,
  kindOf,
  type Lookups,
  momentLabels,
  newCondition,
  opLabels,
  opsOf,
} from './rule-model.ts';

export function ConditionRow({
  c,
  n,
  event,
  lookups,
  errors,
  errorId,
  onChange,
  onRemove,
}: {
  c: RoutingCondition;
  n: number;
  event: RuleEvent;
  lookups: Lookups;
  errors: RowErrors | undefined;
  errorId: string;
  onChange(c: RoutingCondition): void;
  onRemove(): void;
}) {
  const kind = kindOf(c.field);
  const label = `Condition ${n}`;
  const marks = rowMarks(errors, errorId);
  const set = (patch: Record<string, unknown>) => onChange({ ...c, ...patch } as RoutingCondition);
  let value: ReactNode = null;
  if (c.field === 'hours_since') {
    value = (
      <>
        <input
          type="number"
          className="number"
          aria-label={`${label} hours`}
          {...marks.on('value')}
          min={0.25}
          max={8760}
          step="any"
          value={String(c.value)}
          onChange={(e) => set({ value: Number(e.target.value) })}
        />
        <select
          aria-label={`${label} since`}
          {...marks.on('since')}
          value={c.since}
          onChange={(e) => set({ since: e.target.value as CaseMoment })}
        >
          {caseMoments.map((m) => (
            <option key={m} value={m}>
              hours since {momentLabels[m]}
            </option>
          ))}
        </select>
      </>
    );
  } else if (kind === 'number' && 'value' in c) {
    value = (
      <input
        type="number"
        className="number"
        aria-label={`${label} value`}
        {...marks.on('value')}
        min={0}
        max={c.field === 'followers' ? undefined : 100}
        value={String(c.value)}
        onChange={(e) => set({ value: Number(e.target.value) })}
      />
    );
  } else if (kind === 'list' && 'value' in c && Array.isArray(c.value)) {
    value = (
      <ListInput
        label={`${label} values, separated by commas`}
        marks={marks.on('value')}
        value={c.value}
        placeholder={
          c.field === 'language'
            ? 'en, es'
            : c.field === 'case_tags'
              ? 'vip, refund'
              : 'refund, cancel my order'
        }
        onChange={(v) => set({ value: v })}
      />
    );
  } else if (kind === 'choices' && 'value' in c && Array.isArray(c.value)) {
    const options = choicesOf(c.field, lookups);
    value = (
      <Chips
        options={options}
        value={c.value}
        onChange={(v) => set({ value: v })}
        label={`${label} values`}
        marks={options.length > 0 ? marks.on('value') : undefined}
      />
    );
  }
  const opMarks = marks.on('op');
  return (
    <li className="routing-row">
      <div className="routing-row-head">
        <select
          aria-label={`${label} field`}
          {...marks.rest('field')}
          value={c.field}
          onChange={(e) => onChange(newCondition(e.target.value as RoutingField))}
        >
          {fieldsFor(event).map((f) => (
            <option key={f} value={f}>
              {fieldLabels[f]}
            </option>
          ))}
        </select>
        <select
          aria-label={`${label} operator`}
          {...opMarks}
          value={c.op}
          onChange={(e) => set({ op: e.target.value })}
        >
          {opsOf(c.field).map((o) => (
            <option key={o} value={o}>
              {opLabels[o]}
            </option>
          ))}
        </select>
        <button type="button" className="secondary compact" onClick={onRemove}>
          Remove<span className="visually-hidden"> {label.toLowerCase()}</span>
        </button>
      </div>
      {value && <div className="routing-row-value">{value}</div>}
      <RowError id={errorId} errors={errors} />
    </li>
  );
}
