import { timeAgo } from '../listening/mention-card.tsx';

/** When something happened, as "3h ago", with the exact time on hover. */
export const ago = (iso: string) => (
  <time dateTime={iso} title={new Date(iso).toLocaleString()}>
    {timeAgo(iso)} ago
  </time>
);
