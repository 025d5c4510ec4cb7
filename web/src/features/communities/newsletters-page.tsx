import { useEffect, useId, useState } from 'react';
import {
  type CommunitySpace,
  communitiesApi,
  communityExtrasApi,
  type NewsletterCadence,
  type NewsletterDigest,
  type NewsletterSettings,
} from '../../api/communities.ts';
import { formatDate } from '../../api.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { usePageTitle } from '../../components/page-title.tsx';
import { CommunitiesNav, ErrorLine, messageOf, Status, useCommunityRights } from './communities-bits.tsx';

const cadenceLabels: Record<NewsletterCadence, string> = {
  off: 'Off',
  daily: 'Daily',
  weekly: 'Weekly',
};

/** One space's newsletter: cadence (owners and admins change it) and subscribers. */
function NewsletterRow({
  space,
  showingDigests,
  onDigests,
  onSaved,
}: {
  space: CommunitySpace;
  showingDigests: boolean;
  onDigests(): void;
  onSaved(message: string): void;
}) {
  const id = useId();
  const rights = useCommunityRights();
  const [settings, setSettings] = useState<NewsletterSettings | null>(null);
  const [cadence, setCadence] = useState<NewsletterCadence>('off');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    communityExtrasApi
      .newsletter(space.id)
      .then((s) => {
        setSettings(s);
        setCadence(s.cadence);
      })
      .catch((err) => setError(messageOf(err, 'Could not load the newsletter.')));
  }, [space.id]);

  const save = () => {
    setBusy(true);
    setError('');
    communityExtrasApi
      .setNewsletter(space.id, cadence)
      .then((s) => {
        setSettings(s);
        setCadence(s.cadence);
        onSaved(
          s.cadence === 'off'
            ? `The ${space.title} newsletter is off.`
            : `The ${space.title} newsletter goes out ${s.cadence === 'daily' ? 'daily' : 'weekly'}.`,
        );
      })
      .catch((err) => setError(messageOf(err, 'Could not save the cadence.')))
      .finally(() => setBusy(false));
  };

  return (
    <tr>
      <td data-label="Space">{space.title}</td>
      <td data-label="Cadence">
        {rights.manage && settings ? (
          <div className="inline-form">
            <label htmlFor={`${id}-cadence`} className="visually-hidden">
              Cadence of {space.title}
            </label>
            <select
              id={`${id}-cadence`}
              value={cadence}
              onChange={(e) => setCadence(e.target.value as NewsletterCadence)}
            >
              {Object.entries(cadenceLabels).map(([k, label]) => (
                <option key={k} value={k}>
                  {label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="secondary"
              disabled={busy || cadence === settings.cadence}
              onClick={save}
            >
              Save<span className="visually-hidden"> cadence of {space.title}</span>
            </button>
          </div>
        ) : (
          ((settings && cadenceLabels[settings.cadence]) ?? '…')
        )}
        <ErrorLine message={error} />
      </td>
      <td data-label="Subscribers">{settings?.subscribers ?? '…'}</td>
      <td data-label="Changed">{formatDate(settings?.updatedAt ?? null)}</td>
      <td data-label="Digests">
        <button type="button" className="secondary" aria-pressed={showingDigests} onClick={onDigests}>
          Digests<span className="visually-hidden"> of {space.title}</span>
        </button>
      </td>
    </tr>
  );
}

function Digests({ space }: { space: CommunitySpace }) {
  const [digests, setDigests] = useState<NewsletterDigest[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    communityExtrasApi
      .digests(space.id)
      .then((p) => {
        setDigests(p.items);
        setCursor(p.nextCursor);
      })
      .catch((err) => setError(messageOf(err, 'Could not load the digests.')));
  }, [space.id]);
  return (
    <section className="card" aria-label={`Digests of ${space.title}`}>
      <h2>Digests of {space.title}</h2>
      <ErrorLine message={error} />
      {digests === null ? (
        !error && <p className="loading">Loading…</p>
      ) : digests.length === 0 ? (
        <p className="notice">No digest has been built for this space yet.</p>
      ) : (
        <table className="table compact">
          <caption className="visually-hidden">Digests of {space.title}</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col">Cadence</th>
              <th scope="col">Items</th>
              <th scope="col">Sent</th>
              <th scope="col">Queued</th>
              <th scope="col">Failed</th>
              <th scope="col">Skipped</th>
            </tr>
          </thead>
          <tbody>
            {digests.map((d) => (
              <tr key={d.id}>
                <td data-label="Period">
                  {formatDate(d.periodStart)} – {formatDate(d.periodEnd)}
                </td>
                <td data-label="Cadence">{cadenceLabels[d.cadence]}</td>
                <td data-label="Items">{d.itemCount}</td>
                <td data-label="Sent">{d.deliveries.sent}</td>
                <td data-label="Queued">{d.deliveries.queued}</td>
                <td data-label="Failed">{d.deliveries.failed}</td>
                <td data-label="Skipped">{d.deliveries.skipped}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMore
        cursor={cursor}
        label="More digests"
        load={(after) => communityExtrasApi.digests(space.id, after)}
        onPage={(p) => {
          setDigests((prev) => [...(prev ?? []), ...p.items]);
          setCursor(p.nextCursor);
        }}
        onError={(err) => setError(messageOf(err, 'Could not load more.'))}
      />
    </section>
  );
}

/** Per space: the digest email's cadence, its subscribers, and the digests sent. */
export function CommunityNewslettersPage() {
  usePageTitle('Community newsletters');
  const rights = useCommunityRights();
  const [spaces, setSpaces] = useState<CommunitySpace[] | null>(null);
  const [digestsOf, setDigestsOf] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  useEffect(() => {
    communitiesApi
      .spaces()
      .then((p) => setSpaces(p.items))
      .catch((err) => setError(messageOf(err, 'Could not load the spaces.')));
  }, []);
  const shown = spaces?.find((s) => s.id === digestsOf);
  return (
    <section className="page wide communities-page">
      <h1>Community newsletters</h1>
      <CommunitiesNav />
      <p className="lead">
        Each space can send its subscribers a digest of its best threads, answered questions, new articles and
        idea updates, daily or weekly (UTC periods).
        {!rights.manage && ' Owners and admins change the cadence.'}
      </p>
      <Status message={message} />
      <ErrorLine message={error} />
      {spaces === null ? (
        !error && <p className="loading">Loading…</p>
      ) : spaces.length === 0 ? (
        <p className="notice">No community spaces exist yet.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Newsletters</caption>
          <thead>
            <tr>
              <th scope="col">Space</th>
              <th scope="col">Cadence</th>
              <th scope="col">Subscribers</th>
              <th scope="col">Changed</th>
              <th scope="col">Digests</th>
            </tr>
          </thead>
          <tbody>
            {spaces.map((s) => (
              <NewsletterRow
                key={s.id}
                space={s}
                showingDigests={s.id === digestsOf}
                onDigests={() => setDigestsOf(s.id === digestsOf ? null : s.id)}
                onSaved={setMessage}
              />
            ))}
          </tbody>
        </table>
      )}
      {shown && <Digests key={shown.id} space={shown} />}
    </section>
  );
}
