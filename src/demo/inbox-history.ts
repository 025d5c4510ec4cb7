import { demoAuthorProfile, demoAuthors } from '../connectors/demo/demo-stream.ts';
import type { AppContext } from '../context.ts';
import type { CaseStatus } from '../db/schema.ts';
import type { Actor } from '../modules/auth/roles.ts';
import { createCase, updateCase } from '../modules/inbox/cases.ts';
import { addNote, deliverDueReplies, queueReply } from '../modules/inbox/replies.ts';
import { routeNewMentions } from '../modules/inbox/routing.ts';
import { answerSurvey, caseSurveys } from '../modules/surveys/service.ts';
import { appendToLog } from '../pipeline/ingest-log.ts';
import { processBatch } from '../pipeline/worker.ts';

type Step =
  | { do: 'reply'; body: string; afterMinutes: number }
  | { do: 'note'; body: string; afterMinutes: number }
  | { do: 'status'; to: CaseStatus; afterMinutes: number }
  /** Snoozed until this many hours after the demo starts (it comes back by itself then). */
  | { do: 'snooze'; untilHoursFromNow: number; afterMinutes: number }
  /** The customer answers the satisfaction survey the solved case sent them. */
  | { do: 'answer'; score: number; comment: string | null; afterMinutes: number };

type Conversation = { author: string; text: string; hoursAgo: number; steps: Step[] };

/**
 * Earlier conversations, one per case state, so the demo inbox shows the whole life of a case
 * (new, open, pending the customer, on hold, solved, closed) and SLA clocks met and breached. Each
 * runs through the real pipeline, routing rules and outbox, on a clock set back to when it happened.
 */
const history: Conversation[] = [
  {
    author: 'sam',
    text: 'Checked in online for DA 530 but the app says my boarding pass is invalid. Flight is tomorrow @demoairways',
    hoursAgo: 0.5,
    steps: [],
  },
  {
    author: 'tom',
    text: 'My refund for the cancelled DA 77 was promised in 7 days, it has been 5 weeks. @demoairways',
    hoursAgo: 30,
    steps: [
      { do: 'status', to: 'open', afterMinutes: 90 },
      {
        do: 'note',
        body: 'Refund batch from March failed at the bank; finance is re-running it.',
        afterMinutes: 95,
      },
    ],
  },
  {
    author: 'ana',
    text: 'Lost my bag on the Lisbon flight yesterday, nobody answers the phone @demoairways',
    hoursAgo: 20,
    steps: [
      {
        do: 'reply',
        body: 'Hi, we are sorry about your bag. Could you send us the file reference from the baggage desk so we can trace it?',
        afterMinutes: 25,
      },
      { do: 'status', to: 'pending_customer', afterMinutes: 26 },
    ],
  },
  {
    author: 'lena',
    text: 'Koffer verloren, seit drei Tagen keine Antwort. Unglaublich schlechter Service @demoairways',
    hoursAgo: 50,
    steps: [
      {
        do: 'reply',
        body: 'Hallo Lena, es tut uns leid. Wir haben den Koffer gefunden und klären gerade den Transport.',
        afterMinutes: 40,
      },
      {
        do: 'note',
        body: 'Waiting for the Frankfurt ground handler to confirm the courier slot.',
        afterMinutes: 45,
      },
      { do: 'status', to: 'on_hold', afterMinutes: 46 },
      { do: 'snooze', untilHoursFromNow: 20, afterMinutes: 47 },
    ],
  },
  {
    author: 'priya',
    text: 'Charged twice for my seat upgrade on DA 212, please fix @demoairways',
    hoursAgo: 28,
    steps: [
      {
        do: 'reply',
        body: 'Hi Priya, you were right: the second charge is refunded today and will show within 3 working days.',
        afterMinutes: 35,
      },
      { do: 'status', to: 'solved', afterMinutes: 36 },
      { do: 'answer', score: 5, comment: 'Quick and friendly, thank you!', afterMinutes: 80 },
    ],
  },
  {
    author: 'lucas',
    text: 'Flight cancelled last night and still no refund, nobody answers @demoairways',
    hoursAgo: 75,
    steps: [
      {
        do: 'reply',
        body: 'Hi Lucas, the refund went out this morning. Thank you for your patience.',
        afterMinutes: 50,
      },
      { do: 'status', to: 'solved', afterMinutes: 51 },
      { do: 'answer', score: 2, comment: 'Five weeks for a refund is too long.', afterMinutes: 300 },
      { do: 'status', to: 'closed', afterMinutes: 60 * 24 },
    ],
  },
];

/** Replays the earlier conversations; returns the cases made, in the order of `history`. */
export async function seedDemoCaseHistory(ctx: AppContext, owner: Actor): Promise<string[]> {
  const start = ctx.now().getTime();
  const cases: string[] = [];
  for (const [i, conv] of history.entries()) {
    const author = demoAuthors.find((a) => a.id === conv.author);
    if (!author) throw new Error(`No demo author ${conv.author}`);
    const postedAt = start - conv.hoursAgo * 3_600_000;
    const at = (minutes: number): AppContext => ({
      ...ctx,
      now: () => new Date(postedAt + minutes * 60_000),
    });
    const externalId = `demo:history:${i + 1}`;
    await appendToLog(at(0), [
      {
        workspaceId: owner.workspaceId,
        connectorId: null,
        format: 'generic',
        payload: JSON.stringify({
          channel: author.channel,
          externalId,
          url: `https://example.com/demo/${author.channel}/history-${i + 1}`,
          text: conv.text,
          createdAt: new Date(postedAt).toISOString(),
          author: demoAuthorProfile(author),
        }),
      },
    ]);
    while ((await processBatch(at(0))).claimed > 0) {
      // drain
    }
    await routeNewMentions(at(1));
    const mention = await ctx.db
      .selectFrom('mentions')
      .select(['id', 'case_id'])
      .where('workspace_id', '=', owner.workspaceId)
      .where('external_id', '=', externalId)
      .executeTakeFirstOrThrow();
    // The rules make cases of complaints; a plain question (the boarding pass) is opened by hand.
    const caseId =
      mention.case_id ??
      (
        await createCase(at(2), owner, {
          subject: conv.text.slice(0, 80),
          type: 'question',
          mentionIds: [Number(mention.id)],
        })
      ).id;
    for (const step of conv.steps) {
      const when = at(step.afterMinutes);
      if (step.do === 'reply') {
        await updateCase(when, owner, caseId, { assigneeUserId: owner.userId });
        await queueReply(when, owner, caseId, { body: step.body });
        await deliverDueReplies(when);
      } else if (step.do === 'note') {
        await addNote(when, owner, caseId, { body: step.body });
      } else if (step.do === 'answer') {
        await deliverDueReplies(when);
        const [request] = await caseSurveys(when, owner, caseId);
        if (!request) throw new Error(`The demo case ${caseId} sent no survey`);
        await answerSurvey(when, request.link.split('/').at(-1) ?? '', {
          score: step.score,
          comment: step.comment,
        });
      } else if (step.do === 'snooze') {
        const until = new Date(start + step.untilHoursFromNow * 3600_000).toISOString();
        await updateCase(when, owner, caseId, { snoozedUntil: until });
      } else {
        await updateCase(when, owner, caseId, { status: step.to, assigneeUserId: owner.userId });
      }
    }
    cases.push(caseId);
  }
  return cases;
}
