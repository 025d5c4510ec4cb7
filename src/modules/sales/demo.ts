/**
 * The demo workspace's sales side: a salesperson and a marketer, scoring rules, a routing rule that
 * turns buying signals into leads, and leads in every lifecycle stage from subscriber to
 * evangelist, with handoffs pending, accepted and rejected and opportunities in several stages.
 */
import type { AppContext } from '../../context.ts';
import { seededRandom } from '../../random.ts';
import type { Actor } from '../auth/roles.ts';
import { provisionUser } from '../auth/service.ts';
import { recordEvents } from '../customers/activity.ts';
import { recordConsent } from '../customers/consents.ts';
import { createCustomer } from '../customers/service.ts';
import { saveRule } from '../inbox/routing-rules.ts';
import { saveTeam } from '../inbox/teams.ts';
import { acceptHandoff, handoffLead, logContact, rejectHandoff } from './lead-handoff.ts';
import { createLead, updateLead } from './leads.ts';
import { createOpportunity, updateOpportunity } from './opportunities.ts';
import type { LeadStage } from './schema.ts';
import { saveScoringConfig } from './signals.ts';

const HOUR = 3600_000;

/** A demo colleague, created once per workspace (emails are unique across workspaces). */
async function colleague(
  ctx: AppContext,
  owner: Actor,
  slug: string,
  who: { local: string; name: string },
): Promise<Actor> {
  const email =
    slug === 'demo' ? `${who.local}@demo.rapport.local` : `${who.local}@${slug}.demo.rapport.local`;
  const existing = await ctx.db
    .selectFrom('users')
    .select('id')
    .where('workspace_id', '=', owner.workspaceId)
    .where('email', '=', email)
    .executeTakeFirst();
  // A one-time password nobody is shown: the owner resets it to hand the account to someone.
  const id =
    existing?.id ??
    (
      await provisionUser(
        ctx,
        { workspaceId: owner.workspaceId, email, name: who.name, role: 'agent' },
        owner.userId,
      )
    ).user.id;
  return { userId: id, workspaceId: owner.workspaceId, role: 'agent', via: 'session' };
}

/** People the CRM knows who are somewhere on the way to buying. */
const prospects = [
  { displayName: 'Aiko Tanaka', email: 'aiko@tanaka.example', plan: 'gold' },
  { displayName: 'Bruno Costa', email: 'bruno@costa.example', plan: 'silver' },
  { displayName: 'Priya Nair', email: 'priya@nair.example', plan: 'gold' },
  { displayName: 'Lena Vogel', email: 'lena@vogel.example', plan: 'silver' },
  { displayName: 'Omar Farouk', email: 'omar@farouk.example', plan: 'blue' },
] as const;

export async function seedDemoSales(ctx: AppContext, owner: Actor): Promise<void> {
  const ws = await ctx.db
    .selectFrom('workspaces')
    .select('slug')
    .where('id', '=', owner.workspaceId)
    .executeTakeFirstOrThrow();
  // Together: hashing their passwords is most of the cost of this seed.
  const [sofia, marco] = await Promise.all([
    colleague(ctx, owner, ws.slug, { local: 'sofia.sales', name: 'Sofia Sales' }),
    colleague(ctx, owner, ws.slug, { local: 'marco.marketing', name: 'Marco Marketing' }),
  ]);
  const team = await saveTeam(ctx, owner, { name: 'Sales', memberIds: [sofia.userId] });

  const paying = await ctx.db
    .selectFrom('segments')
    .select('id')
    .where('workspace_id', '=', owner.workspaceId)
    .where('name', '=', 'Paying customers')
    .executeTakeFirst();
  await saveScoringConfig(ctx, owner, {
    halfLifeDays: 14,
    fit: {
      attributes: [
        { key: 'plan', op: 'eq', value: 'gold', points: 20 },
        { key: 'plan', op: 'eq', value: 'silver', points: 10 },
        { key: 'vip', op: 'eq', value: true, points: 10 },
        { key: 'flights_2026', op: 'gte', value: 10, points: 10 },
      ],
      segments: paying ? [{ segmentId: paying.id, points: 10 }] : [],
    },
  });
  // Buying signals from the stream become leads for the sales team (round robin), besides the
  // cases the inbox rules make of them.
  await saveRule(ctx, owner, {
    name: 'Buying signals become sales leads',
    conditions: [{ field: 'intent', op: 'in', value: ['purchase_intent'] }],
    actions: [{ type: 'create_lead', teamId: team.id }],
  });

  const customerId = async (email: string) =>
    (
      await ctx.db
        .selectFrom('customers')
        .select('id')
        .where('workspace_id', '=', owner.workspaceId)
        .where('primary_email', '=', email)
        .executeTakeFirst()
    )?.id;
  for (const p of prospects)
    if (!(await customerId(p.email)))
      await createCustomer(ctx, owner, {
        displayName: p.displayName,
        email: p.email,
        verified: false,
        attributes: { plan: p.plan },
      });

  // Behaviour from the website: it counts towards engagement for those who consented to
  // profiling; Omar did not, so his events are left out of his score (and say so).
  const ago = (days: number) => new Date(ctx.now().getTime() - days * 86_400_000).toISOString();
  const behaviour: [string, string, number][] = [
    ['aiko@tanaka.example', 'pricing_page_viewed', 1],
    ['aiko@tanaka.example', 'demo_requested', 2],
    ['priya@nair.example', 'pricing_page_viewed', 4],
    ['priya@nair.example', 'trial_started', 9],
    ['bruno@costa.example', 'pricing_page_viewed', 12],
    ['omar@farouk.example', 'pricing_page_viewed', 1],
  ];
  for (const email of ['aiko@tanaka.example', 'priya@nair.example', 'bruno@costa.example']) {
    const id = await customerId(email);
    if (id)
      await recordConsent(ctx, owner, id, {
        purpose: 'profiling',
        channel: 'any',
        status: 'granted',
        source: 'website cookie banner (demo)',
      });
  }
  await recordEvents(
    ctx,
    owner,
    behaviour.map(([email, name, days]) => ({
      name,
      occurredAt: ago(days),
      properties: {},
      identity: { kind: 'email' as const, value: email },
    })),
  );

  const random = seededRandom(2026);
  const lead = async (email: string, title: string, stage: LeadStage) => {
    const id = await customerId(email);
    if (!id) return undefined;
    return createLead(ctx, marco, { customerId: id, title, stage, ownerUserId: marco.userId });
  };
  const amount = (base: number) => Math.round((base * (0.9 + random() * 0.2)) / 100) * 100;
  const inDays = (d: number) => new Date(ctx.now().getTime() + d * 86_400_000).toISOString().slice(0, 10);
  /** Demo handoffs happened in the past: their clocks show real durations. */
  const backdate = async (id: string, handoffHoursAgo: number, contactHoursAfter: number | null) => {
    const at = ctx.now().getTime() - handoffHoursAgo * HOUR;
    await ctx.db
      .updateTable('leads')
      .set({
        handoff_at: new Date(at).toISOString(),
        handoff_decided_at: new Date(at + HOUR).toISOString(),
        first_contact_at:
          contactHoursAfter === null ? null : new Date(at + contactHoursAfter * HOUR).toISOString(),
      })
      .where('id', '=', id)
      .execute();
  };

  await lead('erik@lund.example', 'Newsletter reader eyeing the summer pass', 'subscriber');
  await lead('noor@haddad.example', 'Family trip to Lisbon in June', 'lead');

  const aiko = await lead('aiko@tanaka.example', 'Gold member asking about business class to Tokyo', 'lead');
  if (aiko)
    await handoffLead(ctx, marco, aiko.id, {
      toUserId: sofia.userId,
      note: 'Asked twice about business fares to Tokyo for March; gold member, flies monthly.',
    });

  const bruno = await lead(
    'bruno@costa.example',
    'Corporate travel for a 40-person team',
    'marketing_qualified',
  );
  if (bruno) {
    await handoffLead(ctx, marco, bruno.id, {
      toUserId: sofia.userId,
      note: 'Wants a corporate account quote.',
    });
    await acceptHandoff(ctx, sofia, bruno.id);
    await logContact(ctx, sofia, bruno.id, { channel: 'phone', note: 'Intro call, sending a proposal.' });
    await backdate(bruno.id, 30, 3);
  }

  const priya = await lead('priya@nair.example', 'Team offsite flights to Porto', 'marketing_qualified');
  if (priya) {
    await handoffLead(ctx, marco, priya.id, {
      toUserId: sofia.userId,
      note: 'Offsite for 25 people in May.',
    });
    await acceptHandoff(ctx, sofia, priya.id);
    await logContact(ctx, sofia, priya.id, { channel: 'email', note: 'Sent group fares.' });
    await backdate(priya.id, 72, 9);
    await createOpportunity(ctx, sofia, {
      leadId: priya.id,
      name: 'Offsite group fares',
      amountMinor: amount(1_850_000),
      currency: 'EUR',
      stage: 'proposal',
      expectedCloseOn: inDays(21),
    });
    await createOpportunity(ctx, sofia, {
      leadId: priya.id,
      name: 'Extra baggage bundle',
      amountMinor: amount(120_000),
      currency: 'EUR',
      stage: 'qualification',
      expectedCloseOn: inDays(30),
    });
    const lounge = await createOpportunity(ctx, sofia, {
      leadId: priya.id,
      name: 'Lounge passes',
      amountMinor: amount(240_000),
      currency: 'EUR',
      stage: 'negotiation',
    });
    await updateOpportunity(ctx, sofia, lounge.id, {
      stage: 'closed_lost',
      lostReason: 'Chose the airport lounge',
    });
    await createOpportunity(ctx, sofia, {
      leadId: priya.id,
      name: 'US partner tickets',
      amountMinor: amount(310_000),
      currency: 'USD',
      stage: 'negotiation',
      expectedCloseOn: inDays(10),
    });
  }

  const carlos = await lead('carlos@ruiz.example', 'Gold tier renewal for the family', 'sales_qualified');
  if (carlos) {
    await updateLead(ctx, marco, carlos.id, { ownerUserId: sofia.userId });
    const renewal = await createOpportunity(ctx, sofia, {
      leadId: carlos.id,
      name: 'Family gold tier renewal',
      amountMinor: amount(540_000),
      currency: 'EUR',
      stage: 'negotiation',
    });
    await updateOpportunity(ctx, sofia, renewal.id, { stage: 'closed_won' });
  }

  const lena = await lead('lena@vogel.example', 'Frequent flyer who recommends us', 'sales_qualified');
  if (lena) {
    const pass = await createOpportunity(ctx, sofia, {
      leadId: lena.id,
      name: 'Annual flight pass',
      amountMinor: amount(390_000),
      currency: 'EUR',
      stage: 'proposal',
    });
    await updateOpportunity(ctx, sofia, pass.id, { stage: 'closed_won' });
    // She tells everyone about us: an advocate.
    await updateLead(ctx, marco, lena.id, { stage: 'evangelist' });
  }

  const omar = await lead('omar@farouk.example', 'Asked about a weekend in Marrakech', 'lead');
  if (omar) {
    await handoffLead(ctx, marco, omar.id, {
      toUserId: sofia.userId,
      note: 'Clicked the weekend offer twice.',
    });
    await rejectHandoff(ctx, sofia, omar.id, { reason: 'Only browsing: no dates and no budget yet.' });
    await backdate(omar.id, 20, null);
  }
}
