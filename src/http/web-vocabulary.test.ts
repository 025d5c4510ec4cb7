import { describe, expect, it } from 'vitest';
import * as webCustomers from '../../web/src/api/customers.ts';
import * as webInbox from '../../web/src/api/inbox.ts';
import * as webSales from '../../web/src/api/sales.ts';
import { intentLabels } from '../modules/analysis/types.ts';
import { consentPurposes } from '../modules/customers/schema.ts';
import { lifecycleStages } from '../modules/customers/segment-rules.ts';
import { weekdays } from '../modules/inbox/business-hours.ts';
import { caseChanges, caseMoments, ruleEvents } from '../modules/inbox/routing-schema.ts';
import { slaMetrics } from '../modules/inbox/sla-schema.ts';
import { casePriorities, caseStatuses, caseTypes, dismissReasons } from '../modules/inbox/vocabulary.ts';
import { contactInput, leadStages, opportunityStages } from '../modules/sales/schema.ts';
import { surveyRatings } from '../modules/surveys/schema.ts';

// The web app spells out the API's vocabularies (statuses, stages, reasons…) for its menus and
// filters. In the same order: the board's columns and the menus follow it.

describe("the web app's vocabularies", () => {
  it("are the API's, in the same order", () => {
    const pairs: [string, readonly string[], readonly string[]][] = [
      ['caseStatuses', webInbox.caseStatuses, caseStatuses],
      ['casePriorities', webInbox.casePriorities, casePriorities],
      ['caseTypes', webInbox.caseTypes, caseTypes],
      ['dismissReasons', webInbox.dismissReasons, dismissReasons],
      ['slaMetrics', webInbox.slaMetrics, slaMetrics],
      ['weekdays', webInbox.weekdays, weekdays],
      ['ruleEvents', webInbox.ruleEvents, ruleEvents],
      ['caseChanges', webInbox.caseChanges, caseChanges],
      ['surveyRatings', webInbox.surveyRatings, surveyRatings],
      ['caseMoments', webInbox.caseMoments, caseMoments],
      ['lifecycleStages', webCustomers.lifecycleStages, lifecycleStages],
      ['consentPurposes', webCustomers.consentPurposes, consentPurposes],
      ['leadStages', webSales.leadStages, leadStages],
      ['opportunityStages', webSales.opportunityStages, opportunityStages],
      ['contactChannels', webSales.contactChannels, contactInput.shape.channel.options],
    ];
    for (const [name, web, api] of pairs) expect([...web], name).toEqual([...api]);
  });

  it('offer a rule every intent the analysis gives', async () => {
    const { choicesOf } = await import('../../web/src/features/settings/routing-rules/rule-model.ts');
    const lookups = { channels: [] } as unknown as Parameters<typeof choicesOf>[1];
    expect(choicesOf('intent', lookups).map((c) => c.value)).toEqual([...intentLabels]);
  });
});
