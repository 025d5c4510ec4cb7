import { describe, expect, it } from 'vitest';
import {
  type ClassifierModel,
  classify,
  type LabelledExample,
  parseClassifierModel,
  trainClassifier,
} from './classifier.ts';
import { tokenize } from './tokenize.ts';

const byLabel: Record<string, string[]> = {
  refund: [
    'I want my money back for the cancelled flight',
    'how do I get a refund for my order',
    'still waiting for my refund after two weeks',
    'please refund the charge for the broken blender',
    'can I get reimbursed for the hotel I never used',
    'you charged me twice, I need a refund',
    'where is the refund you promised me',
    'request a refund for my ticket please',
    'the item was faulty and I want my money returned',
    'when will the refund hit my card',
    'refund my booking fee now',
    'I returned the shoes, where is my money',
    'how long do refunds take to process',
    'I was promised a full refund for the delay',
    'give me my money back',
  ],
  order_status: [
    'where is my order',
    'my package has not arrived yet',
    'has my parcel shipped',
    'tracking number says nothing, where is the delivery',
    'when will my order be delivered',
    'the courier never showed up with my package',
    'order placed a week ago still not here',
    'can you check the status of my order',
    'my delivery is late, any update',
    'is my package lost in transit',
    'the tracking has not moved in five days',
    'still no sign of my parcel',
    'what is the estimated delivery date for my order',
    'my shipment is stuck at the depot',
    'did you send my order yet',
  ],
  change_booking: [
    'I need to change the date of my flight',
    'can I move my hotel reservation to next week',
    'how do I rebook my train to a later time',
    'change my seat to an aisle seat',
    'I want to switch my flight to the morning departure',
    'can I change the name on my booking',
    'move my reservation to Friday please',
    'is it possible to reschedule my trip',
    'modify my booking to add a night',
    'I would like an earlier flight than the one I booked',
    'how much does it cost to change a ticket',
    'can I swap my return date',
    'update my reservation for two guests instead of one',
    'I need to postpone my booking',
    'rebook me on the next flight',
  ],
  lost_luggage: [
    'my suitcase did not arrive at the airport',
    'the airline lost my bag',
    'where is my luggage, it was not on the belt',
    'my checked bag never came out at baggage claim',
    'I landed but my baggage is missing',
    'my luggage went to the wrong city',
    'how do I report a missing suitcase',
    'still no news about my lost bag',
    'my bag was left behind on the connection',
    'baggage claim says my suitcase is delayed',
    'my stroller did not arrive with the luggage',
    'lost baggage, I have no clothes for tomorrow',
    'who do I contact about my delayed bag',
    'the belt stopped and my suitcase was not there',
    'my luggage tag shows it is still in Madrid',
  ],
  opening_hours: [
    'what time does the store open',
    'are you open on Sunday',
    'when does the shop close today',
    'what are your opening hours',
    'is the branch open on public holidays',
    'how late is the store open tonight',
    'opening times for the downtown store',
    'are you open on Christmas eve',
    'what time do you close on Saturdays',
    'is the outlet open this evening',
    'store hours please',
    'does the shop open early on Mondays',
    'until what time can I visit the store',
    'are you open right now',
    'what are the weekend hours of the mall shop',
  ],
  oos: [
    'what is the weather like in Paris',
    'tell me a joke',
    'who won the football match last night',
    'how do I bake sourdough bread',
    'what is the capital of Australia',
    'play some jazz music',
    'set an alarm for seven',
    'how tall is mount everest',
    'translate hello into german',
    'what is the square root of 81',
    'recommend a good novel',
    'how many calories are in an apple',
    'who painted the mona lisa',
    'what is my horoscope today',
    'how do I fix a flat bicycle tire',
  ],
};

const examples: LabelledExample[] = Object.entries(byLabel).flatMap(([label, texts]) =>
  texts.map((text) => ({ text, label })),
);

// Phrasings the model never saw.
const heldOut: [string, string][] = [
  ['I am still waiting for my refund', 'refund'],
  ['I want a refund for the flight you cancelled', 'refund'],
  ['where is my parcel, it has not arrived', 'order_status'],
  ['what is the status of my delivery', 'order_status'],
  ['I need to change my flight to another date', 'change_booking'],
  ['please move my hotel booking to next month', 'change_booking'],
  ['the airline lost my suitcase', 'lost_luggage'],
  ['my bag did not come out at baggage claim', 'lost_luggage'],
  ['what time does the store close on Sunday', 'opening_hours'],
  ['are you open on Saturday', 'opening_hours'],
];

const outOfScope = [
  'who won the tennis final',
  'what is the weather tomorrow in Berlin',
  'tell me a funny joke about cats',
  'how do I cook pasta',
];

const model = trainClassifier(examples, { name: 'support', seed: 7 });

describe('trainClassifier and classify', () => {
  it('predicts the right label for phrasings it never saw', () => {
    const wrong = heldOut.filter(([text, label]) => classify(model, text).label !== label);
    expect(wrong).toEqual([]);
  });

  it('returns none for texts that belong to no label', () => {
    for (const text of outOfScope) expect(classify(model, text).label, text).toBe('none');
  });

  it('returns none, with the reason, for gibberish and for text without words', () => {
    const gibberish = classify(model, 'zxqv blorp');
    expect(gibberish.label).toBe('none');
    expect(gibberish.reasons[0]).toMatch(/out of scope|low confidence/);
    expect(classify(model, '')).toEqual({
      label: 'none',
      score: 1,
      reasons: ['no word the classifier knows'],
    });
  });

  it('explains a prediction with the words that weighed most', () => {
    const result = classify(model, 'the airline lost my suitcase');
    expect(result.label).toBe('lost_luggage');
    expect(result.score).toBeGreaterThan(0);
    expect(result.score).toBeLessThanOrEqual(1);
    expect(result.reasons.length).toBeGreaterThan(0);
    expect(result.reasons.join(' ')).toMatch(/lost|suitcase|airline/);
  });

  it('accepts tokens instead of text and gives the same answer', () => {
    const text = 'when will my refund arrive';
    expect(classify(model, tokenize(text))).toEqual(classify(model, text));
  });

  it('never predicts oos as a label and lists the labels it learned', () => {
    expect(model.labels).toEqual([
      'change_booking',
      'lost_luggage',
      'opening_hours',
      'order_status',
      'refund',
    ]);
    expect(model.classes).toContain('none');
    expect(model.training.labelCounts.none).toBe(15);
    expect(model.calibration.heldOut.method).toBe('cross-validation');
    expect(model.calibration.heldOut.oosRecall).not.toBeNull();
  });

  it('uses a calibrated threshold when trained without out-of-scope examples', () => {
    const inScope = trainClassifier(
      examples.filter((e) => e.label !== 'oos'),
      { seed: 7 },
    );
    expect(inScope.classes).not.toContain('none');
    expect(inScope.calibration.threshold).toBeGreaterThan(0);
    expect(classify(inScope, 'the airline lost my suitcase').label).toBe('lost_luggage');
    expect(classify(inScope, 'qwerty asdf').label).toBe('none');
  });

  it('is deterministic: the same data and seed give the same model', () => {
    expect(JSON.stringify(trainClassifier(examples, { name: 'support', seed: 7 }))).toBe(
      JSON.stringify(model),
    );
    expect(JSON.stringify(trainClassifier(examples, { name: 'support', seed: 8 }))).not.toBe(
      JSON.stringify(model),
    );
  });

  it('rejects training data with fewer than two labels or too few examples per label', () => {
    expect(() => trainClassifier(byLabel.refund?.map((text) => ({ text, label: 'refund' })) ?? [])).toThrow(
      /at least 2 labels/,
    );
    expect(() =>
      trainClassifier([...examples, { text: 'a', label: 'rare' }, { text: 'b', label: 'rare' }]),
    ).toThrow(/at least 3 examples.*rare/);
  });
});

describe('parseClassifierModel', () => {
  it('round-trips a model through JSON with the same predictions', () => {
    const loaded = parseClassifierModel(JSON.parse(JSON.stringify(model)));
    for (const [text] of heldOut) expect(classify(loaded, text)).toEqual(classify(model, text));
    for (const text of outOfScope) expect(classify(loaded, text)).toEqual(classify(model, text));
  });

  it('rejects a file that is not a model', () => {
    expect(() => parseClassifierModel({ hello: 'world' })).toThrow(/Not a Rapport classifier model/);
    expect(() => parseClassifierModel([1, 2, 3])).toThrow(/Not a Rapport classifier model/);
  });

  it('rejects a model whose weights are corrupt', () => {
    const broken = JSON.parse(JSON.stringify(model)) as ClassifierModel;
    broken.weights.values = broken.weights.values.slice(0, 8);
    expect(() => parseClassifierModel(broken)).toThrow(/Not a Rapport classifier model/);
    const wrongScales = JSON.parse(JSON.stringify(model)) as ClassifierModel;
    wrongScales.weights.scales = [1];
    expect(() => parseClassifierModel(wrongScales)).toThrow(/one entry per class/);
  });
});
