/** An address as a person reads it in a list: host and path, without the scheme, shortened. */
export function shortLink(url: string, max = 48): string {
  const bare = url.replace(/^https?:\/\/(www\.)?/i, '').replace(/\/$/, '');
  return bare.length > max ? `${bare.slice(0, max - 1)}…` : bare;
}

/**
 * The web addresses a post links to, as links that open in a new tab. A post's text may show a
 * link shortened (Bluesky, Mastodon) or not at all (a card): these are the full addresses.
 */
export function PostLinks({ links, author }: { links: string[] | undefined; author: string }) {
  // The server sends web addresses only; checked again so that nothing else is ever a link here.
  const web = (links ?? []).filter((u) => /^https?:\/\//i.test(u));
  if (web.length === 0) return null;
  return (
    <ul className="post-links" aria-label={`Links in the post by ${author}`}>
      {web.map((u) => (
        <li key={u}>
          <a href={u} title={u} rel="noopener noreferrer nofollow ugc" target="_blank">
            {shortLink(u)}
            <span className="visually-hidden"> (opens in a new tab)</span>
          </a>
        </li>
      ))}
    </ul>
  );
}
