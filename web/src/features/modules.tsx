import { EmptyState } from '../components/empty-state.tsx';

// What each module will hold, said plainly until the module lands.

export function InboxPage() {
  return (
    <EmptyState
      title="Inbox"
      lead="Cases and leads from every channel in one stream, each with an owner, a priority and an SLA clock. Replies go back out on the channel the customer used: Bluesky, Mastodon, email or the community."
    >
      <p>
        Nothing needs an answer yet. Routing rules will turn complaints, questions and purchase intent into
        cases and leads here.
      </p>
    </EmptyState>
  );
}

export function AnalyticsPage() {
  return (
    <EmptyState
      title="Analytics"
      lead="Trends and spikes in what people say, SLA attainment, how many mentions were heard versus acted on, community health, and your influencers and advocates."
    >
      <p>Charts fill in once mentions and cases flow in.</p>
    </EmptyState>
  );
}

export function NotFoundPage() {
  return <EmptyState title="Not found" lead="There is no page at this address." />;
}
