import { Link } from 'react-router';
import type { RecordEvent } from '../api/collaboration.ts';
import { Ago } from '../features/customers/customer-bits.tsx';

/** One event of a record's feed as a sentence, with an optional detail and a link to what it names. */
export type ActivityLine = {
  text: string;
  detail?: string | undefined;
  link?: { to: string; label: string };
};

/** A record's feed events as a list, newest first, or `empty` when there are none. */
export function ActivityList({
  events,
  lineOf,
  empty,
}: {
  events: RecordEvent[];
  lineOf(e: RecordEvent): ActivityLine;
  empty: string;
}) {
  if (events.length === 0) return <p className="muted">{empty}</p>;
  return (
    <ol className="feed-list">
      {events.map((e) => {
        const line = lineOf(e);
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
  );
}
