/**
 * Leads as CSV, JSON or JSON Lines (`GET /sales/leads/export`, `rapport sales leads export`, Export
 * on the board): the list's filters and order, read a page at a time, for pipeline reports in a
 * spreadsheet. The file names customers and their email addresses, so it is for the roles that
 * configure sales (owner, admin, manager), and every export is in the audit log.
 */
import type { AppContext } from '../../context.ts';
import { type ExportFormat, streamOfChunks } from '../../export-format.ts';
import { csvField, type ImportProgress } from '../../pipeline/csv.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { listLeads } from './lead-lists.ts';
import { type LeadCard, type LeadFilters, leadFilters } from './schema.ts';

const PAGE = 200;

export const leadExportColumns = [
  'number',
  'title',
  'stage',
  'status',
  'disqualify_reason',
  'score',
  'fit_score',
  'engagement_score',
  'customer_id',
  'customer_name',
  'customer_email',
  'customer_handle',
  'owner_name',
  'owner_email',
  'team',
  'source',
  'handoff_status',
  'first_contact_at',
  'opportunities',
  'created_at',
  'closed_at',
] as const;

export type LeadExportSummary = { leads: number; elapsedMs: number };

/** The export's text, a page of leads at a time. */
async function* exportChunks(
  ctx: AppContext,
  actor: Actor,
  filters: LeadFilters,
  format: ExportFormat,
  /** Told how many leads are written so far, after each page. */
  onProgress: ((p: ImportProgress) => void) | undefined,
  pageSize = PAGE,
): AsyncGenerator<string> {
  requirePermission(actor, 'sales:configure');
  const f = leadFilters.parse(filters);
  const started = performance.now();
  await recordAudit(ctx, ctx.db, {
    workspaceId: actor.workspaceId,
    actorUserId: actor.userId,
    action: 'leads.export',
    targetType: 'workspace',
    targetId: actor.workspaceId,
    details: { via: actor.via === 'cli' ? 'cli' : 'http', format, filters: f },
  });
  const ws = actor.workspaceId;
  const [users, teams] = await Promise.all([
    ctx.db.selectFrom('users').select(['id', 'email']).where('workspace_id', '=', ws).execute(),
    ctx.db.selectFrom('teams').select(['id', 'name']).where('workspace_id', '=', ws).execute(),
  ]);
  const emailOf = new Map(users.map((u) => [u.id, u.email]));
  const teamName = new Map(teams.map((t) => [t.id, t.name]));

  if (format === 'csv') yield `${leadExportColumns.join(',')}\n`;
  else if (format === 'json') yield '[';
  let done = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await listLeads(ctx, actor, { ...f, cursor, limit: pageSize });
    const leads = page.items;
    if (leads.length > 0) {
      const lines = await linesOf(ctx, ws, leads, format, emailOf, teamName);
      if (format === 'json') yield `${done > 0 ? ',' : ''}\n${lines.join(',\n')}`;
      else yield `${lines.join('\n')}\n`;
      done += leads.length;
      onProgress?.({ read: done, total: done, elapsedMs: performance.now() - started });
    }
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  if (format === 'json') yield done > 0 ? '\n]\n' : ']\n';
}

/** A page's lines: the customers' emails and the opportunity counts read for the page at once. */
async function linesOf(
  ctx: AppContext,
  workspaceId: string,
  leads: LeadCard[],
  format: ExportFormat,
  emailOf: Map<string, string>,
  teamName: Map<string, string>,
): Promise<string[]> {
  const [customers, opportunities] = await Promise.all([
    ctx.db
      .selectFrom('customers')
      .select(['id', 'primary_email'])
      .where('workspace_id', '=', workspaceId)
      .where(
        'id',
        'in',
        leads.map((l) => l.customerId),
      )
      .execute(),
    ctx.db
      .selectFrom('opportunities')
      .select((eb) => ['lead_id', eb.fn.countAll<number>().as('n')])
      .where('workspace_id', '=', workspaceId)
      .where(
        'lead_id',
        'in',
        leads.map((l) => l.id),
      )
      .groupBy('lead_id')
      .execute(),
  ]);
  const customerEmail = new Map(customers.map((c) => [c.id, c.primary_email]));
  const opportunityCount = new Map(opportunities.map((o) => [o.lead_id, Number(o.n)]));
  return leads.map((l) => {
    const row = {
      number: l.number,
      title: l.title,
      stage: l.stage,
      status: l.status,
      disqualify_reason: l.disqualifyReason,
      score: l.score,
      fit_score: l.fitScore,
      engagement_score: l.engagementScore,
      customer_id: l.customerId,
      customer_name: l.customer.displayName,
      customer_email: customerEmail.get(l.customerId) ?? null,
      customer_handle: l.customer.handle,
      owner_name: l.owner?.name ?? null,
      owner_email: l.ownerUserId ? (emailOf.get(l.ownerUserId) ?? null) : null,
      team: l.teamId ? (teamName.get(l.teamId) ?? null) : null,
      source: l.source,
      handoff_status: l.handoff.status,
      first_contact_at: l.handoff.firstContactAt,
      opportunities: opportunityCount.get(l.id) ?? 0,
      created_at: l.createdAt,
      closed_at: l.closedAt,
    };
    if (format !== 'csv') return JSON.stringify(row);
    return leadExportColumns.map((k) => csvField(row[k])).join(',');
  });
}

/** Writes the export through `write` (the command line); resolves to how many leads it wrote. */
export async function exportLeads(
  ctx: AppContext,
  actor: Actor,
  filters: LeadFilters,
  format: ExportFormat,
  write: (text: string) => void,
  pageSize = PAGE,
): Promise<LeadExportSummary> {
  const started = performance.now();
  let leads = 0;
  const counted = (p: ImportProgress) => {
    leads = p.read;
  };
  for await (const chunk of exportChunks(ctx, actor, filters, format, counted, pageSize)) write(chunk);
  return { leads, elapsedMs: performance.now() - started };
}

/** The export as a download's body; permission is checked before the first byte. */
export function leadExportStream(
  ctx: AppContext,
  actor: Actor,
  filters: LeadFilters,
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  requirePermission(actor, 'sales:configure');
  return streamOfChunks(ctx.log, exportChunks(ctx, actor, filters, format, undefined), 'lead export');
}
