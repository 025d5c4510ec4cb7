import { useState } from 'react';
import type { LeadDetail } from '../../api/sales.ts';
import { formatDate } from '../../api.ts';
import { Ago } from '../customers/customer-bits.tsx';

/** Contributions listed before "Show more": the score's main reasons. */
const SCORE_ROWS = 8;

export function ScoreSection({ lead, onRescore }: { lead: LeadDetail; onRescore(): Promise<boolean> }) {
  const x = lead.explanation;
  const [busy, setBusy] = useState(false);
  const [all, setAll] = useState(false);
  const round = (n: number) => Math.round(n * 10) / 10;
  // The biggest contributions first, a few of them until asked: handoff and contact stay in view.
  const ranked = [...x.contributions].sort((a, b) => b.decayedPoints - a.decayedPoints);
  const shown = all ? ranked : ranked.slice(0, SCORE_ROWS);
  const folded = ranked.slice(shown.length);
  return (
    <section className="card lead-score" aria-labelledby="lead-score-title">
      <div className="card-head-row">
        <h2 id="lead-score-title" className="card-title">
          Score {Math.round(lead.score)} <span className="muted">of 100</span>
        </h2>
        <button
          type="button"
          className="secondary compact"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void onRescore().finally(() => setBusy(false));
          }}
        >
          Rescore now
        </button>
      </div>
      {lead.scoredAt && x.halfLifeDays > 0 ? (
        <p>
          Fit <strong>{round(x.fit)}</strong> of 50{x.fitCapped ? ' (capped)' : ''} + engagement{' '}
          <strong>{round(x.engagement)}</strong> of 50{x.engagementCapped ? ' (capped)' : ''}. Engagement
          halves every {x.halfLifeDays} {x.halfLifeDays === 1 ? 'day' : 'days'}.
          <span className="muted">
            {' '}
            Scored <Ago at={lead.scoredAt} />.
          </span>
        </p>
      ) : lead.scoredAt ? (
        // Erasing the customer's personal data removes the explanation and keeps the figures.
        <p>This score's explanation is not kept: it was removed with the customer's personal data.</p>
      ) : (
        <p>Not scored yet: leads are scored every 5 minutes, or now with "Rescore now".</p>
      )}
      {x.behaviourWithheld && (
        <p className="notice">
          Website behaviour is not counted: the customer has not consented to profiling.
        </p>
      )}
      {x.contributions.length === 0 ? (
        <p className="muted">Nothing counts towards the score yet.</p>
      ) : (
        <table className="table score-table">
          <caption className="visually-hidden">Score explanation</caption>
          <thead>
            <tr>
              <th scope="col">What counts</th>
              <th scope="col">Part</th>
              <th scope="col" className="num">
                Points
              </th>
              <th scope="col" className="num">
                Worth now
              </th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: two posts can share a label and a time; the list is replaced whole
              <tr key={`${c.kind}-${c.label}-${c.at}-${i}`}>
                <td data-label="What counts">{c.label}</td>
                <td data-label="Part">{c.group}</td>
                <td data-label="Points" className="num">
                  {round(c.points)}
                </td>
                <td data-label="Worth now" className="num">
                  {round(c.decayedPoints)}
                </td>
                <td data-label="When">{c.at ? formatDate(c.at) : <span className="muted">standing</span>}</td>
              </tr>
            ))}
            {folded.length > 0 && (
              <tr>
                <td data-label="What counts" colSpan={5}>
                  <button type="button" className="link" onClick={() => setAll(true)}>
                    Show {folded.length} more {folded.length === 1 ? 'signal' : 'signals'} (worth{' '}
                    {round(folded.reduce((sum, c) => sum + c.decayedPoints, 0))} now)
                  </button>
                </td>
              </tr>
            )}
            {x.omitted.count > 0 && (
              <tr>
                <td data-label="What counts">
                  {x.omitted.count} smaller {x.omitted.count === 1 ? 'signal' : 'signals'}
                </td>
                <td data-label="Part">engagement</td>
                <td data-label="Points" className="num">
                  —
                </td>
                <td data-label="Worth now" className="num">
                  {round(x.omitted.decayedPoints)}
                </td>
                <td data-label="When" />
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}
