/**
 * Contacts files (a CRM export, a spreadsheet of customers): one person per line, with any of
 * their name, email, phone, Bluesky and Mastodon handles and custom attributes. The identities on
 * one line are an explicit link, strong evidence: customers already holding them are merged into
 * one (with the file and line as evidence, undoable like every merge), and handles not seen yet
 * join that customer when the pipeline first meets them. Idempotent: a second run changes nothing.
 * The file comes from `csvFromFile` (the CLI) or `csvFromText` (an upload), src/pipeline/csv.ts.
 */
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { type CsvSource, columnMapping, type ImportProgress } from '../../pipeline/csv.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { applyAttributes, normalizeEmail, normalizePhone } from './rules.ts';
import type { AttributeValue } from './schema.ts';
import {
  addIdentityInTransaction,
  contactHandle,
  currentCustomerId,
  listAttributeDefinitions,
  mergeInTransaction,
  updateCustomer,
} from './service.ts';

export const contactColumns = ['name', 'email', 'email_verified', 'phone', 'bluesky', 'mastodon'] as const;

const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

const contactRow = z
  .object({
    name: z.string().max(200).optional(),
    email: z.email({ error: 'not an email address' }).max(320).optional(),
    email_verified: z
      .enum(['true', 'false', 'yes', 'no', '1', '0'], { error: 'true or false' })
      .optional()
      .transform((v) => v === 'true' || v === 'yes' || v === '1'),
    phone: z
      .string()
      .regex(/^\+?[0-9 ().-]{5,30}$/, 'not a phone number')
      .optional(),
    bluesky: z
      .string()
      .transform(contactHandle)
      .pipe(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'not a Bluesky handle (name.bsky.social)'))
      .optional(),
    mastodon: z
      .string()
      .transform(contactHandle)
      .pipe(
        z.string().regex(/^[a-z0-9_.]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'not a Mastodon account (user@instance)'),
      )
      .optional(),
  })
  .refine((r) => r.email || r.phone || r.bluesky || r.mastodon, {
    message: 'names no identity: give an email, phone, bluesky or mastodon column',
  });
type ContactRow = z.infer<typeof contactRow>;

export type ContactImportSummary = {
  read: number;
  created: number;
  /** Lines that added an identity, an attribute or a pending link to an existing customer. */
  updated: number;
  unchanged: number;
  /** Customers merged because one line listed identities they held. */
  merged: number;
  /** Handles not seen yet, linked when the account first posts. */
  pendingLinks: number;
  rejected: { line: number; reason: string }[];
  elapsedMs: number;
};

export async function importContacts(
  ctx: AppContext,
  actor: Actor,
  source: CsvSource,
  options: { map?: string | undefined } = {},
  onProgress: (p: ImportProgress) => void = () => {},
): Promise<ContactImportSummary> {
  requirePermission(actor, 'customers:manage');
  const started = performance.now();
  const mapping = columnMapping(contactColumns, options.map);
  const definitions = new Map((await listAttributeDefinitions(ctx, actor)).map((d) => [d.key, d]));
  const summary: Omit<ContactImportSummary, 'elapsedMs'> = {
    read: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    merged: 0,
    pendingLinks: 0,
    rejected: [],
  };
  for await (const { record, line } of source.records) {
    summary.read++;
    const raw = Object.fromEntries(contactColumns.map((c) => [c, blank(record[mapping[c]])]));
    const parsed = contactRow.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path[0] ? `${String(issue.path[0])}: ` : '';
      summary.rejected.push({ line, reason: `${field}${issue?.message ?? 'invalid'}` });
      continue;
    }
    const attributes: Record<string, AttributeValue> = {};
    for (const [column, value] of Object.entries(record)) {
      const text = blank(value);
      if (column.startsWith('attr.') && text !== undefined)
        attributes[column.slice(5)] = fromCsv(definitions.get(column.slice(5))?.type, text);
    }
    try {
      // Checked before anything is written, so a line is imported whole or not at all.
      applyAttributes([...definitions.values()], {}, attributes);
      const outcome = await ctx.db
        .transaction()
        .execute((trx) =>
          importLine(ctx, trx, actor, parsed.data, `contacts file "${source.name}", line ${line}`),
        );
      if (Object.keys(attributes).length > 0) {
        const before = JSON.stringify((await currentAttributes(ctx, outcome.customerId)) ?? {});
        await updateCustomer(ctx, actor, outcome.customerId, { attributes });
        if (
          outcome.kind === 'unchanged' &&
          JSON.stringify(await currentAttributes(ctx, outcome.customerId)) !== before
        )
          outcome.kind = 'updated';
      }
      summary[outcome.kind]++;
      summary.merged += outcome.merged;
      summary.pendingLinks += outcome.pendingLinks;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      summary.rejected.push({ line, reason: err.message });
    }
    if (summary.read % 100 === 0 || summary.read === source.total)
      onProgress({ read: summary.read, total: source.total, elapsedMs: performance.now() - started });
  }
  return { ...summary, elapsedMs: Math.round(performance.now() - started) };
}

/** A CSV cell as the attribute's type reads it; a cell that does not parse is left for validation to name. */
function fromCsv(type: string | undefined, text: string): AttributeValue {
  if (type === 'number' && text !== '' && Number.isFinite(Number(text))) return Number(text);
  if (type === 'boolean') {
    const t = text.toLowerCase();
    if (['true', 'yes', '1'].includes(t)) return true;
    if (['false', 'no', '0'].includes(t)) return false;
  }
  return text;
}

async function currentAttributes(ctx: AppContext, customerId: string): Promise<unknown> {
  const row = await ctx.db
    .selectFrom('customers')
    .select('attributes')
    .where('id', '=', customerId)
    .executeTakeFirst();
  return row ? ctx.dialect.parseJson(row.attributes) : null;
}

type LineOutcome = {
  kind: 'created' | 'updated' | 'unchanged';
  customerId: string;
  merged: number;
  pendingLinks: number;
};

async function importLine(
  ctx: AppContext,
  trx: Transaction<DB>,
  actor: Actor,
  row: ContactRow,
  evidence: string,
): Promise<LineOutcome> {
  const workspaceId = actor.workspaceId;
  const email = row.email ? normalizeEmail(row.email) : undefined;
  const phone = row.phone ? normalizePhone(row.phone) : undefined;
  const owner = async (kind: string, channel: string, column: 'external_id' | 'handle', value?: string) => {
    if (!value) return undefined;
    const found = await trx
      .selectFrom('identities')
      .select('customer_id')
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', kind as 'email')
      .where('channel', '=', channel)
      .where(column, '=', value)
      .executeTakeFirst();
    return found ? currentCustomerId(trx, found.customer_id) : undefined;
  };
  const owners = {
    email: await owner('email', 'email', 'external_id', email),
    phone: await owner('phone', 'phone', 'external_id', phone),
    bluesky: await owner('social', 'bluesky', 'handle', row.bluesky),
    mastodon: await owner('social', 'mastodon', 'handle', row.mastodon),
  };
  const held = [...new Set(Object.values(owners).filter((o): o is string => o !== undefined))];
  let kind: LineOutcome['kind'] = 'unchanged';
  let customerId = owners.email ?? held[0];
  if (!customerId) {
    const now = ctx.now().toISOString();
    customerId = newId(ctx.now());
    await trx
      .insertInto('customers')
      .values({
        id: customerId,
        workspace_id: workspaceId,
        display_name: row.name?.trim() || email || row.bluesky || row.mastodon || phone || 'Contact',
        primary_email: email ?? null,
        avatar_url: null,
        bio: null,
        attributes: ctx.dialect.toJson({}),
        merged_into: null,
        website_domain: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    kind = 'created';
  }
  const listed = [
    email && `email ${email}`,
    phone && `phone ${phone}`,
    row.bluesky && `Bluesky ${row.bluesky}`,
    row.mastodon && `Mastodon ${row.mastodon}`,
  ].filter(Boolean);
  let merged = 0;
  for (const other of held)
    if (other !== customerId) {
      await mergeInTransaction(ctx, trx, workspaceId, actor.userId, {
        intoId: customerId,
        fromId: other,
        evidence: [`${evidence} lists ${listed.join(', ')} as one person`],
      });
      merged++;
    }
  if (merged > 0 && kind === 'unchanged') kind = 'updated';
  // A customer the pipeline made from an account is named by its handle: the file knows better.
  if (kind !== 'created') {
    const current = await trx
      .selectFrom('customers')
      .select(['display_name', 'primary_email'])
      .where('id', '=', customerId)
      .executeTakeFirstOrThrow();
    const handles = await trx
      .selectFrom('identities')
      .select('handle')
      .where('customer_id', '=', customerId)
      .execute();
    const named = row.name?.trim();
    const patch = {
      ...(named && named !== current.display_name && handles.some((h) => h.handle === current.display_name)
        ? { display_name: named }
        : {}),
      ...(email && current.primary_email === null ? { primary_email: email } : {}),
    };
    if (Object.keys(patch).length > 0) {
      await trx
        .updateTable('customers')
        .set({ ...patch, updated_at: ctx.now().toISOString() })
        .where('id', '=', customerId)
        .execute();
      if (kind === 'unchanged') kind = 'updated';
    }
  }
  for (const [identityKind, value, ownedBy] of [
    ['email', email, owners.email],
    ['phone', phone, owners.phone],
  ] as const)
    if (value && ownedBy === undefined) {
      await addIdentityInTransaction(ctx, trx, actor, customerId, {
        kind: identityKind,
        value,
        verified: identityKind === 'email' && row.email_verified === true,
      });
      if (kind === 'unchanged') kind = 'updated';
    }
  let pendingLinks = 0;
  for (const [channel, handle, ownedBy] of [
    ['bluesky', row.bluesky, owners.bluesky],
    ['mastodon', row.mastodon, owners.mastodon],
  ] as const) {
    if (!handle || ownedBy !== undefined) continue;
    const existing = await trx
      .selectFrom('contact_links')
      .select(['customer_id', 'applied_at'])
      .where('workspace_id', '=', workspaceId)
      .where('channel', '=', channel)
      .where('handle', '=', handle)
      .executeTakeFirst();
    if (existing) {
      if ((await currentCustomerId(trx, existing.customer_id)) !== customerId)
        throw new AppError(
          'conflict',
          `${channel} ${handle} is already linked to another customer by an earlier contacts file`,
        );
      continue;
    }
    await trx
      .insertInto('contact_links')
      .values({
        id: newId(ctx.now()),
        workspace_id: workspaceId,
        customer_id: customerId,
        channel,
        handle,
        source: evidence,
        created_at: ctx.now().toISOString(),
        applied_at: null,
      })
      .execute();
    pendingLinks++;
    if (kind === 'unchanged') kind = 'updated';
  }
  return { kind, customerId, merged, pendingLinks };
}
