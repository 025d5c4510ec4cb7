import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { type AttributeDefinition, customersApi } from '../../api/customers.ts';
import { type FitAttributeRule, type ScoringConfig, salesApi, salesConfigurers } from '../../api/sales.ts';
import { type Segment, segmentsApi } from '../../api/segments.ts';
import { ApiError } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';

/** The settings link to this page, shown to those who may change the rules. */
export function LeadScoringSettingsLink() {
  const { session } = useSession();
  if (!session || !salesConfigurers.includes(session.user.role)) return null;
  return (
    <li>
      <Link to="/settings/lead-scoring">Lead scoring</Link>
      <span> — how leads are scored: fit rules over attributes and segments, points per signal, decay.</span>
    </li>
  );
}

type Op = FitAttributeRule['op'];
const ops: { op: Op; label: string }[] = [
  { op: 'eq', label: 'is' },
  { op: 'in', label: 'is one of' },
  { op: 'gte', label: 'is at least' },
  { op: 'lte', label: 'is at most' },
];

/** The form keeps what people typed; numbers are parsed on saving, so the API can say what is wrong. */
type AttributeRow = { key: string; op: Op; value: string; points: string };
type Form = {
  halfLifeDays: string;
  notableChange: string;
  engagement: Record<EngagementKey, string>;
  events: { name: string; points: string }[];
  attributes: AttributeRow[];
  segments: { segmentId: string; points: string }[];
};
type EngagementKey = Exclude<keyof ScoringConfig['engagement'], 'events'>;
const engagementFields: { key: EngagementKey; label: string; hint: string }[] = [
  { key: 'purchaseIntentMention', label: 'A post with purchase intent', hint: 'per post, decayed' },
  { key: 'reply', label: 'A reply in a thread', hint: 'per reply, decayed' },
  { key: 'positiveMention', label: 'A positive post', hint: 'per post, decayed' },
  { key: 'mention', label: 'Any other post', hint: 'per post, decayed' },
  { key: 'brandReply', label: 'A reply the brand sent them', hint: 'per reply, decayed' },
  { key: 'influence', label: 'Influence', hint: 'at influence 100, scaled below; not decayed' },
];

const valueText = (v: FitAttributeRule['value']) => (Array.isArray(v) ? v.join(', ') : String(v));

function toForm(c: ScoringConfig): Form {
  return {
    halfLifeDays: String(c.halfLifeDays),
    notableChange: String(c.notableChange),
    engagement: Object.fromEntries(
      engagementFields.map((f) => [f.key, String(c.engagement[f.key])]),
    ) as Record<EngagementKey, string>,
    events: Object.entries(c.engagement.events).map(([name, points]) => ({ name, points: String(points) })),
    attributes: c.fit.attributes.map((r) => ({
      key: r.key,
      op: r.op,
      value: valueText(r.value),
      points: String(r.points),
    })),
    segments: c.fit.segments.map((s) => ({ segmentId: s.segmentId, points: String(s.points) })),
  };
}

/** A number as typed; empty or not a number goes to the API as is, which says why it is wrong. */
const num = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s.trim()));
const isNumber = (s: string) => /^-?\d+(\.\d+)?$/.test(s.trim());

/** A rule's value typed by the attribute's definition (or by its look when the key is not defined). */
function ruleValue(row: AttributeRow, def: AttributeDefinition | undefined): FitAttributeRule['value'] {
  const text = row.value.trim();
  const scalar = (s: string): string | number | boolean => {
    if (def?.type === 'number' || (!def && isNumber(s))) return isNumber(s) ? Number(s) : s;
    if (def?.type === 'boolean' || (!def && /^(true|false)$/i.test(s))) return /^(true|yes)$/i.test(s);
    return s;
  };
  if (row.op === 'in')
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => {
        const v = scalar(s);
        return typeof v === 'boolean' ? String(v) : v;
      });
  if (row.op === 'gte' || row.op === 'lte') return isNumber(text) ? Number(text) : text;
  return scalar(text);
}

function toConfig(f: Form, defs: Map<string, AttributeDefinition>): ScoringConfig {
  return {
    halfLifeDays: num(f.halfLifeDays),
    notableChange: num(f.notableChange),
    engagement: {
      ...(Object.fromEntries(engagementFields.map((e) => [e.key, num(f.engagement[e.key])])) as Record<
        EngagementKey,
        number
      >),
      events: Object.fromEntries(f.events.map((e) => [e.name.trim(), num(e.points)])),
    },
    fit: {
      attributes: f.attributes.map(
        (r) =>
          ({
            key: r.key.trim(),
            op: r.op,
            value: ruleValue(r, defs.get(r.key.trim())),
            points: num(r.points),
          }) as FitAttributeRule,
      ),
      segments: f.segments.map((s) => ({ segmentId: s.segmentId, points: num(s.points) })),
    },
  };
}

/** A readable name for an API error path: `fit.attributes.0.value` → "Fit rule 1, value". */
function pathLabel(path: string): string {
  const parts = path.split('.');
  if (parts[0] === 'fit' && parts[1] === 'attributes' && parts[2] !== undefined)
    return `Attribute rule ${Number(parts[2]) + 1}${parts[3] ? `, ${parts[3]}` : ''}`;
  if (parts[0] === 'fit' && parts[1] === 'segments' && parts[2] !== undefined)
    return `Segment rule ${Number(parts[2]) + 1}${parts[3] ? `, ${parts[3]}` : ''}`;
  if (parts[0] === 'engagement' && parts[1] === 'events')
    return parts[2] !== undefined ? `Event “${parts[2]}”` : 'Events';
  if (parts[0] === 'engagement' && parts[1])
    return engagementFields.find((e) => e.key === parts[1])?.label ?? parts[1];
  if (path === 'halfLifeDays') return 'Half-life';
  if (path === 'notableChange') return 'Notable change';
  return path;
}

export function LeadScoringPage() {
  usePageTitle('Lead scoring');
  const { session } = useSession();
  const canEdit = !!session && salesConfigurers.includes(session.user.role);
  const id = useId();
  const [form, setForm] = useState<Form | null>(null);
  const [defs, setDefs] = useState<AttributeDefinition[]>([]);
  const [segments, setSegments] = useState<Segment[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    salesApi
      .scoring()
      .then((c) => setForm(toForm(c)))
      .catch((err) => setError(err instanceof ApiError ? err.message : 'Could not load the scoring rules.'));
    customersApi
      .attributes()
      .then((r) => setDefs(r.items))
      .catch(() => undefined);
    segmentsApi
      .all()
      .then(setSegments)
      .catch(() => undefined);
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    setBusy(true);
    setErrors({});
    setError('');
    setMessage('');
    try {
      const saved = await salesApi.saveScoring(toConfig(form, new Map(defs.map((d) => [d.key, d]))));
      setForm(toForm(saved));
      setMessage(
        'Scoring rules saved: open leads are rescored within 5 minutes, or now with “Rescore” on a lead.',
      );
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length > 0) setErrors(err.fields);
      else setError(err instanceof ApiError ? err.message : 'Could not save the scoring rules.');
    } finally {
      setBusy(false);
    }
  }

  const patch = (p: Partial<Form>) => setForm((f) => (f ? { ...f, ...p } : f));
  const fieldProps = (path: string) =>
    errors[path]
      ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${path.replaceAll('.', '-')}-error` }
      : { 'aria-invalid': false as const };
  const errorOf = (path: string) =>
    errors[path] ? (
      <p id={`${id}-${path.replaceAll('.', '-')}-error`} className="field-error">
        {errors[path]}
      </p>
    ) : null;

  return (
    <section className="page wide scoring-page">
      <h1>Lead scoring</h1>
      <p className="hint">
        Score = fit (at most 50) + engagement (at most 50). Fit counts who the customer is; engagement counts
        what they did, each signal halving every half-life. <Link to="/settings">Back to settings</Link>
      </p>
      {!canEdit && (
        <p className="notice" role="note">
          Only owners, admins and managers can change the scoring rules.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {Object.keys(errors).length > 0 && form && (
        <div role="alert" className="error scoring-errors">
          <p>The rules were not saved:</p>
          <ul>
            {Object.entries(errors).map(([path, m]) => (
              <li key={path}>
                {pathLabel(path)}: {m}
              </li>
            ))}
          </ul>
        </div>
      )}
      {message && <p role="status">{message}</p>}
      {!form ? (
        !error && <p className="loading">Loading…</p>
      ) : (
        <form noValidate onSubmit={(e) => void save(e)} aria-label="Lead scoring rules">
          <fieldset className="plain" disabled={!canEdit || busy}>
            <section className="card" aria-labelledby={`${id}-decay`}>
              <h2 id={`${id}-decay`} className="card-title">
                Decay and notable changes
              </h2>
              <div className="grid-form">
                <div>
                  <label htmlFor={`${id}-half`}>Half-life (days)</label>
                  <input
                    id={`${id}-half`}
                    inputMode="decimal"
                    value={form.halfLifeDays}
                    onChange={(e) => patch({ halfLifeDays: e.target.value })}
                    {...fieldProps('halfLifeDays')}
                  />
                  {errorOf('halfLifeDays')}
                </div>
                <div>
                  <label htmlFor={`${id}-notable`}>Notable score change (points)</label>
                  <input
                    id={`${id}-notable`}
                    inputMode="numeric"
                    value={form.notableChange}
                    onChange={(e) => patch({ notableChange: e.target.value })}
                    {...fieldProps('notableChange')}
                  />
                  {errorOf('notableChange')}
                </div>
              </div>
              <p className="hint">
                A rescore that moves a lead’s score this much is written to its activity.
              </p>
            </section>

            <section className="card" aria-labelledby={`${id}-eng`}>
              <h2 id={`${id}-eng`} className="card-title">
                Engagement points
              </h2>
              <div className="grid-form">
                {engagementFields.map((f) => (
                  <div key={f.key}>
                    <label htmlFor={`${id}-eng-${f.key}`}>{f.label}</label>
                    <input
                      id={`${id}-eng-${f.key}`}
                      inputMode="decimal"
                      value={form.engagement[f.key]}
                      onChange={(e) => patch({ engagement: { ...form.engagement, [f.key]: e.target.value } })}
                      {...fieldProps(`engagement.${f.key}`)}
                    />
                    <p className="hint">{f.hint}</p>
                    {errorOf(`engagement.${f.key}`)}
                  </div>
                ))}
              </div>
              <h3>Behaviour events</h3>
              <p className="hint">
                Points per event from your website or product (by event name), counted only for customers who
                consented to profiling.
              </p>
              {errorOf('engagement.events')}
              <ul className="plain-list scoring-rows">
                {form.events.map((ev, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, their names change as typed
                  <li key={i} className="scoring-row">
                    <div>
                      <label htmlFor={`${id}-ev-${i}-name`}>Event name</label>
                      <input
                        id={`${id}-ev-${i}-name`}
                        value={ev.name}
                        onChange={(e) =>
                          patch({
                            events: form.events.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)),
                          })
                        }
                      />
                    </div>
                    <div>
                      <label htmlFor={`${id}-ev-${i}-points`}>Points</label>
                      <input
                        id={`${id}-ev-${i}-points`}
                        inputMode="decimal"
                        value={ev.points}
                        onChange={(e) =>
                          patch({
                            events: form.events.map((x, j) =>
                              j === i ? { ...x, points: e.target.value } : x,
                            ),
                          })
                        }
                        {...fieldProps(`engagement.events.${ev.name.trim()}`)}
                      />
                      {errorOf(`engagement.events.${ev.name.trim()}`)}
                    </div>
                    <button
                      type="button"
                      className="secondary compact"
                      onClick={() => patch({ events: form.events.filter((_, j) => j !== i) })}
                    >
                      Remove<span className="visually-hidden"> event {ev.name || i + 1}</span>
                    </button>
                  </li>
                ))}
              </ul>
              <button
                type="button"
                className="secondary compact"
                onClick={() => patch({ events: [...form.events, { name: '', points: '5' }] })}
              >
                Add an event
              </button>
            </section>

            <section className="card" aria-labelledby={`${id}-fit`}>
              <h2 id={`${id}-fit`} className="card-title">
                Fit rules
              </h2>
              <h3>Attributes</h3>
              <p className="hint">
                Points when a customer attribute matches. Text compares without case; “at least” and “at most”
                compare numbers, or dates written YYYY-MM-DD. “One of” takes values separated by commas.
              </p>
              <datalist id={`${id}-keys`}>
                {defs.map((d) => (
                  <option key={d.key} value={d.key}>
                    {d.label}
                  </option>
                ))}
              </datalist>
              <ul className="plain-list scoring-rows">
                {form.attributes.map((r, i) => {
                  const at = `fit.attributes.${i}`;
                  const set = (p: Partial<AttributeRow>) =>
                    patch({ attributes: form.attributes.map((x, j) => (j === i ? { ...x, ...p } : x)) });
                  return (
                    // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
                    <li key={i} className="scoring-row" aria-label={`Attribute rule ${i + 1}`}>
                      <div>
                        <label htmlFor={`${id}-a${i}-key`}>Attribute</label>
                        <input
                          id={`${id}-a${i}-key`}
                          list={`${id}-keys`}
                          value={r.key}
                          onChange={(e) => set({ key: e.target.value })}
                          {...fieldProps(`${at}.key`)}
                        />
                        {errorOf(`${at}.key`)}
                      </div>
                      <div>
                        <label htmlFor={`${id}-a${i}-op`}>Condition</label>
                        <select
                          id={`${id}-a${i}-op`}
                          value={r.op}
                          onChange={(e) => set({ op: e.target.value as Op })}
                          {...fieldProps(`${at}.op`)}
                        >
                          {ops.map((o) => (
                            <option key={o.op} value={o.op}>
                              {o.label}
                            </option>
                          ))}
                        </select>
                        {errorOf(`${at}.op`)}
                      </div>
                      <div>
                        <label htmlFor={`${id}-a${i}-value`}>Value</label>
                        <input
                          id={`${id}-a${i}-value`}
                          value={r.value}
                          onChange={(e) => set({ value: e.target.value })}
                          {...fieldProps(`${at}.value`)}
                        />
                        {errorOf(`${at}.value`)}
                      </div>
                      <div>
                        <label htmlFor={`${id}-a${i}-points`}>Points</label>
                        <input
                          id={`${id}-a${i}-points`}
                          inputMode="decimal"
                          value={r.points}
                          onChange={(e) => set({ points: e.target.value })}
                          {...fieldProps(`${at}.points`)}
                        />
                        {errorOf(`${at}.points`)}
                      </div>
                      <button
                        type="button"
                        className="secondary compact"
                        onClick={() => patch({ attributes: form.attributes.filter((_, j) => j !== i) })}
                      >
                        Remove<span className="visually-hidden"> attribute rule {i + 1}</span>
                      </button>
                    </li>
                  );
                })}
              </ul>
              <button
                type="button"
                className="secondary compact"
                onClick={() =>
                  patch({
                    attributes: [
                      ...form.attributes,
                      { key: defs[0]?.key ?? '', op: 'eq', value: '', points: '10' },
                    ],
                  })
                }
              >
                Add an attribute rule
              </button>

              <h3>Segments</h3>
              <p className="hint">Points when the customer belongs to a segment or list.</p>
              <ul className="plain-list scoring-rows">
                {form.segments.map((s, i) => {
                  const at = `fit.segments.${i}`;
                  const known = segments.some((x) => x.id === s.segmentId);
                  const set = (p: Partial<Form['segments'][number]>) =>
                    patch({ segments: form.segments.map((x, j) => (j === i ? { ...x, ...p } : x)) });
                  return (
                    // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place
                    <li key={i} className="scoring-row" aria-label={`Segment rule ${i + 1}`}>
                      <div>
                        <label htmlFor={`${id}-s${i}-segment`}>Segment</label>
                        <select
                          id={`${id}-s${i}-segment`}
                          value={s.segmentId}
                          onChange={(e) => set({ segmentId: e.target.value })}
                          {...fieldProps(`${at}.segmentId`)}
                        >
                          <option value="">Choose a segment…</option>
                          {!known && s.segmentId && (
                            <option value={s.segmentId}>a segment you cannot see</option>
                          )}
                          {segments.map((x) => (
                            <option key={x.id} value={x.id}>
                              {x.name}
                            </option>
                          ))}
                        </select>
                        {errorOf(`${at}.segmentId`)}
                      </div>
                      <div>
                        <label htmlFor={`${id}-s${i}-points`}>Points</label>
                        <input
                          id={`${id}-s${i}-points`}
                          inputMode="decimal"
                          value={s.points}
                          onChange={(e) => set({ points: e.target.value })}
                          {...fieldProps(`${at}.points`)}
                        />
                        {errorOf(`${at}.points`)}
                      </div>
                      <button
                        type="button"
                        className="secondary compact"
                        onClick={() => patch({ segments: form.segments.filter((_, j) => j !== i) })}
                      >
                        Remove<span className="visually-hidden"> segment rule {i + 1}</span>
                      </button>
                    </li>
                  );
                })}
              </ul>
              <button
                type="button"
                className="secondary compact"
                onClick={() => patch({ segments: [...form.segments, { segmentId: '', points: '10' }] })}
              >
                Add a segment rule
              </button>
            </section>
            {errorOf('fit')}
            <div className="row">
              <button type="submit" disabled={!canEdit || busy}>
                {busy ? 'Saving…' : 'Save scoring rules'}
              </button>
            </div>
          </fieldset>
        </form>
      )}
    </section>
  );
}
