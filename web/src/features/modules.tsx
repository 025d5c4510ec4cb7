import { Link } from 'react-router';
import { EmptyState } from '../components/empty-state.tsx';

/**
 * Analytics has no dashboards of its own yet: the page says so and points to where each figure
 * already lives, rather than promising charts.
 */
export function AnalyticsPage() {
  return (
    <EmptyState
      title="Analytics"
      lead="Dashboards of trends, spikes and community health are not built yet. These figures already exist elsewhere:"
    >
      <ul>
        <li>
          <Link to="/inbox">Inbox</Link>: how many matched mentions were heard versus acted on, and each
          case's SLA clocks.
        </li>
        <li>
          <Link to="/listening">Listening</Link>: volume per query over time.
        </li>
        <li>
          <Link to="/customers/influencers">Influencers</Link>: influencers, advocates and detractors, with
          the reasons.
        </li>
        <li>
          <Link to="/sales">Sales</Link>: the pipeline board and its figures.
        </li>
        <li>
          <Link to="/settings/surveys">Surveys</Link>: satisfaction results over 7, 30 and 90 days.
        </li>
        <li>
          <Link to="/communities">Communities</Link>: spaces, members and the moderation queue.
        </li>
      </ul>
    </EmptyState>
  );
}

export function NotFoundPage() {
  return <EmptyState title="Not found" lead="There is no page at this address." />;
}
