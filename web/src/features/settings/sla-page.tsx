import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import {
  type Assignee,
  casePriorities,
  caseTypes,
  inboxApi,
  inboxConfigurers,
  type SlaBreachAction,
  type SlaMetric,
  type SlaPolicy,
  type SlaPolicyInput,
  type SlaReport,
  type Team,
} from '../../api/inbox.ts';
import { type Segment, segmentsApi } from '../../api/segments.ts';
import { ConfirmDelete, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useChannels } from '../../components/use-channels.ts';
import { useSession } from '../../session.tsx';
import { formatTarget, metricLabels } from '../inbox/inbox-bits.tsx';
import { OrderedList, OrderedListMessages, type OrderedStore, useOrderedList } from './ordered-list.tsx';
import { BusinessHoursEditor } from './sla/business-hours-editor.tsx';

const targetKeys = [
  ['firstResponse', 'first_response'],
  ['nextResponse', 'next_response'],
  ['resolution', 'resolution'],
] as const satisfies readonly (readonly [keyof SlaPolicyInput['targets'], SlaMetric])[];

type Lookups = { teams: Team[]; people: Assignee[]; segments: Segment[] };

/** Policies are matched top to bottom; switching one on or off saves it unchanged otherwise. */
const policyStore: OrderedStore<SlaPolicy> = {
  load: () => inboxApi.slaPolicies(),
  reorder: (ids) => inboxApi.reorderSlaPolicies(ids),
  setEnabled: (p, enabled) => inboxApi.saveSlaPolicy(p.id, { ...inputOf(p), enabled }),
  loadError: 'Could not load SLA policies.',
};

/** Settings → Service levels: opening hours, holidays, SLA policies in order, and how well they are met. */
export function SlaPage() {
  usePageTitle('Service levels');
  const { session } = useSession();
  const canManage = !!session && inboxConfigurers.includes(session.user.role);
  const list = useOrderedList(policyStore);
  const [lookups, setLookups] = useState<Lookups>({ teams: [], people: [], segments: [] });
  const [report, setReport] = useState<SlaReport | null>(null);

  useEffect(() => {
    inboxApi
      .slaReport(30)
      .then(setReport)
      .catch(() => undefined);
    void Promise.all([
      inboxApi.teams().catch(() => ({ items: [] })),
      inboxApi.assignees().catch(() => ({ items: [] })),
      segmentsApi.all().catch(() => []),
    ]).then(([teams, people, segments]) =>
      setLookups({ teams: teams.items, people: people.items, segments }),
    );
  }, []);

  return (
    <section className="page wide sla-page">
      <h1>Service levels</h1>
      <p className="hint">
        Targets for answering and resolving cases. The first enabled policy whose conditions a case meets sets
        its clocks; they pause while the case waits on the customer.{' '}
        <Link to="/settings">Back to settings</Link>
      </p>
      {!canManage && (
        <p className="notice" role="note">
          Only owners, admins and managers can change service levels.
        </p>
      )}
      <OrderedListMessages error={list.error} message={list.message} />
      {report && <Attainment report={report} />}
      <h2>SLA policies</h2>
      <OrderedList
        list={list}
        canManage={canManage}
        label="SLA policies, in the order they are matched"
        empty="No SLA policies yet: cases have no response or resolution targets."
        newLabel="New policy"
        editor={(policy) => <PolicyEditor policy={policy} lookups={lookups} onDone={list.doneEditing} />}
      >
        {(p) => (
          <>
            <h3 className="rule-name">{p.name}</h3>
            <p className="rule-summary">{describe(p, lookups)}</p>
          </>
        )}
      </OrderedList>
      <BusinessHoursEditor canManage={canManage} onSaved={list.setMessage} />
    </section>
  );
}

function inputOf(p: SlaPolicy): SlaPolicyInput {
  const { name, enabled, conditions, targets, businessHours, warnBeforeMinutes, breachActions } = p;
  return { name, enabled, conditions, targets, businessHours, warnBeforeMinutes, breachActions };
}

/** "Urgent or high bluesky complaints → first response 30 min, resolution 1 day (open hours)". */
function describe(p: SlaPolicyInput, l: Lookups): string {
  const c = p.conditions;
  const parts: string[] = [];
  if (c.priorities?.length) parts.push(`priority ${c.priorities.join(' or ')}`);
  if (c.types?.length) parts.push(`type ${c.types.join(' or ')}`);
  if (c.segmentIds?.length)
    parts.push(
      `a customer in ${c.segmentIds.map((id) => l.segments.find((s) => s.id === id)?.name ?? 'a deleted segment').join(' or ')}`,
    );
  const on = c.channels?.length ? ` on ${c.channels.join(' or ')}` : '';
  const when =
    parts.length || on ? `Cases${on}${parts.length ? ` with ${parts.join(', ')}` : ''}` : 'Every case';
  const targets = targetKeys
    .flatMap(([k, m]) => {
      const v = p.targets[k];
      return v === undefined ? [] : [`${metricLabels[m].toLowerCase()} ${formatTarget(v)}`];
    })
    .join(', ');
  const acts = p.breachActions.map((a) =>
    a.type === 'escalate_priority'
      ? 'raise priority'
      : a.type === 'reassign'
        ? `reassign to ${[
            a.userId ? (l.people.find((x) => x.id === a.userId)?.name ?? 'someone') : '',
            a.teamId ? (l.teams.find((t) => t.id === a.teamId)?.name ?? 'a team') : '',
          ]
            .filter(Boolean)
            .join(' in ')}`
        : `notify ${a.userIds.map((u) => l.people.find((x) => x.id === u)?.name ?? 'someone').join(', ')}`,
  );
  return `${when} → ${targets} (${p.businessHours ? 'open hours' : 'calendar time'}, warn ${p.warnBeforeMinutes} min before)${acts.length ? `; on breach: ${acts.join(', ')}` : ''}`;
}

function Attainment({ report }: { report: SlaReport }) {
  return (
    <section className="card sla-report" aria-labelledby="sla-report-title">
      <h2 id="sla-report-title">Attainment, last 30 days</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Met</th>
            <th scope="col">Breached</th>
            <th scope="col">Running now</th>
            <th scope="col">Attainment</th>
          </tr>
        </thead>
        <tbody>
          {report.metrics.map((m) => (
            <tr key={m.metric}>
              <th scope="row">{metricLabels[m.metric]}</th>
              <td data-label="Met">{m.achieved}</td>
              <td data-label="Breached">{m.breached}</td>
              <td data-label="Running now">{m.running}</td>
              <td data-label="Attainment">
                <strong>{m.attainment === null ? '—' : `${Math.round(m.attainment * 100)}%`}</strong>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Chips({
  options,
  value,
  onChange,
  label,
}: {
  options: { value: string; label: string }[];
  value: string[];
  onChange(v: string[]): void;
  label: string;
}) {
  return (
    <fieldset className="plain sla-chips">
      <legend className="field-legend">{label}</legend>
      {options.length === 0 ? (
        <span className="muted">None defined yet.</span>
      ) : (
        <div className="choice-chips">
          {options.map((o) => {
            const on = value.includes(o.value);
            return (
              <label key={o.value} className={on ? 'choice-chip checked' : 'choice-chip'}>
                <input
                  type="checkbox"
                  checked={on}
                  onChange={(e) =>
                    onChange(e.target.checked ? [...value, o.value] : value.filter((v) => v !== o.value))
                  }
                />
                {o.label}
              </label>
            );
          })}
        </div>
      )}
    </fieldset>
  );
}

type Unit = 'minutes' | 'hours' | 'days';
const unitMinutes: Record<Unit, number> = { minutes: 1, hours: 60, days: 1440 };
const bestUnit = (m: number): Unit => (m % 1440 === 0 ? 'days' : m % 60 === 0 ? 'hours' : 'minutes');

/** A target: a number and a unit; empty means "no target". */
function TargetInput({
  label,
  value,
  onChange,
}: {
  label: string;
  value: number | undefined;
  onChange(minutes: number | undefined): void;
}) {
  const id = useId();
  const [unit, setUnit] = useState<Unit>(value === undefined ? 'minutes' : bestUnit(value));
  const [text, setText] = useState(value === undefined ? '' : String(value / unitMinutes[unit]));
  const emit = (t: string, u: Unit) => {
    const n = Number(t);
    onChange(t.trim() === '' || !Number.isFinite(n) || n <= 0 ? undefined : Math.round(n * unitMinutes[u]));
  };
  return (
    <div className="sla-target">
      <label htmlFor={id}>{label}</label>
      <div className="inline-input">
        <input
          id={id}
          type="number"
          className="number"
          min={1}
          step="any"
          placeholder="none"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            emit(e.target.value, unit);
          }}
        />
        <select
          aria-label={`${label} unit`}
          value={unit}
          onChange={(e) => {
            const u = e.target.value as Unit;
            setUnit(u);
            emit(text, u);
          }}
        >
          <option value="minutes">minutes</option>
          <option value="hours">hours</option>
          <option value="days">days</option>
        </select>
      </div>
    </div>
  );
}

const emptyPolicy = (): SlaPolicyInput => ({
  name: '',
  enabled: true,
  conditions: {},
  targets: { firstResponse: 60, resolution: 1440 },
  businessHours: true,
  warnBeforeMinutes: 30,
  breachActions: [],
});

function PolicyEditor({
  policy,
  lookups,
  onDone,
}: {
  policy: SlaPolicy | null;
  lookups: Lookups;
  onDone(message?: string): void;
}) {
  const id = useId();
  const channels = useChannels();
  const [draft, setDraft] = useState<SlaPolicyInput>(() => (policy ? inputOf(policy) : emptyPolicy()));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const set = (patch: Partial<SlaPolicyInput>) => setDraft((d) => ({ ...d, ...patch }));
  const setCond = (patch: Partial<SlaPolicyInput['conditions']>) => {
    const next = { ...draft.conditions, ...patch };
    for (const k of Object.keys(next) as (keyof typeof next)[]) if (!next[k]?.length) delete next[k];
    set({ conditions: next });
  };
  const setAction = (i: number, a: SlaBreachAction) =>
    set({ breachActions: draft.breachActions.map((x, j) => (j === i ? a : x)) });

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const input = { ...draft, name: draft.name.trim() };
      const saved = policy
        ? await inboxApi.saveSlaPolicy(policy.id, input)
        : await inboxApi.createSlaPolicy(input);
      onDone(`Policy “${saved.name}” saved; open cases follow it now.`);
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const people = lookups.people.map((p) => ({ value: p.id, label: p.name }));
  const otherErrors = Object.entries(errors)
    .filter(([k]) => k !== 'name')
    .map(([k, v]) => (k === 'form' ? v : `${k}: ${v}`));
  return (
    <form className="card rule-editor" onSubmit={(e) => void save(e)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} ref={heading} tabIndex={-1}>
        {policy ? `Edit “${policy.name}”` : 'New SLA policy'}
      </h2>
      <label htmlFor={`${id}-name`}>Policy name</label>
      <input
        id={`${id}-name`}
        value={draft.name}
        required
        maxLength={120}
        onChange={(e) => set({ name: e.target.value })}
        aria-invalid={!!errors.name}
        aria-describedby={errors.name ? `${id}-name-error` : undefined}
      />
      {errors.name && (
        <p id={`${id}-name-error`} className="field-error">
          {errors.name}
        </p>
      )}
      <label className="check">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
        Enabled
      </label>

      <fieldset className="routing-group">
        <legend className="routing-legend">Applies to (all given must hold; none = every case)</legend>
        <Chips
          label="Channels"
          options={channels.map((c) => ({ value: c, label: c }))}
          value={draft.conditions.channels ?? []}
          onChange={(v) => setCond({ channels: v })}
        />
        <Chips
          label="Priorities"
          options={casePriorities.map((p) => ({ value: p, label: p }))}
          value={draft.conditions.priorities ?? []}
          onChange={(v) => setCond({ priorities: v as (typeof casePriorities)[number][] })}
        />
        <Chips
          label="Types"
          options={caseTypes.map((t) => ({ value: t, label: t }))}
          value={draft.conditions.types ?? []}
          onChange={(v) => setCond({ types: v as (typeof caseTypes)[number][] })}
        />
        <Chips
          label="Customer segments"
          options={lookups.segments.map((s) => ({ value: s.id, label: s.name }))}
          value={draft.conditions.segmentIds ?? []}
          onChange={(v) => setCond({ segmentIds: v })}
        />
      </fieldset>

      <fieldset className="routing-group">
        <legend className="routing-legend">Targets (leave empty for none)</legend>
        <div className="sla-targets">
          {targetKeys.map(([k, m]) => (
            <TargetInput
              key={k}
              label={metricLabels[m]}
              value={draft.targets[k]}
              onChange={(v) => {
                const next = { ...draft.targets };
                if (v === undefined) delete next[k];
                else next[k] = v;
                set({ targets: next });
              }}
            />
          ))}
        </div>
        <fieldset className="plain">
          <legend className="field-legend">Count</legend>
          <label className="check">
            <input
              type="radio"
              name={`${id}-hours`}
              checked={draft.businessHours}
              onChange={() => set({ businessHours: true })}
            />
            Business hours only (the opening hours below)
          </label>
          <label className="check">
            <input
              type="radio"
              name={`${id}-hours`}
              checked={!draft.businessHours}
              onChange={() => set({ businessHours: false })}
            />
            Calendar time (around the clock)
          </label>
        </fieldset>
        <label htmlFor={`${id}-warn`}>Warn before the deadline (minutes)</label>
        <input
          id={`${id}-warn`}
          type="number"
          className="number"
          min={0}
          max={10080}
          value={draft.warnBeforeMinutes}
          onChange={(e) => set({ warnBeforeMinutes: Math.max(0, Math.round(Number(e.target.value) || 0)) })}
        />
      </fieldset>

      <fieldset className="routing-group">
        <legend className="routing-legend">When a target is breached</legend>
        {draft.breachActions.length === 0 && (
          <p className="muted routing-empty">Nothing but the breach on the case’s activity.</p>
        )}
        <ol className="routing-rows">
          {draft.breachActions.map((a, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
            <li key={`${i}-${a.type}`} className="routing-row">
              <div className="routing-row-head">
                <select
                  aria-label={`Breach action ${i + 1} type`}
                  value={a.type}
                  onChange={(e) => {
                    const t = e.target.value as SlaBreachAction['type'];
                    setAction(
                      i,
                      t === 'escalate_priority'
                        ? { type: t }
                        : t === 'reassign'
                          ? { type: t }
                          : { type: t, userIds: [] },
                    );
                  }}
                >
                  <option value="escalate_priority">Raise the priority one step</option>
                  <option value="reassign">Reassign</option>
                  <option value="notify">Notify people</option>
                </select>
                <button
                  type="button"
                  className="secondary compact"
                  onClick={() => set({ breachActions: draft.breachActions.filter((_, j) => j !== i) })}
                >
                  Remove<span className="visually-hidden"> breach action {i + 1}</span>
                </button>
              </div>
              {a.type === 'reassign' && (
                <div className="routing-row-value">
                  <select
                    aria-label={`Breach action ${i + 1} person`}
                    value={a.userId ?? ''}
                    onChange={(e) => {
                      const { userId: _u, ...rest } = a;
                      setAction(i, e.target.value ? { ...rest, userId: e.target.value } : rest);
                    }}
                  >
                    <option value="">No one in particular</option>
                    {lookups.people.map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name}
                      </option>
                    ))}
                  </select>
                  <select
                    aria-label={`Breach action ${i + 1} team`}
                    value={a.teamId ?? ''}
                    onChange={(e) => {
                      const { teamId: _t, ...rest } = a;
                      setAction(i, e.target.value ? { ...rest, teamId: e.target.value } : rest);
                    }}
                  >
                    <option value="">No team</option>
                    {lookups.teams.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.name}
                      </option>
                    ))}
                  </select>
                </div>
              )}
              {a.type === 'notify' && (
                <div className="routing-row-value">
                  <Chips
                    label={`Breach action ${i + 1}: people to notify`}
                    options={people}
                    value={a.userIds}
                    onChange={(v) => setAction(i, { type: 'notify', userIds: v })}
                  />
                </div>
              )}
            </li>
          ))}
        </ol>
        <button
          type="button"
          className="secondary compact"
          onClick={() => set({ breachActions: [...draft.breachActions, { type: 'escalate_priority' }] })}
        >
          Add breach action
        </button>
      </fieldset>
      {otherErrors.length > 0 && (
        <div role="alert" className="error">
          {otherErrors.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          Save policy
        </button>
        <button type="button" className="secondary" onClick={() => onDone()}>
          Cancel
        </button>
        {policy && (
          <ConfirmDelete
            what={policy.name}
            disabled={busy}
            onConfirm={async () => {
              await inboxApi.deleteSlaPolicy(policy.id);
              onDone(`Policy “${policy.name}” deleted.`);
            }}
          />
        )}
      </div>
    </form>
  );
}
