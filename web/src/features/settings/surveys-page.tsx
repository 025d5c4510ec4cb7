import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import {
  type SurveyAnswerView,
  type SurveyDelivery,
  type SurveyInput,
  type SurveyKind,
  type SurveyResults,
  type SurveyTrigger,
  type SurveyView,
  surveyDeliveries,
  surveyKinds,
  surveyManagers,
  surveyScaleMax,
  surveysApi,
  surveyTriggers,
} from '../../api/surveys.ts';
import { ApiError } from '../../api.ts';
import { describedBy, FieldError, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { LoadMore } from '../../components/load-more.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { Ago } from '../customers/customer-bits.tsx';
import { readSurveyDays } from './survey-days.ts';

export const surveyKindLabels: Record<SurveyKind, string> = {
  csat: 'CSAT (1–5)',
  nps: 'NPS (0–10)',
};
const triggerLabels: Record<SurveyTrigger, string> = {
  case_solved: 'When a case is solved',
  manual: 'Only when an agent sends it',
};
const deliveryLabels: Record<SurveyDelivery, string> = {
  reply: 'As a public reply in the case’s thread',
  private: 'Privately (Mastodon direct message or email)',
  link: 'Not sent: agents copy the link',
};
const defaultQuestions: Record<SurveyKind, string> = {
  csat: 'How satisfied are you with the help you received?',
  nps: 'How likely are you to recommend us to a friend or colleague?',
};
const periods = [7, 30, 90] as const;

const percent = (share: number | null) => (share === null ? '—' : `${Math.round(share * 100)}%`);

/** Settings → Surveys: CSAT and NPS surveys sent when a case is solved, their results and latest answers. */
export function SurveysPage() {
  usePageTitle('Surveys');
  const { session } = useSession();
  const canManage = !!session && surveyManagers.includes(session.user.role);
  const [surveys, setSurveys] = useState<SurveyView[] | null>(null);
  const [editing, setEditing] = useState<SurveyView | 'new' | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');

  const reload = useCallback(async () => {
    try {
      setSurveys((await surveysApi.list()).items);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load surveys.');
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);

  const selected = surveys?.find((s) => s.id === selectedId) ?? surveys?.[0] ?? null;

  return (
    <section className="page wide surveys-page">
      <h1>Surveys</h1>
      <p className="hint">
        Ask customers how it went once their case is solved: a CSAT score from 1 to 5, or an NPS score from 0
        to 10, with an optional comment. Answers show on the case, in the customer’s timeline and here.{' '}
        <Link to="/settings">Back to settings</Link>
      </p>
      <p className="hint">
        To follow up on unhappy answers, add a <Link to="/settings/routing-rules">routing rule</Link> on case
        updates with the conditions “The update changed: survey answer” and “Latest survey answer: unhappy”
        (for instance: reopen the case, raise its priority and notify a lead).
      </p>
      {!canManage && (
        <p className="notice" role="note">
          Only owners, admins and managers can create or change surveys.
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
        <SurveyEditor
          survey={editing === 'new' ? null : editing}
          onDone={(saved) => {
            setEditing(null);
            if (saved) {
              setMessage(`Survey “${saved.name}” saved.`);
              setSelectedId(saved.id);
            }
            void reload();
          }}
        />
      ) : (
        canManage && (
          <div className="row">
            <button type="button" onClick={() => setEditing('new')}>
              New survey
            </button>
          </div>
        )
      )}
      {surveys === null ? (
        <p className="muted">Loading…</p>
      ) : surveys.length === 0 ? (
        <p className="notice">No surveys yet: solved cases are not followed by a satisfaction survey.</p>
      ) : (
        <ul className="rule-list survey-list" aria-label="Surveys">
          {surveys.map((s) => (
            <li key={s.id} className={s.enabled ? 'card survey-item' : 'card survey-item off'}>
              <div className="survey-item-main">
                <h2 className="rule-name">{s.name}</h2>
                <p className="rule-summary">{describe(s)}</p>
                <p className="hint survey-question">“{s.question}”</p>
              </div>
              <div className="rule-controls">
                <span className="pill kind">{s.kind === 'csat' ? 'CSAT' : 'NPS'}</span>
                <span className={s.enabled ? 'pill ok' : 'pill off'}>
                  {s.enabled ? 'enabled' : 'disabled'}
                </span>
                <button
                  type="button"
                  className="secondary compact"
                  aria-pressed={selected?.id === s.id}
                  onClick={() => setSelectedId(s.id)}
                >
                  Results<span className="visually-hidden"> of {s.name}</span>
                </button>
                {canManage && (
                  <button type="button" className="secondary compact" onClick={() => setEditing(s)}>
                    Edit<span className="visually-hidden"> {s.name}</span>
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {selected && <SurveyResultsPanel key={selected.id} survey={selected} />}
    </section>
  );
}

/** "Sent when a case is solved, as a public reply; at most once a week per customer; link valid 14 days". */
function describe(s: SurveyView): string {
  const when = s.trigger === 'case_solved' ? 'Sent when a case is solved' : 'Sent only by an agent';
  const how =
    s.delivery === 'reply'
      ? 'as a public reply in the case’s thread'
      : s.delivery === 'private'
        ? 'privately'
        : 'as a link agents copy';
  const cooldown =
    s.cooldownDays === 0
      ? 'no cooldown'
      : `at most once in ${s.cooldownDays} ${s.cooldownDays === 1 ? 'day' : 'days'} per customer`;
  return `${surveyKindLabels[s.kind]} · ${when}, ${how}; ${cooldown}; link valid ${s.expiresDays} ${s.expiresDays === 1 ? 'day' : 'days'}`;
}

type Draft = {
  name: string;
  kind: SurveyKind;
  question: string;
  commentPrompt: string;
  trigger: SurveyTrigger;
  delivery: SurveyDelivery;
  cooldownDays: string;
  expiresDays: string;
  enabled: boolean;
};

const draftOf = (s: SurveyView | null): Draft =>
  s
    ? {
        name: s.name,
        kind: s.kind,
        question: s.question,
        commentPrompt: s.commentPrompt ?? '',
        trigger: s.trigger,
        delivery: s.delivery,
        cooldownDays: String(s.cooldownDays),
        expiresDays: String(s.expiresDays),
        enabled: s.enabled,
      }
    : {
        name: '',
        kind: 'csat',
        question: defaultQuestions.csat,
        commentPrompt: 'Anything you would like to tell us?',
        trigger: 'case_solved',
        delivery: 'reply',
        cooldownDays: '7',
        expiresDays: '14',
        enabled: true,
      };

function SurveyEditor({ survey, onDone }: { survey: SurveyView | null; onDone(saved?: SurveyView): void }) {
  const id = useId();
  const [draft, setDraft] = useState<Draft>(() => draftOf(survey));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const f = (field: string) => `${id}-${field}`;

  async function save(e: FormEvent) {
    e.preventDefault();
    // A cleared day count is refused here: sent as omitted, it would save a default nobody typed.
    const cooldown = readSurveyDays('cooldownDays', draft.cooldownDays);
    const expires = readSurveyDays('expiresDays', draft.expiresDays);
    if ('error' in cooldown || 'error' in expires) {
      setErrors({
        ...('error' in cooldown ? { cooldownDays: cooldown.error } : {}),
        ...('error' in expires ? { expiresDays: expires.error } : {}),
      });
      document.getElementById(f('error' in cooldown ? 'cooldownDays' : 'expiresDays'))?.focus();
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const input: SurveyInput = {
        name: draft.name.trim(),
        kind: draft.kind,
        question: draft.question.trim(),
        commentPrompt: draft.commentPrompt.trim() || null,
        trigger: draft.trigger,
        delivery: draft.delivery,
        cooldownDays: cooldown.days,
        expiresDays: expires.days,
        enabled: draft.enabled,
      };
      const saved = survey ? await surveysApi.update(survey.id, input) : await surveysApi.create(input);
      onDone(saved);
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  const known = [
    'name',
    'kind',
    'question',
    'commentPrompt',
    'trigger',
    'delivery',
    'cooldownDays',
    'expiresDays',
  ];
  const otherErrors = Object.entries(errors)
    .filter(([k]) => !known.includes(k))
    .map(([k, v]) => (k === 'form' ? v : `${k}: ${v}`));
  return (
    <form
      className="card rule-editor survey-editor"
      onSubmit={(e) => void save(e)}
      aria-labelledby={`${id}-title`}
    >
      <h2 id={`${id}-title`} className="survey-editor-title" ref={heading} tabIndex={-1}>
        {survey ? `Edit “${survey.name}”` : 'New survey'}
      </h2>
      <label htmlFor={f('name')}>Survey name</label>
      <input
        id={f('name')}
        value={draft.name}
        required
        maxLength={100}
        onChange={(e) => set({ name: e.target.value })}
        {...describedBy(f('name'), errors, 'name')}
      />
      <FieldError id={f('name')} errors={errors} field="name" />

      <label htmlFor={f('kind')}>Kind</label>
      <select
        id={f('kind')}
        value={draft.kind}
        onChange={(e) => {
          const kind = e.target.value as SurveyKind;
          // The suggested question follows the kind until someone writes their own.
          const untouched = Object.values(defaultQuestions).includes(draft.question);
          set({ kind, ...(untouched ? { question: defaultQuestions[kind] } : {}) });
        }}
        {...describedBy(f('kind'), errors, 'kind')}
      >
        {surveyKinds.map((k) => (
          <option key={k} value={k}>
            {surveyKindLabels[k]}
          </option>
        ))}
      </select>
      <FieldError id={f('kind')} errors={errors} field="kind" />

      <label htmlFor={f('question')}>Question</label>
      <input
        id={f('question')}
        value={draft.question}
        required
        maxLength={200}
        onChange={(e) => set({ question: e.target.value })}
        {...describedBy(f('question'), errors, 'question')}
      />
      <FieldError id={f('question')} errors={errors} field="question" />

      <label htmlFor={f('commentPrompt')}>Comment prompt (optional)</label>
      <input
        id={f('commentPrompt')}
        value={draft.commentPrompt}
        maxLength={200}
        placeholder="No comment box when empty"
        onChange={(e) => set({ commentPrompt: e.target.value })}
        {...describedBy(f('commentPrompt'), errors, 'commentPrompt')}
      />
      <FieldError id={f('commentPrompt')} errors={errors} field="commentPrompt" />

      <div className="two-col">
        <div>
          <label htmlFor={f('trigger')}>Sent</label>
          <select
            id={f('trigger')}
            value={draft.trigger}
            onChange={(e) => set({ trigger: e.target.value as SurveyTrigger })}
            {...describedBy(f('trigger'), errors, 'trigger')}
          >
            {surveyTriggers.map((t) => (
              <option key={t} value={t}>
                {triggerLabels[t]}
              </option>
            ))}
          </select>
          <FieldError id={f('trigger')} errors={errors} field="trigger" />
        </div>
        <div>
          <label htmlFor={f('delivery')}>Delivery</label>
          <select
            id={f('delivery')}
            value={draft.delivery}
            onChange={(e) => set({ delivery: e.target.value as SurveyDelivery })}
            {...describedBy(f('delivery'), errors, 'delivery')}
          >
            {surveyDeliveries.map((d) => (
              <option key={d} value={d}>
                {deliveryLabels[d]}
              </option>
            ))}
          </select>
          <FieldError id={f('delivery')} errors={errors} field="delivery" />
        </div>
        <div>
          <label htmlFor={f('cooldownDays')}>Cooldown days</label>
          <input
            id={f('cooldownDays')}
            type="number"
            className="number"
            min={0}
            max={365}
            step={1}
            value={draft.cooldownDays}
            onChange={(e) => set({ cooldownDays: e.target.value })}
            aria-invalid={!!errors.cooldownDays}
            aria-describedby={`${f('cooldownDays')}-hint${errors.cooldownDays ? ` ${f('cooldownDays')}-error` : ''}`}
          />
          <p id={`${f('cooldownDays')}-hint`} className="hint">
            No new survey to a customer surveyed this many days ago or less (0 to 365).
          </p>
          <FieldError id={f('cooldownDays')} errors={errors} field="cooldownDays" />
        </div>
        <div>
          <label htmlFor={f('expiresDays')}>Link valid for (days)</label>
          <input
            id={f('expiresDays')}
            type="number"
            className="number"
            min={1}
            max={90}
            step={1}
            value={draft.expiresDays}
            onChange={(e) => set({ expiresDays: e.target.value })}
            aria-invalid={!!errors.expiresDays}
            aria-describedby={`${f('expiresDays')}-hint${errors.expiresDays ? ` ${f('expiresDays')}-error` : ''}`}
          />
          <p id={`${f('expiresDays')}-hint`} className="hint">
            After this the link no longer takes an answer (1 to 90).
          </p>
          <FieldError id={f('expiresDays')} errors={errors} field="expiresDays" />
        </div>
      </div>
      <label className="check">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
        Enabled
      </label>
      {otherErrors.length > 0 && (
        <p role="alert" className="error">
          {otherErrors.join('; ')}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          Save survey
        </button>
        <button type="button" className="secondary" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** A survey's figures over 7, 30 or 90 days, its score distribution and its latest answers. */
function SurveyResultsPanel({ survey }: { survey: SurveyView }) {
  const id = useId();
  const [days, setDays] = useState<number>(30);
  const [results, setResults] = useState<SurveyResults | null>(null);
  const [answers, setAnswers] = useState<SurveyAnswerView[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    setResults(null);
    setError('');
    surveysApi
      .results(survey.id, days)
      .then((r) => live && setResults(r))
      .catch(
        (err) => live && setError(err instanceof ApiError ? err.message : 'Could not load the results.'),
      );
    return () => {
      live = false;
    };
  }, [survey.id, days]);

  useEffect(() => {
    let live = true;
    surveysApi
      .answers(survey.id)
      .then((page) => {
        if (!live) return;
        setAnswers(page.items);
        setCursor(page.nextCursor);
      })
      .catch(
        (err) => live && setError(err instanceof ApiError ? err.message : 'Could not load the answers.'),
      );
    return () => {
      live = false;
    };
  }, [survey.id]);

  const max = surveyScaleMax(survey.kind);
  const most = Math.max(1, ...(results?.distribution.map((d) => d.count) ?? []));
  const total = results?.distribution.reduce((sum, d) => sum + d.count, 0) ?? 0;
  return (
    <section className="card survey-results" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="survey-results-title">
        Results of “{survey.name}”
      </h2>
      <fieldset className="segmented">
        <legend className="visually-hidden">Period</legend>
        {periods.map((p) => (
          <label key={p} className={p === days ? 'checked' : undefined}>
            <input
              type="radio"
              name={`${id}-days`}
              value={p}
              checked={p === days}
              onChange={() => setDays(p)}
            />
            Last {p} days
          </label>
        ))}
      </fieldset>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {results === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <dl className="figures survey-figures" aria-label={`Figures, last ${results.days} days`}>
            <div>
              <dt>Sent</dt>
              <dd>{results.sent}</dd>
            </div>
            <div>
              <dt>Answered</dt>
              <dd>{results.answered}</dd>
            </div>
            <div>
              <dt>Response rate</dt>
              <dd>{percent(results.responseRate)}</dd>
            </div>
            <div>
              <dt>Average</dt>
              <dd>{results.average === null ? '—' : `${results.average.toFixed(1)} / ${max}`}</dd>
            </div>
            {results.kind === 'csat' ? (
              <div>
                <dt>CSAT (4 or 5)</dt>
                <dd>{percent(results.csat)}</dd>
              </div>
            ) : (
              <div>
                <dt>NPS</dt>
                <dd>
                  {results.nps === null ? '—' : `${results.nps > 0 ? '+' : ''}${Math.round(results.nps)}`}
                </dd>
              </div>
            )}
          </dl>
          <h3 className="survey-subtitle">Scores</h3>
          <ol className="plain-list score-bars" aria-label={`Answers by score, last ${results.days} days`}>
            {results.distribution.map((d) => (
              <li key={d.score} className="score-bar">
                <span className="score-bar-label" aria-hidden="true">
                  {d.score}
                </span>
                <span className="score-bar-track" aria-hidden="true">
                  {/* No fill for a zero: the fill's minimum width is there to show a small count. */}
                  {d.count > 0 && (
                    <span className="score-bar-fill" style={{ width: `${(d.count / most) * 100}%` }} />
                  )}
                </span>
                <span className="score-bar-count">
                  {d.count}
                  <span className="visually-hidden">
                    {' '}
                    {d.count === 1 ? 'answer' : 'answers'} scored {d.score} of {max}
                  </span>
                  {total > 0 && <span className="muted"> ({Math.round((d.count / total) * 100)}%)</span>}
                </span>
              </li>
            ))}
          </ol>
        </>
      )}
      <h3 className="survey-subtitle">Latest answers</h3>
      {answers === null ? (
        <p className="muted">Loading…</p>
      ) : answers.length === 0 ? (
        <p className="notice">No answers yet.</p>
      ) : (
        <ol className="plain-list survey-answers" aria-label={`Latest answers to ${survey.name}`}>
          {answers.map((a) => (
            <li key={a.requestId} className="survey-answer">
              <strong className="survey-score">
                {a.score} / {max}
              </strong>
              <div className="survey-answer-main">
                {a.comment ? (
                  <p className="survey-comment">{a.comment}</p>
                ) : (
                  <p className="muted survey-comment">No comment.</p>
                )}
                <p className="hint">
                  {a.customerId ? (
                    <Link to={`/customers/${encodeURIComponent(a.customerId)}`}>
                      {a.customerName ?? 'Unknown customer'}
                    </Link>
                  ) : (
                    <span>{a.customerName ?? 'Unknown customer'}</span>
                  )}
                  {a.caseId && (
                    <>
                      {' · '}
                      <Link to={`/inbox/${encodeURIComponent(a.caseId)}`}>
                        {a.caseNumber === null ? 'Open the case' : `Case #${a.caseNumber}`}
                      </Link>
                    </>
                  )}
                  {' · '}
                  <Ago at={a.answeredAt} />
                </p>
              </div>
            </li>
          ))}
        </ol>
      )}
      <LoadMore
        cursor={cursor}
        label="Load more answers"
        load={(after) => surveysApi.answers(survey.id, after)}
        onPage={(page) => {
          setAnswers((prev) => [...(prev ?? []), ...page.items]);
          setCursor(page.nextCursor);
        }}
        onError={(err) => setError(err instanceof ApiError ? err.message : 'Could not load more answers.')}
      />
    </section>
  );
}
