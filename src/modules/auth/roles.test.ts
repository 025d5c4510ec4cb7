import { describe, expect, it } from 'vitest';
import { can, requirePermission } from './roles.ts';

describe('roles', () => {
  it.each([
    ['owner', true, true],
    ['admin', true, true],
    ['manager', true, false],
    ['agent', false, false],
    ['moderator', false, false],
  ] as const)('%s: read users %s, manage users %s', (role, read, manage) => {
    expect(can({ role }, 'users:read')).toBe(read);
    expect(can({ role }, 'users:manage')).toBe(manage);
  });

  it('throws forbidden naming the permission', () => {
    expect(() => requirePermission({ role: 'agent' }, 'users:manage')).toThrow(/users:manage/);
  });
});
