import { useEffect, useRef, useState } from 'react';
import type { CaseChange, Presence } from '../../api/inbox.ts';

/**
 * The live inbox over Server-Sent Events: calls `onChanges` with the cases that changed (each id
 * once per batch) and keeps the presence list current. The browser reconnects by itself and the
 * server resumes from the last event id, so nothing is missed across a dropped connection.
 */
export function useInboxLive(onChanges: (changes: CaseChange[]) => void): {
  live: boolean;
  presence: Presence[];
} {
  const [live, setLive] = useState(false);
  const [presence, setPresence] = useState<Presence[]>([]);
  const handler = useRef(onChanges);
  handler.current = onChanges;

  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/inbox/stream', { withCredentials: true });
    source.addEventListener('ready', () => setLive(true));
    source.addEventListener('ping', () => setLive(true));
    source.addEventListener('error', () => setLive(false));
    source.addEventListener('cases', (event) => {
      setLive(true);
      try {
        handler.current(JSON.parse((event as MessageEvent<string>).data) as CaseChange[]);
      } catch {
        // A malformed batch is skipped; the next one carries on.
      }
    });
    source.addEventListener('presence', (event) => {
      try {
        setPresence(JSON.parse((event as MessageEvent<string>).data) as Presence[]);
      } catch {
        // keep the previous list
      }
    });
    return () => source.close();
  }, []);

  return { live, presence };
}
