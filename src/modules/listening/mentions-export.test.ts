import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import type { ExportFormat } from '../../export-format.ts';
import { createApp } from '../../http/app.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { createTopic } from '../analysis/service.ts';
import type { Actor } from '../auth/roles.ts';
import { createCase } from '../inbox/cases.ts';
import { exportMentions, type MentionExportFilters, mentionExportColumns } from './mentions-export.ts';
import { createQuery } from './service.ts';

const t = setupTestDatabase();

type Post = { id: string; text: string; channel?: string; author?: string; at: string; deleted?: boolean };

/** Posts through the real ingest log and pipeline. */
async function ingest(workspaceId: string, posts: Post[]): Promise<void> {
  await appendToLog(
    t.ctx,
    posts.map((p) => ({
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify(
        p.deleted
          ? { channel: p.channel ?? 'bluesky', externalId: p.id, deleted: true }
          : {
              channel: p.channel ?? 'bluesky',
              externalId: p.id,
              url: `https://example.social/${p.id}`,
              text: p.text,
              createdAt: p.at,
              author: {
                externalId: `x:${p.author ?? 'maya'}`,
                handle: p.author ?? 'maya',
                displayName: 'Maya R',
              },
            },
      ),
    })),
  );
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

async function exported(
  actor: Actor,
  filters: MentionExportFilters,
  format: ExportFormat,
  pageSize?: number,
) {
  let text = '';
  const progress: number[] = [];
  const summary = await exportMentions(
    t.ctx,
    actor,
    filters,
    format,
    (chunk) => {
      text += chunk;
    },
    (p) => progress.push(p.read),
    pageSize,
  );
  return { text, summary, progress };
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const { actor: owner } = await buildUser(t.ctx, ws, { role: 'owner' });
  const query = await createQuery(t.ctx, owner, { name: 'Bags', query: 'bag*', enabled: true });
  await createTopic(t.ctx, owner, { name: 'Baggage', keywords: ['suitcase'], examples: [], enabled: true });
  await ingest(ws.id, [
    { id: 'p1', text: 'Lovely crew on the flight to Oslo', at: '2026-11-01T08:00:00Z' },
    { id: 'p2', text: 'Where is my bag, suitcase lost, "again", = angry', at: '2026-11-02T08:00:00Z' },
    { id: 'p3', text: '=HYPERLINK("http://evil")\nsecond line', at: '2026-11-03T08:00:00Z', author: 'ana' },
    { id: 'p4', text: 'My bag came back, thanks', channel: 'mastodon', at: '2026-11-04T08:00:00Z' },
    { id: 'p5', text: 'Gone soon', at: '2026-11-05T08:00:00Z' },
  ]);
  await ingest(ws.id, [{ id: 'p5', text: '', at: '2026-11-05T08:00:00Z', deleted: true }]);
  const bag = await t.ctx.db
    .selectFrom('mentions')
    .select('id')
    .where('workspace_id', '=', ws.id)
    .where('external_id', '=', 'p2')
    .executeTakeFirstOrThrow();
  const made = await createCase(t.ctx, owner, { subject: 'Lost bag', mentionIds: [Number(bag.id)] });
  return { ws, owner, query, made };
}

describe('mention export', () => {
  it('writes every stored post newest first as CSV, with names of queries and topics, its case, and safe fields', async () => {
    const { owner, made } = await setup();
    // Pages of two: the keyset walk must neither skip nor repeat a post.
    const { text, summary, progress } = await exported(owner, {}, 'csv', 2);
    const rows = parseCsv(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0] ?? {})).toEqual([...mentionExportColumns]);
    expect(rows.map((r) => r.url)).toEqual([
      'https://example.social/p4',
      'https://example.social/p3',
      'https://example.social/p2',
      'https://example.social/p1',
    ]);
    expect(summary.mentions).toBe(4);
    expect(progress).toEqual([2, 4]);
    const bag = rows[2];
    expect(bag).toMatchObject({
      channel: 'bluesky',
      author_handle: 'maya',
      author_name: 'Maya R',
      created_at: expect.stringMatching(/^2026-11-02T08:00:00/),
      queries: 'Bags',
      topics: 'Baggage',
      disposition: 'case',
      case_number: String(made.number),
      text: 'Where is my bag, suitcase lost, "again", = angry',
    });
    // A text a spreadsheet would run as a formula is kept as text; its newline survives quoting.
    expect(rows[1]?.text).toBe(`'=HYPERLINK("http://evil")\nsecond line`);
    expect(rows[3]).toMatchObject({ queries: '', case_number: '', disposition: '' });
  });

  it('applies the listening filters and the time window, and writes the same posts as JSON and JSON Lines', async () => {
    const { owner, query } = await setup();
    const urls = async (filters: MentionExportFilters) =>
      (
        parseCsv((await exported(owner, filters, 'csv')).text, { columns: true }) as Record<string, string>[]
      ).map((r) => r.url?.slice(-2));
    expect(await urls({ channel: 'mastodon' })).toEqual(['p4']);
    expect(await urls({ queryId: query.id })).toEqual(['p4', 'p2']);
    expect(await urls({ search: 'crew' })).toEqual(['p1']);
    expect(await urls({ since: '2026-11-02T08:00:00.000Z', until: '2026-11-04T08:00:00.000Z' })).toEqual([
      'p3',
      'p2',
    ]);
    expect(await urls({ channel: 'nowhere' })).toEqual([]);

    const json = JSON.parse((await exported(owner, { queryId: query.id }, 'json')).text) as Record<
      string,
      unknown
    >[];
    expect(json.map((m) => [m.url, m.queries, Array.isArray(m.intents)])).toEqual([
      ['https://example.social/p4', ['Bags'], true],
      ['https://example.social/p2', ['Bags'], true],
    ]);
    expect(typeof json[0]?.id).toBe('number');
    const lines = (await exported(owner, { queryId: query.id }, 'jsonl', 1)).text.trim().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(json);
    expect(JSON.parse((await exported(owner, { channel: 'nowhere' }, 'json')).text)).toEqual([]);
  });

  it('records each export in the audit log with its filters', async () => {
    const { ws, owner } = await setup();
    await exported(owner, { channel: 'mastodon' }, 'jsonl');
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'target_type', 'details'])
      .where('workspace_id', '=', ws.id)
      .where('action', '=', 'mentions.export')
      .execute();
    expect(audit).toHaveLength(1);
    expect(t.ctx.dialect.parseJson(audit[0]?.details)).toEqual({
      via: 'http',
      format: 'jsonl',
      filters: { channel: 'mastodon' },
    });
  });
});

describe('GET /mentions/export', () => {
  it('streams the filtered posts as a download, refuses bad filters with 400 naming them, and needs a session', async () => {
    const { ws } = await setup();
    const secret = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' }));
    const app = createApp(t.ctx);
    const res = await call(
      app,
      'GET',
      '/api/v1/mentions/export?channel=bluesky&since=2026-11-02T00:00:00Z',
      undefined,
      {
        bearer: secret,
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="mentions-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const rows = parseCsv(await res.text(), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.url?.slice(-2))).toEqual(['p3', 'p2']);

    const lines = await call(app, 'GET', '/api/v1/mentions/export?format=jsonl&channel=mastodon', undefined, {
      bearer: secret,
    });
    expect(lines.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(
      (await lines.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).url),
    ).toEqual(['https://example.social/p4']);

    for (const [query, field] of [
      ['since=yesterday', 'since'],
      ['format=xlsx', 'format'],
      ['sentiment=angry', 'sentiment'],
    ]) {
      const bad = await call(app, 'GET', `/api/v1/mentions/export?${query}`, undefined, { bearer: secret });
      expect(bad.status, query).toBe(400);
      const body = (await bad.json()) as { error: { details: { fields: { path: string }[] } } };
      expect(body.error.details.fields.map((f) => f.path)).toContain(field);
    }
    expect((await call(app, 'GET', '/api/v1/mentions/export')).status).toBe(401);
  });
});
