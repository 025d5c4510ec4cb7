import { describe, expect, it } from 'vitest';
import { detectIntents, INTENT_THRESHOLD } from './intent.ts';
import { tokenize } from './tokenize.ts';
import type { IntentLabel } from './types.ts';

function intents(text: string, language = 'en') {
  return detectIntents(tokenize(text), text, language);
}
function labels(text: string, language = 'en'): IntentLabel[] {
  return intents(text, language).map((i) => i.label);
}

describe('detectIntents: the examples from the issue', () => {
  it('calls "where is my bag" a complaint and a support question', () => {
    expect(labels('where is my bag')).toEqual(expect.arrayContaining(['complaint', 'support_question']));
  });
  it('calls "thanks, lovely crew" praise and nothing else', () => {
    expect(labels('thanks, lovely crew')).toEqual(['praise']);
  });
  it('calls a lost item that was found praise, not a complaint, and a lost one still a complaint', () => {
    expect(labels('thanks @demoairways, lovely crew today, they even found my lost headphones')).toEqual([
      'praise',
    ]);
    expect(labels('you lost my bag and nobody answers')).toContain('complaint');
  });
  it('calls "how much is the family plan?" purchase intent, first', () => {
    expect(labels('how much is the family plan?')[0]).toBe('purchase_intent');
  });
  it('calls "been on hold 2 hours, still no refund" a complaint', () => {
    expect(labels('been on hold 2 hours, still no refund')[0]).toBe('complaint');
  });
  it('calls "you should add dark mode" an idea', () => {
    expect(labels('you should add dark mode')).toEqual(['idea']);
  });
  it('calls "switching to @rival, cancel my account" churn risk first, and a complaint', () => {
    const got = labels('switching to @rival, cancel my account');
    expect(got[0]).toBe('churn_risk');
    expect(got).toContain('complaint');
  });
  it('calls "FREE followers click here bit.ly/…" spam', () => {
    expect(labels('FREE followers click here bit.ly/3xYz9')).toEqual(['spam']);
  });
  it('calls "watching the game tonight" other', () => {
    expect(labels('watching the game tonight')).toEqual(['other']);
  });
});

// Ten or more real-looking posts per intent: the label must be among those returned.
// A post in another language is written as [text, language].
const cases: Record<Exclude<IntentLabel, 'other'>, (string | [string, string])[]> = {
  purchase_intent: [
    "I'd like to book 2 seats to Lisbon in May",
    'how much is the family plan?',
    'What does the pro tier cost per month?',
    'Do you ship to Canada? Want to order two of these',
    'Looking to buy a new laptop for uni, any recommendations @TechStore',
    'where can I buy the limited edition sneakers',
    'thinking of upgrading to the premium plan, is it worth it?',
    'Is the blue one in stock in size 10?',
    'Can I book the 7pm table for four?',
    'Take my money already 💸',
    'Interested in the enterprise version for our team of 40, who do I talk to about pricing?',
    'Does the student plan include the desktop app? Ready to subscribe',
    ['Was kostet der Familientarif?', 'de'],
    ['Quanto custa o plano família?', 'pt'],
    ['cuánto cuesta el plan familiar?', 'es'],
  ],
  complaint: [
    'been on hold 2 hours, still no refund',
    'My package never arrived and nobody answers the phone',
    'Flight delayed AGAIN. Third time this month @FlyAir',
    'The app keeps crashing every time I open it',
    'charged twice for the same order, this is ridiculous',
    'worst customer service I have ever dealt with',
    'still waiting for someone to call me back',
    'Internet has been down since yesterday morning. Unacceptable.',
    'my order arrived broken and the box was soaked',
    'I am so disappointed with the new update',
    ["Ma commande n'est toujours pas arrivée, personne ne répond", 'fr'],
    ['Das neue Update ist eine Katastrophe, die App funktioniert nicht', 'de'],
    ['Cadê a minha mala? Ninguém responde', 'pt'],
    'please help, still no refund after 3 weeks',
    'not happy with how this was handled',
    ['Todavía no me devuelven el dinero, una vergüenza', 'es'],
  ],
  support_question: [
    'where is my bag',
    'How do I reset my password?',
    'Can you help me change my booking to Friday?',
    'why does the app log me out every day?',
    'Is there a way to export my data?',
    'anyone else unable to log in right now?',
    'How can I add a second user to my account?',
    'who should I contact about a missing invoice?',
    'can you check my order status please, DM sent',
    'What happened to my refund request from last week?',
    'Does anyone know if the Android app supports widgets?',
    ['¿Cómo puedo cambiar mi dirección de envío?', 'es'],
  ],
  praise: [
    'thanks, lovely crew',
    'Huge shoutout to the support team, problem fixed in 10 minutes!',
    'Absolutely love the new design 😍',
    'Best pizza in town, no contest',
    'Great service at the Leeds branch today, thank you Sam',
    'well done on the update, everything feels faster',
    'The staff went above and beyond for my mum ❤️',
    'highly recommend @CleanCo, spotless every time',
    'No complaints at all, smooth delivery and friendly driver',
    'So impressed with how quickly you sorted this',
    'amazing flight, the crew were fantastic',
    ['Merci pour votre aide, service au top', 'fr'],
  ],
  idea: [
    'you should add dark mode',
    'It would be nice to have a family calendar view',
    'please add an option to mute threads',
    'Feature request: export to CSV',
    'Bring back the old playlist layout!!',
    'would be great if the app could sync with Google Calendar',
    'I wish there was a way to schedule posts',
    'Suggestion: let us pick the delivery time slot',
    'can you add Apple Pay at checkout',
    'why not add a search bar to the orders page',
    'They should allow two-factor with a hardware key',
    'Would love live bag tracking in the app',
    "I'd love to see a dark mode in your app",
    ['Deberían añadir modo oscuro a la aplicación', 'es'],
  ],
  churn_risk: [
    'switching to @rival, cancel my account',
    'I want to cancel my subscription today',
    'Done with this company. Moving to @OtherBank next week',
    'Not renewing my contract after this mess',
    'never flying with you again',
    'How do I close my account? Found a better deal elsewhere',
    "I won't be renewing, the price went up again",
    'Cancelling my membership, the gym is always packed',
    'Going back to @OldCarrier, at least their signal works',
    "that's it, I'm taking my business elsewhere",
    ['Quiero darme de baja del servicio', 'es'],
    ['Je passe chez @Free, résiliez mon abonnement', 'fr'],
  ],
  spam: [
    'FREE followers click here bit.ly/3xYz9',
    'Earn $500 a day from home!! DM for details',
    'You have won an iPhone 15, claim your prize now https://bit.ly/win-now',
    'Buy followers cheap, real and fast, link in bio',
    'Crypto giveaway 🚀 send 0.1 BTC get 1 BTC back, guaranteed returns',
    'check my bio for exclusive content 🔥🔥',
    'Click the link to get free money https://tinyurl.com/abc123',
    'Work from home and make $300 per day, act now',
    '#follow #followback #like4like #instagood #f4f #likeforlike #tbt #photooftheday',
    'Want free likes? DM me for promo 📈',
    'CLAIM your free gift card now t.me/giftcards',
  ],
};

describe('detectIntents: ten or more examples per intent', () => {
  for (const [label, texts] of Object.entries(cases)) {
    describe(label, () => {
      for (const item of texts) {
        const [text, lang] = typeof item === 'string' ? [item, 'en'] : item;
        it(`finds ${label} in "${text}" (${lang})`, () => {
          expect(labels(text, lang)).toContain(label);
        });
      }
    });
  }
});

describe('detectIntents: Spanish, French, German and Portuguese cues', () => {
  const multi: [string, string, IntentLabel[]][] = [
    ['Je voudrais résilier mon contrat, comment faire ?', 'fr', ['churn_risk', 'support_question']],
    ['Ich möchte meinen Vertrag kündigen, wie geht das?', 'de', ['churn_risk', 'support_question']],
    ['Wo ist mein Koffer?', 'de', ['support_question', 'complaint']],
    ['Schön wäre eine Ruhezone auf den frühen Flügen nach Rom', 'de', ['idea']],
    ['Vocês deviam colocar modo escuro no aplicativo', 'pt', ['idea']],
    ['Obrigado à tripulação, muito simpáticos', 'pt', ['praise']],
    ['¿Dónde está mi maleta? Nadie responde', 'es', ['support_question', 'complaint']],
    ['Ich wechsle zu @rival, kündigt mein Konto', 'de', ['churn_risk']],
    ['Chega, vou mudar de companhia depois deste voo', 'pt', ['churn_risk']],
  ];
  for (const [text, lang, expected] of multi) {
    it(`finds ${expected.join(' + ')} in "${text}" (${lang})`, () => {
      expect(labels(text, lang)).toEqual(expect.arrayContaining(expected));
    });
  }
});

describe('detectIntents: negation and near misses', () => {
  it('does not call "not cancelling" churn', () => {
    expect(labels("I'm not cancelling my subscription, just asking about the bill")).not.toContain(
      'churn_risk',
    );
  });
  it('calls "last time I fly with you" churn, and "last time I flew with them it was…" not', () => {
    expect(labels('Last time I fly with you, three delays in a row')).toContain('churn_risk');
    expect(labels("Last time I'm booking with @demoairways, the seat was broken")).toContain('churn_risk');
    expect(labels('This is the last time, my bag is gone again @demoairways')).toContain('churn_risk');
    expect(labels('Last time I flew with them it was included, but check the fare rules')).not.toContain(
      'churn_risk',
    );
  });
  it('does not call "won\'t be switching to @rival" churn', () => {
    expect(labels("won't be switching to @rival anytime soon, you guys rock")).not.toContain('churn_risk');
  });
  it('does not call "no complaints" a complaint', () => {
    expect(labels('no complaints, the delivery was on time')).not.toContain('complaint');
  });
  it('calls "not impressed" a complaint, not praise', () => {
    const got = labels('not impressed with the new menu');
    expect(got).toContain('complaint');
    expect(got).not.toContain('praise');
  });
  it('calls "thanks for nothing" a complaint, not praise', () => {
    const got = labels('thanks for nothing @FlyAir');
    expect(got).toContain('complaint');
    expect(got).not.toContain('praise');
  });
  it('does not call "thanks in advance" praise', () => {
    const got = labels('How do I change my seat? thanks in advance');
    expect(got).toContain('support_question');
    expect(got).not.toContain('praise');
  });
  it('calls "how do I cancel" churn risk and a support question, but not a complaint', () => {
    const got = labels('How do I cancel my subscription?');
    expect(got).toEqual(expect.arrayContaining(['support_question', 'churn_risk']));
    expect(got).not.toContain('complaint');
  });
  it('treats a question about a discount as a buyer’s question', () => {
    expect(labels('any discount for students?')[0]).toBe('purchase_intent');
  });
  it('does not call an ordinary link spam', () => {
    expect(labels('Our new blog post on onboarding https://example.com/blog/onboarding')).not.toContain(
      'spam',
    );
  });
  it('calls small talk other', () => {
    for (const text of [
      'watching the game tonight',
      'Monday again lol',
      'just landed in Lisbon',
      'new profile pic',
    ]) {
      expect(labels(text)).toEqual(['other']);
    }
  });
  it('does not call a polite complaint praise', () => {
    const got = labels('please help, still no refund after 3 weeks, thanks');
    expect(got[0]).toBe('complaint');
    expect(got).not.toContain('praise');
  });
  it('does not treat the words of a spam post as a buyer', () => {
    expect(labels('Earn $500 a day from home!! DM for details')).not.toContain('purchase_intent');
  });
});

describe('detectIntents: result shape', () => {
  it('orders results by score, highest first, with scores in 0..1 and reasons', () => {
    const got = intents('where is my bag?? third time asking, this is ridiculous');
    expect(got.length).toBeGreaterThan(1);
    for (let i = 1; i < got.length; i++) expect(got[i - 1]?.score).toBeGreaterThanOrEqual(got[i]?.score ?? 0);
    for (const r of got) {
      expect(r.score).toBeGreaterThanOrEqual(INTENT_THRESHOLD);
      expect(r.score).toBeLessThanOrEqual(1);
      expect(r.reasons.length).toBeGreaterThan(0);
    }
  });
  it('explains a complaint by the phrase that triggered it', () => {
    const complaint = intents('still no refund').find((i) => i.label === 'complaint');
    expect(complaint?.reasons.join(' ')).toContain('still no');
  });
  it('returns other alone, never alongside a real intent', () => {
    const got = labels('love it');
    expect(got).not.toContain('other');
  });
  it('scores a post with more evidence higher than one with less', () => {
    const weak = intents('the app crashed').find((i) => i.label === 'complaint')?.score ?? 0;
    const strong =
      intents('the app crashed again, worst update ever, still not fixed').find(
        (i) => i.label === 'complaint',
      )?.score ?? 0;
    expect(strong).toBeGreaterThan(weak);
  });
});
