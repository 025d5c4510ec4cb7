import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('verifies the password it hashed and rejects another', async () => {
    const hash = await hashPassword('a long passphrase here');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('a long passphrase here', hash)).toBe(true);
    expect(await verifyPassword('a long passphrase herE', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
  });

  it('rejects a stored value that is not an scrypt hash', async () => {
    expect(await verifyPassword('x', 'plaintext')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$1$2$3$4$5')).toBe(false);
  });

  it('generates 20-character one-time passwords without look-alike characters', () => {
    const pw = generatePassword();
    expect(pw).toHaveLength(20);
    expect(pw).not.toMatch(/[01lIoO]/);
    expect(generatePassword()).not.toBe(pw);
  });
});
