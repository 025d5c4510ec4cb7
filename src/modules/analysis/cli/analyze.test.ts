import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAppError } from '../../../errors.ts';
import { analyzeCommand } from './analyze.ts';

function capture(): string[] {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out.push(a.join(' '));
  });
  return out;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('rapport analyze', () => {
  it('prints language, sentiment, intents and urgency with their reasons', async () => {
    const out = capture();
    const code = await analyzeCommand.run([
      'Been on hold for 2 hours and still no refund.',
      '--followers',
      '40000',
      'Where is my bag?',
    ]);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^language {3}en /m);
    expect(text).toMatch(/^sentiment {2}negative -0\.\d+ {2}\(.+\)/m);
    expect(text).toMatch(/complaint \d+%/);
    expect(text).toMatch(/^urgency {4}\d+\/100 {2}\(.*40k followers/m);
  });

  it('prints the same as JSON with --json', async () => {
    const out = capture();
    await analyzeCommand.run(['--json', 'Thanks, lovely crew on the Lisbon flight!']);
    const parsed = JSON.parse(out.join('\n')) as {
      sentiment: { label: string };
      intents: { label: string }[];
    };
    expect(parsed.sentiment.label).toBe('positive');
    expect(parsed.intents.map((i) => i.label)).toContain('praise');
  });

  it('refuses a missing text, a bad flag value and an unreadable classifier file with a clear message', async () => {
    const failure = async (args: string[]) => {
      try {
        await analyzeCommand.run(args);
      } catch (err) {
        return isAppError(err) ? `${err.code}: ${err.message}` : String(err);
      }
      return 'no error';
    };
    expect(await failure(['--json'])).toMatch(/^validation_failed: Give the text/);
    expect(await failure(['hello there', '--followers', 'many'])).toMatch(/--followers/);
    expect(await failure(['hello there', '--classifier', '/nonexistent/model.json'])).toMatch(/No such file/);
  });
});
