import { Link } from 'react-router';
import type { LeadDetail } from '../../api/sales.ts';
import { Ago, ChannelChips, CustomerFigures } from '../customers/customer-bits.tsx';

export function CustomerSection({ lead }: { lead: LeadDetail }) {
  const c = lead.customer;
  return (
    <section className="card" aria-labelledby="lead-customer-title">
      <h2 id="lead-customer-title" className="card-title">
        Customer
      </h2>
      {!c ? (
        <p className="muted">The customer could not be read.</p>
      ) : (
        <>
          <p>
            <strong>{c.displayName}</strong>
            {c.primaryEmail && <span className="muted"> · {c.primaryEmail}</span>}
          </p>
          <ChannelChips identities={c.identities} />
          <CustomerFigures c={c} card />
          {lead.segments.length > 0 && (
            <p>
              <span className="small-label">Segments </span>
              <span className="chip-list">
                {lead.segments.map((s) => (
                  <span key={s.id} className="chip">
                    {s.name}
                  </span>
                ))}
              </span>
            </p>
          )}
          <p>
            <Link to={`/customers/${c.id}`}>Open {c.displayName}’s profile</Link>
          </p>
        </>
      )}
      {lead.caseId && (
        <p>
          <Link to={`/inbox/${lead.caseId}`}>Open the case this lead came from</Link>
        </p>
      )}
    </section>
  );
}

export function PostsSection({ lead }: { lead: LeadDetail }) {
  return (
    <section className="card lead-posts" aria-labelledby="lead-posts-title">
      <h2 id="lead-posts-title" className="card-title">
        Posts
      </h2>
      {lead.mentions.length === 0 ? (
        <p className="muted">No posts are linked to this lead.</p>
      ) : (
        <ol className="plain-list thread">
          {lead.mentions.map((m) => {
            const who = m.author?.displayName ?? m.author?.handle ?? 'unknown author';
            const caseId = m.disposition?.caseId ?? null;
            return (
              <li key={m.id} className="post">
                <div className="post-body">
                  <div className="post-head">
                    <strong>{who}</strong>
                    <span className={`chip channel-${m.channel}`}>{m.channel}</span>
                    <Ago at={m.createdAt} />
                    {m.url && (
                      <a
                        className="post-link"
                        href={m.url}
                        rel="noopener noreferrer nofollow"
                        target="_blank"
                      >
                        View original
                        <span className="visually-hidden"> post by {who} (opens in a new tab)</span>
                      </a>
                    )}
                  </div>
                  <p className="post-text">
                    {m.deleted ? <em className="muted">This post was deleted.</em> : m.text}
                  </p>
                  {caseId && (
                    <p>
                      <Link to={`/inbox/${caseId}`}>Open its case</Link>
                    </p>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
