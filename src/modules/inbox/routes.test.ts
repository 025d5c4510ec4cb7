import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

async function workspace() {
  const ws = await buildWorkspace(t.ctx);
  const agentUser = await buildUser(t.ctx, ws, { role: 'agent' });
  const tokens = {
    manager: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'manager' })),
    agent: await buildToken(t.ctx, agentUser),
    moderator: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'moderator' })),
  };
  await appendToLog(t.ctx, [
    {
      workspaceId: ws.id,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: `${ws.id}-post`,
        text: 'My flight was cancelled and nobody answers',
        author: {
          channel: 'bluesky',
          externalId: 'did:plc:ana',
          handle: 'ana.bsky.social',
          displayName: 'Ana',
        },
      }),
    },
  ]);
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
  const mention = await t.ctx.db
    .selectFrom('mentions')
    .select('id')
    .where('workspace_id', '=', ws.id)
    .executeTakeFirstOrThrow();
  return { ws, agentId: agentUser.user.id, mentionId: Number(mention.id), ...tokens };
}

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

type CaseBody = {
  id: string;
  number: number;
  status: string;
  assigneeUserId: string | null;
  customerId: string | null;
};

describe('inbox API', () => {
  it('turns a mention into a case, works it, and shows its feed and the disposition figures', async () => {
    const { agent, agentId, mentionId } = await workspace();
    const disposition = await json<{ disposition: string; caseId: string }>(
      await call(
        app(),
        'POST',
        `/api/v1/mentions/${mentionId}/disposition`,
        { action: 'create_case' },
        { bearer: agent },
      ),
    );
    expect(disposition.disposition).toBe('case');
    const detail = await json<CaseBody & { conversations: { messages: { id: number }[] }[] }>(
      await call(app(), 'GET', `/api/v1/cases/${disposition.caseId}`, undefined, { bearer: agent }),
    );
    expect(detail.conversations[0]?.messages.map((m) => m.id)).toEqual([mentionId]);
    expect(detail.customerId).not.toBeNull();
    const patched = await json<CaseBody>(
      await call(
        app(),
        'PATCH',
        `/api/v1/cases/${detail.id}`,
        { status: 'open', assigneeUserId: agentId },
        { bearer: agent },
      ),
    );
    expect(patched).toMatchObject({ status: 'open', assigneeUserId: agentId });
    // A change on condition of a status the case no longer has: 409, naming the status it has.
    const stale = await call(
      app(),
      'PATCH',
      `/api/v1/cases/${detail.id}`,
      { status: 'new', ifStatus: 'solved' },
      { bearer: agent },
    );
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({
      error: { code: 'conflict', details: { status: 'open' } },
    });
    const mine = await json<{ items: CaseBody[] }>(
      await call(app(), 'GET', '/api/v1/cases?view=mine&status=active', undefined, { bearer: agent }),
    );
    expect(mine.items.map((c) => c.id)).toEqual([detail.id]);
    const feed = await json<{ items: { kind: string }[] }>(
      await call(app(), 'GET', `/api/v1/records/case/${detail.id}/feed`, undefined, { bearer: agent }),
    );
    expect(feed.items.map((e) => e.kind)).toEqual(['assigned', 'status_changed', 'created']);
    const stats = await json<{ matched: number }>(
      await call(app(), 'GET', '/api/v1/inbox/dispositions?days=7', undefined, { bearer: agent }),
    );
    expect(stats.matched).toBe(0); // no listening query in this workspace, so nothing "matched"
  });

  it('names the invalid fields, refuses roles that do not work cases, and hides other workspaces', async () => {
    const { agent, moderator, mentionId } = await workspace();
    const bad = await json<{ error: { code: string; details: { fields: { path: string }[] } } }>(
      await call(
        app(),
        'POST',
        '/api/v1/cases',
        { subject: '', priority: 'asap', tags: ['no spaces allowed'] },
        { bearer: agent },
      ),
      400,
    );
    expect(bad.error.code).toBe('validation_failed');
    expect(bad.error.details.fields.map((f) => f.path).sort()).toEqual(['priority', 'subject', 'tags.0']);
    const badDisposition = await call(
      app(),
      'POST',
      `/api/v1/mentions/${mentionId}/disposition`,
      { action: 'dismiss', reason: 'boring' },
      { bearer: agent },
    );
    expect(badDisposition.status).toBe(400);
    expect((await call(app(), 'POST', '/api/v1/cases', { subject: 'x' }, { bearer: moderator })).status).toBe(
      403,
    );
    expect((await call(app(), 'GET', '/api/v1/cases', undefined, { bearer: moderator })).status).toBe(403);
    expect((await call(app(), 'POST', '/api/v1/teams', { name: 'Care' }, { bearer: agent })).status).toBe(
      403,
    );
    const created = await json<CaseBody>(
      await call(app(), 'POST', '/api/v1/cases', { subject: 'Mine' }, { bearer: agent }),
      201,
    );
    const stranger = await workspace();
    expect(
      (await call(app(), 'GET', `/api/v1/cases/${created.id}`, undefined, { bearer: stranger.agent })).status,
    ).toBe(404);
    expect(
      (
        await call(app(), 'PUT', `/api/v1/records/case/${created.id}/follow`, undefined, {
          bearer: stranger.agent,
        })
      ).status,
    ).toBe(404);
    expect((await call(app(), 'GET', '/api/v1/cases')).status).toBe(401);
  });

  it('lists cases in the order asked, with the waiting time on each, and refuses an order it does not know', async () => {
    const { agent, manager, mentionId } = await workspace();
    const made = await json<CaseBody & { waitingSince: string | null }>(
      await call(
        app(),
        'POST',
        '/api/v1/cases',
        { subject: 'Cancelled flight', mentionIds: [mentionId] },
        { bearer: agent },
      ),
      201,
    );
    // The customer's post opened the case and nobody has answered: the customer waits.
    expect(made.waitingSince).not.toBeNull();
    for (const subject of ['Low one', 'Urgent one'])
      await json(
        await call(
          app(),
          'POST',
          '/api/v1/cases',
          { subject, priority: subject === 'Urgent one' ? 'urgent' : 'low' },
          { bearer: manager },
        ),
        201,
      );
    const subjects = async (query: string) =>
      (
        await json<{ items: { subject: string }[] }>(
          await call(app(), 'GET', `/api/v1/cases?${query}`, undefined, { bearer: agent }),
        )
      ).items.map((c) => c.subject);
    expect(await subjects('sort=waiting')).toEqual(['Cancelled flight', 'Urgent one', 'Low one']);
    expect(await subjects('sort=priority')).toEqual(['Urgent one', 'Cancelled flight', 'Low one']);
    expect(await subjects('sort=oldest')).toEqual(['Cancelled flight', 'Low one', 'Urgent one']);
    expect(await subjects('sort=newest')).toEqual(['Urgent one', 'Low one', 'Cancelled flight']);
    for (const query of ['sort=loudest', 'sort=due'])
      expect(
        (
          await json<{ error: { details: { fields: { path: string }[] } } }>(
            await call(app(), 'GET', `/api/v1/cases?${query}`, undefined, { bearer: agent }),
            400,
          )
        ).error.details.fields.map((f) => f.path),
      ).toEqual(['sort']);
    expect(await subjects('sort=due&dueWithinMinutes=60')).toEqual([]); // no SLA policy, no clocks
    expect(await subjects('needsReply=true')).toEqual(['Cancelled flight']);
    expect(await subjects('needsReply=false&sort=oldest')).toEqual(['Low one', 'Urgent one']);
    // A saved view of them counts what it lists.
    const view = await json<{ count: number; filters: Record<string, string> }>(
      await call(
        app(),
        'POST',
        '/api/v1/inbox/views',
        { name: 'Needs reply', filters: { needsReply: 'true', sort: 'waiting' } },
        { bearer: agent },
      ),
      201,
    );
    expect(view).toMatchObject({ count: 1, filters: { needsReply: 'true', sort: 'waiting' } });
    const doc = (await (await call(app(), 'GET', '/api/openapi.json')).json()) as {
      paths: Record<string, { get?: { parameters?: { name: string; schema?: { enum?: string[] } }[] } }>;
    };
    expect(doc.paths['/api/v1/cases']?.get?.parameters?.find((p) => p.name === 'sort')?.schema?.enum).toEqual(
      ['newest', 'oldest', 'priority', 'waiting', 'due'],
    );
  });

  it('snoozes a case through the API, lists it apart, and names a bad moment', async () => {
    const { agent } = await workspace();
    const made = await json<CaseBody>(
      await call(app(), 'POST', '/api/v1/cases', { subject: 'Check the refund' }, { bearer: agent }),
      201,
    );
    const path = `/api/v1/cases/${made.id}`;
    const snoozed = await json<{ snoozedUntil: string | null }>(
      await call(app(), 'PATCH', path, { snoozedUntil: '2026-11-24T09:00:00Z' }, { bearer: agent }),
    );
    expect(snoozed.snoozedUntil).toBe('2026-11-24T09:00:00.000Z');
    const list = async (q: string) =>
      (
        await json<{ items: CaseBody[] }>(
          await call(app(), 'GET', `/api/v1/cases?${q}`, undefined, { bearer: agent }),
        )
      ).items.map((c) => c.id);
    expect(await list('snoozed=true')).toEqual([made.id]);
    expect(await list('snoozed=false')).toEqual([]);
    for (const snoozedUntil of ['tomorrow', '2020-01-01T00:00:00Z']) {
      const bad = await json<{ error: { details: { fields: { path: string }[] } } }>(
        await call(app(), 'PATCH', path, { snoozedUntil }, { bearer: agent }),
        400,
      );
      expect(bad.error.details.fields.map((f) => f.path)).toEqual(['snoozedUntil']);
    }
    expect(
      (
        await json<{ snoozedUntil: string | null }>(
          await call(app(), 'PATCH', path, { snoozedUntil: null }, { bearer: agent }),
        )
      ).snoozedUntil,
    ).toBeNull();
    const doc = (await (await call(app(), 'GET', '/api/openapi.json')).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.components.schemas.CasePatch?.properties ?? {})).toContain('snoozedUntil');
    expect(Object.keys(doc.components.schemas.Case?.properties ?? {})).toEqual(
      expect.arrayContaining(['snoozedUntil', 'waitingSince']),
    );
  });

  it('downloads cases as CSV or JSON Lines for managers, within a window on when they were opened; agents are refused', async () => {
    const { manager, agent, mentionId } = await workspace();
    const made = await json<CaseBody>(
      await call(
        app(),
        'POST',
        '/api/v1/cases',
        { subject: 'Cancelled flight', mentionIds: [mentionId] },
        { bearer: agent },
      ),
      201,
    );
    const csv = await call(app(), 'GET', '/api/v1/cases/export', undefined, { bearer: manager });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(
      /^attachment; filename="cases-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const [header, ...lines] = (await csv.text()).trimEnd().split('\n');
    expect(header?.startsWith('number,subject,status,priority,type,channel,')).toBe(true);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${made.number},Cancelled flight,new,normal,question,bluesky,`)),
    ]);
    const since = encodeURIComponent(new Date(t.clock.now().getTime() + 60_000).toISOString());
    const later = await call(app(), 'GET', `/api/v1/cases/export?format=jsonl&since=${since}`, undefined, {
      bearer: manager,
    });
    expect(later.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(await later.text()).toBe('');
    expect((await call(app(), 'GET', '/api/v1/cases/export', undefined, { bearer: agent })).status).toBe(403);
    // A filter the list cannot read is refused before the download starts, naming it.
    const badStatus = await call(app(), 'GET', '/api/v1/cases/export?status=open,shelved', undefined, {
      bearer: manager,
    });
    expect(badStatus.status).toBe(400);
    expect(await badStatus.json()).toMatchObject({
      error: { code: 'validation_failed', message: 'Unknown status shelved' },
    });
    expect(
      (await call(app(), 'GET', '/api/v1/cases/export?sort=due', undefined, { bearer: manager })).status,
    ).toBe(400);
    expect(
      (await call(app(), 'GET', '/api/v1/cases/export?since=yesterday', undefined, { bearer: manager }))
        .status,
    ).toBe(400);
    const doc = (await (await call(app(), 'GET', '/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toContain('/api/v1/cases/export');
  });

  it('merges and splits through the API and follows cases for notifications', async () => {
    const { agent, manager } = await workspace();
    const a = await json<CaseBody>(
      await call(app(), 'POST', '/api/v1/cases', { subject: 'A' }, { bearer: agent }),
      201,
    );
    const b = await json<CaseBody>(
      await call(app(), 'POST', '/api/v1/cases', { subject: 'B' }, { bearer: agent }),
      201,
    );
    expect(
      (await call(app(), 'PUT', `/api/v1/records/case/${a.id}/follow`, undefined, { bearer: manager }))
        .status,
    ).toBe(204);
    await json<CaseBody>(
      await call(app(), 'POST', `/api/v1/cases/${a.id}/merge`, { fromCaseId: b.id }, { bearer: agent }),
    );
    const notes = await json<{ items: { summary: string }[]; unreadCount: number }>(
      await call(app(), 'GET', '/api/v1/notifications?unread=true', undefined, { bearer: manager }),
    );
    expect(notes.unreadCount).toBe(1);
    expect(notes.items[0]?.summary).toBe(`Case ${b.number} was merged into case ${a.number}`);
    const marked = await json<{ marked: number }>(
      await call(app(), 'POST', '/api/v1/notifications/read', {}, { bearer: manager }),
    );
    expect(marked.marked).toBe(1);
    const split = await call(
      app(),
      'POST',
      `/api/v1/cases/${a.id}/split`,
      { conversationIds: ['nope'] },
      { bearer: agent },
    );
    expect(split.status).toBe(400);
  });

  it('manages routing rules and tries one on past mentions; invalid rules name the bad condition', async () => {
    const { agent, manager } = await workspace();
    const rule = {
      name: 'Cancellations',
      conditions: [{ field: 'keywords', op: 'contains_any', value: ['cancelled'] }],
      actions: [{ type: 'create_case', priority: 'high' }],
    };
    const tried = await json<{ evaluated: number; matched: number; samples: { reasons: string[] }[] }>(
      await call(app(), 'POST', '/api/v1/routing-rules/test?limit=50', rule, { bearer: manager }),
    );
    expect(tried).toMatchObject({ evaluated: 1, matched: 1 });
    expect(tried.samples[0]?.reasons).toEqual(['mentions “cancelled”']);
    expect((await call(app(), 'POST', '/api/v1/routing-rules', rule, { bearer: agent })).status).toBe(403);
    const created = await json<{ id: string; position: number; enabled: boolean }>(
      await call(app(), 'POST', '/api/v1/routing-rules', rule, { bearer: manager }),
      201,
    );
    expect(created).toMatchObject({ position: 1, enabled: true });
    const bad = await json<{ error: { details: { fields: { path: string }[] } } }>(
      await call(
        app(),
        'PUT',
        `/api/v1/routing-rules/${created.id}`,
        { ...rule, conditions: [{ field: 'urgency', op: 'between', value: 3 }] },
        { bearer: manager },
      ),
      400,
    );
    expect(bad.error.details.fields[0]?.path).toMatch(/^conditions\.0/);
    const listed = await json<{ items: { name: string }[] }>(
      await call(app(), 'GET', '/api/v1/routing-rules', undefined, { bearer: agent }),
    );
    expect(listed.items.map((r) => r.name)).toEqual(['Cancellations']);
    expect(
      (await call(app(), 'DELETE', `/api/v1/routing-rules/${created.id}`, undefined, { bearer: manager }))
        .status,
    ).toBe(204);
  });

  it('takes rules on case events, refuses what does not fit their event, and tries them on open cases', async () => {
    const { manager } = await workspace();
    const timed = {
      name: 'Close solved cases after 3 days',
      event: 'time_elapsed',
      conditions: [
        { field: 'case_status', op: 'in', value: ['solved'] },
        { field: 'hours_since', since: 'solved', op: 'gte', value: 72 },
      ],
      actions: [{ type: 'set_status', value: 'closed' }],
    };
    const created = await json<{ event: string; conditions: unknown[] }>(
      await call(app(), 'POST', '/api/v1/routing-rules', timed, { bearer: manager }),
      201,
    );
    expect(created).toMatchObject({ event: 'time_elapsed', conditions: timed.conditions });
    const refused = await json<{ error: { details: { fields: { path: string; message: string }[] } } }>(
      await call(
        app(),
        'POST',
        '/api/v1/routing-rules',
        { ...timed, match: 'any', actions: [{ type: 'create_lead' }] },
        { bearer: manager },
      ),
      400,
    );
    expect(refused.error.details.fields.map((f) => f.path).sort()).toEqual(['actions.0.type', 'match']);
    // What a person left out is said in words, on the row it belongs to.
    const empty = await json<{ error: { details: { fields: { path: string; message: string }[] } } }>(
      await call(
        app(),
        'POST',
        '/api/v1/routing-rules/test',
        {
          name: 'Empty',
          conditions: [
            { field: 'keywords', op: 'contains_any', value: [] },
            { field: 'followers', op: 'gte', value: -5 },
          ],
          actions: [{ type: 'notify', userIds: [] }],
        },
        { bearer: manager },
      ),
      400,
    );
    expect(empty.error.details.fields).toEqual([
      { path: 'conditions.0.value', message: 'choose or type at least one' },
      { path: 'conditions.1.value', message: 'must be 0 or more' },
      { path: 'actions.0.userIds', message: 'choose at least one person' },
    ]);
    const tried = await json<{ evaluated: number; matched: number }>(
      await call(
        app(),
        'POST',
        '/api/v1/routing-rules/test',
        { ...timed, event: 'case_created', conditions: [{ field: 'case_status', op: 'in', value: ['new'] }] },
        { bearer: manager },
      ),
    );
    // The workspace's one post made no case: nothing to try on.
    expect(tried).toEqual({ evaluated: 0, matched: 0, samples: [] });
  });

  it('streams case changes and who is viewing a case, resuming after the last event id', async () => {
    const { agent, manager } = await workspace();
    const res = await call(app(), 'GET', '/api/v1/inbox/stream', undefined, { bearer: agent });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no stream');
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil('event: ready');
    const created = await json<CaseBody>(
      await call(app(), 'POST', '/api/v1/cases', { subject: 'Live' }, { bearer: manager }),
      201,
    );
    expect(
      (
        await call(
          app(),
          'PUT',
          `/api/v1/cases/${created.id}/presence`,
          { state: 'replying' },
          { bearer: manager },
        )
      ).status,
    ).toBe(204);
    await readUntil('"state":"replying"');
    await readUntil('event: cases');
    await reader.cancel();
    const cases = /event: cases\ndata: (.*)\nid: (\d+)/.exec(text);
    expect(JSON.parse(cases?.[1] ?? '[]')).toMatchObject([{ caseId: created.id, kind: 'created' }]);
    const presence = [...text.matchAll(/event: presence\ndata: (.*)\n/g)].map((m) =>
      JSON.parse(m[1] ?? '[]'),
    );
    expect(presence.at(-1)).toMatchObject([{ caseId: created.id, state: 'replying' }]);
    // A browser that reconnects sends the last id it saw and gets what it missed.
    const eventId = Number(cases?.[2]);
    const resumed = await app().request('/api/v1/inbox/stream', {
      headers: { authorization: `Bearer ${agent}`, 'last-event-id': String(eventId - 1) },
    });
    const again = resumed.body?.getReader();
    let replay = '';
    while (again && !replay.includes('event: cases')) {
      const { value, done } = await again.read();
      if (done) break;
      replay += new TextDecoder().decode(value);
    }
    await again?.cancel();
    expect(replay).toContain(`"caseId":"${created.id}"`);
    expect((await call(app(), 'GET', '/api/v1/inbox/stream', undefined, { bearer: undefined })).status).toBe(
      401,
    );
  });
});

describe('canned responses API', () => {
  it('refuses with 400 every {{…}} token that is not a known variable, naming it', async () => {
    const { agent } = await workspace();
    for (const [body, unknown] of [
      ['Hi {{customer.first_name}}!', '{{customer.first_name}}'],
      ['Hi {{customerx}}!', '{{customerx}}'],
      ['Hi {{ customer.nme }}!', '{{customer.nme}}'],
      ['Hi {{Customer.Name}} and {{}}', '{{Customer.Name}}'],
    ] as const) {
      const res = await call(
        app(),
        'POST',
        '/api/v1/canned-responses',
        { name: 'Greeting', body },
        { bearer: agent },
      );
      expect(res.status, body).toBe(400);
      const error = ((await res.json()) as { error: { message: string } }).error;
      expect(error.message).toContain(unknown);
    }
    const ok = await call(
      app(),
      'POST',
      '/api/v1/canned-responses',
      { name: 'Greeting', body: 'Hi {{ customer.name }}, {{agent.name}} here' },
      { bearer: agent },
    );
    expect(ok.status).toBe(201);
  });
});

describe('POST /mentions/dispositions', () => {
  it('dismisses posts in bulk for an agent, refuses a moderator, and names what is wrong with a request', async () => {
    const { mentionId, agent, moderator } = await workspace();
    const post = (body: unknown, bearer?: string) =>
      call(app(), 'POST', '/api/v1/mentions/dispositions', body, bearer ? { bearer } : {});
    const done = await json<{ decided: { mentionId: number; reason: string }[]; skipped: unknown[] }>(
      await post({ mentionIds: [mentionId, 999_999_999], action: 'dismiss', reason: 'noise' }, agent),
    );
    expect(done.decided).toMatchObject([{ mentionId, disposition: 'dismissed', reason: 'noise' }]);
    expect(done.skipped).toEqual([{ mentionId: 999_999_999, reason: 'not_found' }]);

    expect((await post({ mentionIds: [mentionId], action: 'answered' }, moderator)).status).toBe(403);
    expect((await post({ mentionIds: [mentionId], action: 'answered' })).status).toBe(401);
    for (const [body, field] of [
      [{ mentionIds: [], action: 'answered' }, 'mentionIds'],
      [{ mentionIds: Array.from({ length: 201 }, (_, i) => i + 1), action: 'answered' }, 'mentionIds'],
      [{ mentionIds: [mentionId, mentionId], action: 'answered' }, 'mentionIds'],
      [{ mentionIds: [mentionId], action: 'dismiss' }, 'reason'],
      [{ mentionIds: [mentionId], action: 'dismiss', reason: 'boring' }, 'reason'],
      [{ mentionIds: [mentionId], action: 'create_case' }, 'action'],
    ] as const) {
      const res = await post(body, agent);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await res.json()) as { error: { details: { fields: { path: string }[] } } };
      expect(
        error.error.details.fields.some((f) => f.path === field),
        `${JSON.stringify(body)}: ${JSON.stringify(error.error.details.fields)}`,
      ).toBe(true);
    }
  });
});
