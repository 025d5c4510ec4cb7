/**
 * Demo Airways' community: every space kind with threads, replies, answers, ideas and votes,
 * written through the real use cases on a clock set back to when each thing happened, and members
 * whose trust levels, points and ranks come from the real trust, reputation and like functions.
 * Some members are people of the demo stream, so their community activity joins their profile.
 */
import type { AppContext } from '../../context.ts';
import { newId } from '../../ids.ts';
import { seededRandom } from '../../random.ts';
import type { Actor } from '../auth/roles.ts';
import { addIdentity, attachCommunityMember, currentCustomerId } from '../customers/service.ts';
import type { MemberActor } from './actors.ts';
import { createChallenge, decideChallenge, submitEntry, voteEntry } from './challenges.ts';
import { flagPost } from './flags.ts';
import { linkIdea } from './idea-links.ts';
import { mergeIdeas, setIdeaStatus, voteIdea } from './ideas.ts';
import { addListEntry, createList } from './lists.ts';
import { notifyIdeaStatusChanges } from './loop.ts';
import { setSpaceModerator } from './members.ts';
import { setNewsletterCadence, subscribeNewsletter } from './newsletters.ts';
import { markRead } from './reading.ts';
import { likePost } from './reputation.ts';
import type { ideaStatuses } from './schema.ts';
import { createSpace } from './spaces.ts';
import { acceptAnswer, createThread, promoteAnswerToArticle, replyToThread } from './threads.ts';
import { recomputeTrust, setLeader, utcDay } from './trust.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * How much a member has browsed before the demo's threads (days visited, posts read, minutes):
 * the counters the member session and reading reports would have left. What they wrote, liked
 * and read in the demo's threads comes on top, through the real functions.
 */
type History = { days: number; postsPerDay: number; minutesPerDay: number };

type DemoMember = {
  key: string;
  username: string;
  name: string;
  /** A demo stream author: the member joins that person's customer profile. */
  streamAuthor?: string;
  joinedDaysAgo: number;
  bio?: string;
  history: History | null;
  /** Threads opened (and read to the end) to count as "entered" for trust level 1. */
  reads: number;
};

const quiet = null;
const members: DemoMember[] = [
  {
    key: 'ines',
    username: 'ines.flies',
    name: 'Inês Duarte',
    joinedDaysAgo: 400,
    bio: 'Frequent flyer since 2015. Community leader; ask me about lounges.',
    history: { days: 70, postsPerDay: 12, minutesPerDay: 15 },
    reads: 5,
  },
  {
    key: 'ana',
    username: 'ana.souza',
    name: 'Ana Souza',
    streamAuthor: 'ana',
    joinedDaysAgo: 300,
    bio: 'Lisbon ↔ everywhere. I answer baggage questions.',
    history: { days: 62, postsPerDay: 10, minutesPerDay: 12 },
    reads: 6,
  },
  {
    key: 'kofi',
    username: 'kofi.mensah',
    name: 'Kofi Mensah',
    joinedDaysAgo: 260,
    bio: 'Travel hacker. Points, upgrades and fare rules.',
    history: { days: 58, postsPerDay: 9, minutesPerDay: 14 },
    reads: 6,
  },
  {
    key: 'tom',
    username: 'tomk',
    name: 'Tom Kowalski',
    streamAuthor: 'tom',
    joinedDaysAgo: 180,
    history: { days: 20, postsPerDay: 8, minutesPerDay: 5 },
    reads: 5,
  },
  {
    key: 'lucas',
    username: 'lucas.martin',
    name: 'Lucas Martin',
    streamAuthor: 'lucas',
    joinedDaysAgo: 150,
    history: { days: 18, postsPerDay: 8, minutesPerDay: 5 },
    reads: 5,
  },
  {
    key: 'mei',
    username: 'mei.lin',
    name: 'Mei Lin',
    joinedDaysAgo: 140,
    bio: 'Family travel with two kids and too many car seats.',
    history: { days: 22, postsPerDay: 7, minutesPerDay: 6 },
    reads: 5,
  },
  {
    key: 'jonas',
    username: 'jonas.b',
    name: 'Jonas Berg',
    joinedDaysAgo: 120,
    history: { days: 16, postsPerDay: 9, minutesPerDay: 5 },
    reads: 5,
  },
  {
    key: 'lena',
    username: 'lena.fischer',
    name: 'Lena Fischer',
    streamAuthor: 'lena',
    joinedDaysAgo: 90,
    history: { days: 17, postsPerDay: 7, minutesPerDay: 5 },
    reads: 5,
  },
  {
    key: 'sam',
    username: 'sam.flies',
    name: 'Sam Okafor',
    streamAuthor: 'sam',
    joinedDaysAgo: 45,
    history: { days: 5, postsPerDay: 8, minutesPerDay: 4 },
    reads: 5,
  },
  {
    key: 'hanna',
    username: 'hanna.k',
    name: 'Hanna Korhonen',
    joinedDaysAgo: 40,
    history: { days: 4, postsPerDay: 9, minutesPerDay: 4 },
    reads: 5,
  },
  {
    key: 'rafael',
    username: 'rafa.travels',
    name: 'Rafael Torres',
    joinedDaysAgo: 35,
    history: { days: 4, postsPerDay: 8, minutesPerDay: 4 },
    reads: 5,
  },
  { key: 'olga', username: 'olga.p', name: 'Olga Petrova', joinedDaysAgo: 12, history: quiet, reads: 2 },
  { key: 'yusuf', username: 'yusuf.a', name: 'Yusuf Aydın', joinedDaysAgo: 10, history: quiet, reads: 0 },
  {
    key: 'pedro',
    username: 'best-deals-pedro',
    name: 'Pedro Deals',
    joinedDaysAgo: 1,
    history: quiet,
    reads: 0,
  },
];

type SpaceKey = 'forum' | 'qa' | 'ideas' | 'kb' | 'news' | 'summer' | 'winter';
type Who = string; // a member key, or 'staff'
type Reply = { by: Who; body: string; accepted?: true; hoursLater?: number };
type Script = {
  space: SpaceKey;
  by: Who;
  title: string;
  body: string;
  daysAgo: number;
  replies: Reply[];
  /** Ideas: who voted, and where staff moved it. */
  votes?: string[];
  status?: { to: Exclude<(typeof ideaStatuses)[number], 'open' | 'duplicate'>; note: string }[];
  key?: string;
};

const scripts: Script[] = [
  // Travel talk (forum)
  {
    space: 'forum',
    by: 'mei',
    title: 'Flying with a toddler: what actually helped',
    body: 'Just back from Lisbon with our 2-year-old. **Pre-boarding** saved us, and the crew warmed the milk without asking. What are your tricks?',
    daysAgo: 34,
    replies: [
      { by: 'ana', body: 'Window seat plus a new toy unwrapped at take-off. Works every time.' },
      { by: 'jonas', body: 'Ask for the bassinet row when you book, it goes fast on long flights.' },
      { by: 'mei', body: '@jonas.b good tip, we did not know it could be booked in advance!' },
      { by: 'hanna', body: 'Snacks in small boxes, one every 20 minutes. Slow eating is the goal.' },
    ],
  },
  {
    space: 'forum',
    by: 'kofi',
    title: 'Best seats on the A321neo?',
    body: 'Row 12 has extra legroom but no window on the left side. Rows 6–8 are the quiet ones in my experience.',
    daysAgo: 30,
    replies: [
      { by: 'tom', body: 'Row 12C for me, the legroom is worth the missing window.' },
      { by: 'lucas', body: 'Avoid the last row, the seats do not recline.' },
      { by: 'ines', body: 'Row 1 if you have a tight connection: you are out first.' },
    ],
  },
  {
    space: 'forum',
    by: 'lena',
    title: 'Lounge in Frankfurt Terminal 1: worth it?',
    body: 'The day pass is 39 €. Anyone been recently? Is the food any good?',
    daysAgo: 22,
    replies: [
      { by: 'ines', body: 'Quiet in the morning, crowded after 17:00. The soup is good, the coffee better.' },
      { by: 'kofi', body: 'Gold members get in free with a guest; a silver tier is not enough.' },
      { by: 'jonas', body: 'The showers are the best part after a night flight.' },
    ],
  },
  {
    space: 'forum',
    by: 'sam',
    title: 'Wi-Fi on board finally works',
    body: 'Streamed a whole match from Lisbon to Berlin on DA 212. Whoever fixed it, thank you.',
    daysAgo: 9,
    replies: [
      { by: 'tom', body: 'Same on DA 530 last week, a different flight from a year ago.' },
      { by: 'yusuf', body: 'Anyone who pays for plane wifi is an idiot, stop whining about it.' },
      { by: 'rafael', body: 'Good to hear. It was still slow on the Madrid route for me.' },
    ],
  },
  {
    space: 'forum',
    by: 'pedro',
    title: 'FREE flight vouchers',
    body: 'FREE flight vouchers click here bit.ly/3xYz9 limited offer, win win win',
    daysAgo: 0.5,
    replies: [],
  },
  // Ask the community (Q&A)
  {
    space: 'qa',
    by: 'hanna',
    title: 'Can I bring a folding bike as checked baggage?',
    body: 'Flying Helsinki to Lisbon in May. Does a folding bike in a bag count as a normal suitcase?',
    daysAgo: 28,
    key: 'bike',
    replies: [
      { by: 'jonas', body: 'I think bikes are always sports equipment, but not sure about folding ones.' },
      {
        by: 'ana',
        body: 'Folding bikes in a bag under **23 kg and 158 cm** (length + width + height) travel as a normal checked bag. Anything bigger is sports equipment: add it in *Manage booking* at least 24 hours before the flight.',
        accepted: true,
      },
      { by: 'hanna', body: 'Perfect, thank you @ana.souza! Mine is 14 kg, so a normal bag it is.' },
    ],
  },
  {
    space: 'qa',
    by: 'rafael',
    title: 'How long does a refund for a cancelled flight take?',
    body: 'DA 77 was cancelled and I asked for a refund instead of rebooking. What is the usual wait?',
    daysAgo: 19,
    replies: [
      {
        by: 'kofi',
        body: 'Card refunds take 7 working days from the request; vouchers are instant. If it is past 14 days, ask in the chat with your booking reference: they can see where it is stuck.',
        accepted: true,
      },
      { by: 'tom', body: 'Mine took five weeks, so do chase it.' },
    ],
  },
  {
    space: 'qa',
    by: 'lucas',
    title: 'Can I take a power bank in my cabin bag?',
    body: 'Mine is 20,000 mAh. Cabin bag or checked bag?',
    daysAgo: 26,
    replies: [
      {
        by: 'ana',
        body: 'Cabin bag only, never checked. Up to 100 Wh (about 27,000 mAh at 3.7 V) needs no approval, so yours is fine.',
        accepted: true,
      },
    ],
  },
  {
    space: 'qa',
    by: 'mei',
    title: 'Do children need their own seat under two?',
    body: 'Our son turns two during the trip. Which fare does he need on the way back?',
    daysAgo: 24,
    replies: [
      {
        by: 'kofi',
        body: 'The age on the day of each flight counts: on your lap on the way out, his own seat (child fare) on the way back. Book it as one trip and the website does it for you.',
        accepted: true,
      },
      { by: 'mei', body: 'That explains the price I saw. Thanks!' },
    ],
  },
  {
    space: 'qa',
    by: 'tom',
    title: 'Does a delayed connection still count for my status miles?',
    body: 'Rebooked on a later flight after a delay. Do I still get the miles of the original booking?',
    daysAgo: 16,
    replies: [
      {
        by: 'kofi',
        body: 'Yes: miles follow the ticket, not the flight you ended up on. They show up a few days after the last flight.',
        accepted: true,
      },
    ],
  },
  {
    space: 'qa',
    by: 'sam',
    title: 'Boarding pass invalid in the app?',
    body: 'Checked in online and the app says the boarding pass is invalid. Flight is tomorrow.',
    daysAgo: 6,
    replies: [
      {
        by: 'ines',
        body: 'Log out and in again: the pass is fetched once more. If it still fails, the airport kiosk prints it.',
        accepted: true,
      },
    ],
  },
  {
    space: 'qa',
    by: 'olga',
    title: 'Is there a lactose-free meal option?',
    body: 'Booking a flight to Riga. I cannot find special meals in the booking form.',
    daysAgo: 3,
    replies: [{ by: 'mei', body: 'I only saw vegetarian and child meals, but maybe the chat can help?' }],
  },
  {
    space: 'qa',
    by: 'yusuf',
    title: 'Can I change the name on a ticket?',
    body: 'My friend cannot travel. Can I give the ticket to my brother?',
    daysAgo: 2,
    replies: [],
  },
  // Ideas for Demo Airways
  {
    space: 'ideas',
    by: 'ana',
    title: 'Live baggage tracking in the app',
    body: 'Show where my bag is (loaded, transferred, on the belt) like parcel tracking does. It would save so many calls to the baggage desk.',
    daysAgo: 40,
    key: 'tracking',
    votes: ['kofi', 'tom', 'lucas', 'mei', 'jonas', 'lena', 'sam', 'hanna', 'rafael', 'olga'],
    status: [
      { to: 'under_review', note: 'Our baggage team is looking at the data the airports share with us.' },
      { to: 'planned', note: 'Planned for the app release in the spring.' },
    ],
    replies: [
      { by: 'lena', body: 'Yes please. My suitcase was lost for three days last winter.' },
      { by: 'kofi', body: 'Other airlines do this with the bag tag barcode; the data exists.' },
    ],
  },
  {
    space: 'ideas',
    by: 'jonas',
    title: 'Track my suitcase like a parcel',
    body: 'A tracking page for checked bags, please.',
    daysAgo: 25,
    key: 'tracking-duplicate',
    votes: ['hanna', 'rafael', 'yusuf'],
    replies: [],
  },
  {
    space: 'ideas',
    by: 'kofi',
    title: 'Show seat pitch when choosing a seat',
    body: 'The seat map could show legroom per row, so nobody pays for a "comfort" seat that is not.',
    daysAgo: 38,
    votes: ['ana', 'tom', 'ines', 'lucas', 'jonas'],
    status: [
      { to: 'under_review', note: 'We are collecting the figures for every aircraft type.' },
      { to: 'planned', note: 'Coming with the new seat map.' },
      { to: 'in_progress', note: 'The new seat map is being built; legroom per row is part of it.' },
    ],
    replies: [{ by: 'ines', body: 'And mark the rows with no window, please.' }],
  },
  {
    space: 'ideas',
    by: 'mei',
    title: 'Family check-in desk at Lisbon',
    body: 'A desk for families with small children would make mornings at Lisbon so much calmer.',
    daysAgo: 36,
    votes: ['ana', 'hanna', 'lena', 'ines'],
    status: [
      { to: 'planned', note: 'Opening with the terminal works.' },
      { to: 'done', note: 'Open since Monday at desks 40–42, from 05:00 to 11:00.' },
    ],
    replies: [
      { by: 'hanna', body: 'Used it today, it is great. Thank you!' },
      { by: 'lena', body: 'Would love the same in Frankfurt.' },
    ],
  },
  {
    space: 'ideas',
    by: 'tom',
    title: 'Free checked bag for every ticket',
    body: 'Every fare should include a 23 kg bag.',
    daysAgo: 33,
    votes: ['sam', 'yusuf'],
    status: [
      {
        to: 'declined',
        note: 'Thank you for the idea. Fares without a bag keep short trips cheap, so we keep both; Gold members keep their free bag.',
      },
    ],
    replies: [{ by: 'kofi', body: 'The light fares are why I can fly home monthly, so I am glad.' }],
  },
  {
    space: 'ideas',
    by: 'lucas',
    title: 'Refund status page',
    body: 'A page showing where my refund is, instead of writing to support every week.',
    daysAgo: 18,
    votes: ['tom', 'rafael', 'kofi', 'ana'],
    status: [{ to: 'under_review', note: 'Finance and the app team are looking at it together.' }],
    replies: [{ by: 'rafael', body: 'Would have saved me three chats last month.' }],
  },
  {
    space: 'ideas',
    by: 'hanna',
    title: 'Quiet zone in the cabin',
    body: 'A few rows without calls or loud videos, like on trains.',
    daysAgo: 12,
    votes: ['jonas', 'ines', 'lena'],
    replies: [{ by: 'mei', body: 'As long as families are welcome elsewhere, sure!' }],
  },
  {
    space: 'ideas',
    by: 'rafael',
    title: 'Pay for upgrades with points',
    body: 'Let members pay upgrades partly with loyalty points.',
    daysAgo: 7,
    votes: ['kofi'],
    replies: [{ by: 'jonas', body: 'Even a small discount per 1,000 points would do.' }],
  },
  // News from Demo Airways (announcements, staff)
  {
    space: 'news',
    by: 'staff',
    title: 'New: Wi-Fi on every Airbus by December',
    body: 'We finished installing faster Wi-Fi on the A320 family. Messaging is free for everyone; streaming is included for Gold members.',
    daysAgo: 15,
    replies: [
      { by: 'sam', body: 'Tried it on DA 212, it really is fast now.' },
      { by: 'kofi', body: 'Is streaming included for silver members too?' },
      { by: 'staff', body: 'Not yet, @kofi.mensah: for now it is Gold only. We will share any change here.' },
    ],
  },
  {
    space: 'news',
    by: 'staff',
    title: 'Summer schedule 2027: tell us what you think',
    body: 'Next summer brings Riga, Split and Porto. Join the **Summer schedule feedback** space before it closes.',
    daysAgo: 5,
    replies: [{ by: 'lena', body: 'Split! Finally.' }],
  },
  // Help articles (knowledge base, staff)
  {
    space: 'kb',
    by: 'staff',
    title: 'Baggage allowance by fare',
    body: '## Light\nCabin bag only (8 kg).\n\n## Classic\nOne checked bag of 23 kg.\n\n## Flex\nTwo checked bags of 23 kg.\n\nGold members always have one extra bag.',
    daysAgo: 50,
    replies: [],
  },
  {
    space: 'kb',
    by: 'staff',
    title: 'What to do when your bag does not arrive',
    body: '1. Go to the baggage desk before leaving the hall and get a file reference.\n2. Keep receipts of what you buy while you wait.\n3. Track the file in *My trips* and send us the reference in the chat.',
    daysAgo: 45,
    replies: [],
  },
  // Summer schedule feedback (task space ending in the future)
  {
    space: 'summer',
    by: 'ines',
    title: 'Porto twice a day, please',
    body: 'One morning and one evening flight would make day trips possible.',
    daysAgo: 4,
    replies: [
      { by: 'ana', body: 'Seconded, the evening one especially.' },
      { by: 'lucas', body: 'And keep the Saturday Split flight in September.' },
    ],
  },
  {
    space: 'summer',
    by: 'jonas',
    title: 'Riga departures are too early',
    body: 'A 06:10 departure means a 03:30 alarm. Could it move to 08:00?',
    daysAgo: 3,
    replies: [{ by: 'olga', body: 'Agreed, I would fly it at 08:00 for sure.' }],
  },
  // Winter timetable feedback (task space, archived)
  {
    space: 'winter',
    by: 'kofi',
    title: 'Keep the Sunday Berlin evening flight',
    body: 'It is the only way back after a weekend without losing Monday morning.',
    daysAgo: 110,
    replies: [
      { by: 'ines', body: 'Yes, it is always full too.' },
      { by: 'ana', body: 'Agreed, please keep it.' },
    ],
  },
  {
    space: 'winter',
    by: 'tom',
    title: 'Ski flights to Innsbruck?',
    body: 'Any chance of weekend flights to Innsbruck in January?',
    daysAgo: 100,
    replies: [{ by: 'lucas', body: 'I would book one tomorrow.' }],
  },
];

/** Short replies the regulars leave around the community: what makes it feel lived in. */
const chatter = [
  'Thanks for sharing, this is useful.',
  'Same experience here last month.',
  'Good to know, saved for my next trip.',
  'This matches what the crew told me on board.',
  'Worth adding to the help articles.',
  'I had the same question, thanks for asking.',
];

export type DemoCommunity = { spaces: Record<SpaceKey, string>; members: Record<string, MemberActor> };

/**
 * Seeds Demo Airways' community (see docs/communities.md, "Demo"). Deterministic: the clock is
 * set back from `ctx.now()` for each write and every choice comes from a seeded generator.
 */
export async function seedDemoCommunity(ctx: AppContext, owner: Actor): Promise<DemoCommunity> {
  const start = ctx.now().getTime();
  const at = (ms: number): AppContext => ({ ...ctx, now: () => new Date(ms) });
  const ago = (days: number) => start - days * DAY;
  const rand = seededRandom(2027);
  const workspaceId = owner.workspaceId;

  // Spaces, created two months before the first thread of each.
  const spaceDefs: Record<
    SpaceKey,
    {
      slug: string;
      title: string;
      description: string;
      kind: 'forum' | 'qa' | 'ideas' | 'kb' | 'announcements';
      task?: { createdDaysAgo: number; endsInDays: number };
    }
  > = {
    forum: {
      slug: 'travel-talk',
      title: 'Travel talk',
      description: 'Tips, trips and everything in between.',
      kind: 'forum',
    },
    qa: {
      slug: 'ask',
      title: 'Ask the community',
      description: 'Questions answered by fellow travellers and our team.',
      kind: 'qa',
    },
    ideas: {
      slug: 'ideas',
      title: 'Ideas for Demo Airways',
      description: 'Suggest what we should build next, and vote.',
      kind: 'ideas',
    },
    kb: {
      slug: 'help',
      title: 'Help articles',
      description: 'Answers from our team and the community.',
      kind: 'kb',
    },
    news: {
      slug: 'news',
      title: 'News from Demo Airways',
      description: 'Announcements from the team.',
      kind: 'announcements',
    },
    summer: {
      slug: 'summer-schedule-2027',
      title: 'Summer schedule feedback',
      description: 'Tell us about the 2027 summer schedule; this space closes in three weeks.',
      kind: 'forum',
      task: { createdDaysAgo: 6, endsInDays: 21 },
    },
    winter: {
      slug: 'winter-timetable-2026',
      title: 'Winter timetable feedback (closed)',
      description: 'Feedback on the 2026 winter timetable; now a read-only archive.',
      kind: 'forum',
      task: { createdDaysAgo: 120, endsInDays: -60 },
    },
  };
  const spaces = {} as Record<SpaceKey, string>;
  for (const [key, def] of Object.entries(spaceDefs) as [SpaceKey, (typeof spaceDefs)[SpaceKey]][]) {
    const created = def.task ? ago(def.task.createdDaysAgo) : ago(60);
    const space = await createSpace(at(created), owner, {
      slug: def.slug,
      title: def.title,
      description: def.description,
      kind: def.kind,
      ...(def.task
        ? { purpose: 'task' as const, endsAt: new Date(start + def.task.endsInDays * DAY).toISOString() }
        : {}),
    });
    spaces[key] = space.id;
  }

  const actors = await createMembers(ctx, owner, members, ago);
  const actor = (who: Who): Actor | MemberActor => {
    if (who === 'staff') return owner;
    const a = actors[who];
    if (!a) throw new Error(`No demo member ${who}`);
    return a;
  };

  // Threads and replies, in the order they happened.
  const memberPosts: { postId: number; author: string }[] = [];
  const ideaIds = new Map<string, string>();
  const threads: { id: string; space: SpaceKey; lastNumber: number; script: Script }[] = [];
  const ordered = [...scripts].sort((a, b) => b.daysAgo - a.daysAgo);
  for (const [i, s] of ordered.entries()) {
    const opened = ago(s.daysAgo) + (i % 5) * 13 * 60_000;
    const written = await createThread(at(opened), actor(s.by), {
      spaceId: spaces[s.space],
      title: s.title,
      body: s.body,
    });
    const threadId = written.thread.id;
    if (s.by !== 'staff') memberPosts.push({ postId: Number(written.post.id), author: s.by });
    if (s.key) ideaIds.set(s.key, threadId);
    let number = 1;
    let when = opened;
    const replies: Reply[] = [...s.replies];
    // The two regulars chime in wherever others replied (never in the archive or the knowledge base,
    // and never on a question nobody answered, which must stay unanswered).
    if (s.space !== 'kb' && s.space !== 'winter' && s.replies.length > 0)
      for (const regular of ['ana', 'kofi'])
        if (s.by !== regular && !s.replies.some((r) => r.by === regular))
          replies.push({ by: regular, body: chatter[Math.floor(rand() * chatter.length)] ?? '' });
    for (const r of replies) {
      when += (r.hoursLater ?? 2 + Math.floor(rand() * 5)) * HOUR;
      const reply = await replyToThread(at(when), actor(r.by), threadId, { body: r.body });
      number = reply.post.number;
      if (r.by !== 'staff') memberPosts.push({ postId: Number(reply.post.id), author: r.by });
      if (r.accepted) {
        await acceptAnswer(at(when + HOUR), actor(s.by), threadId, Number(reply.post.id));
        if (s.key === 'bike')
          await promoteAnswerToArticle(
            at(when + 2 * HOUR),
            owner,
            Number(reply.post.id),
            spaces.kb,
            'Folding bikes as checked baggage',
          );
      }
    }
    for (const voter of s.votes ?? []) {
      const joined = ago(members.find((m) => m.key === voter)?.joinedDaysAgo ?? 0);
      await voteIdea(at(Math.max(opened, joined) + HOUR), actor(voter) as MemberActor, threadId);
    }
    for (const [j, change] of (s.status ?? []).entries())
      await setIdeaStatus(at(opened + (j + 1) * 3 * DAY), owner, threadId, {
        status: change.to,
        note: change.note,
      });
    threads.push({ id: threadId, space: s.space, lastNumber: number, script: s });
  }
  const tracking = ideaIds.get('tracking');
  const duplicate = ideaIds.get('tracking-duplicate');
  if (tracking && duplicate)
    await mergeIdeas(at(ago(20)), owner, duplicate, tracking, 'Same idea as live baggage tracking.');

  // Likes: the regulars like nearly everything and are liked often; everyone gives and gets a
  // few. Nobody likes the newest members' posts (one is spam, one is rude).
  const regulars = new Set(['ana', 'kofi']);
  const likeAt = at(ago(1));
  for (const p of memberPosts) {
    if (p.author === 'pedro' || p.author === 'yusuf') continue;
    for (const m of members) {
      if (m.key === p.author || m.history === quiet) continue;
      const chance = regulars.has(p.author) ? 0.12 : regulars.has(m.key) ? 0.75 : 0.08;
      if (rand() < chance) await likePost(likeAt, actor(m.key) as MemberActor, p.postId);
    }
  }

  // Reading: members open threads (read state, "topics entered"); some stop part-way.
  const readable = threads.filter((t) => t.space !== 'winter' && t.script.by !== 'pedro');
  for (const m of members) {
    const a = actor(m.key) as MemberActor;
    for (let k = 0; k < m.reads && k < readable.length; k++) {
      const t = readable[(k * 3 + m.joinedDaysAgo) % readable.length];
      if (!t) continue;
      const upto = m.history === quiet ? 1 : t.lastNumber;
      await markRead(at(ago(0.2)), a, t.id, upto);
    }
  }

  // Trust from the stats just written; one leader granted by staff; a member moderator.
  for (const m of members) await recomputeTrust(ctx, (actor(m.key) as MemberActor).memberId);
  const ines = actor('ines') as MemberActor;
  await setLeader(ctx, owner, ines.memberId, true);
  await setSpaceModerator(ctx, owner, {
    spaceId: spaces.qa,
    memberId: (actor('ana') as MemberActor).memberId,
    moderator: true,
  });
  const levels = await ctx.db
    .selectFrom('community_members')
    .select(['id', 'trust_level'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  const levelOf = new Map(levels.map((l) => [l.id, Number(l.trust_level)]));
  for (const [key, a] of Object.entries(actors))
    actors[key] = { ...a, trustLevel: levelOf.get(a.memberId) ?? 0 };

  // The moderation queue: a rude reply flagged by two members (their weights hide it).
  const rude = memberPosts.find((p) => p.author === 'yusuf');
  if (rude) {
    await flagPost(at(ago(8.5)), actor('kofi') as MemberActor, rude.postId, {
      reason: 'offensive',
      note: 'Insulting other members.',
    });
    await flagPost(at(ago(8.4)), actor('mei') as MemberActor, rude.postId, { reason: 'offensive' });
  }

  // Tell voters about the status changes now, as the scheduler would have when they happened;
  // then link the baggage idea to the conversations that asked for it (told from now on).
  await notifyIdeaStatusChanges(ctx);
  if (tracking)
    for (const externalId of ['demo:history:3', 'demo:history:4']) {
      const mention = await ctx.db
        .selectFrom('mentions')
        .select('case_id')
        .where('workspace_id', '=', workspaceId)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
      if (mention?.case_id) await linkIdea(ctx, owner, tracking, { caseId: mention.case_id });
    }

  // A challenge decided last month and one open now, a weekly digest of the Q&A space with
  // subscribers, and a public list of the members who help most.
  await seedChallenges(ctx, owner, spaces.ideas, actor, ago, start);
  await setNewsletterCadence(at(ago(30)), owner, spaces.qa, 'weekly');
  for (const who of ['ana', 'kofi', 'mei', 'lena'])
    await subscribeNewsletter(at(ago(29)), actor(who) as MemberActor, spaces.qa);
  const helpers = await createList(at(ago(25)), owner, {
    name: 'Community helpers',
    description: 'Members whose answers our team trusts: follow them to see what they write.',
    kind: 'members',
    visibility: 'public',
  });
  for (const who of ['ana', 'kofi', 'ines'])
    await addListEntry(at(ago(25)), owner, helpers.id, { memberId: (actor(who) as MemberActor).memberId });
  return { spaces, members: actors };
}

async function seedChallenges(
  ctx: AppContext,
  owner: Actor,
  ideasSpaceId: string,
  actor: (who: Who) => Actor | MemberActor,
  ago: (days: number) => number,
  start: number,
): Promise<void> {
  const at = (ms: number): AppContext => ({ ...ctx, now: () => new Date(ms) });
  const iso = (ms: number) => new Date(ms).toISOString();
  const member = (who: Who) => actor(who) as MemberActor;
  const past = await createChallenge(at(ago(40)), owner, {
    spaceId: ideasSpaceId,
    question: 'What would make a five-hour layover better?',
    description:
      'Tell us what you would want at our hub with hours to spare. Entries are ideas; vote for the ones you like.',
    reward: '10,000 miles for the winning idea',
    opensAt: iso(ago(40)),
    closesAt: iso(ago(26)),
  });
  const rooms = await submitEntry(at(ago(38)), member('ana'), past.id, {
    title: 'Day rooms bookable by the hour',
    body: 'A quiet room with a bed and a shower, booked in the app for two or three hours.',
  });
  const showers = await submitEntry(at(ago(37)), member('kofi'), past.id, {
    title: 'Showers in every lounge',
    body: 'Even the smaller lounges: after a night flight it is what everyone wants.',
  });
  for (const who of ['mei', 'lucas', 'tom'] as const)
    await voteEntry(at(ago(33)), member(who), past.id, rooms.threadId, true);
  await voteEntry(at(ago(33)), member('ines'), past.id, showers.threadId, true);
  await decideChallenge(at(ago(24)), owner, past.id, {
    threadId: rooms.threadId,
    note: 'Day rooms open at the Lisbon hub in the spring. Thank you, Ana!',
  });

  const open = await createChallenge(at(ago(5)), owner, {
    spaceId: ideasSpaceId,
    question: 'How should we make tight connections less stressful?',
    description: 'Missed connections are the top worry in your posts. What would help most?',
    reward: 'A lounge pass for a year',
    opensAt: iso(ago(5)),
    closesAt: iso(start + 9 * DAY),
  });
  const screens = await submitEntry(at(ago(4)), member('mei'), open.id, {
    title: 'Gate and walking time on the boarding pass screen',
    body: 'Show the next gate and how long the walk is, as soon as we land.',
  });
  await submitEntry(at(ago(3)), member('lucas'), open.id, {
    title: 'Fast-track lane for short connections',
    body: 'Under 45 minutes to connect? Let us skip the security queue.',
  });
  for (const who of ['ana', 'kofi'] as const)
    await voteEntry(at(ago(2)), member(who), open.id, screens.threadId, true);
}

/**
 * Members with verified example addresses and no password (demo people cannot sign in). Each
 * becomes an identity of a customer as at email verification; the demo stream's people first get
 * that email on their existing profile, so the member joins it.
 */
async function createMembers(
  ctx: AppContext,
  owner: Actor,
  list: DemoMember[],
  ago: (days: number) => number,
): Promise<Record<string, MemberActor>> {
  const workspaceId = owner.workspaceId;
  const out: Record<string, MemberActor> = {};
  for (const m of list) {
    const joined = new Date(ago(m.joinedDaysAgo));
    const id = newId(joined);
    const email = `${m.username.replace(/[^a-z0-9.]/g, '')}@example.com`;
    if (m.streamAuthor) {
      const identity = await ctx.db
        .selectFrom('identities')
        .select('customer_id')
        .where('workspace_id', '=', workspaceId)
        .where('kind', '=', 'social')
        .where('external_id', '=', `demo:${m.streamAuthor}`)
        .executeTakeFirst();
      if (identity) {
        const customerId = await currentCustomerId(ctx.db, identity.customer_id);
        await addIdentity(ctx, owner, customerId, { kind: 'email', value: email, verified: true });
      }
    }
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('community_members')
        .values({
          id,
          workspace_id: workspaceId,
          customer_id: null,
          username: m.username,
          display_name: m.name,
          trust_level: 0,
          created_at: joined.toISOString(),
          email,
          email_verified_at: joined.toISOString(),
          password_hash: null,
          bio: m.bio ?? null,
        })
        .execute();
      const { customerId } = await attachCommunityMember(ctx, trx, {
        workspaceId,
        memberId: id,
        username: m.username,
        displayName: m.name,
        email,
      });
      await trx
        .updateTable('community_members')
        .set({ customer_id: customerId })
        .where('id', '=', id)
        .execute();
    });
    if (m.history) await writeHistory(ctx, workspaceId, id, m.history, ago);
    out[m.key] = { kind: 'member', memberId: id, workspaceId, trustLevel: 0 };
  }
  return out;
}

/** The browsing counters of earlier visits: one row per visited day, and the lifetime totals. */
async function writeHistory(
  ctx: AppContext,
  workspaceId: string,
  memberId: string,
  h: History,
  ago: (days: number) => number,
): Promise<void> {
  // Visited days spread over the last 95 days (inside the level-3 window), today excluded.
  const days = Array.from({ length: h.days }, (_, i) =>
    utcDay(new Date(ago(1 + Math.floor((i * 94) / h.days)))),
  );
  const unique = [...new Set(days)];
  await ctx.db
    .insertInto('community_member_days')
    .values(
      unique.map((day) => ({
        workspace_id: workspaceId,
        member_id: memberId,
        day,
        visited: 1,
        posts_read: h.postsPerDay,
        time_reading_ms: h.minutesPerDay * 60_000,
        likes_given: 0,
        likes_received: 0,
      })),
    )
    .execute();
  await ctx.db
    .updateTable('community_members')
    .set({
      days_visited: unique.length,
      posts_read: unique.length * h.postsPerDay,
      time_reading_ms: unique.length * h.minutesPerDay * 60_000,
      last_seen_at: new Date(ago(1)).toISOString(),
    })
    .where('id', '=', memberId)
    .execute();
}
