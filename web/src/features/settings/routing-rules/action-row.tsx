import type { ReactNode } from 'react';
import { Link } from 'react-router';
import {
  casePriorities,
  caseStatuses,
  caseTypes,
  dismissReasons,
  type RoutingAction,
  type RoutingActionType,
  type RuleEvent,
} from '../../../api/inbox.ts';
import { leadStages } from '../../../api/sales.ts';
import type { RowErrors } from '../../../components/forms.tsx';
import { Chips, ListInput, SkillPicker } from './list-inputs.tsx';
import { RowError, rowMarks } from './row-errors.tsx';
import { actionLabels, actionsFor, type Lookups, newAction, opts } from './rule-model.ts';

export function ActionRow({
  a,
  n,
  event,
  lookups,
  errors,
  errorId,
  onChange,
  onRemove,
}: {
  a: RoutingAction;
  n: number;
  event: RuleEvent;
  lookups: Lookups;
  errors: RowErrors | undefined;
  errorId: string;
  onChange(a: RoutingAction): void;
  onRemove(): void;
}) {
  const label = `Action ${n}`;
  const marks = rowMarks(errors, errorId);
  let body: ReactNode = null;
  /** A select named `name` for the action's field `field`. */
  const select = (
    name: string,
    field: string,
    value: string,
    options: { value: string; label: string }[],
    on: (v: string) => void,
  ) => (
    <select
      aria-label={`${label} ${name}`}
      {...marks.on(field)}
      value={value}
      onChange={(e) => on(e.target.value)}
    >
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
  const teamOptions = lookups.teams.map((t) => ({ value: t.id, label: t.name }));
  switch (a.type) {
    case 'create_case':
      body = (
        <>
          {select(
            'case type',
            'caseType',
            a.caseType ?? '',
            [{ value: '', label: 'Type from the intent' }, ...opts(caseTypes)],
            (v) => onChange({ ...a, caseType: (v || undefined) as typeof a.caseType }),
          )}
          {select(
            'priority',
            'priority',
            a.priority ?? '',
            [{ value: '', label: 'Priority from the urgency' }, ...opts(casePriorities)],
            (v) => onChange({ ...a, priority: (v || undefined) as typeof a.priority }),
          )}
          <label className="check">
            <input
              type="checkbox"
              checked={a.attachToOpenCase ?? true}
              onChange={(e) => onChange({ ...a, attachToOpenCase: e.target.checked })}
            />
            Add to the customer’s open case when there is one
          </label>
        </>
      );
      break;
    case 'set_priority':
      body = select('priority', 'value', a.value, opts(casePriorities), (v) =>
        onChange({ ...a, value: v as typeof a.value }),
      );
      break;
    case 'set_type':
      body = select('type', 'value', a.value, opts(caseTypes), (v) =>
        onChange({ ...a, value: v as typeof a.value }),
      );
      break;
    case 'set_status':
      body = select('status', 'value', a.value, opts(caseStatuses.filter((x) => x !== 'new')), (v) =>
        onChange({ ...a, value: v as typeof a.value }),
      );
      break;
    case 'add_tags':
      body = (
        <ListInput
          label={`${label} tags, separated by commas`}
          marks={marks.on('value')}
          value={a.value}
          placeholder="vip, refund"
          onChange={(v) => onChange({ ...a, value: v })}
        />
      );
      break;
    case 'assign_team':
      body =
        teamOptions.length === 0 ? (
          <span className="muted">
            No teams yet: <Link to="/settings/teams">create one</Link>.
          </span>
        ) : (
          select('team', 'teamId', a.teamId, [{ value: '', label: 'Choose a team' }, ...teamOptions], (v) =>
            onChange({ ...a, teamId: v }),
          )
        );
      break;
    case 'assign':
      body = (
        <>
          {select(
            'strategy',
            'strategy',
            a.strategy,
            [
              { value: 'round_robin', label: 'Round robin' },
              { value: 'least_open', label: 'Whoever has the fewest open cases' },
            ],
            (v) => onChange({ ...a, strategy: v as typeof a.strategy }),
          )}
          {select(
            'pool',
            'teamId',
            a.teamId ?? '',
            [
              { value: '', label: 'Among all agents' },
              ...teamOptions.map((t) => ({ ...t, label: `Within ${t.label}` })),
            ],
            (v) => {
              const { teamId: _, ...rest } = a;
              onChange(v ? { ...a, teamId: v } : rest);
            },
          )}
          <SkillPicker
            a={a}
            label={label}
            people={lookups.people}
            onChange={onChange}
            // Claimed here, not in SkillPicker's own render, which comes after this row's `rest`.
            skillsMarks={marks.on('skills')}
            fallbackMarks={marks.on('fallback')}
          />
        </>
      );
      break;
    case 'assign_agent':
      body = select(
        'person',
        'userId',
        a.userId,
        [
          { value: '', label: 'Choose a person' },
          ...lookups.people.map((p) => ({ value: p.id, label: p.name })),
        ],
        (v) => onChange({ ...a, userId: v }),
      );
      break;
    case 'send_reply':
      body =
        lookups.canned.length === 0 ? (
          <span className="muted">
            No shared canned responses yet: <Link to="/settings/canned-responses">write one</Link>.
          </span>
        ) : (
          <>
            {select(
              'canned response',
              'cannedId',
              a.cannedId,
              [
                { value: '', label: 'Choose a canned response' },
                ...lookups.canned.map((c) => ({ value: c.id, label: c.name })),
              ],
              (v) => onChange({ ...a, cannedId: v }),
            )}
            <span className="muted small-inline">A public reply in the post’s thread, once per case.</span>
          </>
        );
      break;
    case 'create_lead':
      body = (
        <>
          {select('stage', 'stage', a.stage ?? 'lead', opts(leadStages), (v) =>
            onChange({ ...a, stage: v as typeof a.stage }),
          )}
          {select(
            'owner',
            'ownerUserId',
            a.ownerUserId ?? '',
            [
              { value: '', label: 'Owner by round robin' },
              ...lookups.leadOwners.map((o) => ({ value: o.id, label: o.name })),
            ],
            (v) => onChange({ ...a, ownerUserId: v || undefined }),
          )}
          {!a.ownerUserId &&
            select(
              'team',
              'teamId',
              a.teamId ?? '',
              [
                { value: '', label: 'Among everyone who works leads' },
                ...teamOptions.map((t) => ({ ...t, label: `Within ${t.label}` })),
              ],
              (v) => onChange({ ...a, teamId: v || undefined }),
            )}
        </>
      );
      break;
    case 'notify':
      body = (
        <Chips
          label={`${label} people`}
          marks={lookups.people.length > 0 ? marks.on('userIds') : undefined}
          options={lookups.people.map((p) => ({ value: p.id, label: p.name }))}
          value={a.userIds}
          onChange={(v) => onChange({ ...a, userIds: v })}
        />
      );
      break;
    case 'dismiss':
      body = select('reason', 'reason', a.reason, opts(dismissReasons), (v) =>
        onChange({ ...a, reason: v as typeof a.reason }),
      );
      break;
  }
  return (
    <li className="routing-row">
      <div className="routing-row-head">
        <select
          aria-label={`${label} type`}
          {...marks.rest('type')}
          value={a.type}
          onChange={(e) => onChange(newAction(e.target.value as RoutingActionType, lookups))}
        >
          {actionsFor(event).map((t) => (
            <option key={t} value={t}>
              {actionLabels[t]}
            </option>
          ))}
        </select>
        <button type="button" className="secondary compact" onClick={onRemove}>
          Remove<span className="visually-hidden"> {label.toLowerCase()}</span>
        </button>
      </div>
      <div className="routing-row-value">{body}</div>
      <RowError id={errorId} errors={errors} />
    </li>
  );
}
