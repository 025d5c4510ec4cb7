import { useId } from 'react';
import { Link } from 'react-router';
import type { CustomerProfile, SocialLink } from '../../api/customers.ts';
import { AddToList, useStaticLists } from './add-to-list.tsx';
import { Ago, CountBar, compact } from './customer-bits.tsx';

const label = (s: string) => s.replaceAll('_', ' ');

/** The links that are web addresses (the server keeps only those; a `javascript:` one is never a link here). */
function webLinks(links: SocialLink[] | undefined): SocialLink[] {
  return (links ?? []).filter((l) => /^https?:\/\//i.test(l.url));
}

/** An address as a person reads it: without the scheme and a trailing slash. */
function linkText(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

export function SocialSection({ profile }: { profile: CustomerProfile }) {
  const id = useId();
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Social</h2>
      {profile.social.length === 0 ? (
        <p className="notice">No social accounts known.</p>
      ) : (
        <ul className="social-list">
          {profile.social.map((s) => (
            <li key={`${s.channel}-${s.handle}`} className="social">
              <div className="social-head">
                <span className={`chip channel-${s.channel}`}>{s.channel}</span>
                {s.profileUrl ? (
                  <a href={s.profileUrl} rel="noopener noreferrer" target="_blank">
                    @{s.handle}
                    <span className="visually-hidden"> (profile on {s.channel}, opens in a new tab)</span>
                  </a>
                ) : (
                  <span>@{s.handle}</span>
                )}
                {s.displayName && <span className="muted"> {s.displayName}</span>}
              </div>
              {/* Written by the account's owner: rendered as text (React escapes it), never as HTML. */}
              {s.bio && <p className="social-bio">{s.bio}</p>}
              {webLinks(s.links).length > 0 && (
                <ul className="social-links" aria-label={`Links of @${s.handle}`}>
                  {webLinks(s.links).map((l) => (
                    <li key={l.url}>
                      <a href={l.url} rel="noopener noreferrer nofollow" target="_blank">
                        {l.label ? `${l.label}: ` : ''}
                        {linkText(l.url)}
                        <span className="visually-hidden"> (opens in a new tab)</span>
                      </a>
                      {l.verified && (
                        <span
                          className="pill ok"
                          title={`${s.channel} checked that this page links back to the account`}
                        >
                          verified
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
              <dl className="figures">
                <div>
                  <dt>followers</dt>
                  <dd>{s.followers == null ? '—' : compact.format(s.followers)}</dd>
                </div>
                <div>
                  <dt>mentions</dt>
                  <dd>{s.mentions}</dd>
                </div>
                <div>
                  <dt>last mention</dt>
                  <dd>
                    <Ago at={s.lastMentionAt} />
                  </dd>
                </div>
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function ActivitySection({ profile }: { profile: CustomerProfile }) {
  const id = useId();
  const s = profile.sentiment;
  const maxSentiment = Math.max(s.negative, s.neutral, s.positive);
  const intents = Object.entries(profile.intents)
    // "other" means no intent was recognised; the mention badges leave it out too.
    .filter(([intent, n]) => n > 0 && intent !== 'other')
    .sort((a, b) => b[1] - a[1]);
  const maxIntent = Math.max(0, ...intents.map(([, n]) => n));
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>What they say</h2>
      <h3 className="why-kind">Sentiment of their mentions</h3>
      <div className="counts">
        <CountBar label="negative" value={s.negative} max={maxSentiment} tone="negative" />
        <CountBar label="neutral" value={s.neutral} max={maxSentiment} tone="neutral" />
        <CountBar label="positive" value={s.positive} max={maxSentiment} tone="positive" />
      </div>
      <h3 className="why-kind">Intents</h3>
      {intents.length === 0 ? (
        <p className="muted small">No intents detected.</p>
      ) : (
        <div className="counts">
          {intents.map(([intent, n]) => (
            <CountBar key={intent} label={label(intent)} value={n} max={maxIntent} tone="intent" />
          ))}
        </div>
      )}
    </section>
  );
}

export function InfluenceSection({ influence }: { influence: NonNullable<CustomerProfile['influence']> }) {
  const id = useId();
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Influence</h2>
      <p>
        <strong className="big-figure">{Math.round(influence.score)}</strong>
        <span className="muted"> / 100 · PageRank {influence.pagerank.toFixed(4)}</span>
      </p>
      {influence.reasons.length > 0 && (
        <ul className="reasons">
          {influence.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Adds the customer to a static list. */
export function ListsSection({ profile, canWrite }: { profile: CustomerProfile; canWrite: boolean }) {
  const id = useId();
  const { lists, unavailable } = useStaticLists();
  if (unavailable) return null;
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Lists</h2>
      {lists === null ? (
        <p className="muted small">Loading…</p>
      ) : (
        <div className="row">
          <AddToList customerIds={[profile.id]} disabled={!canWrite} lists={lists} />
        </div>
      )}
      <p className="hint">
        Dynamic segments need no adding: see who matches under{' '}
        <Link to="/customers/segments">Customers → Segments</Link>.
      </p>
    </section>
  );
}
