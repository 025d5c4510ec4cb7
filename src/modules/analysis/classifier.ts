/**
 * Custom classifiers that a workspace trains from labelled examples (`{text, label}`), with
 * out-of-scope detection: a text that belongs to none of the labels gets `none`.
 *
 * Model: hashed TF-IDF features (word unigrams and bigrams, character 3–5-grams inside words,
 * each block L2-normalised) into a multinomial logistic regression trained by seeded SGD.
 * Examples labelled `oos` or `none` train an extra out-of-scope class; on top of that a
 * confidence threshold is calibrated on held-out data (a stratified hold-out split, or
 * cross-validation for small sets) and the model is then refitted on every example.
 * Weights are centred per feature, pruned and quantised to int8 so a 150-label model stays
 * around a megabyte of JSON; the model is a plain JSON object (binary arrays in base64).
 */
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { evaluate } from './metrics.ts';
import { type Token, tokenize } from './tokenize.ts';

/** The label returned for a text that belongs to none of the classifier's labels. */
export const NONE_LABEL = 'none';
/** Training labels that mark out-of-scope examples. */
export const OUT_OF_SCOPE_LABELS: ReadonlySet<string> = new Set(['oos', 'none']);

export type LabelledExample = { text: string; label: string };

export type ClassifierResult = {
  /** A trained label, or `none` when the text belongs to none of them. */
  label: string;
  /** Probability of the returned label; for `none`, how sure the model is that no label fits. */
  score: number;
  /** The features that weighed most for the label, most important first. */
  reasons: string[];
};

export type TrainProgress = { stage: 'features' | 'calibrate' | 'fit' | 'pack'; message: string };

export type TrainOptions = {
  name?: string;
  /** Seeds the shuffles and the hold-out split; the same data and seed give the same model. */
  seed?: number;
  /** Passes over the data; default depends on the data size. */
  epochs?: number;
  learningRate?: number;
  l2?: number;
  hashBits?: number;
  /** Lengths of the character n-grams taken inside words, default [3, 5]. */
  charNgrams?: [number, number];
  /** Share of the examples held out to calibrate the threshold (sets of 2,000 or more). */
  holdout?: number;
  /** Folds of cross-validation used instead of a hold-out split for smaller sets. */
  folds?: number;
  /**
   * Share of correctly classified held-out texts the threshold may turn into `none`; default
   * 0.01 when there are oos examples, 0.005 otherwise.
   */
  maxFalseRejection?: number;
  onProgress?: (p: TrainProgress) => void;
};

const featureSettingsSchema = z.object({
  hashBits: z.number().int().min(12).max(22),
  charMin: z.number().int().min(1).max(8),
  charMax: z.number().int().min(1).max(8),
  wordWeight: z.number().min(0),
  charWeight: z.number().min(0),
});
type FeatureSettings = z.infer<typeof featureSettingsSchema>;

const heldOutSchema = z.object({
  method: z.enum(['holdout', 'cross-validation', 'none']),
  folds: z.number().int(),
  n: z.number().int(),
  accuracy: z.number(),
  macroF1: z.number(),
  inScopeAccuracy: z.number(),
  oosN: z.number().int(),
  oosRecall: z.number().nullable(),
});
export type HeldOutFigures = z.infer<typeof heldOutSchema>;

const modelSchema = z.object({
  format: z.literal('rapport-classifier'),
  version: z.literal(1),
  name: z.string(),
  /** The labels it predicts (besides `none`). */
  labels: z.array(z.string().min(1)).min(1),
  /** The classes of the weight matrix: the labels, plus `none` when trained with oos examples. */
  classes: z.array(z.string().min(1)).min(2),
  features: featureSettingsSchema,
  weights: z.object({
    rows: z.number().int().min(0),
    /** Sorted feature hashes, delta + varint encoded, base64. */
    keys: z.string(),
    /** Per row: round((idf - 1) * 20), uint8, base64. */
    idf: z.string(),
    /** Per row: number of stored weights, varint, base64. */
    rowLengths: z.string(),
    /** Per stored weight: class index, uint16 little-endian, base64. */
    classIds: z.string(),
    /** Per stored weight: int8, multiplied by its class's scale, base64. */
    values: z.string(),
    scales: z.array(z.number()),
    bias: z.array(z.number()),
  }),
  calibration: z.object({
    /** Below this top probability a text is `none`. */
    threshold: z.number().min(0).max(1),
    maxFalseRejection: z.number(),
    heldOut: heldOutSchema,
  }),
  training: z.object({
    examples: z.number().int(),
    seed: z.number().int(),
    epochs: z.number().int(),
    labelCounts: z.record(z.string(), z.number().int()),
  }),
});
export type ClassifierModel = z.infer<typeof modelSchema>;

/** Validates a parsed JSON value as a classifier model; throws a clear error if it is not one. */
export function parseClassifierModel(json: unknown): ClassifierModel {
  const parsed = modelSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new AppError('validation_failed', `Not a Rapport classifier model: ${problems}`);
  }
  const model = parsed.data;
  const { weights: w } = model;
  if (w.scales.length !== model.classes.length || w.bias.length !== model.classes.length) {
    throw new AppError(
      'validation_failed',
      'Not a Rapport classifier model: scales and bias must have one entry per class',
    );
  }
  for (const label of model.labels) {
    if (!model.classes.includes(label)) {
      throw new AppError(
        'validation_failed',
        `Not a Rapport classifier model: label "${label}" has no class`,
      );
    }
  }
  // Decoding checks the binary arrays agree with each other.
  compile(model);
  return model;
}

// ---------------------------------------------------------------------------------------------
// Features

const DEFAULT_FEATURES: FeatureSettings = {
  hashBits: 20,
  charMin: 3,
  charMax: 5,
  wordWeight: Math.SQRT1_2,
  charWeight: Math.SQRT1_2,
};

const SEED_UNIGRAM = 0x811c9dc5;
const SEED_BIGRAM = 0x01000193 ^ 0x5bd1e995;
const SEED_CHAR = 0x27d4eb2f;
const FNV_PRIME = 16777619;
const START = '\u0002';
const END = '\u0003';

function mix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function hashInto(seed: number, s: string): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

type Terms = { terms: string[]; letters: boolean[] };

/** The terms a classifier sees: words as normalised by the tokenizer, placeholders for handles and links. */
function termsOf(tokens: Token[]): Terms {
  const terms: string[] = [];
  const letters: boolean[] = [];
  for (const t of tokens) {
    switch (t.kind) {
      case 'word':
      case 'hashtag':
        terms.push(t.norm);
        letters.push(true);
        break;
      case 'number':
        terms.push(t.norm.length > 4 ? '<long-number>' : t.norm);
        letters.push(false);
        break;
      case 'mention':
        terms.push('@user');
        letters.push(false);
        break;
      case 'url':
        terms.push('<url>');
        letters.push(false);
        break;
      case 'emoji':
      case 'emoticon':
        terms.push(t.norm);
        letters.push(false);
        break;
      case 'punct':
        if (t.norm.includes('?')) {
          terms.push('?');
          letters.push(false);
        } else if (t.norm.includes('!')) {
          terms.push('!');
          letters.push(false);
        }
        break;
    }
  }
  return { terms, letters };
}

/**
 * The hashed features of one text, counted. `sources` (when asked) ties each occurrence to the
 * term (index < terms.length) or bigram (terms.length + position) it came from, for reasons.
 */
type Bag = {
  keys: number[];
  counts: number[];
  /** 0: word block, 1: character block. */
  groups: number[];
  occSlot: number[];
  occSource: number[];
};

function featurize(t: Terms, fs: FeatureSettings, withSources: boolean): Bag {
  const mask = fs.hashBits >= 32 ? 0xffffffff : (1 << fs.hashBits) - 1;
  const slots = new Map<number, number>();
  const bag: Bag = { keys: [], counts: [], groups: [], occSlot: [], occSource: [] };
  const add = (key: number, group: number, source: number) => {
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = bag.keys.length;
      slots.set(key, slot);
      bag.keys.push(key);
      bag.counts.push(1);
      bag.groups.push(group);
    } else {
      bag.counts[slot] = (bag.counts[slot] ?? 0) + 1;
    }
    if (withSources) {
      bag.occSlot.push(slot);
      bag.occSource.push(source);
    }
  };
  const { terms, letters } = t;
  const n = terms.length;
  for (let i = 0; i < n; i++) {
    const term = terms[i] as string;
    add(mix(hashInto(SEED_UNIGRAM, term)) & mask, 0, i);
    if (letters[i] && fs.charMax >= fs.charMin) {
      const padded = `<${term}>`;
      const len = padded.length;
      for (let s = 0; s < len; s++) {
        let h = SEED_CHAR;
        for (let k = 0; k < fs.charMax && s + k < len; k++) {
          h = Math.imul(h ^ padded.charCodeAt(s + k), FNV_PRIME);
          if (k + 1 >= fs.charMin) add(mix(h ^ (k + 1)) & mask, 1, i);
        }
      }
    }
  }
  // Bigrams including the start and end of the text ("how do …", "… card?").
  for (let j = 0; j <= n; j++) {
    const a = j === 0 ? START : (terms[j - 1] as string);
    const b = j === n ? END : (terms[j] as string);
    if (n === 0) break;
    add(mix(hashInto(hashInto(SEED_BIGRAM, a) ^ 0x20, b)) & mask, 0, n + j);
  }
  return bag;
}

function sourceName(terms: string[], source: number): string {
  const n = terms.length;
  if (source < n) return `"${terms[source]}"`;
  const j = source - n;
  if (j === 0) return `"${terms[0]}" at the start`;
  if (j === n) return `"${terms[n - 1]}" at the end`;
  return `"${terms[j - 1]} ${terms[j]}"`;
}

/** Smoothed idf, quantised (1/20 steps) so training and the saved model use the same values. */
function quantiseIdf(df: number, n: number): number {
  const idf = Math.log((1 + n) / (1 + df)) + 1;
  return Math.min(255, Math.max(0, Math.round((idf - 1) * 20)));
}
const idfOf = (q: number) => 1 + q / 20;

/** TF-IDF weights of a bag's known features, each block L2-normalised and weighted. */
function weigh(
  bag: Bag,
  rowOf: (key: number) => number,
  idfRow: (row: number) => number,
  fs: FeatureSettings,
): { rows: Int32Array; vals: Float32Array; slots: Int32Array } {
  const m = bag.keys.length;
  const rows = new Int32Array(m);
  const vals = new Float32Array(m);
  const slots = new Int32Array(m);
  const norms = [0, 0];
  let k = 0;
  for (let s = 0; s < m; s++) {
    const row = rowOf(bag.keys[s] as number);
    if (row < 0) continue;
    const v = (1 + Math.log(bag.counts[s] as number)) * idfRow(row);
    rows[k] = row;
    vals[k] = v;
    slots[k] = s;
    const g = bag.groups[s] as number;
    norms[g] = (norms[g] ?? 0) + v * v;
    k++;
  }
  const scale = [
    norms[0] ? fs.wordWeight / Math.sqrt(norms[0]) : 0,
    norms[1] ? fs.charWeight / Math.sqrt(norms[1]) : 0,
  ];
  for (let i = 0; i < k; i++) {
    vals[i] = (vals[i] as number) * (scale[bag.groups[slots[i] as number] as number] as number);
  }
  return { rows: rows.subarray(0, k), vals: vals.subarray(0, k), slots: slots.subarray(0, k) };
}

// ---------------------------------------------------------------------------------------------
// Training

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T extends { length: number; [i: number]: number }>(a: T, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const tmp = a[i] as number;
    a[i] = a[j] as number;
    a[j] = tmp;
  }
}

type Vocabulary = { keys: number[]; idfQ: Uint8Array; rowOfKey: Map<number, number> };

function buildVocabulary(bags: Bag[], minDf: number): Vocabulary {
  const df = new Map<number, number>();
  for (const bag of bags) for (const key of bag.keys) df.set(key, (df.get(key) ?? 0) + 1);
  const keys = [...df.entries()].filter(([, c]) => c >= minDf).map(([k]) => k);
  keys.sort((a, b) => a - b);
  const idfQ = new Uint8Array(keys.length);
  const rowOfKey = new Map<number, number>();
  keys.forEach((key, row) => {
    rowOfKey.set(key, row);
    idfQ[row] = quantiseIdf(df.get(key) ?? 0, bags.length);
  });
  return { keys, idfQ, rowOfKey };
}

type Fitted = { W: Float32Array; bias: Float64Array };

/** Multinomial logistic regression by SGD with a linearly decaying step. */
function fitSoftmax(
  xs: { rows: Int32Array; vals: Float32Array }[],
  ys: Int32Array,
  features: number,
  classes: number,
  opts: { epochs: number; learningRate: number; l2: number; seed: number },
  onEpoch: (epoch: number) => void,
): Fitted {
  const K = classes;
  const W = new Float32Array(features * K);
  const bias = new Float64Array(K);
  const z = new Float64Array(K);
  const n = xs.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rand = mulberry32(opts.seed);
  const total = opts.epochs * n;
  let t = 0;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    shuffle(order, rand);
    for (let o = 0; o < n; o++) {
      const idx = order[o] as number;
      const x = xs[idx] as { rows: Int32Array; vals: Float32Array };
      const y = ys[idx] as number;
      const lr = opts.learningRate * Math.max(0.01, 1 - t / total);
      t++;
      for (let k = 0; k < K; k++) z[k] = bias[k] as number;
      const m = x.rows.length;
      for (let j = 0; j < m; j++) {
        const off = (x.rows[j] as number) * K;
        const v = x.vals[j] as number;
        for (let k = 0; k < K; k++) z[k] = (z[k] as number) + v * (W[off + k] as number);
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) if ((z[k] as number) > max) max = z[k] as number;
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp((z[k] as number) - max);
        z[k] = e;
        sum += e;
      }
      // z becomes the gradient of the loss with respect to the scores.
      for (let k = 0; k < K; k++) z[k] = (z[k] as number) / sum - (k === y ? 1 : 0);
      const decay = 1 - lr * opts.l2;
      for (let j = 0; j < m; j++) {
        const off = (x.rows[j] as number) * K;
        const step = lr * (x.vals[j] as number);
        for (let k = 0; k < K; k++) W[off + k] = (W[off + k] as number) * decay - step * (z[k] as number);
      }
      for (let k = 0; k < K; k++) bias[k] = (bias[k] as number) - lr * (z[k] as number);
    }
    onEpoch(epoch + 1);
  }
  return { W, bias };
}

// Varint and base64 helpers for the packed weights.
function encodeVarints(values: ArrayLike<number>): string {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    let v = values[i] as number;
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
  }
  return Buffer.from(out).toString('base64');
}

function decodeVarints(b64: string, count: number, what: string): Float64Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float64Array(count);
  let p = 0;
  for (let i = 0; i < count; i++) {
    let v = 0;
    let mult = 1;
    for (;;) {
      if (p >= bytes.length)
        throw new AppError('validation_failed', `Not a Rapport classifier model: ${what} is truncated`);
      const byte = bytes[p++] as number;
      v += (byte & 0x7f) * mult;
      if (byte < 0x80) break;
      mult *= 128;
    }
    out[i] = v;
  }
  if (p !== bytes.length)
    throw new AppError('validation_failed', `Not a Rapport classifier model: ${what} has extra bytes`);
  return out;
}

/**
 * Quantised weights below this level (of 127) are dropped: on CLINC150 this halves the model
 * with no measurable loss (val in-scope accuracy 0.8993 → 0.8990).
 */
const MIN_LEVEL = 3;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Centres each feature's weights on their median (softmax ignores a shared shift), prunes and quantises. */
function pack(vocab: Vocabulary, fitted: Fitted, K: number): ClassifierModel['weights'] {
  const { W, bias } = fitted;
  const R = vocab.keys.length;
  const tmp = new Float32Array(K);
  const maxAbs = new Float64Array(K);
  for (let r = 0; r < R; r++) {
    const off = r * K;
    tmp.set(W.subarray(off, off + K));
    tmp.sort();
    const median =
      K % 2 ? (tmp[(K - 1) / 2] as number) : ((tmp[K / 2 - 1] as number) + (tmp[K / 2] as number)) / 2;
    for (let k = 0; k < K; k++) {
      const w = (W[off + k] as number) - median;
      W[off + k] = w;
      if (Math.abs(w) > (maxAbs[k] as number)) maxAbs[k] = Math.abs(w);
    }
  }
  const scales = Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const rowLengths = new Uint32Array(R);
  const classIds: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < R; r++) {
    const off = r * K;
    let len = 0;
    for (let k = 0; k < K; k++) {
      const q = Math.round((W[off + k] as number) / (scales[k] as number));
      if (Math.abs(q) >= MIN_LEVEL) {
        classIds.push(k);
        values.push(q);
        len++;
      }
    }
    rowLengths[r] = len;
  }
  const deltas = new Float64Array(R);
  for (let r = 0; r < R; r++) deltas[r] = (vocab.keys[r] as number) - (r ? (vocab.keys[r - 1] as number) : 0);
  const classBytes = Buffer.alloc(classIds.length * 2);
  for (let i = 0; i < classIds.length; i++) classBytes.writeUInt16LE(classIds[i] as number, i * 2);
  return {
    rows: R,
    keys: encodeVarints(deltas),
    idf: Buffer.from(vocab.idfQ).toString('base64'),
    rowLengths: encodeVarints(rowLengths),
    classIds: classBytes.toString('base64'),
    values: Buffer.from(Int8Array.from(values).buffer).toString('base64'),
    scales: scales.map((s) => Number(s.toPrecision(9))),
    bias: Array.from(bias, round6),
  };
}

function stratifiedFolds(labels: string[], folds: number, rand: () => number): Int32Array {
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const list = byLabel.get(l) ?? [];
    list.push(i);
    byLabel.set(l, list);
  });
  const fold = new Int32Array(labels.length);
  let offset = 0;
  for (const label of [...byLabel.keys()].sort()) {
    const idx = Int32Array.from(byLabel.get(label) ?? []);
    shuffle(idx, rand);
    idx.forEach((i, j) => {
      fold[i] = (j + offset) % folds;
    });
    offset += idx.length;
  }
  return fold;
}

type Core = {
  classes: string[];
  labels: string[];
  features: FeatureSettings;
  weights: ClassifierModel['weights'];
};

function fitCore(
  texts: Terms[],
  classIdx: Int32Array,
  classes: string[],
  labels: string[],
  fs: FeatureSettings,
  opts: { epochs: number; learningRate: number; l2: number; seed: number; minDf: number },
  report: (message: string) => void,
): Core {
  const bags = texts.map((t) => featurize(t, fs, false));
  const vocab = buildVocabulary(bags, opts.minDf);
  const xs = bags.map((bag) =>
    weigh(
      bag,
      (key) => vocab.rowOfKey.get(key) ?? -1,
      (row) => idfOf(vocab.idfQ[row] as number),
      fs,
    ),
  );
  report(`${texts.length} examples, ${vocab.keys.length} features`);
  const fitted = fitSoftmax(xs, classIdx, vocab.keys.length, classes.length, opts, (epoch) =>
    report(`epoch ${epoch}/${opts.epochs}`),
  );
  return { classes, labels, features: fs, weights: pack(vocab, fitted, classes.length) };
}

/** Trains a classifier. Examples labelled `oos` or `none` teach what belongs to no label. */
export function trainClassifier(examples: LabelledExample[], options: TrainOptions = {}): ClassifierModel {
  const seed = options.seed ?? 1;
  const progress = options.onProgress ?? (() => {});
  const gold = examples.map((e) => (OUT_OF_SCOPE_LABELS.has(e.label) ? NONE_LABEL : e.label));
  const labelCounts: Record<string, number> = {};
  for (const g of gold) labelCounts[g] = (labelCounts[g] ?? 0) + 1;
  const labels = Object.keys(labelCounts)
    .filter((l) => l !== NONE_LABEL)
    .sort();
  if (labels.length < 2) {
    throw new AppError(
      'validation_failed',
      `A classifier needs at least 2 labels besides oos/none; got ${labels.length}${labels.length ? ` (${labels[0]})` : ''}`,
    );
  }
  const thin = labels.filter((l) => (labelCounts[l] ?? 0) < 3);
  if (thin.length) {
    throw new AppError(
      'validation_failed',
      `Each label needs at least 3 examples; too few for: ${thin.slice(0, 10).join(', ')}${thin.length > 10 ? ' …' : ''}`,
    );
  }
  const classes = labelCounts[NONE_LABEL] ? [...labels, NONE_LABEL] : labels;
  const classOf = new Map(classes.map((c, i) => [c, i]));
  const n = examples.length;
  const fs: FeatureSettings = {
    ...DEFAULT_FEATURES,
    hashBits: options.hashBits ?? DEFAULT_FEATURES.hashBits,
    charMin: options.charNgrams?.[0] ?? DEFAULT_FEATURES.charMin,
    charMax: options.charNgrams?.[1] ?? DEFAULT_FEATURES.charMax,
  };
  const fit = {
    epochs: options.epochs ?? Math.min(60, Math.max(10, Math.ceil(60_000 / n))),
    learningRate: options.learningRate ?? 1.5,
    l2: options.l2 ?? 1e-6,
    seed,
    minDf: n >= 2000 ? 2 : 1,
  };
  progress({ stage: 'features', message: `tokenizing ${n} examples` });
  const terms = examples.map((e) => termsOf(tokenize(e.text)));
  const ys = Int32Array.from(gold, (g) => classOf.get(g) ?? 0);

  // Calibration on held-out predictions: a hold-out split for large sets, cross-validation otherwise.
  const big = n >= 2000;
  const folds = big ? Math.max(2, Math.round(1 / (options.holdout ?? 0.1))) : (options.folds ?? 5);
  const foldOf = stratifiedFolds(gold, folds, mulberry32(seed ^ 0x9e3779b9));
  const runFolds = big ? 1 : folds;
  const heldGold: string[] = [];
  const heldTop: { cls: string; prob: number }[] = [];
  for (let f = 0; f < runFolds; f++) {
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? testIdx : trainIdx).push(i);
    if (!testIdx.length) continue;
    progress({
      stage: 'calibrate',
      message: big
        ? `calibration model on ${trainIdx.length} examples, ${testIdx.length} held out`
        : `cross-validation fold ${f + 1}/${folds}`,
    });
    const core = fitCore(
      trainIdx.map((i) => terms[i] as Terms),
      Int32Array.from(trainIdx, (i) => ys[i] as number),
      classes,
      labels,
      fs,
      fit,
      (message) => big && progress({ stage: 'calibrate', message }),
    );
    const compiled = compileCore(core);
    for (const i of testIdx) {
      const s = score(compiled, terms[i] as Terms, false);
      heldGold.push(gold[i] as string);
      heldTop.push({ cls: classes[s.top] as string, prob: s.probs[s.top] as number });
    }
  }
  // Tuned on CLINC150 val; without oos examples a rejection has a cost but no measurable benefit, so fewer.
  const maxFalseRejection = options.maxFalseRejection ?? (classes.includes(NONE_LABEL) ? 0.01 : 0.005);
  const correct = heldTop
    .filter((p, i) => p.cls !== NONE_LABEL && p.cls === heldGold[i])
    .map((p) => p.prob)
    .sort((a, b) => a - b);
  const threshold = correct.length ? (correct[Math.floor(maxFalseRejection * correct.length)] ?? 0) : 0;
  const heldPred = heldTop.map((p) => (p.cls === NONE_LABEL || p.prob < threshold ? NONE_LABEL : p.cls));
  const heldOut = heldOutFigures(heldGold, heldPred, big ? 'holdout' : 'cross-validation', folds);

  progress({ stage: 'fit', message: `final model on all ${n} examples` });
  const core = fitCore(terms, ys, classes, labels, fs, fit, (message) => progress({ stage: 'fit', message }));
  progress({ stage: 'pack', message: 'packed' });
  return {
    format: 'rapport-classifier',
    version: 1,
    name: options.name ?? 'classifier',
    labels,
    classes,
    features: fs,
    weights: core.weights,
    calibration: { threshold: round6(threshold), maxFalseRejection, heldOut },
    training: { examples: n, seed, epochs: fit.epochs, labelCounts },
  };
}

function heldOutFigures(
  gold: string[],
  predicted: string[],
  method: HeldOutFigures['method'],
  folds: number,
): HeldOutFigures {
  const e = evaluate(gold, predicted);
  let inScope = 0;
  let inScopeRight = 0;
  let oos = 0;
  let oosRight = 0;
  gold.forEach((g, i) => {
    if (g === NONE_LABEL) {
      oos++;
      if (predicted[i] === NONE_LABEL) oosRight++;
    } else {
      inScope++;
      if (predicted[i] === g) inScopeRight++;
    }
  });
  return {
    method,
    folds,
    n: gold.length,
    accuracy: round6(e.accuracy),
    macroF1: round6(e.macroF1),
    inScopeAccuracy: round6(inScope ? inScopeRight / inScope : 0),
    oosN: oos,
    oosRecall: oos ? round6(oosRight / oos) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Prediction

type Compiled = {
  K: number;
  classes: string[];
  noneClass: number;
  threshold: number;
  features: FeatureSettings;
  table: Int32Array;
  rowStart: Int32Array;
  entClass: Uint16Array;
  entWeight: Float32Array;
  /** Rows with many weights (frequent features) also stored densely, K at a time: faster to add. */
  denseOf: Int32Array;
  dense: Float32Array;
  idf: Float32Array;
  bias: Float64Array;
};

const compiledModels = new WeakMap<object, Compiled>();

function compileCore(core: Core, threshold = 0): Compiled {
  const w = core.weights;
  const K = core.classes.length;
  const R = w.rows;
  const bad = (what: string) => new AppError('validation_failed', `Not a Rapport classifier model: ${what}`);
  const deltas = decodeVarints(w.keys, R, 'weights.keys');
  const lengths = decodeVarints(w.rowLengths, R, 'weights.rowLengths');
  const idfBytes = Buffer.from(w.idf, 'base64');
  if (idfBytes.length !== R) throw bad('weights.idf has the wrong length');
  const table = new Int32Array(1 << core.features.hashBits).fill(-1);
  const rowStart = new Int32Array(R + 1);
  const idf = new Float32Array(R);
  let key = 0;
  for (let r = 0; r < R; r++) {
    key += deltas[r] as number;
    if (key >= table.length) throw bad('weights.keys exceed the hash space');
    table[key] = r;
    rowStart[r + 1] = (rowStart[r] as number) + (lengths[r] as number);
    idf[r] = idfOf(idfBytes[r] as number);
  }
  const E = rowStart[R] as number;
  const classBytes = Buffer.from(w.classIds, 'base64');
  const valueBytes = Buffer.from(w.values, 'base64');
  if (classBytes.length !== E * 2 || valueBytes.length !== E)
    throw bad('weights.classIds/values have the wrong length');
  const entClass = new Uint16Array(E);
  const entWeight = new Float32Array(E);
  for (let e = 0; e < E; e++) {
    const c = classBytes.readUInt16LE(e * 2);
    if (c >= K) throw bad('weights.classIds names a class that does not exist');
    entClass[e] = c;
    entWeight[e] = valueBytes.readInt8(e) * (w.scales[c] as number);
  }
  const denseOf = new Int32Array(R).fill(-1);
  let denseRows = 0;
  for (let r = 0; r < R; r++) if ((lengths[r] as number) * 4 > K) denseOf[r] = denseRows++ * K;
  const dense = new Float32Array(denseRows * K);
  for (let r = 0; r < R; r++) {
    const off = denseOf[r] as number;
    if (off < 0) continue;
    for (let e = rowStart[r] as number; e < (rowStart[r + 1] as number); e++) {
      dense[off + (entClass[e] as number)] = entWeight[e] as number;
    }
  }
  return {
    K,
    classes: core.classes,
    noneClass: core.classes.indexOf(NONE_LABEL),
    threshold,
    features: core.features,
    table,
    rowStart,
    entClass,
    entWeight,
    denseOf,
    dense,
    idf,
    bias: Float64Array.from(w.bias),
  };
}

function compile(model: ClassifierModel): Compiled {
  let c = compiledModels.get(model);
  if (!c) {
    c = compileCore(model, model.calibration.threshold);
    compiledModels.set(model, c);
  }
  return c;
}

type Scored = {
  probs: Float64Array;
  top: number;
  /** The best class that is not `none`. */
  topLabel: number;
  known: number;
  x: ReturnType<typeof weigh>;
  bag: Bag;
};

function score(c: Compiled, terms: Terms, withSources: boolean): Scored {
  const bag = featurize(terms, c.features, withSources);
  const x = weigh(
    bag,
    (key) => c.table[key] ?? -1,
    (row) => c.idf[row] as number,
    c.features,
  );
  const z = Float64Array.from(c.bias);
  for (let j = 0; j < x.rows.length; j++) {
    const row = x.rows[j] as number;
    const v = x.vals[j] as number;
    const off = c.denseOf[row] as number;
    if (off >= 0) {
      for (let k = 0; k < c.K; k++) z[k] = (z[k] as number) + v * (c.dense[off + k] as number);
      continue;
    }
    const end = c.rowStart[row + 1] as number;
    for (let e = c.rowStart[row] as number; e < end; e++) {
      const k = c.entClass[e] as number;
      z[k] = (z[k] as number) + v * (c.entWeight[e] as number);
    }
  }
  let max = Number.NEGATIVE_INFINITY;
  let top = 0;
  for (let k = 0; k < c.K; k++) {
    if ((z[k] as number) > max) {
      max = z[k] as number;
      top = k;
    }
  }
  let sum = 0;
  for (let k = 0; k < c.K; k++) {
    const e = Math.exp((z[k] as number) - max);
    z[k] = e;
    sum += e;
  }
  let topLabel = -1;
  for (let k = 0; k < c.K; k++) {
    z[k] = (z[k] as number) / sum;
    if (k !== c.noneClass && (topLabel < 0 || (z[k] as number) > (z[topLabel] as number))) topLabel = k;
  }
  return { probs: z, top, topLabel, known: x.rows.length, x, bag };
}

function reasonsFor(c: Compiled, terms: Terms, s: Scored, cls: number, limit = 3): string[] {
  const bySource = new Map<number, number>();
  // Contribution of each feature to the class, shared among the occurrences it came from.
  const contribution = new Float64Array(s.bag.keys.length);
  for (let j = 0; j < s.x.rows.length; j++) {
    const row = s.x.rows[j] as number;
    // A row's entries are sorted by class.
    let lo = c.rowStart[row] as number;
    let hi = (c.rowStart[row + 1] as number) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = c.entClass[mid] as number;
      if (k < cls) lo = mid + 1;
      else if (k > cls) hi = mid - 1;
      else {
        const slot = s.x.slots[j] as number;
        contribution[slot] =
          ((s.x.vals[j] as number) * (c.entWeight[mid] as number)) / (s.bag.counts[slot] as number);
        break;
      }
    }
  }
  for (let o = 0; o < s.bag.occSlot.length; o++) {
    const v = contribution[s.bag.occSlot[o] as number] as number;
    if (v === 0) continue;
    const src = s.bag.occSource[o] as number;
    bySource.set(src, (bySource.get(src) ?? 0) + v);
  }
  return [...bySource.entries()]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, limit)
    .map(([src, v]) => `${sourceName(terms.terms, src)} (+${v.toFixed(2)})`);
}

/**
 * Classifies a text (or its tokens, when the caller already tokenized it). Returns `none` when
 * the text looks like the out-of-scope examples or no label reaches the calibrated confidence.
 */
export function classify(model: ClassifierModel, input: string | Token[]): ClassifierResult {
  const c = compile(model);
  const terms = termsOf(typeof input === 'string' ? tokenize(input) : input);
  const s = score(c, terms, true);
  if (s.known === 0) return { label: NONE_LABEL, score: 1, reasons: ['no word the classifier knows'] };
  const best = s.topLabel;
  const bestProb = s.probs[best] as number;
  const bestName = c.classes[best] as string;
  if (s.top === c.noneClass) {
    const why = reasonsFor(c, terms, s, c.noneClass);
    return {
      label: NONE_LABEL,
      score: s.probs[s.top] as number,
      reasons: [
        `out of scope: closest to the oos examples (best label "${bestName}" ${bestProb.toFixed(2)})`,
        ...why,
      ],
    };
  }
  if (bestProb < c.threshold) {
    return {
      label: NONE_LABEL,
      score: 1 - bestProb,
      reasons: [
        `low confidence: best label "${bestName}" ${bestProb.toFixed(2)} < threshold ${c.threshold.toFixed(2)}`,
        ...reasonsFor(c, terms, s, best),
      ],
    };
  }
  return { label: bestName, score: bestProb, reasons: reasonsFor(c, terms, s, best) };
}
