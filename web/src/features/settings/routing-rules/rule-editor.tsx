import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import {
  inboxApi,
  type RoutingRule,
  type RoutingRuleInput,
  type RuleEvent,
  type RuleTest,
  ruleEvents,
} from '../../../api/inbox.ts';
import { ConfirmDelete, type FormErrors, formErrors, noFormErrors } from '../../../components/forms.tsx';
import { ActionRow } from './action-row.tsx';
import { ConditionRow } from './condition-row.tsx';
import { ruleLists, withoutRow } from './row-errors.tsx';
import { emptyRule, eventLabels, type Lookups, newAction, newCondition, onEvent } from './rule-model.ts';
import { TestResult } from './test-result.tsx';

export function RuleEditor({
  rule,
  lookups,
  onDone,
}: {
  rule: RoutingRule | null;
  lookups: Lookups;
  onDone(message?: string): void;
}) {
  const id = useId();
  const [draft, setDraft] = useState<RoutingRuleInput>(() =>
    rule
      ? {
          name: rule.name,
          enabled: rule.enabled,
          event: rule.event,
          match: rule.match,
          conditions: rule.conditions,
          actions: rule.actions,
        }
      : emptyRule(),
  );
  const [errors, setErrors] = useState<FormErrors>(noFormErrors);
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState<RuleTest | null>(null);
  const [testing, setTesting] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const form = useRef<HTMLFormElement>(null);
  /** How many times the API refused the rule: each time, focus goes to what it refused. */
  const [refusals, setRefusals] = useState(0);
  useEffect(() => {
    if (refusals === 0) return;
    // Row messages sit under their rows, not in one alert: focus goes to the first field refused,
    // which reads out its message (aria-describedby). Errors of no row are in the alert below.
    const first = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (first?.tagName === 'FIELDSET' ? first.querySelector<HTMLElement>('input') : first)?.focus();
  }, [refusals]);
  const refuse = (err: unknown) => {
    setErrors(formErrors(err, ruleLists));
    setRefusals((n) => n + 1);
  };

  const set = (patch: Partial<RoutingRuleInput>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setTest(null);
  };
  const payload = (): RoutingRuleInput => ({ ...draft, name: draft.name.trim() || 'Untitled rule' });

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors(noFormErrors);
    try {
      const saved = rule ? await inboxApi.saveRule(rule.id, draft) : await inboxApi.createRule(draft);
      onDone(`Rule “${saved.name}” saved.`);
    } catch (err) {
      refuse(err);
    } finally {
      setBusy(false);
    }
  }

  async function tryIt() {
    setTesting(true);
    setErrors(noFormErrors);
    try {
      setTest(await inboxApi.testRule(payload(), 500));
    } catch (err) {
      refuse(err);
    } finally {
      setTesting(false);
    }
  }

  const event = draft.event ?? 'mention_stored';
  const { name: nameError, ...others } = errors.fields;
  // What belongs to no row: the form as a whole, "match", a list as a whole ("a time rule needs…").
  const otherErrors = Object.entries(others).map(([k, v]) =>
    k === 'form' || (ruleLists as readonly string[]).includes(k) ? v : `${k}: ${v}`,
  );
  const rowErrorId = (list: string, i: number) => `${id}-${list}-${i}-error`;
  const remove = (list: (typeof ruleLists)[number], i: number) => {
    set({ [list]: draft[list].filter((_, j) => j !== i) });
    setErrors((e) => withoutRow(e, list, i));
  };
  return (
    <form
      ref={form}
      className="card rule-editor"
      onSubmit={(e) => void save(e)}
      aria-labelledby={`${id}-title`}
    >
      <h2 id={`${id}-title`} ref={heading} tabIndex={-1}>
        {rule ? `Edit “${rule.name}”` : 'New routing rule'}
      </h2>
      <label htmlFor={`${id}-name`}>Rule name</label>
      <input
        id={`${id}-name`}
        value={draft.name}
        required
        maxLength={120}
        onChange={(e) => set({ name: e.target.value })}
        aria-invalid={!!nameError}
        aria-describedby={nameError ? `${id}-name-error` : undefined}
      />
      {nameError && (
        <p id={`${id}-name-error`} className="field-error">
          {nameError}
        </p>
      )}
      <label className="check">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
        Enabled
      </label>
      <label htmlFor={`${id}-event`}>Runs when</label>
      <select
        id={`${id}-event`}
        value={event}
        onChange={(e) => {
          setDraft((d) => onEvent(d, e.target.value as RuleEvent, lookups));
          setTest(null);
          // The rows are not the ones the errors were about any more.
          setErrors(noFormErrors);
        }}
      >
        {ruleEvents.map((ev) => (
          <option key={ev} value={ev}>
            {eventLabels[ev]}
          </option>
        ))}
      </select>
      {event === 'time_elapsed' && (
        <p className="muted small-inline">
          Checked every minute on cases that are not closed; the rule acts once per case and moment it
          measures from.
        </p>
      )}
      <fieldset className="routing-group">
        <legend className="routing-legend">Conditions</legend>
        <div className="routing-match">
          <label htmlFor={`${id}-match`}>Fire when</label>
          <select
            id={`${id}-match`}
            value={draft.match}
            disabled={event === 'time_elapsed'}
            onChange={(e) => set({ match: e.target.value as 'all' | 'any' })}
          >
            <option value="all">all conditions hold</option>
            <option value="any">any condition holds</option>
          </select>
        </div>
        {draft.conditions.length === 0 && (
          <p className="muted routing-empty">
            No conditions: the rule fires on every {event === 'mention_stored' ? 'mention' : 'case'}.
          </p>
        )}
        <ol className="routing-rows" aria-label="Conditions">
          {draft.conditions.map((c, i) => (
            <ConditionRow
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
              key={`${i}-${c.field}`}
              c={c}
              n={i + 1}
              event={event}
              lookups={lookups}
              errors={errors.rows.conditions?.[i]}
              errorId={rowErrorId('conditions', i)}
              onChange={(next) => set({ conditions: draft.conditions.map((x, j) => (j === i ? next : x)) })}
              onRemove={() => remove('conditions', i)}
            />
          ))}
        </ol>
        <button
          type="button"
          className="secondary compact"
          onClick={() =>
            set({
              conditions: [
                ...draft.conditions,
                newCondition(event === 'mention_stored' ? 'sentiment' : 'case_status'),
              ],
            })
          }
        >
          Add condition
        </button>
      </fieldset>
      <fieldset className="routing-group">
        <legend className="routing-legend">Actions, in order</legend>
        <ol className="routing-rows" aria-label="Actions">
          {draft.actions.map((a, i) => (
            <ActionRow
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
              key={`${i}-${a.type}`}
              a={a}
              n={i + 1}
              event={event}
              lookups={lookups}
              errors={errors.rows.actions?.[i]}
              errorId={rowErrorId('actions', i)}
              onChange={(next) => set({ actions: draft.actions.map((x, j) => (j === i ? next : x)) })}
              onRemove={() => remove('actions', i)}
            />
          ))}
        </ol>
        <button
          type="button"
          className="secondary compact"
          onClick={() =>
            set({
              actions: [...draft.actions, newAction('set_priority', lookups)],
            })
          }
        >
          Add action
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
        <button type="button" className="secondary" disabled={testing} onClick={() => void tryIt()}>
          {testing
            ? 'Trying…'
            : event === 'mention_stored'
              ? 'Try on the last 500 mentions'
              : 'Try on the latest 500 open cases'}
        </button>
        <button type="submit" disabled={busy}>
          Save rule
        </button>
        <button type="button" className="secondary" onClick={() => onDone()}>
          Cancel
        </button>
        {rule && (
          <ConfirmDelete
            what={rule.name}
            disabled={busy}
            onConfirm={async () => {
              await inboxApi.deleteRule(rule.id);
              onDone(`Rule “${rule.name}” deleted.`);
            }}
          />
        )}
      </div>
      {test && <TestResult test={test} onCases={event !== 'mention_stored'} />}
    </form>
  );
}
