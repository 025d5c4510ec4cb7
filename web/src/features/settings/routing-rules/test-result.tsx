import { useState } from 'react';
import type { RuleTest } from '../../../api/inbox.ts';
import { timeAgo } from '../../listening/mention-card.tsx';

export function TestResult({ test, onCases }: { test: RuleTest; onCases: boolean }) {
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
