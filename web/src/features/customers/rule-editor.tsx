import { useCallback, useId, useState } from 'react';
import type { Segment, SegmentField } from '../../api/segments.ts';
import {
  countConditions,
  type DraftCondition,
  type DraftGroup,
  type DraftNode,
  emptyCondition,
  emptyGroup,
  groupLabels,
  groupOrder,
  maxConditions,
  maxDepth,
  opLabel,
  updateNode,
  valueKind,
  withField,
} from './segment-rule.ts';

type Shared = {
  fields: SegmentField[];
  fieldMap: Map<string, SegmentField>;
  /** Static lists, for the `list` field. */
  lists: Segment[];
  /** Server errors by node key. */
  errors: Record<string, string>;
  /** Why a condition is left out of the count, by node key. */
  pending: Record<string, string>;
  disabled: boolean;
  total: number;
  change(key: string, f: (n: DraftNode) => DraftNode | null): void;
  /** Ref for the element that should take focus next (a new condition's field, an Add button). */
  focusRef(key: string): (el: HTMLElement | null) => void;
  focusNext(key: string): void;
};

/**
 * The rule of a dynamic segment: conditions on profile fields, attributes, social reach,
 * sentiment, intents, transactions, events and lists, combined with all/any, in nested groups.
 */
export function RuleEditor({
  root,
  onChange,
  fields,
  lists,
  errors,
  pending,
  disabled,
}: {
  root: DraftGroup;
  onChange(next: DraftGroup): void;
  fields: SegmentField[];
  lists: Segment[];
  errors: Record<string, string>;
  pending: Record<string, string>;
  disabled: boolean;
}) {
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const fieldMap = new Map(fields.map((f) => [f.field, f]));
  const focusRef = useCallback(
    (key: string) => (el: HTMLElement | null) => {
      if (el && focusKey === key) {
        el.focus();
        setFocusKey(null);
      }
    },
    [focusKey],
  );
  const shared: Shared = {
    fields,
    fieldMap,
    lists,
    errors,
    pending,
    disabled,
    total: countConditions(root),
    change: (key, f) => {
      if (key === root.key) {
        const next = f(root);
        if (next && next.kind === 'group') onChange(next);
      } else onChange(updateNode(root, key, f));
    },
    focusRef,
    focusNext: setFocusKey,
  };
  return <GroupEditor group={root} depth={1} label="" shared={shared} parentKey={null} />;
}

function GroupEditor({
  group,
  depth,
  label,
  shared,
  parentKey,
}: {
  group: DraftGroup;
  depth: number;
  /** "" for the rule itself, "2" or "2.1" for nested groups. */
  label: string;
  shared: Shared;
  parentKey: string | null;
}) {
  const id = useId();
  const full = shared.total >= maxConditions;
  const name = label ? `group ${label}` : 'the rule';
  const add = (node: DraftNode, focus: string) => {
    shared.change(group.key, (g) => (g.kind === 'group' ? { ...g, children: [...g.children, node] } : g));
    shared.focusNext(focus);
  };
  const error = shared.errors[group.key];
  return (
    <fieldset
      className={depth === 1 ? 'rule-group root' : 'rule-group'}
      aria-describedby={error ? `${id}-error` : undefined}
    >
      <legend className={depth === 1 ? 'visually-hidden' : 'rule-group-legend'}>
        {label ? `Group ${label}` : 'Rule'}
      </legend>
      <div className="rule-match">
        <label htmlFor={`${id}-match`}>
          Match<span className="visually-hidden"> for {name}</span>
        </label>
        <select
          id={`${id}-match`}
          value={group.match}
          disabled={shared.disabled}
          onChange={(e) => {
            const match = e.target.value as 'all' | 'any';
            shared.change(group.key, (g) => (g.kind === 'group' ? { ...g, match } : g));
          }}
        >
          <option value="all">all</option>
          <option value="any">any</option>
        </select>
        <span>of these conditions</span>
        {parentKey !== null && (
          <button
            type="button"
            className="secondary compact danger rule-remove-group"
            disabled={shared.disabled}
            aria-label={`Remove group ${label}`}
            onClick={() => {
              shared.change(group.key, () => null);
              shared.focusNext(`${parentKey}:add`);
            }}
          >
            Remove group
          </button>
        )}
      </div>
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
      {group.children.length === 0 ? (
        <p className="muted small rule-empty">
          {depth === 1 ? 'No conditions yet: every customer matches.' : 'An empty group is ignored.'}
        </p>
      ) : (
        <ol className="rule-children">
          {group.children.map((child, i) => {
            const childLabel = label ? `${label}.${i + 1}` : String(i + 1);
            return (
              <li key={child.key} className="rule-child">
                {i > 0 && (
                  <span className="rule-joiner" aria-hidden="true">
                    {group.match === 'all' ? 'and' : 'or'}
                  </span>
                )}
                {child.kind === 'group' ? (
                  <GroupEditor
                    group={child}
                    depth={depth + 1}
                    label={childLabel}
                    shared={shared}
                    parentKey={group.key}
                  />
                ) : (
                  <ConditionEditor
                    condition={child}
                    label={childLabel}
                    shared={shared}
                    groupKey={group.key}
                  />
                )}
              </li>
            );
          })}
        </ol>
      )}
      <div className="row rule-actions">
        <button
          ref={shared.focusRef(`${group.key}:add`)}
          type="button"
          className="secondary compact"
          disabled={shared.disabled || full}
          aria-label={label ? `Add condition to group ${label}` : 'Add condition'}
          onClick={() => {
            const c = emptyCondition();
            add(c, c.key);
          }}
        >
          + Add condition
        </button>
        {depth < maxDepth && (
          <button
            type="button"
            className="secondary compact"
            disabled={shared.disabled || full}
            aria-label={label ? `Add group to group ${label}` : 'Add group'}
            onClick={() => {
              const c = emptyCondition();
              add(emptyGroup(group.match === 'all' ? 'any' : 'all', [c]), c.key);
            }}
          >
            + Add group
          </button>
        )}
        {full && <span className="muted small-inline">A rule holds at most {maxConditions} conditions.</span>}
      </div>
    </fieldset>
  );
}

function ConditionEditor({
  condition: c,
  label,
  shared,
  groupKey,
}: {
  condition: DraftCondition;
  label: string;
  shared: Shared;
  groupKey: string;
}) {
  const id = useId();
  const field = shared.fieldMap.get(c.field);
  const kind = field ? valueKind(field.type, c.op) : 'none';
  const error = shared.errors[c.key];
  const note = error ?? shared.pending[c.key];
  const name = `Condition ${label}`;
  const set = (patch: Partial<DraftCondition>) =>
    shared.change(c.key, (n) => (n.kind === 'condition' ? { ...n, ...patch } : n));
  const described = note ? { 'aria-describedby': `${id}-note` } : {};
  const invalid = error ? { 'aria-invalid': true as const } : {};

  return (
    <div className={error ? 'rule-condition invalid' : 'rule-condition'}>
      <div className="rule-condition-inputs">
        <label htmlFor={`${id}-field`} className="visually-hidden">
          {name} field
        </label>
        <select
          id={`${id}-field`}
          ref={shared.focusRef(c.key)}
          className="rule-field"
          value={c.field}
          disabled={shared.disabled}
          {...described}
          onChange={(e) =>
            shared.change(c.key, (n) =>
              n.kind === 'condition' ? withField(n, shared.fieldMap.get(e.target.value)) : n,
            )
          }
        >
          <option value="">Choose a field…</option>
          {c.field && !field && <option value={c.field}>{c.field} (unknown)</option>}
          {groupOrder.map((g) => {
            const inGroup = shared.fields.filter((f) => f.group === g);
            if (inGroup.length === 0) return null;
            return (
              <optgroup key={g} label={groupLabels[g]}>
                {inGroup.map((f) => (
                  <option key={f.field} value={f.field}>
                    {f.label}
                  </option>
                ))}
              </optgroup>
            );
          })}
        </select>
        {field && (
          <>
            <label htmlFor={`${id}-op`} className="visually-hidden">
              {name} operator
            </label>
            <select
              id={`${id}-op`}
              className="rule-op"
              value={c.op}
              disabled={shared.disabled}
              {...invalid}
              {...described}
              onChange={(e) => set({ op: e.target.value })}
            >
              {field.ops.map((op) => (
                <option key={op} value={op}>
                  {opLabel(field.type, op, field.field)}
                </option>
              ))}
            </select>
          </>
        )}
        {field && kind !== 'none' && (
          <ValueInput
            id={id}
            name={name}
            field={field}
            kind={kind}
            c={c}
            set={set}
            lists={shared.lists}
            disabled={shared.disabled}
            extra={{ ...invalid, ...described }}
            described={note ? `${id}-note` : undefined}
          />
        )}
      </div>
      <button
        type="button"
        className="secondary compact danger rule-remove"
        disabled={shared.disabled}
        aria-label={`Remove condition ${label}`}
        title="Remove condition"
        onClick={() => {
          shared.change(c.key, () => null);
          shared.focusNext(`${groupKey}:add`);
        }}
      >
        <span aria-hidden="true">✕</span>
      </button>
      {note && (
        <p id={`${id}-note`} className={error ? 'field-error' : 'muted small'}>
          {error ?? `${note} Not counted yet.`}
        </p>
      )}
    </div>
  );
}

function ValueInput({
  id,
  name,
  field,
  kind,
  c,
  set,
  lists,
  disabled,
  extra,
  described,
}: {
  id: string;
  name: string;
  field: SegmentField;
  kind: ReturnType<typeof valueKind>;
  c: DraftCondition;
  set(patch: Partial<DraftCondition>): void;
  lists: Segment[];
  disabled: boolean;
  extra: Record<string, unknown>;
  described: string | undefined;
}) {
  const valueId = `${id}-value`;
  const hidden = (text: string, htmlFor = valueId) => (
    <label htmlFor={htmlFor} className="visually-hidden">
      {text}
    </label>
  );
  switch (kind) {
    case 'text':
      return (
        <>
          {hidden(`${name} value`)}
          <input
            id={valueId}
            className="rule-value"
            value={c.text}
            disabled={disabled}
            placeholder="value"
            maxLength={500}
            onChange={(e) => set({ text: e.target.value })}
            {...extra}
          />
        </>
      );
    case 'number':
      return (
        <>
          {hidden(`${name} value`)}
          <input
            id={valueId}
            className="rule-value number"
            type="number"
            step="any"
            inputMode="decimal"
            value={c.text}
            disabled={disabled}
            onChange={(e) => set({ text: e.target.value })}
            {...extra}
          />
          {field.field === 'transactions.total' && (
            <>
              {hidden(`${name} currency`, `${id}-currency`)}
              <input
                id={`${id}-currency`}
                className="rule-currency"
                value={c.currency}
                disabled={disabled}
                maxLength={3}
                autoCapitalize="characters"
                pattern="[A-Za-z]{3}"
                title="Three-letter currency code, e.g. EUR"
                onChange={(e) => set({ currency: e.target.value.toUpperCase() })}
              />
            </>
          )}
        </>
      );
    case 'date':
      return (
        <>
          {hidden(`${name} date`)}
          <input
            id={valueId}
            className="rule-value date"
            type="date"
            value={c.text.slice(0, 10)}
            disabled={disabled}
            onChange={(e) => set({ text: e.target.value })}
            {...extra}
          />
        </>
      );
    case 'days':
      return (
        <span className="rule-inline">
          {hidden(`${name} days`)}
          <input
            id={valueId}
            className="rule-value number"
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            value={c.text}
            disabled={disabled}
            onChange={(e) => set({ text: e.target.value })}
            {...extra}
          />
          <span aria-hidden="true">days</span>
        </span>
      );
    case 'list':
      return (
        <>
          {hidden(`${name} list`)}
          <select
            id={valueId}
            className="rule-value"
            value={c.text}
            disabled={disabled}
            onChange={(e) => set({ text: e.target.value })}
            {...extra}
          >
            <option value="">Choose a list…</option>
            {c.text && !lists.some((l) => l.id === c.text) && (
              <option value={c.text}>(a list not shown)</option>
            )}
            {lists.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        </>
      );
    case 'event':
      return (
        <span className="rule-inline rule-event">
          {hidden(`${name} event name`)}
          <input
            id={valueId}
            className="rule-value"
            value={c.text}
            disabled={disabled}
            placeholder="event name, e.g. order_placed"
            maxLength={200}
            onChange={(e) => set({ text: e.target.value })}
            {...extra}
          />
          <span className="rule-inline-label" aria-hidden="true">
            at least
          </span>
          <input
            id={`${id}-count`}
            className="rule-value number short"
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            placeholder="1"
            value={c.count}
            disabled={disabled}
            aria-label={`${name}: at least how many times`}
            onChange={(e) => set({ count: e.target.value })}
          />
          <span aria-hidden="true">times</span>
          <span className="rule-inline-label" aria-hidden="true">
            in the last
          </span>
          <input
            id={`${id}-days`}
            className="rule-value number short"
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            placeholder="any"
            value={c.days}
            disabled={disabled}
            aria-label={`${name}: in the last how many days (empty: ever)`}
            onChange={(e) => set({ days: e.target.value })}
          />
          <span aria-hidden="true">days</span>
        </span>
      );
    case 'choices':
      return (
        <fieldset className="plain choice-chips" aria-describedby={described}>
          <legend className="visually-hidden">{name} values</legend>
          {(field.choices ?? []).map((choice) => {
            const on = c.choices.includes(choice.value);
            return (
              <label key={choice.value} className={on ? 'choice-chip checked' : 'choice-chip'}>
                <input
                  type="checkbox"
                  checked={on}
                  disabled={disabled}
                  onChange={() =>
                    set({
                      choices: on
                        ? c.choices.filter((v) => v !== choice.value)
                        : [...c.choices, choice.value],
                    })
                  }
                />
                {choice.label}
              </label>
            );
          })}
          {(field.choices ?? []).length === 0 && (
            <span className="muted small-inline">No choices defined.</span>
          )}
        </fieldset>
      );
    default:
      return null;
  }
}
