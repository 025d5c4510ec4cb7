/** Classification metrics for the evaluation CLI and the training scripts. */
export type ClassMetrics = { precision: number; recall: number; f1: number; support: number };

export type Evaluation = {
  accuracy: number;
  macroF1: number;
  perClass: Record<string, ClassMetrics>;
  /** confusion[gold][predicted] = count */
  confusion: Record<string, Record<string, number>>;
  n: number;
};

/**
 * Scores predictions against gold labels. Macro-F1 averages over the gold labels and any label
 * that was predicted, so predicting a class that never occurs is penalised.
 */
export function evaluate(gold: string[], predicted: string[], labels?: string[]): Evaluation {
  if (gold.length !== predicted.length) throw new Error('gold and predicted differ in length');
  const all = labels ?? [...new Set([...gold, ...predicted])].sort();
  const confusion: Record<string, Record<string, number>> = {};
  for (const g of all) confusion[g] = Object.fromEntries(all.map((p) => [p, 0]));
  let correct = 0;
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i] as string;
    const p = predicted[i] as string;
    if (g === p) correct++;
    const row = confusion[g] ?? {};
    confusion[g] = row;
    row[p] = (row[p] ?? 0) + 1;
  }
  const perClass: Record<string, ClassMetrics> = {};
  for (const label of all) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const g of all) {
      for (const p of all) {
        const c = confusion[g]?.[p] ?? 0;
        if (g === label && p === label) tp += c;
        else if (p === label) fp += c;
        else if (g === label) fn += c;
      }
    }
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[label] = { precision, recall, f1, support: tp + fn };
  }
  const f1s = Object.values(perClass).map((m) => m.f1);
  return {
    accuracy: gold.length === 0 ? 0 : correct / gold.length,
    macroF1: f1s.length === 0 ? 0 : f1s.reduce((a, b) => a + b, 0) / f1s.length,
    perClass,
    confusion,
    n: gold.length,
  };
}

/** A plain-text report: accuracy, macro-F1, per-class table and confusion matrix. */
export function formatEvaluation(e: Evaluation, extra: Record<string, number> = {}): string {
  const pct = (x: number) => (x * 100).toFixed(1).padStart(6);
  const labels = Object.keys(e.perClass);
  const width = Math.max(8, ...labels.map((l) => l.length)) + 2;
  const lines = [
    `n            ${e.n}`,
    `accuracy     ${(e.accuracy * 100).toFixed(1)}%`,
    `macro-F1     ${(e.macroF1 * 100).toFixed(1)}%`,
    ...Object.entries(extra).map(([k, v]) => `${k.padEnd(12)} ${Number.isInteger(v) ? v : v.toFixed(3)}`),
    '',
    `${'class'.padEnd(width)} precision  recall      F1  support`,
    ...labels.map((l) => {
      const m = e.perClass[l] as ClassMetrics;
      return `${l.padEnd(width)}    ${pct(m.precision)}  ${pct(m.recall)}  ${pct(m.f1)}  ${String(m.support).padStart(7)}`;
    }),
  ];
  if (labels.length <= 12) {
    lines.push('', `confusion (rows: gold, columns: predicted)`);
    lines.push(`${''.padEnd(width)}${labels.map((l) => l.slice(0, 9).padStart(10)).join('')}`);
    for (const g of labels) {
      lines.push(
        `${g.padEnd(width)}${labels.map((p) => String(e.confusion[g]?.[p] ?? 0).padStart(10)).join('')}`,
      );
    }
  }
  return lines.join('\n');
}
