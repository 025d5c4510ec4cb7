import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isAppError } from '../../../errors.ts';
import { evalSentimentCommand, goldLabel } from './eval-sentiment.ts';

let dir: string;
let file: string;

const lines = [
  JSON.stringify({ text: 'Flight delayed again and still no refund', label: 'negative' }),
  JSON.stringify({ text: 'Thank you so much, lovely crew and a great flight!', label: 'positive' }),
  JSON.stringify({ text: 'What time does the store open on Sunday?', label: 'neutral' }),
  '{"text": "broken json',
  JSON.stringify({ text: 'The worst service I have ever had', score: -3.2 }),
  JSON.stringify({ text: 'Absolutely love it', score: 3.1 }),
  JSON.stringify({ text: 'The meeting is on Thursday', score: 0.2 }),
  JSON.stringify({ text: 'no label here' }),
  JSON.stringify({ text: 'bad label', label: 'angry' }),
  '',
];

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out.push(a.join(' '));
  });
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err.push(a.join(' '));
  });
  return { out, err };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rapport-eval-sentiment-'));
  file = path.join(dir, 'labelled.jsonl');
  writeFileSync(file, lines.join('\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('rapport eval sentiment', () => {
  it('prints one JSON object with exactly the documented keys, skipping malformed lines by number', async () => {
    const { out, err } = capture();
    expect(await evalSentimentCommand.run(['--file', file, '--json'])).toBe(0);
    expect(out).toHaveLength(1);
    const result = JSON.parse(out[0] as string) as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual([
      'accuracy',
      'confusion',
      'macroF1',
      'n',
      'perClass',
      'textsPerSec',
    ]);
    expect(result.n).toBe(6);
    expect(result.accuracy).toBeGreaterThanOrEqual(5 / 6);
    expect(Object.keys(result.perClass as object).sort()).toEqual(['negative', 'neutral', 'positive']);
    expect(typeof result.textsPerSec).toBe('number');
    expect(err.join('\n')).toMatch(/line 4: not valid JSON/);
    expect(err.join('\n')).toMatch(/line 8: expected/);
    expect(err.join('\n')).toMatch(/line 9: expected/);
  });

  it('prints a readable report with accuracy, macro-F1, the confusion matrix and the skipped count', async () => {
    const { out } = capture();
    expect(await evalSentimentCommand.run(['--file', file])).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/accuracy\s+\d+\.\d%/);
    expect(text).toMatch(/macro-F1\s+\d+\.\d%/);
    expect(text).toMatch(/confusion/);
    expect(text).toMatch(/texts\/s/);
    expect(text).toMatch(/skipped\s+3/);
  });

  it('maps numeric scores through the neutral band', () => {
    expect(goldLabel({ text: '', score: 0.4 }, 0.5)).toBe('neutral');
    expect(goldLabel({ text: '', score: -0.6 }, 0.5)).toBe('negative');
    expect(goldLabel({ text: '', score: 0.6 }, 0.5)).toBe('positive');
    expect(goldLabel({ text: '', score: 0.6 }, 1)).toBe('neutral');
    expect(goldLabel({ text: '', label: 'positive' }, 1)).toBe('positive');
  });

  it('rejects bad flags with a validation error (exit code 2 in the CLI)', async () => {
    for (const args of [['--file', file, '--neutral-band', 'wide'], ['--nope'], []]) {
      const err = await evalSentimentCommand.run(args).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAppError(err) && err.code === 'validation_failed').toBe(true);
    }
  });

  it('reports a missing file as a validation error', async () => {
    const err = await evalSentimentCommand
      .run(['--file', path.join(dir, 'absent.jsonl')])
      .catch((e: unknown) => e);
    expect(isAppError(err) && err.code === 'validation_failed').toBe(true);
  });
});
