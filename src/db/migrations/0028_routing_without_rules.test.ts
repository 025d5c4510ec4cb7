import { expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace, storePosts } from '../../../test/factories.ts';
import { createCase } from '../../modules/inbox/cases.ts';
import { up } from './0028_routing_without_rules.ts';

const t = setupTestDatabase();

it('starts routing at the newest post of each workspace that had cases but no routing before it', async () => {
  const withCase = await buildWorkspace(t.ctx);
  const withoutCase = await buildWorkspace(t.ctx);
  const agent = (await buildUser(t.ctx, withCase, { role: 'agent' })).actor;
  for (const ws of [withCase, withoutCase])
    await storePosts(
      t.ctx,
      ws.id,
      ['a', 'b'].map((id) => ({
        channel: 'bluesky',
        externalId: `${ws.id}-${id}`,
        text: `post ${id}`,
        author: { externalId: 'did:plc:maya', handle: 'maya' },
      })),
    );
  const posts = await t.ctx.db
    .selectFrom('mentions')
    .select('id')
    .where('workspace_id', '=', withCase.id)
    .orderBy('id')
    .execute();
  await createCase(t.ctx, agent, { subject: 'Lost bag', mentionIds: [Number(posts[0]?.id)] });
  // As an install made before 0028 was: cases, and no routing where no rule was ever saved.
  await t.ctx.db.deleteFrom('routing_state').execute();

  await up(t.ctx.db, t.ctx.dialect);

  const states = await t.ctx.db.selectFrom('routing_state').selectAll().execute();
  expect(states.map((s) => [s.workspace_id, Number(s.last_mention_id)])).toEqual([
    [withCase.id, Number(posts[1]?.id)],
  ]);
});
