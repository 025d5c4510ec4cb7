import { type FormEvent, useEffect, useId, useState } from 'react';
import {
  type CommunityShare,
  type CommunitySpace,
  type CommunityThread,
  communitiesApi,
  type TrustConfig,
  type UnansweredPolicy,
} from '../../api/communities.ts';
import { ApiError, formatDate } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { CommunitiesNav, ErrorLine, messageOf, Status, useCommunityRights } from './communities-bits.tsx';

/** The trust configuration as a flat list of number fields, by API path. */
type Flat = Record<string, string>;

function flatten(value: unknown, prefix = '', out: Flat = {}): Flat {
  if (Array.isArray(value)) for (const [i, v] of value.entries()) flatten(v, `${prefix}.${i}`, out);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  else out[prefix] = value === null ? '' : String(value);
  return out;
}

/** Back to the API's shape; what is not a number goes as null, so the API names the field. */
function unflatten(flat: Flat, template: unknown, prefix = ''): unknown {
  if (Array.isArray(template)) return template.map((v, i) => unflatten(flat, v, `${prefix}.${i}`));
  if (template !== null && typeof template === 'object')
    return Object.fromEntries(
      Object.entries(template).map(([k, v]) => [k, unflatten(flat, v, prefix ? `${prefix}.${k}` : k)]),
    );
  const text = (flat[prefix] ?? '').trim();
  if (text === '' && prefix === 'unlocks.postLimits.level1') return null;
  return text === '' || Number.isNaN(Number(text)) ? null : Number(text);
}

const sectionLabels: Record<string, string> = {
  level1: 'Level 1 (basic)',
  level2: 'Level 2 (member)',
  level3: 'Level 3 (regular, rolling window)',
  unlocks: 'What levels unlock',
};
const fieldLabel = (path: string) =>
  path
    .split('.')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `level ${p}` : p.replace(/([A-Z])/g, ' $1').toLowerCase()))
    .join(', ');

function TrustConfigForm() {
  const id = useId();
  const [template, setTemplate] = useState<TrustConfig | null>(null);
  const [form, setForm] = useState<Flat>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  useEffect(() => {
    communitiesApi
      .trustConfig()
      .then((c) => {
        setTemplate(c);
        setForm(flatten(c));
      })
      .catch((err) => setError(messageOf(err, 'Could not load the trust configuration.')));
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!template) return;
    setErrors({});
    setError('');
    setMessage('');
    try {
      const saved = await communitiesApi.saveTrustConfig(unflatten(form, template) as TrustConfig);
      setTemplate(saved);
      setForm(flatten(saved));
      setMessage('Trust levels saved; members move at their next recount.');
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length > 0) {
        setErrors(err.fields);
        setError(
          `The trust levels were not saved: ${Object.keys(err.fields).length} field(s) need a change.`,
        );
      } else setError(messageOf(err, 'Could not save the trust levels.'));
    }
  }

  const fid = (path: string) => `${id}-${path.replaceAll('.', '-')}`;
  return (
    <form className="card form trust-config" onSubmit={save} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Trust levels</h2>
      <ErrorLine message={error} />
      <Status message={message} />
      {template &&
        Object.keys(template).map((section) => (
          <fieldset key={section}>
            <legend>{sectionLabels[section] ?? section}</legend>
            <div className="field-grid">
              {Object.keys(form)
                .filter((p) => p.startsWith(`${section}.`))
                .map((path) => (
                  <div key={path}>
                    <label htmlFor={fid(path)}>{fieldLabel(path)}</label>
                    <input
                      id={fid(path)}
                      inputMode="decimal"
                      value={form[path] ?? ''}
                      onChange={(e) => setForm((f) => ({ ...f, [path]: e.target.value }))}
                      aria-invalid={!!errors[path]}
                      aria-describedby={errors[path] ? `${fid(path)}-error` : undefined}
                    />
                    {errors[path] && (
                      <p id={`${fid(path)}-error`} className="field-error">
                        {errors[path]}
                      </p>
                    )}
                  </div>
                ))}
            </div>
          </fieldset>
        ))}
      {template && <button type="submit">Save trust levels</button>}
    </form>
  );
}

function UnansweredForm({ canEdit }: { canEdit: boolean }) {
  const id = useId();
  const [policy, setPolicy] = useState<UnansweredPolicy | null>(null);
  const [hours, setHours] = useState('');
  const [error, setError] = useState('');
  const [fieldError, setFieldError] = useState('');
  const [message, setMessage] = useState('');
  useEffect(() => {
    communitiesApi
      .unansweredPolicy()
      .then((p) => {
        setPolicy(p);
        setHours(String(p.hours));
      })
      .catch((err) => setError(messageOf(err, 'Could not load the policy.')));
  }, []);
  if (!policy) return <ErrorLine message={error} />;
  return (
    <form
      className="card form"
      aria-labelledby={`${id}-h`}
      onSubmit={(e) => {
        e.preventDefault();
        setError('');
        setFieldError('');
        setMessage('');
        communitiesApi
          .saveUnansweredPolicy({ enabled: policy.enabled, hours: Number(hours) })
          .then((p) => {
            setPolicy(p);
            setHours(String(p.hours));
            setMessage(
              p.enabled ? `Unanswered questions become cases after ${p.hours} hours.` : 'Turned off.',
            );
          })
          .catch((err) => {
            if (err instanceof ApiError && err.fields.hours) setFieldError(err.fields.hours);
            else setError(messageOf(err, 'Could not save the policy.'));
          });
      }}
    >
      <h2 id={`${id}-h`}>Unanswered questions</h2>
      <label className="check">
        <input
          type="checkbox"
          checked={policy.enabled}
          disabled={!canEdit}
          onChange={(e) => setPolicy({ ...policy, enabled: e.target.checked })}
        />{' '}
        Turn a community question nobody answered into a case
      </label>
      <label htmlFor={`${id}-hours`}>After (hours)</label>
      <input
        id={`${id}-hours`}
        inputMode="numeric"
        value={hours}
        disabled={!canEdit}
        onChange={(e) => setHours(e.target.value)}
        aria-invalid={!!fieldError}
        aria-describedby={fieldError ? `${id}-hours-error` : undefined}
      />
      {fieldError && (
        <p id={`${id}-hours-error`} className="field-error">
          {fieldError}
        </p>
      )}
      <ErrorLine message={error} />
      <Status message={message} />
      {canEdit && <button type="submit">Save policy</button>}
    </form>
  );
}

function ShareForm() {
  const id = useId();
  const [spaces, setSpaces] = useState<CommunitySpace[]>([]);
  const [spaceId, setSpaceId] = useState('');
  const [threads, setThreads] = useState<CommunityThread[]>([]);
  const [threadId, setThreadId] = useState('');
  const [channel, setChannel] = useState<'bluesky' | 'mastodon'>('bluesky');
  const [text, setText] = useState('');
  const [shares, setShares] = useState<CommunityShare[]>([]);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  useEffect(() => {
    communitiesApi
      .spaces()
      .then((p) => setSpaces(p.items.filter((s) => !s.closedAt)))
      .catch(() => undefined);
  }, []);
  useEffect(() => {
    setThreads([]);
    setThreadId('');
    if (spaceId)
      communitiesApi
        .threads(spaceId)
        .then((p) => setThreads(p.items))
        .catch(() => undefined);
  }, [spaceId]);
  useEffect(() => {
    setShares([]);
    if (threadId)
      communitiesApi
        .shares(threadId)
        .then(setShares)
        .catch(() => undefined);
  }, [threadId]);
  return (
    <form
      className="card form"
      aria-labelledby={`${id}-h`}
      onSubmit={(e) => {
        e.preventDefault();
        setError('');
        setMessage('');
        communitiesApi
          .share(threadId, { channel, ...(text.trim() ? { text: text.trim() } : {}) })
          .then((s) => {
            setShares((list) => [s, ...list]);
            setMessage(`Queued for ${channel === 'bluesky' ? 'Bluesky' : 'Mastodon'}.`);
          })
          .catch((err) => setError(messageOf(err, 'Could not share the thread.')));
      }}
    >
      <h2 id={`${id}-h`}>Share a thread</h2>
      <label htmlFor={`${id}-space`}>Space</label>
      <select id={`${id}-space`} value={spaceId} onChange={(e) => setSpaceId(e.target.value)}>
        <option value="">Choose a space…</option>
        {spaces.map((s) => (
          <option key={s.id} value={s.id}>
            {s.title}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-thread`}>Thread</label>
      <select id={`${id}-thread`} value={threadId} onChange={(e) => setThreadId(e.target.value)}>
        <option value="">Choose a thread…</option>
        {threads.map((t) => (
          <option key={t.id} value={t.id}>
            {t.title}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-channel`}>Account</label>
      <select
        id={`${id}-channel`}
        value={channel}
        onChange={(e) => setChannel(e.target.value as 'bluesky' | 'mastodon')}
      >
        <option value="bluesky">Bluesky</option>
        <option value="mastodon">Mastodon</option>
      </select>
      <label htmlFor={`${id}-text`}>Text (optional; the link is added)</label>
      <input id={`${id}-text`} maxLength={200} value={text} onChange={(e) => setText(e.target.value)} />
      <ErrorLine message={error} />
      <Status message={message} />
      <button type="submit" disabled={!threadId}>
        Share thread
      </button>
      {shares.length > 0 && (
        <table className="table compact">
          <caption>Shares of this thread</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {shares.map((s) => (
              <tr key={s.id}>
                <td data-label="Account">{s.channel}</td>
                <td data-label="Status">
                  {s.externalUrl ? <a href={s.externalUrl}>{s.status}</a> : s.status}
                  {s.lastError && <div className="field-error">{s.lastError}</div>}
                </td>
                <td data-label="Attempts">{s.attempts}</td>
                <td data-label="When">{formatDate(s.sentAt ?? s.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </form>
  );
}

/** Trust levels (owner, admin), the unanswered-question rule (inbox roles), sharing (moderators). */
export function CommunitySettingsPage() {
  usePageTitle('Community settings');
  const rights = useCommunityRights();
  const nothing = !rights.manage && !rights.loop && !rights.moderate;
  return (
    <section className="page wide communities-page">
      <h1>Community settings</h1>
      <CommunitiesNav />
      {nothing && <p className="notice">Your role does not include community settings.</p>}
      {rights.loop && <UnansweredForm canEdit={rights.configureLoop} />}
      {rights.moderate && <ShareForm />}
      {rights.manage && <TrustConfigForm />}
    </section>
  );
}
