import { Link } from 'react-router';
import type { RecordEvent } from '../../api/collaboration.ts';
import { Ago } from '../customers/customer-bits.tsx';
import { type Directory, feedLine } from './inbox-bits.tsx';

/** The case record's activity feed, older pages fetched on request. */
export function Feed({
  events,
  dir,
  more,
  onMore,
}: {
  events: RecordEvent[];
  dir: Directory;
  more: string | null;
  onMore(): Promise<void>;
}) {
  return (
    <section className="case-feed" aria-labelledby="case-feed-title">
      <h3 id="case-feed-title">Activity</h3>
      {events.length === 0 ? (
        <p className="muted">Nothing has happened on this case yet.</p>
      ) : (
        <ol className="feed-list">
          {events.map((e) => {
            const line = feedLine(e, dir);
            return (
              <li key={e.id} className={`feed-event kind-${e.kind}`}>
                <span className="feed-text">
                  {line.text}
                  {line.link && (
                    <>
                      {' '}
                      <Link to={line.link.to}>Open {line.link.label}</Link>
                    </>
                  )}
                </span>
                {line.detail && <span className="feed-detail">{line.detail}</span>}
                <span className="muted small-inline">
                  <Ago at={e.createdAt} />
                </span>
              </li>
            );
          })}
        </ol>
      )}
      {more && (
        <button type="button" className="secondary compact" onClick={() => void onMore()}>
          Older activity
        </button>
      )}
    </section>
  );
}
