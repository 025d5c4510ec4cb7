import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import {
  ApiError,
  type Assignee,
  analysisApi,
  type CannedResponse,
  type CaseMoment,
  caseChanges,
  caseMoments,
  casePriorities,
  caseStatuses,
  caseTypes,
  dismissReasons,
  formatDate,
  inboxApi,
  inboxConfigurers,
  type ListeningQuery,
  leadStages,
  lifecycleStages,
  listeningApi,
  type RoutingAction,
  type RoutingActionType,
  type RoutingCondition,
  type RoutingField,
  type RoutingRule,
  type RoutingRuleInput,
  type RuleEvent,
  type RuleTest,
  routingActionTypes,
  routingFields,
  ruleEvents,
  type SalesOwner,
  type Segment,
  salesApi,
  segmentsApi,
  surveyRatings,
  type Team,
  type Topic,
} from '../../api.ts';
import {
  ConfirmDelete,
  type FormErrors,
  formErrors,
  noFormErrors,
  type RowErrors,
} from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { knownChannels } from '../../components/use-channels.ts';
import { useSession } from '../../session.tsx';
import { timeAgo } from '../listening/mention-card.tsx';

const intents = [
  'purchase_intent',
  'complaint',
  'support_question',
  'praise',
  'idea',
  'churn_risk',
  'spam',
  'other',
];
const sentiments = ['negative', 'neutral', 'positive', 'und'];
const words = (s: string) => s.replaceAll('_', ' ');

const fieldLabels: Record<RoutingField, string> = {
  channel: 'Channel',
  query: 'Listening query',
  intent: 'Intent',
  sentiment: 'Sentiment',
  topic: 'Topic',
  language: 'Language',
  urgency: 'Urgency (0–100)',
  influence: 'Author influence (0–100)',
  followers: 'Author followers',
  keywords: 'Text',
  segment: 'Customer segment',
  lifecycle_stage: 'Customer lifecycle stage',
  business_hours: 'Posted within business hours',
  customer_has_open_case: 'Customer has an open case',
  case_exists: 'An earlier rule made a case',
  case_priority: 'Case priority',
  case_type: 'Case type',
  case_status: 'Case status',
  case_assigned: 'Case is assigned',
  case_team: 'Case team',
  case_tags: 'Case tags',
  changed: 'The update changed',
  hours_since: 'Hours since',
  survey_rating: 'Latest survey answer',
};

const eventLabels: Record<RuleEvent, string> = {
  mention_stored: 'a new post is stored',
  case_created: 'a case is created',
  case_updated: 'a case is updated',
  time_elapsed: 'time passes on an open case',
};
const eventPills: Record<RuleEvent, string> = {
  mention_stored: 'new posts',
  case_created: 'case created',
  case_updated: 'case updated',
  time_elapsed: 'time rule',
};
const momentLabels: Record<CaseMoment, string> = {
  created: 'the case was created',
  updated: 'the case was last updated',
  solved: 'the case was solved',
  customer_message: 'the customer last wrote',
  agent_reply: 'an agent last replied',
};
/** Conditions on a case's present state or change: rules on case events only. */
const caseOnly = new Set<RoutingField>([
  'case_status',
  'case_assigned',
  'case_team',
  'case_tags',
  'changed',
  'hours_since',
  'survey_rating',
]);
/** The conditions a rule on this event may use (the server checks the same). */
const fieldsFor = (event: RuleEvent): RoutingField[] =>
  routingFields.filter((f) =>
    event === 'mention_stored'
      ? !caseOnly.has(f)
      : (f !== 'changed' || event === 'case_updated') && (f !== 'hours_since' || event === 'time_elapsed'),
  );
/** Actions that act on a new post, which rules on cases have not. */
const postOnly = new Set<RoutingActionType>(['create_case', 'create_lead', 'dismiss']);
const actionsFor = (event: RuleEvent): RoutingActionType[] =>
  routingActionTypes.filter((t) => (event === 'mention_stored' ? t !== 'set_status' : !postOnly.has(t)));
const opLabels: Record<string, string> = {
  in: 'is any of',
  not_in: 'is none of',
  gte: 'is at least',
  lte: 'is at most',
  contains_any: 'contains any of',
  contains_none: 'contains none of',
  is_true: 'yes',
  is_false: 'no',
};
const actionLabels: Record<RoutingActionType, string> = {
  create_case: 'Create a case',
  set_priority: 'Set priority',
  set_type: 'Set type',
  add_tags: 'Add tags',
  assign_team: 'Send to team',
  assign: 'Assign by round robin or load',
  assign_agent: 'Assign to a named person',
  send_reply: 'Reply with a canned response',
  create_lead: 'Create a sales lead',
  notify: 'Notify people',
  dismiss: 'Dismiss the post',
  set_status: 'Set status',
};

type FieldKind = 'choices' | 'list' | 'number' | 'bool' | 'hours';
const kindOf = (f: RoutingField): FieldKind =>
  f === 'hours_since'
    ? 'hours'
    : f === 'urgency' || f === 'influence' || f === 'followers'
      ? 'number'
      : f === 'customer_has_open_case' ||
          f === 'case_exists' ||
          f === 'business_hours' ||
          f === 'case_assigned'
        ? 'bool'
        : f === 'keywords' || f === 'language' || f === 'case_tags'
          ? 'list'
          : 'choices';
const opsOf = (f: RoutingField): string[] => {
  if (f === 'keywords' || f === 'case_tags') return ['contains_any', 'contains_none'];
  if (f === 'hours_since') return ['gte', 'lte'];
  const k = kindOf(f);
  return k === 'number' ? ['gte', 'lte'] : k === 'bool' ? ['is_true', 'is_false'] : ['in', 'not_in'];
};

function newCondition(field: RoutingField): RoutingCondition {
  const k = kindOf(field);
  if (field === 'hours_since') return { field, since: 'created', op: 'gte', value: 24 };
  if (field === 'case_tags') return { field, op: 'contains_any', value: [] };
  if (k === 'number')
    return {
      field,
      op: 'gte',
      value: field === 'followers' ? 1000 : field === 'urgency' ? 70 : 50,
    } as RoutingCondition;
  if (k === 'bool') return { field, op: 'is_true' } as RoutingCondition;
  if (field === 'keywords') return { field, op: 'contains_any', value: [] };
  return { field, op: 'in', value: [] } as RoutingCondition;
}

function newAction(type: RoutingActionType, l: Lookups): RoutingAction {
  switch (type) {
    case 'create_case':
      return { type, attachToOpenCase: true };
    case 'set_priority':
      return { type, value: 'high' };
    case 'set_type':
      return { type, value: 'complaint' };
    case 'add_tags':
      return { type, value: [] };
    case 'assign_team':
      return { type, teamId: l.teams[0]?.id ?? '' };
    case 'assign':
      return { type, strategy: 'round_robin' };
    case 'assign_agent':
      return { type, userId: l.people[0]?.id ?? '' };
    case 'send_reply':
      return { type, cannedId: l.canned[0]?.id ?? '' };
    case 'create_lead':
      return { type, stage: 'lead' };
    case 'notify':
      return { type, userIds: [] };
    case 'dismiss':
      return { type, reason: 'spam' };
    case 'set_status':
      return { type, value: 'solved' };
  }
}

/** The rule as it becomes on another event: what that event cannot use is dropped, with a start for what it needs. */
function onEvent(d: RoutingRuleInput, event: RuleEvent, l: Lookups): RoutingRuleInput {
  const fields = new Set(fieldsFor(event));
  const types = new Set(actionsFor(event));
  let conditions = d.conditions.filter((c) => fields.has(c.field));
  let actions = d.actions.filter((a) => types.has(a.type));
  if (actions.length === 0)
    actions = [newAction(event === 'mention_stored' ? 'create_case' : 'set_priority', l)];
  if (event === 'time_elapsed' && !conditions.some((c) => c.field === 'hours_since' && c.op === 'gte'))
    conditions = [newCondition('hours_since'), ...conditions];
  return { ...d, event, conditions, actions, ...(event === 'time_elapsed' ? { match: 'all' as const } : {}) };
}

const emptyRule = (): RoutingRuleInput => ({
  name: '',
  enabled: true,
  match: 'all',
  conditions: [],
  actions: [{ type: 'create_case', attachToOpenCase: true }],
});

type Lookups = {
  queries: ListeningQuery[];
  topics: Topic[];
  teams: Team[];
  people: Assignee[];
  segments: Segment[];
  leadOwners: SalesOwner[];
  /** Shared canned responses: the ones a rule may send. */
  canned: CannedResponse[];
  /** The known channels, then those only the workspace's posts came from (an import's). */
  channels: readonly string[];
};

/** Conditions that hold or not, as they read in a rule's sentence: [when true, when false]. */
const yesNoSentences: Partial<Record<RoutingField, [string, string]>> = {
  customer_has_open_case: ['the customer has an open case', 'the customer has no open case'],
  case_exists: ['an earlier rule made a case', 'no earlier rule made a case'],
  business_hours: ['posted within business hours', 'posted outside business hours'],
  case_assigned: ['the case is assigned', 'the case is unassigned'],
};

/** Sentences for a rule in the list: "When sentiment is any of negative → Create a case". */
function describe(r: RoutingRuleInput, l: Lookups): string {
  const name = (f: RoutingField, v: string) =>
    f === 'query'
      ? (l.queries.find((q) => q.id === v)?.name ?? 'a deleted query')
      : f === 'topic'
        ? (l.topics.find((t) => t.id === v)?.name ?? 'a deleted topic')
        : f === 'segment'
          ? (l.segments.find((s) => s.id === v)?.name ?? 'a deleted segment')
          : f === 'case_team'
            ? (l.teams.find((t) => t.id === v)?.name ?? 'a deleted team')
            : words(v);
  const conds = r.conditions.map((c) => {
    if (c.field === 'changed')
      return `the update ${c.op === 'in' ? 'changed' : 'did not change'} ${c.value.map(words).join(c.op === 'in' ? ' or ' : ' nor ')}`;
    if (c.field === 'hours_since')
      return `${momentLabels[c.since] ?? words(c.since)} ${c.op === 'gte' ? 'at least' : 'at most'} ${c.value} h ago`;
    const yesNo = yesNoSentences[c.field];
    if (yesNo) return c.op === 'is_true' ? yesNo[0] : yesNo[1];
    const v = 'value' in c ? c.value : undefined;
    const shown = Array.isArray(v)
      ? v.map((x) => name(c.field, x)).join(', ')
      : v === undefined
        ? ''
        : String(v);
    const label = fieldLabels[c.field] ?? words(c.field);
    return `${label.replace(/ \(.*\)$/, '').toLowerCase()} ${opLabels[c.op] ?? words(c.op)}${shown ? ` ${shown}` : ''}`;
  });
  const event = r.event ?? 'mention_stored';
  const joined = conds.join(r.match === 'all' ? ' and ' : ' or ');
  const when =
    event === 'mention_stored'
      ? conds.length
        ? `When ${joined}`
        : 'Every mention'
      : `When ${eventLabels[event] ?? words(event)}${conds.length ? ` and ${joined}` : ''}`;
  // A rule made through the API by a newer server may hold kinds this page does not know yet.
  return `${when} → ${r.actions.map((a) => actionLabels[a.type] ?? words(a.type)).join(', ')}`;
}

export function RoutingRulesPage() {
  usePageTitle('Routing rules');
  const { session } = useSession();
  const canManage = !!session && inboxConfigurers.includes(session.user.role);
  const [rules, setRules] = useState<RoutingRule[] | null>(null);
  const [lookups, setLookups] = useState<Lookups>({
    queries: [],
    topics: [],
    teams: [],
    people: [],
    segments: [],
    leadOwners: [],
    canned: [],
    channels: knownChannels,
  });
  const [editing, setEditing] = useState<RoutingRule | 'new' | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');

  const reload = useCallback(async () => {
    try {
      setRules((await inboxApi.rules()).items);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load routing rules.');
    }
  }, []);
  useEffect(() => {
    void reload();
    void Promise.all([
      listeningApi.queries().catch(() => ({ items: [] })),
      analysisApi.topics().catch(() => ({ items: [] })),
      inboxApi.teams().catch(() => ({ items: [] })),
      inboxApi.assignees().catch(() => ({ items: [] })),
      segmentsApi.all().catch(() => []),
      salesApi.owners().catch(() => ({ items: [] })),
      inboxApi.canned().catch(() => ({ items: [] })),
      listeningApi.channels().catch(() => ({ items: knownChannels })),
    ]).then(([q, t, teams, people, segments, owners, canned, channels]) =>
      setLookups({
        queries: q.items,
        topics: t.items,
        teams: teams.items,
        people: people.items,
        segments,
        leadOwners: owners.items,
        canned: canned.items.filter((c) => c.shared),
        channels: channels.items,
      }),
    );
  }, [reload]);

  async function move(index: number, delta: number) {
    if (!rules) return;
    const ids = rules.map((r) => r.id);
    const [id] = ids.splice(index, 1);
    if (!id) return;
    ids.splice(index + delta, 0, id);
    setError('');
    try {
      setRules((await inboxApi.reorderRules(ids)).items);
      const r = rules[index];
      setMessage(`“${r?.name}” moved ${delta < 0 ? 'up' : 'down'} to position ${index + delta + 1}.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not reorder.');
    }
  }

  async function toggle(rule: RoutingRule) {
    setError('');
    try {
      const { name, enabled, event, match, conditions, actions } = rule;
      const saved = await inboxApi.saveRule(rule.id, {
        name,
        enabled: !enabled,
        event,
        match,
        conditions,
        actions,
      });
      setRules((prev) => prev?.map((r) => (r.id === saved.id ? saved : r)) ?? prev);
      setMessage(`“${saved.name}” ${saved.enabled ? 'enabled' : 'disabled'}.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not save.');
    }
  }

  return (
    <section className="page wide routing-page">
      <h1>Routing rules</h1>
      <p className="hint">
        Every new mention runs through the enabled rules on new posts, top to bottom. A rule whose conditions
        hold acts: it opens a case or a sales lead, sets priority or type, tags, sends to a team, assigns,
        replies with a canned response, notifies, or dismisses the post. Rules on cases run when a case is
        created or updated (never on their own changes) and, for time rules, when enough time has passed
        (checked every minute, once per case and moment). <Link to="/settings">Back to settings</Link>
      </p>
      {!canManage && (
        <p className="notice" role="note">
          Only owners, admins and managers can change routing rules.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {message}
      </p>
      {editing ? (
        <RuleEditor
          rule={editing === 'new' ? null : editing}
          lookups={lookups}
          onDone={(text) => {
            setEditing(null);
            if (text) setMessage(text);
            void reload();
          }}
        />
      ) : (
        canManage && (
          <div className="row">
            <button type="button" onClick={() => setEditing('new')}>
              New rule
            </button>
          </div>
        )
      )}
      {rules === null ? (
        <p className="muted">Loading…</p>
      ) : rules.length === 0 ? (
        <p className="notice">
          No routing rules yet: mentions wait in Listening until someone decides on them.
        </p>
      ) : (
        <ol className="rule-list" aria-label="Routing rules, in the order they run">
          {rules.map((r, i) => (
            <li key={r.id} className={r.enabled ? 'card rule-item' : 'card rule-item off'}>
              <span className="rule-position" aria-hidden="true">
                {i + 1}
              </span>
              <div className="rule-main">
                <h2 className="rule-name">
                  {r.name}{' '}
                  <span className={`pill rule-event event-${r.event}`}>
                    {eventPills[r.event] ?? words(r.event)}
                  </span>
                </h2>
                <p className="rule-summary">{describe(r, lookups)}</p>
                <p className="muted small-inline">
                  Fired {r.firedCount} {r.firedCount === 1 ? 'time' : 'times'}
                  {r.lastFiredAt && (
                    <>
                      {' · last '}
                      <time dateTime={r.lastFiredAt} title={formatDate(r.lastFiredAt)}>
                        {timeAgo(r.lastFiredAt)} ago
                      </time>
                    </>
                  )}
                </p>
              </div>
              {canManage ? (
                <div className="rule-controls">
                  <label className="check">
                    <input type="checkbox" checked={r.enabled} onChange={() => void toggle(r)} />
                    Enabled<span className="visually-hidden">: {r.name}</span>
                  </label>
                  <button
                    type="button"
                    className="secondary compact"
                    disabled={i === 0}
                    aria-label={`Move ${r.name} up`}
                    onClick={() => void move(i, -1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="secondary compact"
                    disabled={i === rules.length - 1}
                    aria-label={`Move ${r.name} down`}
                    onClick={() => void move(i, 1)}
                  >
                    ↓
                  </button>
                  <button type="button" className="secondary compact" onClick={() => setEditing(r)}>
                    Edit<span className="visually-hidden"> {r.name}</span>
                  </button>
                </div>
              ) : (
                <span className={r.enabled ? 'pill ok' : 'pill off'}>
                  {r.enabled ? 'enabled' : 'disabled'}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** A comma-separated list typed freely, emitted as trimmed values. */
function ListInput({
  value,
  onChange,
  label,
  placeholder,
  marks,
}: {
  value: string[];
  onChange(v: string[]): void;
  label: string;
  placeholder?: string;
  marks?: Marks;
}) {
  const [text, setText] = useState(value.join(', '));
  // The text is kept as typed (a trailing comma, spaces), but when the list it stands for changes
  // from outside (the row above was removed and this row now shows another condition), it follows.
  // (Both sides as the text would read them back, so a value holding a comma cannot loop.)
  const shown = splitList(text);
  const given = splitList(value.join(', '));
  if (shown.length !== given.length || shown.some((v, i) => v !== given[i])) setText(value.join(', '));
  return (
    <input
      aria-label={label}
      {...marks}
      value={text}
      placeholder={placeholder}
      onChange={(e) => {
        setText(e.target.value);
        onChange(splitList(e.target.value));
      }}
    />
  );
}

/** The rule's lists of rows, whose errors are shown under the row they are about. */
const ruleLists = ['conditions', 'actions'] as const;

type Marks = { 'aria-invalid'?: true; 'aria-describedby'?: string };

/**
 * Marks the controls of a row whose fields the API refused, pointing each at the row's message.
 * Each control claims the fields it edits; `rest` (for the row's first control, asked last) takes
 * its own and any error no control shown can fix (a team removed meanwhile, a row the API refused
 * as a whole).
 */
function rowMarks(errors: RowErrors | undefined, errorId: string) {
  const claimed = new Set<string>();
  const marks = (bad: boolean): Marks => (bad ? { 'aria-invalid': true, 'aria-describedby': errorId } : {});
  return {
    on(...fields: string[]): Marks {
      for (const f of fields) claimed.add(f);
      return marks(fields.some((f) => errors?.[f] !== undefined));
    },
    rest(...fields: string[]): Marks {
      return marks(Object.keys(errors ?? {}).some((f) => fields.includes(f) || !claimed.has(f)));
    },
  };
}

/** The messages of a row, under it. */
function RowError({ id, errors }: { id: string; errors: RowErrors | undefined }) {
  const messages = Object.values(errors ?? {});
  return messages.length > 0 ? (
    <p id={id} className="field-error">
      {messages.join('; ')}
    </p>
  ) : null;
}

/** After row `i` of `list` is removed, the errors of the rows below it move up with their rows. */
function withoutRow(e: FormErrors, list: string, i: number): FormErrors {
  const rows = e.rows[list];
  if (!rows) return e;
  const kept: Record<number, RowErrors> = {};
  for (const [k, v] of Object.entries(rows)) {
    const n = Number(k);
    if (n !== i) kept[n > i ? n - 1 : n] = v;
  }
  return { ...e, rows: { ...e.rows, [list]: kept } };
}

const splitList = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function Chips({
  options,
  value,
  onChange,
  label,
  marks,
}: {
  options: { value: string; label: string }[];
  value: string[];
  onChange(v: string[]): void;
  label: string;
  marks?: Marks;
}) {
  if (options.length === 0) return <span className="muted">None defined yet.</span>;
  return (
    <fieldset className="plain" {...marks}>
      <legend className="visually-hidden">{label}</legend>
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
    </fieldset>
  );
}

/**
 * The skills an `assign` action asks for (the people's skills, set on the Users page) and what it
 * does when nobody in the pool has them.
 */
function SkillPicker({
  a,
  label,
  people,
  onChange,
  skillsMarks,
  fallbackMarks,
}: {
  a: Extract<RoutingAction, { type: 'assign' }>;
  label: string;
  people: Assignee[];
  onChange(a: RoutingAction): void;
  skillsMarks: Marks;
  fallbackMarks: Marks;
}) {
  const chosen = a.skills ?? [];
  // A skill nobody has any longer stays listed while the rule asks for it, so it can be taken off.
  const known = [...new Set([...people.flatMap((p) => p.skills), ...chosen])].sort();
  if (known.length === 0)
    return (
      <span className="muted small-inline">
        To assign by skill, give people skills on the <Link to="/settings/users">Users</Link> page.
      </span>
    );
  return (
    <>
      <span className="muted small-inline">Only people with all of these skills:</span>
      <Chips
        label={`${label} skills`}
        marks={skillsMarks}
        options={known.map((s) => ({ value: s, label: s }))}
        value={chosen}
        onChange={(v) => {
          const { skills: _, fallback: __, ...rest } = a;
          onChange(v.length ? { ...rest, skills: v, fallback: a.fallback ?? 'pool' } : rest);
        }}
      />
      {chosen.length > 0 && (
        <select
          aria-label={`${label} when nobody has the skills`}
          {...fallbackMarks}
          value={a.fallback ?? 'pool'}
          onChange={(e) => onChange({ ...a, fallback: e.target.value as 'pool' | 'none' })}
        >
          <option value="pool">If nobody has them, assign from the whole pool</option>
          <option value="none">If nobody has them, leave the case unassigned</option>
        </select>
      )}
    </>
  );
}

const opts = (list: readonly string[]) =>
  list.map((v) => ({ value: v, label: v === 'und' ? 'undetermined' : words(v) }));

/** The values a person picks from for a condition on this field. */
function choicesOf(field: RoutingField, l: Lookups): { value: string; label: string }[] {
  switch (field) {
    case 'channel':
      return opts(l.channels);
    case 'query':
      return l.queries.map((q) => ({ value: q.id, label: q.name }));
    case 'topic':
      return l.topics.map((t) => ({ value: t.id, label: t.name }));
    case 'segment':
      return l.segments.map((s) => ({ value: s.id, label: s.name }));
    case 'lifecycle_stage':
      return opts(lifecycleStages);
    case 'intent':
      return opts(intents);
    case 'sentiment':
      return opts(sentiments);
    case 'case_priority':
      return opts(casePriorities);
    case 'case_type':
      return opts(caseTypes);
    case 'case_status':
      return opts(caseStatuses);
    case 'case_team':
      return l.teams.map((t) => ({ value: t.id, label: t.name }));
    case 'changed':
      return opts(caseChanges);
    case 'survey_rating':
      return opts(surveyRatings);
    default:
      return [];
  }
}

function ConditionRow({
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

function ActionRow({
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

function RuleEditor({
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

function TestResult({ test, onCases }: { test: RuleTest; onCases: boolean }) {
  const [all, setAll] = useState(false);
  const shown = all ? test.samples : test.samples.slice(0, 6);
  return (
    <section className="rule-test" aria-label="Trial result">
      <p role="status" className="rule-test-figure">
        Would fire on <strong>{test.matched}</strong> of the {onCases ? 'latest' : 'last'} {test.evaluated}{' '}
        {onCases ? 'open cases' : 'mentions'}
        {onCases ? ' as they are now' : ''}.
        {!onCases && (test.history ?? 0) > 0 && (
          <span className="muted">
            {' '}
            {test.history} older {test.history === 1 ? 'post' : 'posts'} stored long after{' '}
            {test.history === 1 ? 'it was' : 'they were'} written (imported or back-filled history){' '}
            {test.history === 1 ? 'was' : 'were'} left out: rules never act on history.
          </span>
        )}
      </p>
      {test.samples.length > 0 && (
        <ul className="sample-list rule-samples">
          {shown.map((s) => (
            <li key={s.caseNumber ?? s.mentionId} className="mention">
              <div className="mention-head">
                {s.caseNumber !== undefined && <strong>Case {s.caseNumber}</strong>}
                <span className={`chip channel-${s.channel}`}>{s.channel}</span>
                <time className="muted" dateTime={s.createdAt}>
                  {timeAgo(s.createdAt)} ago
                </time>
              </div>
              <p className="mention-text">{s.text}</p>
              <p className="muted small-inline">Why: {s.reasons.join('; ')}</p>
            </li>
          ))}
        </ul>
      )}
      {test.samples.length > shown.length && (
        <button type="button" className="secondary compact" onClick={() => setAll(true)}>
          Show all {test.samples.length} examples
        </button>
      )}
    </section>
  );
}
