/**
 * Cases as CSV, JSON or JSON Lines (`GET /cases/export`, `rapport cases export`, Export on the
 * inbox): the case list's filters and order, with a window on when cases were opened, read a page
 * at a time, for service reports in a spreadsheet. For the roles that configure the inbox (owner,
 * admin, manager); every export is in the audit log.
 */
import type { AppContext } from '../../context.ts';
import { type ExportFormat, streamOfChunks } from '../../export-format.ts';
import { csvField } from '../../pipeline/csv.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { checkCaseFilters, listCases } from './case-lists.ts';
import { type CaseCard, type CaseFilters, caseFilters } from './schema.ts';

const PAGE = 200;

export const caseExportColumns = [
  'number',
  'subject',
  'status',
  'priority',
  'type',
  'channel',
  'customer_id',
  'customer_name',
  'assignee_name',
  'team',
  'tags',
  'created_at',
  'first_response_at',
  'first_response_minutes',
  'solved_at',
  'resolution_minutes',
  'closed_at',
  'sla_first_response',
  'sla_next_response',
  'sla_resolution',
  'waiting_since',
] as const;

export type CaseExportFilters = Omit<CaseFilters, 'limit' | 'cursor'>;
export type CaseExportSummary = { cases: number; elapsedMs: number };

/** Calendar minutes from `from` to `to`, or null without an end. */
const minutesBetween = (from: string, to: string | null) =>
  to === null ? null : Math.round((Date.parse(to) - Date.parse(from)) / 60_000);

/** The export's text, a page of cases at a time. */
async function* exportChunks(
  ctx: AppContext,
  actor: Actor,
  filters: CaseExportFilters,
  format: ExportFormat,
  /** Told how many cases are written so far, after each page. */
  onPage: (done: number) => void = () => {},
  pageSize = PAGE,
): AsyncGenerator<string> {
  requirePermission(actor, 'inbox:configure');
  const f = caseFilters.parse(filters);
  checkCaseFilters(f);
  await recordAudit(ctx, ctx.db, {
    workspaceId: actor.workspaceId,
    actorUserId: actor.userId,
    action: 'cases.export',
    targetType: 'workspace',
    targetId: actor.workspaceId,
    details: { via: actor.via === 'cli' ? 'cli' : 'http', format, filters: f },
  });
  const ws = actor.workspaceId;
  const [users, teams] = await Promise.all([
    ctx.db.selectFrom('users').select(['id', 'name', 'email']).where('workspace_id', '=', ws).execute(),
    ctx.db.selectFrom('teams').select(['id', 'name']).where('workspace_id', '=', ws).execute(),
  ]);
  const userName = new Map(users.map((u) => [u.id, u.name || u.email]));
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const lineOf = (c: CaseCard) => {
    const clock = (metric: string) => c.sla.find((k) => k.metric === metric)?.status ?? null;
    const row = {
      number: c.number,
      subject: c.subject,
      status: c.status,
      priority: c.priority,
      type: c.type,
      channel: c.channel,
      customer_id: c.customerId,
      customer_name: c.customer?.displayName ?? null,
      assignee_name: c.assigneeUserId ? (userName.get(c.assigneeUserId) ?? null) : null,
      team: c.teamId ? (teamName.get(c.teamId) ?? null) : null,
      tags: format === 'csv' ? c.tags.join('; ') : c.tags,
      created_at: c.createdAt,
      first_response_at: c.firstResponseAt,
      first_response_minutes: minutesBetween(c.createdAt, c.firstResponseAt),
      solved_at: c.solvedAt,
      resolution_minutes: minutesBetween(c.createdAt, c.solvedAt),
      closed_at: c.closedAt,
      sla_first_response: clock('first_response'),
      sla_next_response: clock('next_response'),
      sla_resolution: clock('resolution'),
      waiting_since: c.waitingSince,
    };
    if (format !== 'csv') return JSON.stringify(row);
    return caseExportColumns.map((k) => csvField(row[k] as string | number | null)).join(',');
  };

  if (format === 'csv') yield `${caseExportColumns.join(',')}\n`;
  else if (format === 'json') yield '[';
  let done = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await listCases(ctx, actor, { ...f, cursor, limit: pageSize });
    if (page.items.length > 0) {
      const lines = page.items.map(lineOf);
      if (format === 'json') yield `${done > 0 ? ',' : ''}\n${lines.join(',\n')}`;
      else yield `${lines.join('\n')}\n`;
      done += page.items.length;
      onPage(done);
    }
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  if (format === 'json') yield done > 0 ? '\n]\n' : ']\n';
}

/** Writes the export through `write` (the command line); resolves to how many cases it wrote. */
export async function exportCases(
  ctx: AppContext,
  actor: Actor,
  filters: CaseExportFilters,
  format: ExportFormat,
  write: (text: string) => void,
  pageSize = PAGE,
): Promise<CaseExportSummary> {
  const started = performance.now();
  let cases = 0;
  const counted = (done: number) => {
    cases = done;
  };
  for await (const chunk of exportChunks(ctx, actor, filters, format, counted, pageSize)) write(chunk);
  return { cases, elapsedMs: performance.now() - started };
}

/** The export as a download's body; permission and filters are checked before the first byte. */
export function caseExportStream(
  ctx: AppContext,
  actor: Actor,
  filters: CaseExportFilters,
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  requirePermission(actor, 'inbox:configure');
  checkCaseFilters(filters);
  return streamOfChunks(ctx.log, exportChunks(ctx, actor, filters, format), 'case export');
}
