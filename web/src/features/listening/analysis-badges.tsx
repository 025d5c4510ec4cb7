import { type ReactNode, useId, useState } from 'react';
import type { Analysis } from '../../api/analysis.ts';

/** Urgency bands: what an agent should look at first. */
export function urgencyLevel(score: number): 'high' | 'medium' | 'low' {
  return score >= 70 ? 'high' : score >= 40 ? 'medium' : 'low';
}

const label = (s: string) => s.replaceAll('_', ' ');
const percent = (x: number) => `${Math.round(x * 100)}%`;
const signed = (x: number) => (x > 0 ? `+${x.toFixed(2)}` : x < 0 ? `−${Math.abs(x).toFixed(2)}` : '0.00');
const why = (reasons: string[]) => (reasons.length ? `Why: ${reasons.join('; ')}` : 'No reasons recorded');

type Explained = { key: string; kind: string; name: string; figure: string; reasons: string[] };

/** Every statement of an analysis with its reasons, in the order an agent reads them. */
function explained(a: Analysis, topicName: (id: string, fallback: string) => string, urgency: boolean) {
  const rows: Explained[] = [];
  if (urgency) {
    rows.push({
      key: 'urgency',
      kind: 'Urgency',
      name: `${urgencyLevel(a.urgency.score)} (${Math.round(a.urgency.score)}/100)`,
      figure: '',
      reasons: a.urgency.reasons,
    });
  }
  if (a.sentiment.label !== 'und' || a.sentiment.reasons.length > 0) {
    rows.push({
      key: 'sentiment',
      kind: 'Sentiment',
      name: a.sentiment.label,
      figure: signed(a.sentiment.score),
      reasons: a.sentiment.reasons,
    });
  }
  for (const i of a.intents) {
    rows.push({
      key: `intent-${i.label}`,
      kind: 'Intent',
      name: label(i.label),
      figure: i.score ? percent(i.score) : '',
      reasons: i.reasons,
    });
  }
  for (const t of a.topics) {
    rows.push({
      key: `topic-${t.id}`,
      kind: 'Topic',
      name: topicName(t.id, t.name),
      figure: t.score ? percent(t.score) : '',
      reasons: t.reasons,
    });
  }
  for (const c of a.classifiers) {
    rows.push({
      key: `class-${c.classifierId}`,
      kind: c.name,
      name: label(c.label),
      figure: c.score ? percent(c.score) : '',
      reasons: [],
    });
  }
  rows.push({
    key: 'language',
    kind: 'Language',
    name: a.language,
    figure: a.languageConfidence ? percent(a.languageConfidence) : '',
    reasons: [],
  });
  return rows;
}

/**
 * The analysis of one text as compact badges, each with its reasons as a tooltip, plus a
 * "Why?" toggle that shows every reason in a panel (tooltips are not reachable by keyboard).
 */
export function AnalysisBadges({
  analysis: a,
  showUrgency,
  topicName = (_id, fallback) => fallback,
  expanded,
  children,
  actions,
}: {
  analysis: Analysis;
  /** False for mentions stored before urgency existed. */
  showUrgency: boolean;
  topicName?: (id: string, fallback: string) => string;
  /** Always show the explanation panel (no toggle). */
  expanded?: boolean;
  /** Extra chips (e.g. matched queries) placed after the badges. */
  children?: ReactNode;
  /** Controls placed after the "Why?" toggle. */
  actions?: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const level = urgencyLevel(a.urgency.score);
  const visible = a.classifiers.filter((c) => c.label !== 'none');
  const showPanel = expanded || open;
  return (
    <>
      <div className="mention-foot">
        {showUrgency && (
          <span className={`chip urgency-${level}`} title={why(a.urgency.reasons)}>
            <span className="visually-hidden">Urgency </span>
            {level} urgency · {Math.round(a.urgency.score)}
          </span>
        )}
        {a.sentiment.label !== 'und' && (
          <span className={`chip sentiment-${a.sentiment.label}`} title={why(a.sentiment.reasons)}>
            {a.sentiment.label} <span className="chip-figure">{signed(a.sentiment.score)}</span>
          </span>
        )}
        {a.intents
          .filter((i) => i.label !== 'other')
          .map((i) => (
            <span key={i.label} className="chip intent" title={why(i.reasons)}>
              {label(i.label)}
            </span>
          ))}
        {a.topics.map((t) => (
          <span key={t.id} className="chip topic" title={why(t.reasons)}>
            <span aria-hidden="true"># </span>
            <span className="visually-hidden">Topic </span>
            {topicName(t.id, t.name)}
          </span>
        ))}
        {visible.map((c) => (
          <span
            key={c.classifierId}
            className="chip classifier"
            title={`${c.name}: ${label(c.label)} (${percent(c.score)})`}
          >
            {c.name}: {label(c.label)}
          </span>
        ))}
        <span className="chip" title="Language">
          {a.language}
        </span>
        {children}
        {!expanded && (
          <button
            type="button"
            className="why-button"
            aria-expanded={open}
            aria-controls={panelId}
            onClick={() => setOpen((o) => !o)}
          >
            {open ? 'Hide why' : 'Why?'}
          </button>
        )}
        {actions}
      </div>
      <div id={panelId} className="why-panel" hidden={!showPanel}>
        {showPanel && (
          <dl>
            {explained(a, topicName, showUrgency).map((row) => (
              <div key={row.key} className="why-row">
                <dt>
                  <span className="why-kind">{row.kind}</span> <strong>{row.name}</strong>
                  {row.figure && <span className="muted"> {row.figure}</span>}
                </dt>
                <dd>
                  {row.reasons.length > 0 ? (
                    <ul>
                      {row.reasons.map((r) => (
                        <li key={r}>{r}</li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </dd>
              </div>
            ))}
          </dl>
        )}
      </div>
    </>
  );
}
