import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import {
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  type WebhookDeliveryStatus,
  type WebhookEndpoint,
  webhookManagers,
  webhooksApi,
} from '../../api/webhooks.ts';
import { ApiError, formatDate } from '../../api.ts';
import { ConfirmDelete, type FieldErrors, fieldErrors } from '../../components/forms.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { SecretOnce } from './secret-once.tsx';

const statuses: WebhookDeliveryStatus[] = ['pending', 'delivered', 'failed', 'dead'];
const statusPill: Record<WebhookDeliveryStatus, string> = {
  pending: 'pill',
  delivered: 'pill ok',
  failed: 'pill off',
  dead: 'pill bad',
};

/** Settings → Webhooks: endpoints that receive case and lead events, and the log of what was sent. */
export function WebhooksPage() {
  usePageTitle('Webhooks');
  const { session } = useSession();
  const canManage = !!session && webhookManagers.includes(session.user.role);
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[] | null>(null);
  const [eventTypes, setEventTypes] = useState<string[]>([]);
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [creating, setCreating] = useState(false);
  const [logFor, setLogFor] = useState<string>('');
  const [logVersion, setLogVersion] = useState(0);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');

  const reload = useCallback(async () => {
    try {
      const [list, types] = await Promise.all([webhooksApi.endpoints(), webhooksApi.eventTypes()]);
      setEndpoints(list.items);
      setEventTypes(types.items);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load webhooks.');
    }
  }, []);
  useEffect(() => {
    if (canManage) void reload();
  }, [reload, canManage]);

  async function act(run: () => Promise<string>) {
    setError('');
    setMessage('');
    try {
      setMessage(await run());
      await reload();
      setLogVersion((v) => v + 1);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Something went wrong. Try again.');
    }
  }

  /** A test event: delivered is good news, a failure is shown as an error. */
  async function sendTest(endpointId: string) {
    setError('');
    setMessage('');
    try {
      const d = await webhooksApi.ping(endpointId);
      if (d.status === 'delivered') setMessage(`Test event delivered (HTTP ${d.lastStatusCode}).`);
      else setError(`Test event failed: ${d.lastError ?? 'no answer'}.`);
      await reload();
      setLogVersion((v) => v + 1);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Something went wrong. Try again.');
    }
  }

  if (!canManage)
    return (
      <section className="page">
        <h1>Webhooks</h1>
        <p className="notice">Only owners and admins manage webhooks.</p>
      </section>
    );

  return (
    <section className="page wide webhooks-page">
      <h1>Webhooks</h1>
      <p className="hint">
        Rapport POSTs case and lead events to your endpoints, signed the{' '}
        <a href="https://www.standardwebhooks.com">Standard Webhooks</a> way and retried for a day when they
        fail. See docs/webhooks.md for the payload and how to verify it.{' '}
        <Link to="/settings">Back to settings</Link>
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {message}
      </p>
      {secret && <SecretOnce label={secret.label} value={secret.value} onDone={() => setSecret(null)} />}
      {creating ? (
        <EndpointForm
          eventTypes={eventTypes}
          onDone={(created) => {
            setCreating(false);
            if (created) {
              setSecret({ label: `Signing secret of ${created.endpoint.url}.`, value: created.secret });
              void reload();
            }
          }}
        />
      ) : (
        <div className="row">
          <button type="button" onClick={() => setCreating(true)}>
            New endpoint
          </button>
        </div>
      )}
      {endpoints === null ? (
        <p className="muted">Loading…</p>
      ) : endpoints.length === 0 ? (
        <p className="notice">No endpoints yet.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Webhook endpoints</caption>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Events</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.map((e) => (
              <tr key={e.id}>
                <td data-label="Endpoint">
                  <code>{e.url}</code>
                  {e.description && <div className="muted">{e.description}</div>}
                </td>
                <td data-label="Events">{e.eventTypes.join(', ')}</td>
                <td data-label="State">
                  <span className={e.enabled ? 'pill ok' : 'pill off'}>
                    {e.enabled ? 'enabled' : 'disabled'}
                  </span>
                  {e.disabledReason && <div className="muted">{e.disabledReason}</div>}
                  {e.consecutiveFailures > 0 && (
                    <div className="muted">
                      {e.consecutiveFailures} failed{' '}
                      {e.consecutiveFailures === 1 ? 'attempt' : 'attempts in a row'}
                      {e.failingSince ? ` since ${formatDate(e.failingSince)}` : ''}
                    </div>
                  )}
                </td>
                <td data-label="Actions">
                  <div className="row-actions">
                    <button
                      type="button"
                      className="secondary compact"
                      onClick={() =>
                        void act(async () => {
                          await webhooksApi.update(e.id, { enabled: !e.enabled });
                          return `${e.url} ${e.enabled ? 'disabled' : 'enabled; it receives events from now on'}.`;
                        })
                      }
                    >
                      {e.enabled ? 'Disable' : 'Enable'}
                    </button>
                    <button type="button" className="secondary compact" onClick={() => void sendTest(e.id)}>
                      Send test
                    </button>
                    <button
                      type="button"
                      className="secondary compact"
                      onClick={() => {
                        if (!window.confirm('Rotate the secret? The old one keeps signing for 24 hours.'))
                          return;
                        void act(async () => {
                          const r = await webhooksApi.rotateSecret(e.id);
                          setSecret({ label: `New signing secret of ${e.url}.`, value: r.secret });
                          return 'Secret rotated.';
                        });
                      }}
                    >
                      Rotate secret
                    </button>
                    <button type="button" className="secondary compact" onClick={() => setLogFor(e.id)}>
                      Deliveries
                    </button>
                    <ConfirmDelete
                      what={e.url}
                      disabled={false}
                      onConfirm={async () => {
                        await webhooksApi.remove(e.id);
                        if (logFor === e.id) setLogFor('');
                        setMessage(`${e.url} deleted with its deliveries.`);
                        await reload();
                      }}
                    />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {endpoints && endpoints.length > 0 && (
        <DeliveryLog
          endpoints={endpoints}
          endpointId={logFor}
          onEndpointChange={setLogFor}
          onChanged={() => void reload()}
          version={logVersion}
        />
      )}
    </section>
  );
}

/** Checkboxes for the filter: everything, a whole record type, or single event types. */
function EndpointForm({
  eventTypes,
  onDone,
}: {
  eventTypes: string[];
  onDone(created?: { endpoint: WebhookEndpoint; secret: string }): void;
}) {
  const id = useId();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [selected, setSelected] = useState<string[]>(['*']);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const toggle = (pattern: string) =>
    setSelected((s) => (s.includes(pattern) ? s.filter((p) => p !== pattern) : [...s, pattern]));
  const all = selected.includes('*');
  const groups = ['case', 'lead'];

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      onDone(await webhooksApi.create({ url: url.trim(), description, eventTypes: selected, enabled: true }));
    } catch (err) {
      setErrors(fieldErrors(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card rule-editor" onSubmit={(e) => void save(e)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>New endpoint</h2>
      <label htmlFor={`${id}-url`}>URL</label>
      <input
        id={`${id}-url`}
        type="url"
        required
        placeholder="https://example.com/rapport-events"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        aria-invalid={!!errors.url}
        aria-describedby={errors.url ? `${id}-url-error` : undefined}
      />
      {errors.url && (
        <p id={`${id}-url-error`} className="field-error">
          {errors.url}
        </p>
      )}
      <label htmlFor={`${id}-description`}>Description</label>
      <input
        id={`${id}-description`}
        maxLength={300}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
      />
      <fieldset className="plain">
        <legend>Events</legend>
        <label className="check">
          <input type="checkbox" checked={all} onChange={() => toggle('*')} />
          All case and lead events
        </label>
        {!all &&
          groups.map((g) => (
            <div key={g}>
              <label className="check">
                <input
                  type="checkbox"
                  checked={selected.includes(`${g}.*`)}
                  onChange={() => toggle(`${g}.*`)}
                />
                All {g} events
              </label>
              {!selected.includes(`${g}.*`) && (
                <ul className="chip-list plain-list">
                  {eventTypes
                    .filter((t) => t.startsWith(`${g}.`))
                    .map((t) => (
                      <li key={t}>
                        <label className="check">
                          <input type="checkbox" checked={selected.includes(t)} onChange={() => toggle(t)} />
                          <code>{t}</code>
                        </label>
                      </li>
                    ))}
                </ul>
              )}
            </div>
          ))}
      </fieldset>
      {errors.eventTypes && <p className="field-error">{errors.eventTypes}</p>}
      {errors.form && (
        <p role="alert" className="error">
          {errors.form}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy || selected.length === 0}>
          Create endpoint
        </button>
        <button type="button" className="secondary" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DeliveryLog({
  endpoints,
  endpointId,
  onEndpointChange,
  onChanged,
  version,
}: {
  endpoints: WebhookEndpoint[];
  endpointId: string;
  onEndpointChange(id: string): void;
  /** A redelivery may change the endpoint's failure state. */
  onChanged(): void;
  version: number;
}) {
  const id = useId();
  const [status, setStatus] = useState<WebhookDeliveryStatus | ''>('');
  const [items, setItems] = useState<WebhookDelivery[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [open, setOpen] = useState<WebhookDeliveryDetail | null>(null);
  const [error, setError] = useState('');

  const load = useCallback(
    async (after?: string) => {
      try {
        const page = await webhooksApi.deliveries({
          status: status || undefined,
          endpointId: endpointId || undefined,
          cursor: after,
        });
        setItems((current) => (after && current ? [...current, ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (err) {
        setError(err instanceof ApiError ? err.message : 'Could not load deliveries.');
      }
    },
    [status, endpointId],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` reloads after an action above
  useEffect(() => {
    void load();
  }, [load, version]);

  async function redeliver(d: WebhookDelivery) {
    setError('');
    try {
      setOpen(await webhooksApi.redeliver(d.id));
      await load();
      onChanged();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not redeliver.');
    }
  }

  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Delivery log</h2>
      <form className="filters" aria-label="Delivery filters" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor={`${id}-endpoint`}>Endpoint</label>
        <select id={`${id}-endpoint`} value={endpointId} onChange={(e) => onEndpointChange(e.target.value)}>
          <option value="">All endpoints</option>
          {endpoints.map((e) => (
            <option key={e.id} value={e.id}>
              {e.url}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-status`}>Status</label>
        <select
          id={`${id}-status`}
          value={status}
          onChange={(e) => setStatus(e.target.value as WebhookDeliveryStatus | '')}
        >
          <option value="">Any</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="notice">No deliveries{status ? ` with status ${status}` : ''}.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Webhook deliveries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Code</th>
              <th scope="col">Attempts</th>
              <th scope="col">Error / next attempt</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <td data-label="Created">{formatDate(d.createdAt)}</td>
                <td data-label="Event">
                  <code>{d.type}</code>
                </td>
                <td data-label="Status">
                  <span className={statusPill[d.status]}>{d.status}</span>
                </td>
                <td data-label="Code">{d.lastStatusCode ?? '—'}</td>
                <td data-label="Attempts">{d.attempts}</td>
                <td data-label="Error / next attempt">
                  {d.lastError ?? ''}
                  {d.status === 'failed' && d.nextAttemptAt && (
                    <div className="muted">next {formatDate(d.nextAttemptAt)}</div>
                  )}
                </td>
                <td data-label="Actions">
                  <div className="row-actions">
                    <button
                      type="button"
                      className="secondary compact"
                      onClick={() =>
                        void webhooksApi.delivery(d.id).then(setOpen, (err) => setError(String(err.message)))
                      }
                    >
                      Details
                    </button>
                    <button type="button" className="secondary compact" onClick={() => void redeliver(d)}>
                      Redeliver
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button type="button" className="secondary" onClick={() => void load(cursor)}>
          Load more
        </button>
      )}
      {open && (
        <div className="card" aria-live="polite">
          <h3>
            Delivery {open.id}: <code>{open.type}</code> ({open.status})
          </h3>
          <p className="muted">
            webhook-id <code>{open.messageId}</code>
          </p>
          <pre className="payload" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {open.payload}
          </pre>
          <table className="table">
            <caption>Attempts</caption>
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col">Code</th>
                <th scope="col">Time</th>
                <th scope="col">Error</th>
                <th scope="col">Response</th>
              </tr>
            </thead>
            <tbody>
              {open.attemptLog.map((a) => (
                <tr key={a.id}>
                  <td data-label="At">{formatDate(a.attemptedAt)}</td>
                  <td data-label="Code">{a.statusCode ?? '—'}</td>
                  <td data-label="Time">{a.durationMs} ms</td>
                  <td data-label="Error">{a.error ?? ''}</td>
                  <td data-label="Response">
                    <code>{a.response ?? ''}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" className="secondary" onClick={() => setOpen(null)}>
            Close
          </button>
        </div>
      )}
    </section>
  );
}
