import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { type Connector, type ConnectorHealth, listeningApi } from '../../api/listening.ts';
import { ApiError, formatDate } from '../../api.ts';
import { ConfirmDelete } from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { SecretOnce } from '../settings/secret-once.tsx';
import { ListeningNav } from './listening-nav.tsx';

type Kind = 'webhook' | 'bluesky' | 'mastodon' | 'rss' | 'email';

const LOAD_FAILED = 'Could not load connectors.';

export function ConnectorsPage() {
  usePageTitle('Connectors');
  const { session } = useSession();
  const canManage = session && ['owner', 'admin'].includes(session.user.role);
  const [connectors, setConnectors] = useState<Connector[]>([]);
  const [health, setHealth] = useState<Map<string, ConnectorHealth>>(new Map());
  const [secret, setSecret] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Kind>('webhook');
  const [endpoint, setEndpoint] = useState('wss://jetstream2.us-east.bsky.network');
  const [instance, setInstance] = useState('https://mastodon.social');
  const [hashtag, setHashtag] = useState('');
  const [token, setToken] = useState('');
  const [feedUrl, setFeedUrl] = useState('');
  // What a network connector stores: the firehose only what concerns the brand, a chosen stream all.
  const [keep, setKeep] = useState<Record<'bluesky' | 'mastodon', Keep>>({
    bluesky: 'matching',
    mastodon: 'all',
  });
  // The brand's Bluesky account, for replies (optional: without it the connector only listens).
  const [replyAccount, setReplyAccount] = useState('');
  const [replyService, setReplyService] = useState('https://bsky.social');
  // Email (SMTP) for private replies.
  const [smtpHost, setSmtpHost] = useState('');
  const [smtpPort, setSmtpPort] = useState('587');
  const [smtpSecure, setSmtpSecure] = useState(false);
  const [smtpUser, setSmtpUser] = useState('');
  const [fromAddress, setFromAddress] = useState('');
  const [fromName, setFromName] = useState('');
  const [error, setError] = useState('');

  const reload = useCallback(async () => {
    const { items } = await listeningApi.connectors();
    setConnectors(items);
    const entries = await Promise.all(
      items.map(async (c) => [c.id, await listeningApi.health(c.id)] as const),
    );
    setHealth(new Map(entries));
  }, []);

  useEffect(() => {
    void reload().catch(() => setError(LOAD_FAILED));
    // A later poll that works takes back "could not load", and only that: an action's error stays.
    const timer = setInterval(
      () =>
        void reload()
          .then(() => setError((shown) => (shown === LOAD_FAILED ? '' : shown)))
          .catch(() => undefined),
      10_000,
    );
    return () => clearInterval(timer);
  }, [reload]);

  /** Turns a connector on or off. */
  async function switchEnabled(c: Connector) {
    setError('');
    try {
      await listeningApi.updateConnector(c.id, { enabled: !c.enabled });
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not change the connector.');
    }
  }

  /** Keeps every post from now on, or only what matches (the whole config goes back, as PATCH wants). */
  async function switchKeep(c: Connector) {
    setError('');
    try {
      await listeningApi.updateConnector(c.id, {
        config: { ...c.config, keep: c.config.keep === 'matching' ? 'all' : 'matching' },
      });
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not change the connector.');
    }
  }

  async function create(e: FormEvent) {
    e.preventDefault();
    setError('');
    try {
      const input =
        kind === 'bluesky'
          ? {
              kind,
              name,
              config: {
                endpoint,
                keep: keep.bluesky,
                ...(replyAccount ? { account: { identifier: replyAccount, service: replyService } } : {}),
              },
              ...(replyAccount && token ? { secret: token } : {}),
            }
          : kind === 'email'
            ? {
                kind,
                name,
                config: {
                  host: smtpHost,
                  port: Number(smtpPort),
                  secure: smtpSecure,
                  username: smtpUser || null,
                  fromAddress,
                  fromName: fromName || null,
                },
                ...(token ? { secret: token } : {}),
              }
            : kind === 'mastodon'
              ? {
                  kind,
                  name,
                  config: {
                    instance,
                    streams: hashtag
                      ? [{ stream: 'hashtag', tag: hashtag.replace(/^#/, '') }]
                      : [{ stream: 'user' }],
                    keep: keep.mastodon,
                  },
                  ...(token ? { secret: token } : {}),
                }
              : kind === 'rss'
                ? { kind, name, config: { feeds: [{ url: feedUrl }] } }
                : { kind, name };
      const result = await listeningApi.createConnector(input);
      setSecret(result.secret ?? null);
      setName('');
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not create the connector.');
    }
  }

  return (
    <section className="page wide">
      <h1>Connectors</h1>
      <ListeningNav />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {secret && (
        <SecretOnce
          label="Webhook signing secret. Sign each request body with HMAC-SHA256 and send X-Rapport-Signature: sha256=<hex>."
          value={secret}
          onDone={() => setSecret(null)}
        />
      )}
      <table className="table">
        <caption className="visually-hidden">Connectors and their health</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">State</th>
            <th scope="col">Last item</th>
            <th
              scope="col"
              title="Live items received in the last 5 minutes, per minute; backfilled history is not counted"
            >
              Items/min
            </th>
            <th scope="col">Errors</th>
            <th scope="col">Total</th>
            {canManage && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {connectors.map((c) => {
            const h = health.get(c.id);
            return (
              <tr key={c.id}>
                <td data-label="Name">
                  {c.name}
                  {c.kind === 'webhook' && (
                    <div className="muted">
                      <code>
                        POST {window.location.origin}/api/v1/ingest/{c.id}
                      </code>
                    </div>
                  )}
                </td>
                <td data-label="Kind">
                  {c.kind}
                  {(c.kind === 'bluesky' || c.kind === 'mastodon') && (
                    <div className="muted">
                      {c.config.keep === 'matching' ? 'keeps posts matching a query' : 'keeps every post'}
                      {c.itemsPassedOver > 0 && ` (${c.itemsPassedOver.toLocaleString()} passed over)`}{' '}
                      {canManage && (
                        <button type="button" className="link-button" onClick={() => void switchKeep(c)}>
                          {c.config.keep === 'matching' ? 'Keep every post' : 'Keep only matching'}
                        </button>
                      )}
                    </div>
                  )}
                </td>
                <td data-label="State">
                  <span
                    className={
                      h?.silent || c.state === 'failing'
                        ? 'pill bad'
                        : c.state === 'connected'
                          ? 'pill ok'
                          : 'pill off'
                    }
                  >
                    {c.enabled ? (h?.silent ? 'silent' : c.state) : 'disabled'}
                  </span>
                  {c.lastError && <div className="field-error">{c.lastError}</div>}
                </td>
                <td data-label="Last item">{formatDate(c.lastItemAt)}</td>
                <td data-label="Items/min">{h?.itemsPerMinute ?? '—'}</td>
                <td data-label="Errors">{c.errorCount}</td>
                <td data-label="Total">{c.itemsTotal}</td>
                {canManage && (
                  <td data-label="Actions">
                    <button type="button" className="secondary" onClick={() => void switchEnabled(c)}>
                      {c.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <ConfirmDelete
                      what={c.name}
                      disabled={false}
                      onConfirm={async () => {
                        setError('');
                        await listeningApi.deleteConnector(c.id);
                        await reload();
                      }}
                    />
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
      {canManage && (
        <form className="card grid-form" onSubmit={create} aria-label="New connector">
          <div className="field">
            <label htmlFor="connector-kind">Kind</label>
            <select id="connector-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              <option value="webhook">Webhook (signed POSTs)</option>
              <option value="bluesky">Bluesky (Jetstream)</option>
              <option value="mastodon">Mastodon (streaming API)</option>
              <option value="rss">RSS / Atom / JSON Feed</option>
              <option value="email">Email out (SMTP, for private replies)</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="connector-name">Name</label>
            <input
              id="connector-name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="e.g. Review site"
              required
            />
          </div>
          {kind === 'bluesky' && (
            <>
              <div className="field">
                <label htmlFor="connector-endpoint">Jetstream endpoint</label>
                <input
                  id="connector-endpoint"
                  value={endpoint}
                  onChange={(e) => setEndpoint(e.target.value)}
                  required
                />
              </div>
              <KeepField value={keep.bluesky} onChange={(v) => setKeep({ ...keep, bluesky: v })} />
              <div className="field">
                <label htmlFor="connector-reply-account">
                  Brand account for replies (handle or DID; optional)
                </label>
                <input
                  id="connector-reply-account"
                  value={replyAccount}
                  onChange={(e) => setReplyAccount(e.target.value)}
                />
              </div>
              {replyAccount && (
                <>
                  <div className="field">
                    <label htmlFor="connector-reply-service">Its server (PDS)</label>
                    <input
                      id="connector-reply-service"
                      type="url"
                      value={replyService}
                      onChange={(e) => setReplyService(e.target.value)}
                      required
                    />
                  </div>
                  <div className="field">
                    <label htmlFor="connector-token">App password (stored encrypted)</label>
                    <input
                      id="connector-token"
                      type="password"
                      value={token}
                      onChange={(e) => setToken(e.target.value)}
                      required
                    />
                  </div>
                </>
              )}
            </>
          )}
          {kind === 'email' && (
            <>
              <div className="field">
                <label htmlFor="connector-smtp-host">SMTP server</label>
                <input
                  id="connector-smtp-host"
                  value={smtpHost}
                  onChange={(e) => setSmtpHost(e.target.value)}
                  required
                />
              </div>
              <div className="field">
                <label htmlFor="connector-smtp-port">Port</label>
                <input
                  id="connector-smtp-port"
                  type="number"
                  min={1}
                  max={65535}
                  value={smtpPort}
                  onChange={(e) => setSmtpPort(e.target.value)}
                  required
                />
              </div>
              <div className="field checkbox">
                <label>
                  <input
                    type="checkbox"
                    checked={smtpSecure}
                    onChange={(e) => setSmtpSecure(e.target.checked)}
                  />{' '}
                  TLS from the start (port 465)
                </label>
              </div>
              <div className="field">
                <label htmlFor="connector-smtp-user">User name</label>
                <input
                  id="connector-smtp-user"
                  value={smtpUser}
                  onChange={(e) => setSmtpUser(e.target.value)}
                />
              </div>
              <div className="field">
                <label htmlFor="connector-token">Password (stored encrypted)</label>
                <input
                  id="connector-token"
                  type="password"
                  value={token}
                  onChange={(e) => setToken(e.target.value)}
                />
              </div>
              <div className="field">
                <label htmlFor="connector-from">From address</label>
                <input
                  id="connector-from"
                  type="email"
                  value={fromAddress}
                  onChange={(e) => setFromAddress(e.target.value)}
                  required
                />
              </div>
              <div className="field">
                <label htmlFor="connector-from-name">From name</label>
                <input
                  id="connector-from-name"
                  value={fromName}
                  onChange={(e) => setFromName(e.target.value)}
                />
              </div>
            </>
          )}
          {kind === 'mastodon' && (
            <>
              <div className="field">
                <label htmlFor="connector-instance">Instance</label>
                <input
                  id="connector-instance"
                  value={instance}
                  onChange={(e) => setInstance(e.target.value)}
                  required
                />
              </div>
              <div className="field">
                <label htmlFor="connector-hashtag">Hashtag (empty: your home timeline)</label>
                <input id="connector-hashtag" value={hashtag} onChange={(e) => setHashtag(e.target.value)} />
              </div>
              <KeepField value={keep.mastodon} onChange={(v) => setKeep({ ...keep, mastodon: v })} />
              <div className="field">
                <label htmlFor="connector-token">Access token (stored encrypted)</label>
                <input
                  id="connector-token"
                  type="password"
                  value={token}
                  onChange={(e) => setToken(e.target.value)}
                />
              </div>
            </>
          )}
          {kind === 'rss' && (
            <div className="field">
              <label htmlFor="connector-feed">Feed URL</label>
              <input
                id="connector-feed"
                type="url"
                value={feedUrl}
                onChange={(e) => setFeedUrl(e.target.value)}
                required
              />
            </div>
          )}
          <button type="submit">Create connector</button>
        </form>
      )}
    </section>
  );
}

type Keep = 'matching' | 'all';

/** What a network connector stores of what it reads (docs/connectors.md, "What is kept"). */
function KeepField({ value, onChange }: { value: Keep; onChange: (v: Keep) => void }) {
  return (
    <div className="field">
      <label htmlFor="connector-keep">Store</label>
      <select id="connector-keep" value={value} onChange={(e) => onChange(e.target.value as Keep)}>
        <option value="matching">Posts matching a query</option>
        <option value="all">Every post read</option>
      </select>
    </div>
  );
}
