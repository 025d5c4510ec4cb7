import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { surveyPages } from './page.ts';

const t = setupTestDatabase();

describe('public survey page', () => {
  it('throttles a client address that asks too often, and not another', async () => {
    const page = surveyPages(t.ctx, { points: 2, duration: 600 });
    const from = (ip: string) =>
      page.request(`/${'a'.repeat(32)}`, {}, { incoming: { socket: { remoteAddress: ip } } });
    expect((await from('10.0.0.1')).status).toBe(404);
    expect((await from('10.0.0.1')).status).toBe(404);
    const limited = await from('10.0.0.1');
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain('Too many requests');
    expect((await from('10.0.0.2')).status).toBe(404);
  });
});
