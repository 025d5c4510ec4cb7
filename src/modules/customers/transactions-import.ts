/**
 * `rapport customers import-transactions`: a CSV file of orders, subscriptions and refunds, one
 * per line, attached to customers by email (an unknown email gets a new customer). Each line is
 * validated like `POST /customers/{id}/transactions`; a bad line is reported with its number and
 * the others are imported. Idempotent on external_id, so running a file twice doubles nothing.
 */
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import {
  type CsvSource,
  cellsOf,
  columnMapping,
  type ImportProgress,
  requireColumns,
} from '../../pipeline/csv.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { customerForEmail, storeTransaction } from './activity.ts';
import { type TransactionInput, transactionInput } from './activity-schema.ts';

export const transactionColumns = [
  'external_id',
  'email',
  'amount',
  'currency',
  'occurred_at',
  'kind',
  'status',
  'description',
] as const;
type Column = (typeof transactionColumns)[number];
const required: Column[] = ['email', 'amount', 'currency', 'occurred_at'];

export type TransactionImportSummary = {
  read: number;
  imported: number;
  duplicates: number;
  customersCreated: number;
  rejected: { line: number; reason: string }[];
  elapsedMs: number;
};

const CHUNK = 500;

export async function importTransactions(
  ctx: AppContext,
  actor: Actor,
  options: { source: CsvSource; map?: string | undefined },
  onProgress: (p: ImportProgress) => void = () => {},
): Promise<TransactionImportSummary> {
  requirePermission(actor, 'customers:manage');
  const started = performance.now();
  const mapping = columnMapping(transactionColumns, options.map);
  const total = options.source.total;
  const summary = { read: 0, imported: 0, duplicates: 0, customersCreated: 0 };
  const rejected: TransactionImportSummary['rejected'] = [];
  let chunk: { line: number; email: string; input: TransactionInput }[] = [];
  let reported = -1;

  const flush = async () => {
    if (chunk.length === 0) return;
    const rows = chunk;
    chunk = [];
    await ctx.db.transaction().execute(async (trx) => {
      for (const row of rows) {
        let customerId: string;
        try {
          const found = await customerForEmail(ctx, trx, actor.workspaceId, row.email, 'import');
          customerId = found.customerId;
          if (found.created) summary.customersCreated++;
        } catch (err) {
          // A bad address, or the address of an erased customer: this line only, not the file.
          if (!(err instanceof AppError && (err.code === 'validation_failed' || err.code === 'conflict')))
            throw err;
          rejected.push({ line: row.line, reason: `${mapping.email}: ${err.message}` });
          continue;
        }
        const { created } = await storeTransaction(
          ctx,
          trx,
          actor.workspaceId,
          customerId,
          row.input,
          'import',
        );
        if (created) summary.imported++;
        else summary.duplicates++;
      }
    });
    reported = summary.read;
    onProgress({ read: summary.read, total, elapsedMs: performance.now() - started });
  };

  let checkedHeader = false;
  for await (const { record, line } of options.source.records) {
    if (!checkedHeader) {
      checkedHeader = true;
      requireColumns(mapping, required, record);
    }
    summary.read++;
    const cell = cellsOf(mapping, record);
    const occurred = cell('occurred_at');
    const parsed = transactionInput.safeParse({
      externalId: cell('external_id'),
      amount: cell('amount'),
      currency: cell('currency') ?? '',
      // Spreadsheets write "2026-11-20 10:00:00": read it as the ISO instant it means (UTC).
      occurredAt: occurred?.replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T') ?? '',
      kind: cell('kind')?.toLowerCase(),
      status: cell('status'),
      description: cell('description'),
    });
    const email = cell('email');
    if (!parsed.success || !email) {
      const problems = parsed.success
        ? []
        : parsed.error.issues.map((i) => {
            const field = String(i.path[0] ?? 'amount');
            const column =
              { externalId: 'external_id', occurredAt: 'occurred_at' }[field] ?? (field as Column);
            return `${mapping[column as Column] ?? column}: ${i.message}`;
          });
      if (!email) problems.unshift(`${mapping.email}: missing`);
      rejected.push({ line, reason: problems.join('; ') });
      continue;
    }
    chunk.push({ line, email, input: parsed.data });
    if (chunk.length >= CHUNK) await flush();
  }
  await flush();
  // Lines rejected after the last chunk still count as read.
  if (reported !== summary.read)
    onProgress({ read: summary.read, total, elapsedMs: performance.now() - started });
  return {
    ...summary,
    rejected: rejected.sort((a, b) => a.line - b.line),
    elapsedMs: Math.round(performance.now() - started),
  };
}
