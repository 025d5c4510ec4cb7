import type { RecordEvent } from '../../api/collaboration.ts';
import { ActivityList } from '../../components/activity-list.tsx';
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
      <ActivityList
        events={events}
        lineOf={(e) => feedLine(e, dir)}
        empty="Nothing has happened on this case yet."
      />
      {more && (
        <button type="button" className="secondary compact" onClick={() => void onMore()}>
          Older activity
        </button>
      )}
    </section>
  );
}
