import { describe, expect, it } from 'vitest';
import { createLanguageDetector, detectLanguage } from './language.ts';
import { languageCorpus, languageHoldout } from './language-corpus.ts';
import { tokenize } from './tokenize.ts';

function lang(text: string, declared: string | null = null) {
  return detectLanguage(text, tokenize(text), declared);
}

const byLanguage: Record<string, string[]> = {
  en: [
    'where is my bag @FlyAir??',
    'been on hold 2 hours, still no refund #fail',
    'Is anyone else having trouble logging in this morning?',
    'just got my new phone and the battery already dies by lunch time smh',
    'Package says delivered. It was not delivered. @ParcelCo',
    'They charged me twice for the same order, who do I talk to?',
  ],
  es: [
    '¿Dónde está mi maleta? @IberiaVuelos',
    'Me cambio a @rival, cancelen mi cuenta ya',
    'El pedido llegó roto y nadie responde en el chat https://t.co/abc123',
    'hoy no me apetece hacer nada jaja',
    'Llevo sin internet desde ayer y el soporte me cuelga cada vez',
  ],
  fr: [
    'Où est ma valise ? @AirFrance',
    'Je passe chez @rival, résiliez mon abonnement',
    "Impossible de me connecter depuis ce matin, quelqu'un a le même problème ?",
    "bon ben je vais dormir moi, c'était une longue journée",
    'Est-ce que je peux changer de forfait sans perdre mon numéro ?',
  ],
  de: [
    'Wo ist mein Koffer? @Lufthansa',
    'Ich wechsle zu @rival, kündigt mein Konto',
    'Schon wieder kein Internet zu Hause. Das dritte Mal diese Woche @Telekom',
    'so, ich geh jetzt schlafen, war ein langer Tag',
    'Kann ich meinen Tarif wechseln, ohne meine Nummer zu verlieren?',
  ],
  pt: [
    'Cadê a minha mala? @LATAM',
    'Vou mudar para a @rival, cancelem a minha conta',
    'Não consigo entrar na minha conta desde ontem, alguém sabe o que está acontecendo?',
    'hoje não estou com vontade de fazer nada kkkk',
    'Me cobraram duas vezes pelo mesmo pedido, com quem eu falo?',
  ],
  it: [
    'Dov’è la mia valigia? @Alitalia',
    'Non riesco ad accedere da stamattina, qualcuno ha lo stesso problema?',
    'Di nuovo senza internet a casa. Terza volta questa settimana @TIM',
    'Vorrei disdire il mio contratto, come devo fare?',
    'Posso cambiare piano senza perdere il mio numero?',
  ],
  nl: [
    'Waar is mijn koffer? @KLM',
    'Ik stap over naar @rival, zeg mijn account op',
    'Kan sinds vanochtend niet inloggen, heeft iemand anders dat ook?',
    'nou ik ga slapen hoor, lange dag gehad',
    'Weet iemand of de winkel in het centrum op zondag open is?',
  ],
  ja: [
    '私のスーツケースはどこですか？ @JAL_Official',
    '2時間も待たされて、まだ返金されない #最悪',
    '@rival に乗り換えます。アカウントを解約してください',
    '大好き😍',
    '番号を変えずにプランを変更できますか？',
  ],
};

describe('detectLanguage', () => {
  for (const [code, texts] of Object.entries(byLanguage)) {
    describe(code, () => {
      for (const text of texts) {
        it(`detects ${code} in "${text}"`, () => {
          const got = lang(text);
          expect(got.code).toBe(code);
          expect(got.confidence).toBeGreaterThan(0.4);
        });
      }
    });
  }

  describe('und when there is too little language', () => {
    for (const text of [
      '😍😍😍',
      '👍',
      'https://t.co/a1b2c3',
      '@FlyAir @rival',
      '#travel #fail',
      'lol',
      'ok',
      '!!!',
      '10/10',
      '',
    ]) {
      it(`returns und for "${text}"`, () => {
        expect(lang(text)).toEqual({ code: 'und', confidence: 0 });
      });
    }
  });

  describe('a declared language', () => {
    it('is kept for a text too short to judge, with low confidence', () => {
      const got = lang('lol', 'en');
      expect(got.code).toBe('en');
      expect(got.confidence).toBeLessThan(0.5);
    });
    it('does not give a language to an emoji-only post', () => {
      expect(lang('🔥🔥🔥', 'en').code).toBe('und');
    });
    it('wins a close call', () => {
      // "merci" alone is weak evidence; the declaration decides.
      expect(lang('merci !!', 'fr').code).toBe('fr');
    });
    it('is overridden by clear evidence of another language', () => {
      const got = lang('Honestly the best customer service I have had in years, thank you @ShopCo!', 'es');
      expect(got.code).toBe('en');
    });
    it('raises confidence when it agrees with the text', () => {
      const text = 'Qué buen servicio, me resolvieron todo en cinco minutos';
      expect(lang(text, 'es').confidence).toBeGreaterThan(lang(text).confidence);
    });
    it('is normalised from a region tag (pt-BR → pt)', () => {
      expect(lang('ok', 'pt-BR').code).toBe('pt');
    });
    it('decides kanji-only text for Japanese', () => {
      expect(lang('最悪', 'ja').code).toBe('ja');
      expect(lang('最悪').code).toBe('zh');
    });
  });

  describe('other scripts and languages', () => {
    it('names Russian through the fallback model', () => {
      expect(lang('Кто-нибудь знает, магазин работает в воскресенье?').code).toBe('ru');
    });
    it('does not call Swedish German', () => {
      expect(lang('Någon som vet om affären är öppen på söndag?').code).not.toBe('de');
    });
    it('without a fallback, says und for text it cannot place', () => {
      const local = createLanguageDetector({ fallback: null });
      const text = 'Кто-нибудь знает, магазин работает в воскресенье?';
      expect(local(text, tokenize(text), null).code).toBe('und');
    });
  });

  // Regression guards on the comparison sets (see scripts/compare-language-detectors.ts).
  it('gets at least 95% of the development posts right', () => {
    const right = languageCorpus.filter((s) => lang(s.text).code === s.lang).length;
    expect(right / languageCorpus.length).toBeGreaterThanOrEqual(0.95);
  });
  it('gets at least 90% of the held-out posts right', () => {
    const right = languageHoldout.filter((s) => lang(s.text).code === s.lang).length;
    expect(right / languageHoldout.length).toBeGreaterThanOrEqual(0.9);
  });
});
