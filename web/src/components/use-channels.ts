import { useEffect, useState } from 'react';
import { listeningApi } from '../api/listening.ts';

/** The channels Rapport itself connects: what a choice of channel offers until the workspace's list arrives. */
export const knownChannels: readonly string[] = ['bluesky', 'mastodon', 'rss', 'email', 'webhook', 'import'];

/**
 * The channels to choose from: the known ones, then those only the workspace's stored posts came
 * from (an import's `--channel twitter`), as `GET /listening/channels` lists them.
 */
export function useChannels(): readonly string[] {
  const [channels, setChannels] = useState<readonly string[]>(knownChannels);
  useEffect(() => {
    let live = true;
    listeningApi
      .channels()
      .then((r) => {
        if (live) setChannels(r.items);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return channels;
}
