import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import { PublishError } from '../../connectors/bluesky/publish.ts';
import type { AppContext } from '../../context.ts';
import { chunks } from '../../db/chunks.ts';
import type { Dialect } from '../../db/dialect.ts';
import type { DB } from '../../db/schema.ts';
import { newId } from '../../ids.ts';
import { repeatEvery } from '../../scheduling.ts';
import { communityThreadUrl, statusLabels } from './loop.ts';
import { lastFinishedPeriod, unsubscribeUrl } from './newsletters.ts';
import { communityMailer, deliverDue, SkipDelivery, staleReason } from './outbox.ts';

/**
 * Newsletter digests: what a finished period's digest holds, building it once per space and
 * period with a delivery per subscriber, rendering it (HTML and text) and mailing it
 * (docs/communities.md, Newsletters). Settings and subscriptions are in newsletters.ts.
 */

type ThreadItem = {
  threadId: string;
  title: string;
  url: string;
  replies: number;
  likes: number;
  votes: number;
};
type AnsweredItem = { threadId: string; title: string; url: string };
type IdeaUpdate = { threadId: string; title: string; url: string; status: string; note: string };
export type DigestItems = {
  workspaceName: string;
  workspaceSlug: string;
  spaceTitle: string;
  top: ThreadItem[];
  answered: AnsweredItem[];
  articles: AnsweredItem[];
  ideaUpdates: IdeaUpdate[];
};

const TOP_THREADS = 5;
const SECTION_MAX = 10;

/**
 * The period's best of a space, as the public site shows it (no deleted or hidden threads or
 * posts): threads ranked by likes and votes received (2 each) and replies written (1 each) in the
 * period, questions answered, new articles, and idea status changes.
 */
export async function digestItems(
  ctx: AppContext,
  space: { id: string; workspace_id: string; title: string; kind: string },
  ws: { name: string; slug: string },
  period: { start: string; end: string },
): Promise<DigestItems> {
  const db = ctx.db;
  const visibleThreads = db
    .selectFrom('community_threads')
    .select(['id', 'title', 'kind', 'created_at', 'accepted_post_id', 'updated_at'])
    .where('workspace_id', '=', space.workspace_id)
    .where('space_id', '=', space.id)
    .where('deleted_at', 'is', null)
    .where('hidden_at', 'is', null);
  const replies = await db
    .selectFrom('community_posts as p')
    .innerJoin('community_threads as t', 't.id', 'p.thread_id')
    .select(['p.thread_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('t.space_id', '=', space.id)
    .where('p.number', '>', 1)
    .where('p.deleted_at', 'is', null)
    .where('p.hidden_at', 'is', null)
    .where('p.created_at', '>=', period.start)
    .where('p.created_at', '<', period.end)
    .groupBy('p.thread_id')
    .execute();
  const likes = await db
    .selectFrom('community_post_likes as l')
    .innerJoin('community_posts as p', 'p.id', 'l.post_id')
    .innerJoin('community_threads as t', 't.id', 'p.thread_id')
    .select(['p.thread_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('t.space_id', '=', space.id)
    .where('p.deleted_at', 'is', null)
    .where('p.hidden_at', 'is', null)
    .where('l.created_at', '>=', period.start)
    .where('l.created_at', '<', period.end)
    .groupBy('p.thread_id')
    .execute();
  const votes = await db
    .selectFrom('community_idea_votes as v')
    .innerJoin('community_threads as t', 't.id', 'v.thread_id')
    .select(['v.thread_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('t.space_id', '=', space.id)
    .where('v.created_at', '>=', period.start)
    .where('v.created_at', '<', period.end)
    .groupBy('v.thread_id')
    .execute();
  const created = await visibleThreads
    .where('created_at', '>=', period.start)
    .where('created_at', '<', period.end)
    .execute();
  const score = new Map<string, { replies: number; likes: number; votes: number; opened: boolean }>();
  const bump = (id: string, k: 'replies' | 'likes' | 'votes', n: number) => {
    const s = score.get(id) ?? { replies: 0, likes: 0, votes: 0, opened: false };
    s[k] += n;
    score.set(id, s);
  };
  for (const r of replies) bump(r.thread_id, 'replies', Number(r.n));
  for (const r of likes) bump(r.thread_id, 'likes', Number(r.n));
  for (const r of votes) bump(r.thread_id, 'votes', Number(r.n));
  for (const t of created) {
    bump(t.id, 'replies', 0);
    const s = score.get(t.id);
    if (s) s.opened = true;
  }
  const ids = [...score.keys()];
  const threads = new Map(
    (ids.length === 0 ? [] : await visibleThreads.where('id', 'in', ids).execute()).map((t) => [t.id, t]),
  );
  const url = (id: string, n?: number) => communityThreadUrl(ctx, ws.slug, id, n);
  const top = [...score]
    .filter(([id]) => threads.has(id) && threads.get(id)?.kind !== 'article')
    .map(([id, s]) => ({ id, s, points: 2 * s.likes + 2 * s.votes + s.replies + (s.opened ? 1 : 0) }))
    .filter((x) => x.points > 0)
    .sort((a, b) => b.points - a.points || a.id.localeCompare(b.id))
    .slice(0, TOP_THREADS)
    .map(({ id, s }) => ({
      threadId: id,
      title: threads.get(id)?.title ?? '',
      url: url(id),
      replies: s.replies,
      likes: s.likes,
      votes: s.votes,
    }));
  // No acceptance time is stored: a question counts when it has an accepted answer and changed
  // (acceptance or a post) in the period.
  const answered = await visibleThreads
    .where('kind', '=', 'question')
    .where('accepted_post_id', 'is not', null)
    .where('updated_at', '>=', period.start)
    .where('updated_at', '<', period.end)
    .orderBy('updated_at', 'desc')
    .limit(SECTION_MAX)
    .execute();
  const acceptedNumbers = new Map(
    (answered.length === 0
      ? []
      : await db
          .selectFrom('community_posts')
          .select(['id', 'number'])
          .where(
            'id',
            'in',
            answered.map((a) => Number(a.accepted_post_id)),
          )
          .where('deleted_at', 'is', null)
          .where('hidden_at', 'is', null)
          .execute()
    ).map((p) => [Number(p.id), Number(p.number)]),
  );
  const changes = await db
    .selectFrom('community_idea_status_changes as c')
    .innerJoin('community_threads as t', 't.id', 'c.thread_id')
    .select(['c.thread_id', 't.title', 'c.to_status', 'c.note'])
    .where('t.space_id', '=', space.id)
    .where('t.deleted_at', 'is', null)
    .where('t.hidden_at', 'is', null)
    .where('c.created_at', '>=', period.start)
    .where('c.created_at', '<', period.end)
    .orderBy('c.id')
    .limit(SECTION_MAX)
    .execute();
  return {
    workspaceName: ws.name,
    workspaceSlug: ws.slug,
    spaceTitle: space.title,
    top,
    answered: answered
      .filter((a) => acceptedNumbers.has(Number(a.accepted_post_id)))
      .map((a) => ({
        threadId: a.id,
        title: a.title,
        url: url(a.id, acceptedNumbers.get(Number(a.accepted_post_id))),
      })),
    articles: created
      .filter((t) => t.kind === 'article')
      .slice(0, SECTION_MAX)
      .map((t) => ({ threadId: t.id, title: t.title, url: url(t.id) })),
    ideaUpdates: changes.map((c) => ({
      threadId: c.thread_id,
      title: c.title,
      url: url(c.thread_id),
      status: statusLabels[c.to_status],
      note: c.note,
    })),
  };
}

function countItems(i: DigestItems): number {
  return i.top.length + i.answered.length + i.articles.length + i.ideaUpdates.length;
}

/**
 * Gives the given threads a new title in every digest already built that lists them (their items
 * keep a copy of the title taken when the digest was built). Erasure calls it in its transaction
 * with the title it gives an erased member's threads. Returns how many digests changed.
 */
export async function retitleThreadsInDigests(
  db: Kysely<DB>,
  dialect: Dialect,
  workspaceId: string,
  threads: { id: string; space_id: string }[],
  title: string,
): Promise<number> {
  if (threads.length === 0) return 0;
  const ids = new Set(threads.map((th) => th.id));
  const spaceIds = [...new Set(threads.map((th) => th.space_id))];
  let changed = 0;
  for (const part of chunks(spaceIds)) {
    const digests = await db
      .selectFrom('community_newsletter_digests')
      .select(['id', 'items'])
      .where('workspace_id', '=', workspaceId)
      .where('space_id', 'in', part)
      .execute();
    for (const digest of digests) {
      const items = dialect.parseJson<DigestItems>(digest.items);
      let touched = false;
      const retitle = <T extends { threadId: string; title: string }>(item: T): T => {
        if (!ids.has(item.threadId) || item.title === title) return item;
        touched = true;
        return { ...item, title };
      };
      const next: DigestItems = {
        ...items,
        top: items.top.map(retitle),
        answered: items.answered.map(retitle),
        articles: items.articles.map(retitle),
        ideaUpdates: items.ideaUpdates.map(retitle),
      };
      if (!touched) continue;
      await db
        .updateTable('community_newsletter_digests')
        .set({ items: dialect.toJson(next) })
        .where('id', '=', digest.id)
        .execute();
      changed++;
    }
  }
  return changed;
}

/**
 * Builds the digest of every space whose last period finished and has none yet, with one queued
 * delivery per subscriber with a verified email. Digest and deliveries are written in one
 * transaction and the digest's unique key (space, cadence, period) makes a second pass, or a
 * concurrent one, write nothing. Returns how many digests were built.
 */
export async function buildDueDigests(ctx: AppContext): Promise<number> {
  const now = ctx.now();
  const newsletters = await ctx.db
    .selectFrom('community_newsletters as n')
    .innerJoin('community_spaces as s', 's.id', 'n.space_id')
    .innerJoin('workspaces as w', 'w.id', 'n.workspace_id')
    .select([
      'n.space_id',
      'n.workspace_id',
      'n.cadence',
      'n.created_at',
      's.title',
      's.kind',
      'w.name as ws_name',
      'w.slug as ws_slug',
      'w.time_zone',
    ])
    .where('n.cadence', '!=', 'off')
    .where('s.closed_at', 'is', null)
    .execute();
  let built = 0;
  for (const n of newsletters) {
    if (n.cadence === 'off') continue;
    const period = lastFinishedPeriod(n.cadence, now, n.time_zone);
    // A period that ended before the newsletter existed was never promised to anyone.
    if (period.end.getTime() <= Date.parse(n.created_at)) continue;
    const start = period.start.toISOString();
    const exists = await ctx.db
      .selectFrom('community_newsletter_digests')
      .select('id')
      .where('space_id', '=', n.space_id)
      .where('cadence', '=', n.cadence)
      .where('period_start', '=', start)
      .executeTakeFirst();
    if (exists) continue;
    const items = await digestItems(
      ctx,
      { id: n.space_id, workspace_id: n.workspace_id, title: n.title, kind: n.kind },
      { name: n.ws_name, slug: n.ws_slug },
      { start, end: period.end.toISOString() },
    );
    const wrote = await ctx.db.transaction().execute(async (trx) => {
      const digestId = newId(now);
      const inserted = await trx
        .insertInto('community_newsletter_digests')
        .values({
          id: digestId,
          workspace_id: n.workspace_id,
          space_id: n.space_id,
          cadence: n.cadence as 'daily' | 'weekly',
          period_start: start,
          period_end: period.end.toISOString(),
          items: ctx.dialect.toJson(items),
          item_count: countItems(items),
          created_at: now.toISOString(),
        })
        .onConflict((oc) => oc.columns(['space_id', 'cadence', 'period_start']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) return false;
      // An empty period is recorded (so it is not rebuilt) but mailed to nobody.
      if (countItems(items) === 0) return true;
      const subscribers = await trx
        .selectFrom('community_newsletter_subscriptions as sub')
        .innerJoin('community_members as m', 'm.id', 'sub.member_id')
        .select(['sub.id', 'sub.member_id', 'm.email'])
        .where('sub.space_id', '=', n.space_id)
        .where('sub.unsubscribed_at', 'is', null)
        .where('m.email', 'is not', null)
        .where('m.email_verified_at', 'is not', null)
        .where((eb) =>
          eb.or([eb('m.suspended_until', 'is', null), eb('m.suspended_until', '<=', now.toISOString())]),
        )
        .execute();
      for (const s of subscribers)
        await trx
          .insertInto('community_newsletter_deliveries')
          .values({
            id: newId(now),
            workspace_id: n.workspace_id,
            digest_id: digestId,
            member_id: s.member_id,
            subscription_id: s.id,
            recipient: s.email ?? '',
            status: 'queued',
            attempts: 0,
            next_attempt_at: now.toISOString(),
            last_error: null,
            message_id: null,
            created_at: now.toISOString(),
            sent_at: null,
          })
          .onConflict((oc) => oc.columns(['digest_id', 'member_id']).doNothing())
          .execute();
      return true;
    });
    if (wrote) built++;
  }
  return built;
}

// ------------------------------------------------------------------ rendering

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function stats(t: ThreadItem): string {
  const parts = [
    t.replies > 0 ? plural(t.replies, 'reply', 'replies') : '',
    t.likes > 0 ? plural(t.likes, 'like') : '',
    t.votes > 0 ? plural(t.votes, 'vote') : '',
  ].filter(Boolean);
  return parts.length === 0 ? 'new' : parts.join(', ');
}

/** The digest email of one subscriber: subject, text part and HTML part (every value escaped). */
export function renderDigest(
  items: DigestItems,
  period: { start: string; end: string; cadence: 'daily' | 'weekly' },
  unsubscribe: string,
): { subject: string; text: string; html: string } {
  const when =
    period.cadence === 'daily' ? period.start.slice(0, 10) : `the week of ${period.start.slice(0, 10)}`;
  const subject = `${items.spaceTitle}: the best of ${when} (${items.workspaceName} community)`;
  type Section = { title: string; lines: { title: string; url: string; extra: string }[] };
  const sections: Section[] = [
    { title: 'Top threads', lines: items.top.map((t) => ({ title: t.title, url: t.url, extra: stats(t) })) },
    {
      title: 'Questions answered',
      lines: items.answered.map((a) => ({ title: a.title, url: a.url, extra: '' })),
    },
    { title: 'New articles', lines: items.articles.map((a) => ({ title: a.title, url: a.url, extra: '' })) },
    {
      title: 'Idea updates',
      lines: items.ideaUpdates.map((u) => ({
        title: u.title,
        url: u.url,
        extra: `now ${u.status}${u.note ? ` — ${u.note}` : ''}`,
      })),
    },
  ].filter((s) => s.lines.length > 0);
  const text = [
    `${items.spaceTitle} — ${items.workspaceName} community, ${when}`,
    '',
    ...sections.flatMap((s) => [
      s.title,
      '',
      ...s.lines.flatMap((l) => [`* ${l.title}${l.extra ? ` (${l.extra})` : ''}`, `  ${l.url}`]),
      '',
    ]),
    `You receive this because you subscribed to the ${items.spaceTitle} newsletter.`,
    `Unsubscribe: ${unsubscribe}`,
    '',
  ].join('\n');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:sans-serif;max-width:600px">
<h1 style="font-size:20px">${escapeHtml(items.spaceTitle)}</h1>
<p>${escapeHtml(items.workspaceName)} community, ${escapeHtml(when)}</p>
${sections
  .map(
    (s) =>
      `<h2 style="font-size:16px">${escapeHtml(s.title)}</h2>\n<ul>\n${s.lines
        .map(
          (l) =>
            `<li><a href="${escapeHtml(l.url)}">${escapeHtml(l.title)}</a>${l.extra ? ` <small>(${escapeHtml(l.extra)})</small>` : ''}</li>`,
        )
        .join('\n')}\n</ul>`,
  )
  .join('\n')}
<p style="font-size:12px;color:#555">You receive this because you subscribed to the ${escapeHtml(items.spaceTitle)} newsletter. <a href="${escapeHtml(unsubscribe)}">Unsubscribe</a>.</p>
</body></html>`;
  return { subject, text, html };
}

// ------------------------------------------------------------------ sending

/**
 * Sends one digest email. smtp.ts's `sendEmail` has no HTML part or extra headers, so this uses
 * nodemailer with the same connector settings and the same error classes (5xx permanent).
 */
async function sendDigestMail(
  mailer: NonNullable<Awaited<ReturnType<typeof communityMailer>>>,
  mail: { messageId: string; to: string; subject: string; text: string; html: string; unsubscribe: string },
): Promise<string> {
  const { config, secret } = mailer;
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    ...(config.username && secret ? { auth: { user: config.username, pass: secret } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  try {
    const info = await transport.sendMail({
      from: config.fromName ? { name: config.fromName, address: config.fromAddress } : config.fromAddress,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      // RFC 8058: mail clients offer a one-click unsubscribe that POSTs to this address.
      list: { unsubscribe: mail.unsubscribe },
      headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    return info.messageId ?? mail.messageId;
  } catch (err) {
    const e = err as { responseCode?: number; message?: string };
    throw new PublishError(
      `smtp: ${e.message ?? String(err)}`,
      !(e.responseCode !== undefined && e.responseCode >= 500),
    );
  } finally {
    transport.close();
  }
}

/**
 * Sends due digest deliveries: claims them (and ones left "sending" by a process that died),
 * renders each subscriber's email and records sent, a retry with backoff, failed or skipped.
 * A subscriber who unsubscribed after the digest was built is skipped. Returns how many were tried.
 */
export async function deliverNewsletters(ctx: AppContext, limit = 50): Promise<number> {
  return deliverDue(ctx, 'community_newsletter_deliveries', limit, async (d) => {
    const info = await ctx.db
      .selectFrom('community_newsletter_deliveries as d')
      .innerJoin('community_newsletter_digests as g', 'g.id', 'd.digest_id')
      .innerJoin('community_newsletter_subscriptions as s', 's.id', 'd.subscription_id')
      .select(['g.items', 'g.period_start', 'g.period_end', 'g.cadence', 's.unsubscribed_at'])
      .where('d.id', '=', d.id)
      .executeTakeFirst();
    if (!info) throw new SkipDelivery('The digest or subscription is gone');
    if (info.unsubscribed_at !== null) throw new SkipDelivery('Unsubscribed before the digest was sent');
    const stale = staleReason(info.period_end, ctx.now(), 'the digest');
    if (stale) throw new SkipDelivery(stale);
    const mailer = await communityMailer(ctx, d.workspace_id);
    if (!mailer) throw new SkipDelivery('No email connector (SMTP) to send community mail');
    const items = ctx.dialect.parseJson<DigestItems>(info.items);
    const unsubscribe = unsubscribeUrl(ctx, items.workspaceSlug, d.subscription_id);
    const mail = renderDigest(
      items,
      { start: info.period_start, end: info.period_end, cadence: info.cadence },
      unsubscribe,
    );
    const domain = mailer.config.fromAddress.split('@')[1] ?? 'rapport.local';
    // A fixed Message-ID: a retry after a crash is the same message to the reader's mail client.
    const messageId = await sendDigestMail(mailer, {
      messageId: `<digest-${d.id}@${domain}>`,
      to: d.recipient,
      ...mail,
      unsubscribe,
    });
    return { message_id: messageId };
  });
}

/**
 * The scheduler's newsletter pass: builds the digests of finished periods, then sends what is
 * due. Safe to run from several schedulers at once (see `buildDueDigests`).
 */
export async function sendDueDigests(ctx: AppContext): Promise<{ built: number; attempted: number }> {
  const built = await buildDueDigests(ctx);
  let attempted = 0;
  for (;;) {
    const n = await deliverNewsletters(ctx);
    attempted += n;
    if (n < 50) break;
  }
  return { built, attempted };
}

/** Runs `sendDueDigests` every `intervalMs` (5 minutes), one run at a time. */
export function scheduleNewsletters(ctx: AppContext, intervalMs = 300_000): { stop(): Promise<void> } {
  return repeatEvery(
    ctx,
    intervalMs,
    () => sendDueDigests(ctx),
    'community newsletters failed; the next pass retries',
  );
}
