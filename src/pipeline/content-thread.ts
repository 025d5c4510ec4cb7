// The content thread: normalisation, analysis and matching of the log entries the next batch
// will store, on another core while the pipeline writes the current batch (see content-pool.ts).
import { parentPort } from 'node:worker_threads';
import { compileAnalyzers, type WorkspaceAnalyzers } from '../modules/analysis/service.ts';
import { compileQuerySet, type Matcher } from '../modules/listening/queries-cache.ts';
import { type ContentReply, type ContentRequest, contentOf, type RowContent } from './content.ts';
import { type Format, NormalizeError, normalize } from './formats.ts';

const compiled = new Map<string, { signature: string; analyzers: WorkspaceAnalyzers; queries: Matcher }>();

function contentOfRow(row: ContentRequest['rows'][number], request: ContentRequest): RowContent | null {
  const workspace = compiled.get(row.workspaceId);
  if (!workspace || workspace.signature !== request.signatures[row.workspaceId]) return null;
  try {
    const event = normalize(row.format as Format, row.payload, row.receivedAt);
    return {
      kind: 'event',
      event,
      outcome: event.kind === 'delete' ? null : contentOf(event, workspace.analyzers, workspace.queries),
    };
  } catch (err) {
    if (err instanceof NormalizeError) return { kind: 'refused', reason: err.message };
    return null;
  }
}

parentPort?.on('message', (request: ContentRequest) => {
  let reply: ContentReply;
  try {
    for (const [workspaceId, sources] of Object.entries(request.sources))
      compiled.set(workspaceId, {
        signature: request.signatures[workspaceId] ?? '',
        analyzers: compileAnalyzers(sources.analyzers),
        queries: compileQuerySet(sources.queries),
      });
    reply = { id: request.id, results: request.rows.map((row) => [row.id, contentOfRow(row, request)]) };
  } catch (err) {
    reply = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  // A result that cannot be cloned (it should not happen) must not leave the pipeline waiting.
  try {
    parentPort?.postMessage(reply);
  } catch (err) {
    parentPort?.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) });
  }
});
