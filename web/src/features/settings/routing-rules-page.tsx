import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import {
  ApiError,
  analysisApi,
  formatDate,
  inboxApi,
  inboxConfigurers,
  listeningApi,
  type RoutingRule,
  salesApi,
  segmentsApi,
} from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { knownChannels } from '../../components/use-channels.ts';
import { useSession } from '../../session.tsx';
import { timeAgo } from '../listening/mention-card.tsx';
import { RuleEditor } from './routing-rules/rule-editor.tsx';
import { describe, eventPills, type Lookups, words } from './routing-rules/rule-model.ts';

export function RoutingRulesPage() {
  usePageTitle('Routing rules');
  const { session } = useSession();
  const canManage = !!session && inboxConfigurers.includes(session.user.role);
  const [rules, setRules] = useState<RoutingRule[] | null>(null);
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
  const [editing, setEditing] = useState<RoutingRule | 'new' | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');

  const reload = useCallback(async () => {
    try {
      setRules((await inboxApi.rules()).items);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load routing rules.');
    }
  }, []);
  useEffect(() => {
    void reload();
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
  }, [reload]);

  async function move(index: number, delta: number) {
    if (!rules) return;
    const ids = rules.map((r) => r.id);
    const [id] = ids.splice(index, 1);
    if (!id) return;
    ids.splice(index + delta, 0, id);
    setError('');
    try {
      setRules((await inboxApi.reorderRules(ids)).items);
      const r = rules[index];
      setMessage(`“${r?.name}” moved ${delta < 0 ? 'up' : 'down'} to position ${index + delta + 1}.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not reorder.');
    }
  }

  async function toggle(rule: RoutingRule) {
    setError('');
    try {
      const { name, enabled, event, match, conditions, actions } = rule;
      const saved = await inboxApi.saveRule(rule.id, {
        name,
        enabled: !enabled,
        event,
        match,
        conditions,
        actions,
      });
      setRules((prev) => prev?.map((r) => (r.id === saved.id ? saved : r)) ?? prev);
      setMessage(`“${saved.name}” ${saved.enabled ? 'enabled' : 'disabled'}.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not save.');
    }
  }

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
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {message}
      </p>
      {editing ? (
        <RuleEditor
          rule={editing === 'new' ? null : editing}
          lookups={lookups}
          onDone={(text) => {
            setEditing(null);
            if (text) setMessage(text);
            void reload();
          }}
        />
      ) : (
        canManage && (
          <div className="row">
            <button type="button" onClick={() => setEditing('new')}>
              New rule
            </button>
          </div>
        )
      )}
      {rules === null ? (
        <p className="muted">Loading…</p>
      ) : rules.length === 0 ? (
        <p className="notice">
          No routing rules yet: mentions wait in Listening until someone decides on them.
        </p>
      ) : (
        <ol className="rule-list" aria-label="Routing rules, in the order they run">
          {rules.map((r, i) => (
            <li key={r.id} className={r.enabled ? 'card rule-item' : 'card rule-item off'}>
              <span className="rule-position" aria-hidden="true">
                {i + 1}
              </span>
              <div className="rule-main">
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
              </div>
              {canManage ? (
                <div className="rule-controls">
                  <label className="check">
                    <input type="checkbox" checked={r.enabled} onChange={() => void toggle(r)} />
                    Enabled<span className="visually-hidden">: {r.name}</span>
                  </label>
                  <button
                    type="button"
                    className="secondary compact"
                    disabled={i === 0}
                    aria-label={`Move ${r.name} up`}
                    onClick={() => void move(i, -1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="secondary compact"
                    disabled={i === rules.length - 1}
                    aria-label={`Move ${r.name} down`}
                    onClick={() => void move(i, 1)}
                  >
                    ↓
                  </button>
                  <button type="button" className="secondary compact" onClick={() => setEditing(r)}>
                    Edit<span className="visually-hidden"> {r.name}</span>
                  </button>
                </div>
              ) : (
                <span className={r.enabled ? 'pill ok' : 'pill off'}>
                  {r.enabled ? 'enabled' : 'disabled'}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
