// What the benchmarks that generate their data straight into the tables share: bulk inserts, and
// the mention texts with the sentiment and intents they are stored with.
import type { Transaction } from 'kysely';
import type { AppContext } from '../src/context.ts';
import type { DB } from '../src/db/schema.ts';

export const DAY = 86_400_000;

/** Multi-row inserts of `rows` in parts of `per` rows, inside one transaction per 20 parts. */
export async function insertAll<R>(
  ctx: AppContext,
  rows: R[],
  per: number,
  insert: (trx: Transaction<DB>, part: R[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += per * 20) {
    await ctx.db.transaction().execute(async (trx) => {
      for (let k = i; k < Math.min(rows.length, i + per * 20); k += per)
        await insert(trx, rows.slice(k, k + per));
    });
  }
}

export const phrases = {
  positive: ['love the new app', 'great crew today', 'thanks for the quick refund', 'best flight ever'],
  negative: ['my bag is lost again', 'delayed for three hours', 'worst support ever', 'charged twice'],
  neutral: ['boarding at gate 12', 'what time is check-in', 'landed in lisbon', 'any wifi on board'],
} as const;
export type Sentiment = keyof typeof phrases;

/** Intent label lists by sentiment (mentions.intents is space-separated); null = no intent. */
export const intentsBySentiment: Record<Sentiment, (string | null)[]> = {
  positive: ['praise', 'praise', 'purchase_intent', 'praise purchase_intent', null, null],
  negative: ['complaint', 'complaint churn_risk', 'support_question complaint', 'churn_risk', null, null],
  neutral: ['support_question', 'idea', 'purchase_intent', 'spam', null, null, null, null],
};
