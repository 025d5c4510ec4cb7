import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseClassifierModel } from '../classifier.ts';
import { classifierTrainCommand } from './classifier-train.ts';
import { evalClassifierCommand } from './eval-classifier.ts';

const dir = mkdtempSync(join(tmpdir(), 'rapport-classifier-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const data: Record<string, string[]> = {
  refund: [
    'I want my money back',
    'how do I get a refund',
    'still waiting for my refund',
    'refund the double charge please',
    'when will the refund reach my card',
    'give me a refund for the broken item',
    'I need a refund for my ticket',
    'where is my refund',
  ],
  delivery: [
    'where is my order',
    'my package has not arrived',
    'has my parcel shipped yet',
    'when will my order be delivered',
    'the delivery is late',
    'tracking shows no update on my parcel',
    'my order is still not here',
    'did you ship my package',
  ],
  hours: [
    'what time does the store open',
    'are you open on Sunday',
    'when does the shop close',
    'what are your opening hours',
    'is the store open tonight',
    'opening times please',
    'are you open on holidays',
    'what time do you close today',
  ],
  oos: [
    'what is the weather today',
    'tell me a joke',
    'who won the match',
    'how do I bake bread',
    'what is the capital of Peru',
    'play some music',
    'set an alarm',
    'how tall is everest',
  ],
};

function writeLines(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const trainLines = Object.entries(data).flatMap(([label, texts]) =>
  texts.map((text) => JSON.stringify({ text, label })),
);

/** Runs a command, returning its exit code and what it printed. */
async function capture(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const code = await run();
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('rapport classifier train', () => {
  it('trains from a file, reports malformed lines by number, prints label counts and writes a model', async () => {
    const file = writeLines('train.jsonl', [
      ...trainLines.slice(0, 3),
      '{"text": "broken json',
      JSON.stringify({ text: 'no label here' }),
      ...trainLines.slice(3),
    ]);
    const out = join(dir, 'model.json');
    const r = await capture(() =>
      classifierTrainCommand.run(['--file', file, '--out', out, '--name', 'shop']),
    );
    expect(r.code).toBe(0);
    expect(r.err).toContain('line 4: not valid JSON');
    expect(r.err).toMatch(/line 5: expected \{"text","label"\}/);
    expect(r.out).toMatch(/refund 8/);
    expect(r.out).toMatch(/none \(oos\) 8/);
    expect(r.out).toContain('oos recall');
    const model = parseClassifierModel(JSON.parse(readFileSync(out, 'utf8')));
    expect(model.name).toBe('shop');
    expect(model.labels).toEqual(['delivery', 'hours', 'refund']);
  });

  it('fails clearly with too few labels', async () => {
    const file = writeLines(
      'one-label.jsonl',
      data.refund?.map((text) => JSON.stringify({ text, label: 'refund' })) ?? [],
    );
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await expect(classifierTrainCommand.run(['--file', file, '--out', join(dir, 'x.json')])).rejects.toThrow(
      /at least 2 labels/,
    );
  });

  it('rejects unknown or missing flags as a usage error', async () => {
    await expect(classifierTrainCommand.run(['--file', 'a.jsonl'])).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(classifierTrainCommand.run(['--bogus'])).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});

describe('rapport eval classifier', () => {
  const modelPath = join(dir, 'eval-model.json');

  it('prints the evaluation as one JSON object, with the oos keys when the file has oos lines', async () => {
    const file = writeLines('train2.jsonl', trainLines);
    await capture(() => classifierTrainCommand.run(['--file', file, '--out', modelPath]));
    const test = writeLines('test.jsonl', [
      JSON.stringify({ text: 'I am still waiting for my refund', label: 'refund' }),
      JSON.stringify({ text: 'my parcel has not arrived yet', label: 'delivery' }),
      JSON.stringify({ text: 'are you open on Saturday', label: 'hours' }),
      JSON.stringify({ text: 'tell me a funny joke', label: 'oos' }),
      'not json',
    ]);
    const r = await capture(() =>
      evalClassifierCommand.run(['--model', modelPath, '--file', test, '--json']),
    );
    expect(r.code).toBe(0);
    expect(r.err).toContain('line 5: not valid JSON');
    const result = JSON.parse(r.out) as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual(
      [
        'accuracy',
        'confusion',
        'inScopeAccuracy',
        'macroF1',
        'n',
        'oosRecall',
        'perClass',
        'textsPerSec',
      ].sort(),
    );
    expect(result.n).toBe(4);
    expect(result.inScopeAccuracy).toBe(1);
    expect(result.oosRecall).toBe(1);
    expect(result.accuracy).toBe(1);
    expect(Object.keys(result.perClass as object).sort()).toEqual(['delivery', 'hours', 'oos', 'refund']);
  });

  it('leaves out the oos keys when the file has no oos lines, and prints a table without --json', async () => {
    const test = writeLines('in-scope.jsonl', [
      JSON.stringify({ text: 'where is my refund', label: 'refund' }),
      JSON.stringify({ text: 'when does the shop open', label: 'hours' }),
    ]);
    const json = await capture(() =>
      evalClassifierCommand.run(['--model', modelPath, '--file', test, '--json']),
    );
    const result = JSON.parse(json.out) as Record<string, unknown>;
    expect(result).not.toHaveProperty('oosRecall');
    expect(result).not.toHaveProperty('inScopeAccuracy');
    const text = await capture(() => evalClassifierCommand.run(['--model', modelPath, '--file', test]));
    expect(text.out).toMatch(/accuracy\s+100\.0%/);
    expect(text.out).toContain('confusion');
  });

  it('refuses a model file that is not a model', async () => {
    const bad = writeLines('not-a-model.json', ['{"weights": 3}']);
    const test = writeLines('t.jsonl', [JSON.stringify({ text: 'x', label: 'refund' })]);
    await expect(evalClassifierCommand.run(['--model', bad, '--file', test])).rejects.toThrow(
      /Not a Rapport classifier model/,
    );
  });
});
