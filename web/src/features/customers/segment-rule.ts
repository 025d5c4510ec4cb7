// The segment rule as the builder edits it: the API's rule tree plus a stable key per node (for
// React lists, focus and error placement), and the conversions both ways.

import type {
  SegmentCondition,
  SegmentField,
  SegmentFieldGroup,
  SegmentFieldType,
  SegmentRule,
} from '../../api/segments.ts';

/** The API allows groups nested three deep (the rule itself is the first) and 30 conditions in all. */
export const maxDepth = 3;
export const maxConditions = 30;

export type DraftCondition = {
  kind: 'condition';
  key: string;
  field: string;
  op: string;
  /** Text, number, date and event name inputs keep their text; numbers are parsed when sent. */
  text: string;
  /** Choices picked for `in` / `not_in`. */
  choices: string[];
  /** Events: "at least N times", "in the last N days"; empty = not set. */
  count: string;
  days: string;
  /** transactions.total */
  currency: string;
};
export type DraftGroup = { kind: 'group'; key: string; match: 'all' | 'any'; children: DraftNode[] };
export type DraftNode = DraftCondition | DraftGroup;

let seq = 0;
export const newKey = () => `n${++seq}`;

export const groupLabels: Record<SegmentFieldGroup, string> = {
  profile: 'Profile',
  lifecycle: 'Lifecycle',
  attributes: 'Custom attributes',
  social: 'Social',
  sentiment: 'Sentiment',
  intents: 'Intents',
  transactions: 'Transactions',
  events: 'Events',
  lists: 'Lists',
};
export const groupOrder: SegmentFieldGroup[] = [
  'profile',
  'lifecycle',
  'attributes',
  'social',
  'sentiment',
  'intents',
  'transactions',
  'events',
  'lists',
];

const opLabels: Record<string, string> = {
  contains: 'contains',
  equals: 'is exactly',
  is_set: 'is known',
  not_set: 'is unknown',
  eq: '=',
  neq: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  before: 'is before',
  after: 'is after',
  within_days: 'is in the last … days',
  older_than_days: 'is more than … days ago',
  is_true: 'is yes',
  is_false: 'is no',
  in: 'is any of',
  not_in: 'is none of',
  performed: 'has done',
  not_performed: 'has not done',
};

/** The words for an operator; lists and channels read better with their own. */
export function opLabel(type: SegmentFieldType | undefined, op: string, field?: string): string {
  if (type === 'list') return op === 'in' ? 'is in list' : op === 'not_in' ? 'is not in list' : op;
  if (field === 'channel') {
    if (op === 'in') return 'is known on any of';
    if (op === 'not_in') return 'is known on none of';
  }
  return opLabels[op] ?? op.replaceAll('_', ' ');
}

/** What input an operator needs besides the field. */
export type ValueKind = 'none' | 'text' | 'number' | 'date' | 'days' | 'choices' | 'event' | 'list';

export function valueKind(type: SegmentFieldType | undefined, op: string): ValueKind {
  if (op === 'is_set' || op === 'not_set' || op === 'is_true' || op === 'is_false') return 'none';
  switch (type) {
    case 'text':
      return 'text';
    case 'number':
      return 'number';
    case 'date':
      return op === 'within_days' || op === 'older_than_days' ? 'days' : 'date';
    case 'choice':
      return 'choices';
    case 'event':
      return 'event';
    case 'list':
      return 'list';
    default:
      return 'none';
  }
}

export const emptyCondition = (): DraftCondition => ({
  kind: 'condition',
  key: newKey(),
  field: '',
  op: '',
  text: '',
  choices: [],
  count: '',
  days: '',
  currency: 'EUR',
});

export const emptyGroup = (match: 'all' | 'any' = 'all', children: DraftNode[] = []): DraftGroup => ({
  kind: 'group',
  key: newKey(),
  match,
  children,
});

/** A condition set to `field`, keeping what still fits (the operator when the type allows it). */
export function withField(c: DraftCondition, field: SegmentField | undefined): DraftCondition {
  if (!field) return { ...c, field: '', op: '' };
  const op = field.ops.includes(c.op) ? c.op : (field.ops[0] ?? '');
  return { ...c, field: field.field, op, choices: field.type === 'choice' ? c.choices : [] };
}

function isGroup(node: SegmentCondition | SegmentRule): node is SegmentRule {
  return 'conditions' in node && Array.isArray((node as SegmentRule).conditions);
}

/** The builder's tree for a stored rule. */
export function fromRule(rule: SegmentRule): DraftGroup {
  return emptyGroup(
    rule.match,
    rule.conditions.map((node) => (isGroup(node) ? fromRule(node) : fromCondition(node))),
  );
}

function fromCondition(c: SegmentCondition): DraftCondition {
  const v = c.value;
  return {
    ...emptyCondition(),
    field: c.field,
    op: c.op,
    text: typeof v === 'string' || typeof v === 'number' ? String(v) : '',
    choices: Array.isArray(v) ? v : [],
    count: c.count === undefined ? '' : String(c.count),
    days: c.days === undefined ? '' : String(c.days),
    currency: c.currency ?? 'EUR',
  };
}

const wholeAtLeastOne = (text: string) => /^\d+$/.test(text.trim()) && Number(text) >= 1;

/** Why a condition cannot be sent yet, or null when it is complete. */
export function incomplete(c: DraftCondition, fields: Map<string, SegmentField>): string | null {
  if (!c.field) return 'Choose a field.';
  const field = fields.get(c.field);
  if (!field) return 'This field no longer exists.';
  if (!c.op) return 'Choose an operator.';
  const kind = valueKind(field.type, c.op);
  switch (kind) {
    case 'text':
    case 'date':
    case 'list':
      return c.text.trim() ? null : kind === 'list' ? 'Choose a list.' : 'Enter a value.';
    case 'event':
      if (!c.text.trim()) return 'Enter an event name.';
      if (c.count.trim() && !wholeAtLeastOne(c.count))
        return '“At least” takes a whole number of times, 1 or more.';
      if (c.days.trim() && !wholeAtLeastOne(c.days))
        return '“In the last” takes a whole number of days, 1 or more.';
      return null;
    case 'number':
      if (c.text.trim() === '' || !Number.isFinite(Number(c.text))) return 'Enter a number.';
      if (field.field === 'transactions.total' && !/^[A-Za-z]{3}$/.test(c.currency.trim()))
        return 'Give the three-letter code of the currency, such as EUR.';
      return null;
    case 'days':
      return c.text.trim() !== '' && Number.isFinite(Number(c.text)) ? null : 'Enter a number.';
    case 'choices':
      return c.choices.length > 0 ? null : 'Pick at least one.';
    default:
      return null;
  }
}

function toCondition(c: DraftCondition, field: SegmentField): SegmentCondition {
  const kind = valueKind(field.type, c.op);
  const out: SegmentCondition = { field: c.field, op: c.op };
  if (kind === 'text' || kind === 'date' || kind === 'list') out.value = c.text.trim();
  if (kind === 'number' || kind === 'days') out.value = Number(c.text);
  if (kind === 'choices') out.value = c.choices;
  if (kind === 'event') {
    out.value = c.text.trim();
    if (c.count.trim()) out.count = Number(c.count);
    if (c.days.trim()) out.days = Number(c.days);
  }
  if (c.field === 'transactions.total') out.currency = c.currency.trim().toUpperCase();
  return out;
}

export type Compiled = {
  /** null when there is nothing complete to send. */
  rule: SegmentRule | null;
  /** API path (`conditions.1.conditions.0`) → node key, to put the server's errors in place. */
  keys: Map<string, string>;
  /** Keys of the conditions left out because they are not finished, with why. */
  pending: Map<string, string>;
};

/**
 * The API rule for the draft. Unfinished conditions and groups left empty are left out (and
 * listed), so the live count follows what is complete while the person is still typing.
 */
export function compile(root: DraftGroup, fields: Map<string, SegmentField>): Compiled {
  const keys = new Map<string, string>();
  const pending = new Map<string, string>();
  const walk = (group: DraftGroup, path: string): SegmentRule | null => {
    const conditions: (SegmentCondition | SegmentRule)[] = [];
    for (const node of group.children) {
      const at = `${path}conditions.${conditions.length}`;
      if (node.kind === 'group') {
        const sub = walk(node, `${at}.`);
        if (sub) {
          keys.set(at, node.key);
          conditions.push(sub);
        }
        continue;
      }
      const why = incomplete(node, fields);
      const field = fields.get(node.field);
      if (why || !field) {
        pending.set(node.key, why ?? 'Choose a field.');
        continue;
      }
      keys.set(at, node.key);
      conditions.push(toCondition(node, field));
    }
    return conditions.length > 0 ? { match: group.match, conditions } : null;
  };
  keys.set('', root.key);
  return { rule: walk(root, ''), keys, pending };
}

/**
 * Places a validation error's field paths (`rule.conditions.2.op`) on the builder's nodes; what
 * cannot be placed goes under the root's key.
 */
export function placeErrors(
  fieldsByPath: Record<string, string>,
  keys: Map<string, string>,
  rootKey: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rawPath, message] of Object.entries(fieldsByPath)) {
    const path = rawPath.replace(/^rule\.?/, '');
    const parts = path.split('.');
    // The longest prefix made of `conditions.<n>` pairs that names a node.
    let key = rootKey;
    for (let i = 2; i <= parts.length; i += 2) {
      if (parts[i - 2] !== 'conditions' || !/^\d+$/.test(parts[i - 1] ?? '')) break;
      const found = keys.get(parts.slice(0, i).join('.'));
      if (!found) break;
      key = found;
    }
    out[key] = out[key] ? `${out[key]}; ${message}` : message;
  }
  return out;
}

export function countConditions(node: DraftNode): number {
  return node.kind === 'condition' ? 1 : node.children.reduce((n, c) => n + countConditions(c), 0);
}

/** The tree with the node under `key` replaced by `f(node)` (or removed when `f` returns null). */
export function updateNode(node: DraftGroup, key: string, f: (n: DraftNode) => DraftNode | null): DraftGroup {
  const children: DraftNode[] = [];
  for (const child of node.children) {
    if (child.key === key) {
      const next = f(child);
      if (next) children.push(next);
    } else children.push(child.kind === 'group' ? updateNode(child, key, f) : child);
  }
  return { ...node, children };
}
