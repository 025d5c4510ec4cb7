import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildUser, buildWorkspace } from '../../test/factories.ts';
import { getCase } from '../modules/inbox/case-lists.ts';
import { checkSlaClocks } from '../modules/inbox/sla.ts';
import { listSurveys, surveyResults } from '../modules/surveys/service.ts';
import { seedDemoWorkspace } from './seed.ts';

const t = setupTestDatabase();

describe('demo inbox history', () => {
  it('leaves a case in every state, answered on the demo channel, with SLA clocks met and breached', async () => {
    t.clock.set('2026-11-25T15:00:00.000Z');
    const ws = await buildWorkspace(t.ctx);
    const { actor: owner } = await buildUser(t.ctx, ws, { role: 'owner' });
    await seedDemoWorkspace(t.ctx, owner);
    await checkSlaClocks(t.ctx);
    const rows = await t.ctx.db
      .selectFrom('mentions')
      .select(['case_id', 'external_id'])
      .where('workspace_id', '=', ws.id)
      .where('external_id', 'like', 'demo:history:%')
      .orderBy('external_id')
      .execute();
    expect(rows).toHaveLength(6);
    const cases = await Promise.all(rows.map((r) => getCase(t.ctx, owner, r.case_id ?? '')));
    expect(cases.map((c) => c.status).sort()).toEqual(
      ['closed', 'new', 'on_hold', 'open', 'pending_customer', 'solved'].sort(),
    );
    // The case on hold, waiting on a ground handler, is snoozed until the next day.
    expect(cases.filter((c) => c.snoozedUntil !== null).map((c) => c.status)).toEqual(['on_hold']);
    const replies = cases.flatMap((c) => c.replies);
    // Four by agents, and the satisfaction survey each solved case sent, answered by both customers.
    expect(replies.length).toBe(6);
    expect(replies.filter((r) => r.body.includes('/survey/'))).toHaveLength(2);
    const [survey] = await listSurveys(t.ctx, owner);
    const results = await surveyResults(t.ctx, owner, survey?.id ?? '', 30);
    expect(results).toMatchObject({ sent: 2, answered: 2, csat: 0.5 });
    expect(replies.every((r) => r.status === 'sent' && r.externalId?.startsWith('demo:reply:'))).toBe(true);
    const firstResponse = cases.flatMap((c) => c.sla.filter((k) => k.metric === 'first_response'));
    expect(firstResponse.some((k) => k.status === 'achieved')).toBe(true);
    expect(firstResponse.some((k) => k.status === 'breached')).toBe(true);
    // The notes stay internal: nothing of them went out.
    expect(replies.some((r) => r.body.includes('finance is re-running'))).toBe(false);
  });
});
