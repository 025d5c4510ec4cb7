/**
 * `rapport sales import-leads`, `POST /sales/leads/import` and the pipeline board's Import leads:
 * a CSV file of leads (a list bought at a fair, a spreadsheet from before Rapport), one per line,
 * each on the customer of its email (an unknown email gets a new customer, named from `name`).
 * A bad line is reported with its number and the others are imported; one transaction per line.
 * Running a file again makes nothing twice: a customer with an open lead, or with an imported
 * lead of the same title, is reported as already there.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import {
  type CsvSource,
  cellsOf,
  columnMapping,
  type ImportProgress,
  requireColumns,
} from '../../pipeline/csv.ts';
import { type Actor, can, requirePermission } from '../auth/roles.ts';
import { customerForEmail } from '../customers/activity.ts';
import { insertLead } from './leads.ts';
import { type LeadStage, leadStages } from './schema.ts';

export const leadColumns = ['email', 'name', 'title', 'stage', 'owner', 'team'] as const;
type Column = (typeof leadColumns)[number];
const required: Column[] = ['email', 'title'];

/** The words spreadsheets use for the stages, besides the stages' own names. */
const stageWords: Record<string, LeadStage> = {
  mql: 'marketing_qualified',
  sql: 'sales_qualified',
  advocate: 'evangelist',
  prospect: 'lead',
};

/** A stage as a person writes it ("Marketing qualified", "MQL", "advocate"), or null. */
export function parseLeadStage(value: string): LeadStage | null {
  const word = value
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if ((leadStages as readonly string[]).includes(word)) return word as LeadStage;
  return stageWords[word] ?? null;
}

export type LeadImportSummary = {
  read: number;
  created: number;
  /** Lines whose customer already has an open lead, or an imported lead of the same title. */
  existing: number;
  customersCreated: number;
  rejected: { line: number; reason: string }[];
  elapsedMs: number;
};

export async function importLeads(
  ctx: AppContext,
  actor: Actor,
  options: { source: CsvSource; map?: string | undefined },
  onProgress: (p: ImportProgress) => void = () => {},
): Promise<LeadImportSummary> {
  requirePermission(actor, 'sales:work');
  // Unknown emails become customers.
  requirePermission(actor, 'customers:manage');
  const started = performance.now();
  const mapping = columnMapping(leadColumns, options.map);
  const ws = actor.workspaceId;
  const total = options.source.total;
  const summary = { read: 0, created: 0, existing: 0, customersCreated: 0 };
  const rejected: LeadImportSummary['rejected'] = [];

  // Owners by email and teams by name, read once: a file names the same few again and again.
  const users = await ctx.db
    .selectFrom('users')
    .select(['id', 'email', 'role', 'status'])
    .where('workspace_id', '=', ws)
    .execute();
  const ownerOf = new Map(users.map((u) => [u.email.toLowerCase(), u]));
  const teams = await ctx.db
    .selectFrom('teams')
    .select(['id', 'name'])
    .where('workspace_id', '=', ws)
    .execute();
  const teamOf = new Map(teams.map((t) => [t.name.trim().toLowerCase(), t.id]));
  // The command line's operator is no user: the leads it makes have no creator to follow them.
  const by = { userId: actor.via === 'cli' ? null : actor.userId };

  let checkedHeader = false;
  for await (const { record, line } of options.source.records) {
    if (!checkedHeader) {
      checkedHeader = true;
      requireColumns(mapping, required, record);
    }
    summary.read++;
    const cell = cellsOf(mapping, record);
    const problems: string[] = [];
    const email = cell('email');
    if (!email) problems.push(`${mapping.email}: missing`);
    const title = cell('title');
    if (!title) problems.push(`${mapping.title}: missing`);
    else if (title.length > 300) problems.push(`${mapping.title}: longer than 300 characters`);
    const name = cell('name');
    if (name && name.length > 200) problems.push(`${mapping.name}: longer than 200 characters`);
    const stageText = cell('stage');
    const stage = stageText === undefined ? 'lead' : parseLeadStage(stageText);
    if (!stage)
      problems.push(
        `${mapping.stage}: "${stageText}" is not a stage (${leadStages.join(', ')}, or MQL, SQL, advocate)`,
      );
    const ownerEmail = cell('owner');
    const owner = ownerEmail ? ownerOf.get(ownerEmail.toLowerCase()) : undefined;
    if (ownerEmail && !owner) problems.push(`${mapping.owner}: no user ${ownerEmail} in this workspace`);
    else if (owner && (owner.status !== 'active' || !can({ role: owner.role }, 'sales:work')))
      problems.push(`${mapping.owner}: ${ownerEmail} cannot own leads`);
    const teamName = cell('team');
    const teamId = teamName ? teamOf.get(teamName.toLowerCase()) : undefined;
    if (teamName && !teamId) problems.push(`${mapping.team}: no team "${teamName}"`);
    if (problems.length > 0 || !email || !title || !stage) {
      rejected.push({ line, reason: problems.join('; ') });
      continue;
    }

    try {
      const outcome = await ctx.db.transaction().execute(async (trx) => {
        const found = await customerForEmail(ctx, trx, ws, email, 'import');
        if (found.created && name)
          await trx
            .updateTable('customers')
            .set({ display_name: name })
            .where('id', '=', found.customerId)
            .execute();
        const already = await trx
          .selectFrom('leads')
          .select('number')
          .where('workspace_id', '=', ws)
          .where('customer_id', '=', found.customerId)
          .where((eb) =>
            eb.or([
              eb('status', '=', 'open'),
              eb.and([eb('source', '=', 'import'), eb(sql`lower(title)`, '=', title.toLowerCase())]),
            ]),
          )
          .executeTakeFirst();
        if (already) return { created: false, customerCreated: found.created };
        await insertLead(
          ctx,
          trx,
          ws,
          {
            customerId: found.customerId,
            title,
            stage,
            ownerUserId: owner?.id,
            teamId,
            mentionIds: [],
            source: 'import',
          },
          by,
        );
        return { created: true, customerCreated: found.created };
      });
      if (outcome.customerCreated) summary.customersCreated++;
      if (outcome.created) summary.created++;
      else summary.existing++;
    } catch (err) {
      // A bad address, or the address of an erased customer: this line only, not the file.
      if (!(err instanceof AppError && (err.code === 'validation_failed' || err.code === 'conflict')))
        throw err;
      rejected.push({ line, reason: `${mapping.email}: ${err.message}` });
    }
    if (summary.read % 100 === 0)
      onProgress({ read: summary.read, total, elapsedMs: performance.now() - started });
  }
  onProgress({ read: summary.read, total, elapsedMs: performance.now() - started });
  return {
    ...summary,
    rejected: rejected.sort((a, b) => a.line - b.line),
    elapsedMs: Math.round(performance.now() - started),
  };
}
