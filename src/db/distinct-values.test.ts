import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildWorkspace, storePosts } from '../../test/factories.ts';
import { workspaceChannels } from './distinct-values.ts';

const t = setupTestDatabase();

describe('workspaceChannels', () => {
  it("lists the distinct channels of a workspace's posts in order, and none of another workspace's", async () => {
    const ws = await buildWorkspace(t.ctx);
    const other = await buildWorkspace(t.ctx);
    expect(await workspaceChannels(t.ctx.db, 'mentions', ws.id)).toEqual([]);
    const post = (channel: string, id: string) => ({
      channel,
      externalId: id,
      text: `post ${id}`,
      author: { externalId: `author-${id}`, handle: `author-${id}` },
    });
    await storePosts(t.ctx, ws.id, [post('twitter', 'a'), post('bluesky', 'b'), post('twitter', 'c')]);
    await storePosts(t.ctx, other.id, [post('zendesk', 'd')]);
    expect(await workspaceChannels(t.ctx.db, 'mentions', ws.id)).toEqual(['bluesky', 'twitter']);
    expect(await workspaceChannels(t.ctx.db, 'identities', ws.id)).toEqual(['bluesky', 'twitter']);
  });
});
