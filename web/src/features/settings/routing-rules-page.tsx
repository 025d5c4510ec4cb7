import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { analysisApi } from '../../api/analysis.ts';
import { inboxApi, inboxConfigurers, type RoutingRule } from '../../api/inbox.ts';
import { listeningApi } from '../../api/listening.ts';
import { salesApi } from '../../api/sales.ts';
import { segmentsApi } from '../../api/segments.ts';
import { formatDate } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { knownChannels } from '../../components/use-channels.ts';
import { useSession } from '../../session.tsx';
import { timeAgo } from '../listening/mention-card.tsx';
import { OrderedList, OrderedListMessages, type OrderedStore, useOrderedList } from './ordered-list.tsx';
import { RuleEditor } from './routing-rules/rule-editor.tsx';
import { describe, eventPills, type Lookups, words } from './routing-rules/rule-model.ts';

/** Rules run top to bottom; switching one on or off saves it unchanged otherwise. */
const ruleStore: OrderedStore<RoutingRule> = {
  load: () => inboxApi.rules(),
  reorder: (ids) => inboxApi.reorderRules(ids),
  setEnabled: ({ id, name, event, match, conditions, actions }, enabled) =>
    inboxApi.saveRule(id, { name, enabled, event, match, conditions, actions }),
  loadError: 'Could not load routing rules.',
};

export function RoutingRulesPage() {
  usePageTitle('Routing rules');
  const { session } = useSession();
  const canManage = !!session && inboxConfigurers.includes(session.user.role);
  const list = useOrderedList(ruleStore);
  const [lookups, setLookups] = useState<Lookups>({
    queries: [],
    topics: [],
    teams: [],
    people: [],
    segments: [],
    leadOwners: [],
    canned: [],
    channels: knownChannels,
  });

  useEffect(() => {
    void Promise.all([
      listeningApi.queries().catch(() => ({ items: [] })),
      analysisApi.topics().catch(() => ({ items: [] })),
      inboxApi.teams().catch(() => ({ items: [] })),
      inboxApi.assignees().catch(() => ({ items: [] })),
      segmentsApi.all().catch(() => []),
      salesApi.owners().catch(() => ({ items: [] })),
      inboxApi.canned().catch(() => ({ items: [] })),
      listeningApi.channels().catch(() => ({ items: knownChannels })),
    ]).then(([q, t, teams, people, segments, owners, canned, channels]) =>
      setLookups({
        queries: q.items,
        topics: t.items,
        teams: teams.items,
        people: people.items,
        segments,
        leadOwners: owners.items,
        canned: canned.items.filter((c) => c.shared),
        channels: channels.items,
      }),
    );
  }, []);

  return (
    <section className="page wide routing-page">
      <h1>Routing rules</h1>
      <p className="hint">
        Every new mention runs through the enabled rules on new posts, top to bottom. A rule whose conditions
        hold acts: it opens a case or a sales lead, sets priority or type, tags, sends to a team, assigns,
        replies with a canned response, notifies, or dismisses the post. Rules on cases run when a case is
        created or updated (never on their own changes) and, for time rules, when enough time has passed
        (checked every minute, once per case and moment). <Link to="/settings">Back to settings</Link>
      </p>
      {!canManage && (
        <p className="notice" role="note">
          Only owners, admins and managers can change routing rules.
        </p>
      )}
      <OrderedListMessages error={list.error} message={list.message} />
      <OrderedList
        list={list}
        canManage={canManage}
        label="Routing rules, in the order they run"
        empty="No routing rules yet: mentions wait in Listening until someone decides on them."
        newLabel="New rule"
        editor={(rule) => <RuleEditor rule={rule} lookups={lookups} onDone={list.doneEditing} />}
      >
        {(r) => (
          <>
            <h2 className="rule-name">
              {r.name}{' '}
              <span className={`pill rule-event event-${r.event}`}>
                {eventPills[r.event] ?? words(r.event)}
              </span>
            </h2>
            <p className="rule-summary">{describe(r, lookups)}</p>
            <p className="muted small-inline">
              Fired {r.firedCount} {r.firedCount === 1 ? 'time' : 'times'}
              {r.lastFiredAt && (
                <>
                  {' · last '}
                  <time dateTime={r.lastFiredAt} title={formatDate(r.lastFiredAt)}>
                    {timeAgo(r.lastFiredAt)} ago
                  </time>
                </>
              )}
            </p>
          </>
        )}
      </OrderedList>
    </section>
  );
}
