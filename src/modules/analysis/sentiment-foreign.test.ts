import { describe, expect, it } from 'vitest';
import { analyzeSentiment } from './sentiment.ts';
import { tokenize } from './tokenize.ts';

const sentiment = (text: string, language: string) => analyzeSentiment(tokenize(text), language);

type Case = [text: string, language: string, label: 'negative' | 'neutral' | 'positive'];

// Written by hand as customers write to an airline: complaints without a sentiment word, praise,
// questions, negation, intensifiers and "but". Not tuned on any dataset (none exists here).
const cases: Case[] = [
  ['Este vuelo fue horrible, perdieron mi maleta', 'es', 'negative'],
  ['Llevo tres semanas sin respuesta y sin reembolso', 'es', 'negative'],
  ['La app no funciona otra vez', 'es', 'negative'],
  ['Muchas gracias a la tripulación, muy amables', 'es', 'positive'],
  ['El servicio no fue bueno', 'es', 'negative'],
  ['El vuelo salió tarde pero la tripulación fue genial', 'es', 'positive'],
  ['¿A qué hora abre el mostrador en Madrid?', 'es', 'neutral'],
  ["Le service client est vraiment nul, j'attends depuis une heure", 'fr', 'negative'],
  ['Vol annulé, aucune réponse et toujours pas de remboursement', 'fr', 'negative'],
  ['Merci beaucoup, équipage très sympa et vol parfait', 'fr', 'positive'],
  ["Pas mal du tout, l'appli est rapide", 'fr', 'positive'],
  ['Le vol était pas bon', 'fr', 'negative'],
  ['Combien de bagages sont inclus dans le tarif de base ?', 'fr', 'neutral'],
  ['Der Flug hatte drei Stunden Verspätung', 'de', 'negative'],
  ['Flug gestrichen, keine Erstattung, keine Antwort', 'de', 'negative'],
  ['Vielen Dank, sehr freundliche Crew und pünktlich', 'de', 'positive'],
  ['Das Essen war nicht gut', 'de', 'negative'],
  ['Die App funktioniert nicht, schon wieder', 'de', 'negative'],
  ['Gibt es auf dem Flug nach Berlin WLAN?', 'de', 'neutral'],
  ['Atendimento péssimo, ninguém responde', 'pt', 'negative'],
  ['Perderam a minha mala e ainda não tenho resposta', 'pt', 'negative'],
  ['Muito obrigado, voo ótimo e tripulação simpática', 'pt', 'positive'],
  ['O serviço não foi bom', 'pt', 'negative'],
  ['Paguei uns 300 euros, vale a pena', 'pt', 'positive'],
  ['Quanto custa o passe anual?', 'pt', 'neutral'],
  ['Vuelo cancelado 😡', 'es', 'negative'],
  ['Vol parfait 👍', 'fr', 'positive'],
];

describe('sentiment in Spanish, French, German and Portuguese', () => {
  for (const [text, language, label] of cases)
    it(`calls ${JSON.stringify(text)} (${language}) ${label}`, () => {
      expect(sentiment(text, language).label).toBe(label);
    });

  it('gives the reasons in the direction of the label, phrases named as complaints', () => {
    const r = sentiment('Flug gestrichen, keine Erstattung, keine Antwort', 'de');
    expect(r.score).toBeLessThan(-0.5);
    expect(r.reasons).toContain('"keine erstattung" (complaint)');
    expect(r.reasons).toContain('"gestrichen"');
    expect(sentiment('El servicio no fue bueno', 'es').reasons).toEqual(['negated "bueno"']);
    expect(sentiment('El vuelo salió tarde pero la tripulación fue genial', 'es').reasons).toContain(
      'contrast "pero" (the clause after it weighs more)',
    );
  });

  it('scores in −1..1 and calls a text with no cue neutral with score 0', () => {
    expect(sentiment('¿A qué hora abre el mostrador?', 'es')).toEqual({
      label: 'neutral',
      score: 0,
      reasons: [],
    });
    for (const [text, language] of cases) {
      const { score } = sentiment(text, language);
      expect(Math.abs(score)).toBeLessThanOrEqual(1);
    }
  });
});
