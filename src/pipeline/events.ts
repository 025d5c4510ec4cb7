import { EventEmitter } from 'node:events';

/** Mentions stored or changed by the pipeline, for live views (SSE) in this process. */
export type MentionsChanged = { workspaceId: string; mentionIds: number[] };

const emitter = new EventEmitter();
emitter.setMaxListeners(0);

export function publishMentionsChanged(event: MentionsChanged): void {
  if (event.mentionIds.length > 0) emitter.emit('mentions', event);
}

/** Subscribes to stored mentions; returns the unsubscribe function. */
export function onMentionsChanged(listener: (event: MentionsChanged) => void): () => void {
  emitter.on('mentions', listener);
  return () => emitter.off('mentions', listener);
}
