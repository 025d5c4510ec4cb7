/**
 * What the demo stream's authors say, by kind and language. Texts hold slots ({flight}, {city},
 * {hours} …) that each post fills in, so a person rarely says exactly the same thing twice.
 */

export type Kind = 'complaint' | 'question' | 'purchase' | 'praise' | 'idea' | 'churn' | 'spam';
export type Template = { lang: string; texts: string[] };

export const chatter: Record<Kind, Template[]> = {
  complaint: [
    {
      lang: 'en',
      texts: [
        'Where is my bag? Landed in {city} {hours} hours ago on @demoairways {flight} and nobody at the desk knows anything',
        'Flight delayed again, {nth} time this month. @demoairways this is getting ridiculous #DemoAirways',
        'please help, still no refund for the cancelled flight from {month}. Case {case}. @demoairways',
        'Stuck on hold with Demo Airways for {minutes} minutes now. The app just says "try again later"',
        'Seat {seat} is broken and the crew shrugged. {hours} hour flight. Thanks @demoairways',
        '{flight} to {city} cancelled at the gate, no hotel, no food voucher, no one from @demoairways in sight',
        'Charged twice for the same seat on my {city} booking. {days} days and still waiting for Demo Airways to fix it',
        'The Demo Airways app logged me out mid check-in and now says my booking does not exist. Flying in {hours} hours, this is a joke',
        'My bag came back from {city} with a broken wheel and a torn handle. @demoairways who pays for this?',
        'Sent {n} emails to Demo Airways about my refund and still no reply. Terrible service. Case {case}',
      ],
    },
    {
      lang: 'es',
      texts: [
        '@demoairways mi maleta no llegó a {city} y nadie responde. Vuelo {flight}',
        'Llevo {minutes} minutos esperando al teléfono con Demo Airways. Un desastre',
        'Vuelo {flight} cancelado y ni un mensaje de @demoairways. Muy mal servicio',
      ],
    },
    {
      lang: 'fr',
      texts: [
        'Vol annulé sans explication, aucun remboursement depuis {weeks} semaines @demoairways',
        'Valise perdue à {city}, le service client de Demo Airways ne répond pas depuis {days} jours',
        '{flight} retardé de {hours} heures et aucune information à la porte. Merci @demoairways',
      ],
    },
    {
      lang: 'de',
      texts: [
        'Schon wieder Verspätung mit Demo Airways, Anschlussflug in {city} verpasst. Sehr ärgerlich.',
        'Koffer seit {days} Tagen verschwunden und niemand bei @demoairways meldet sich',
        'Flug {flight} gestrichen, keine Erstattung, keine Antwort. Unglaublich @demoairways',
      ],
    },
    {
      lang: 'pt',
      texts: [
        'Minha mala não chegou em {city} e ninguém da @demoairways responde',
        'Voo {flight} atrasado {hours} horas e nenhuma explicação. Péssimo @demoairways',
      ],
    },
  ],
  question: [
    {
      lang: 'en',
      texts: [
        'Does @demoairways allow a second carry-on for infants? Flying with our {months} month old next week',
        'How do I change the name on my {city} booking with Demo Airways? The website errors out',
        'Is wifi free on Demo Airways flights to {city} or do you have to pay?',
        'What is the baggage allowance on the basic fare to {city}? @demoairways',
        'Can I bring my bike on Demo Airways to {city}? Is there a fee?',
        'How do I add a checked bag to my {flight} booking? @demoairways',
        'How do I request a vegetarian meal on my Demo Airways flight to {city}?',
      ],
    },
    {
      lang: 'pt',
      texts: [
        'Alguém sabe se a @demoairways deixa levar bicicleta como bagagem para {city}?',
        'Qual é a franquia de bagagem na tarifa básica da Demo Airways?',
        'Como faço para mudar a data do voo para {city} na Demo Airways?',
        'O wifi é grátis nos voos da Demo Airways para {city}?',
      ],
    },
    {
      lang: 'fr',
      texts: [
        'Est-ce que Demo Airways accepte les poussettes en cabine ? Je pars à {city} le mois prochain',
        'Le wifi est-il gratuit sur les vols Demo Airways vers {city} ?',
        'Quelqu’un sait combien de bagages sont inclus dans le tarif de base @demoairways ?',
        'Comment changer le nom sur un billet pour {city} @demoairways ? Le site plante',
      ],
    },
    {
      lang: 'de',
      texts: [
        'Weiß jemand, ob man bei Demo Airways das Fahrrad nach {city} mitnehmen kann?',
        'Gibt es auf dem Flug {flight} nach {city} WLAN? @demoairways',
        'Wie viel Gepäck ist beim Basic-Tarif von @demoairways nach {city} dabei?',
      ],
    },
    {
      lang: 'es',
      texts: [
        '¿Alguien sabe si Demo Airways deja llevar la bici como equipaje? Vuelo a {city} en {month}',
        '¿Cómo cambio el nombre en una reserva de @demoairways? La web da error',
      ],
    },
  ],
  purchase: [
    {
      lang: 'en',
      texts: [
        'How much is the family plan on @demoairways? Thinking of booking {n} tickets to {city} in {month}',
        'Looking at the business class upgrade to {city}, is it worth it on Demo Airways?',
        'Ready to book the Demo Airways summer pass for {city} if someone can confirm it includes checked bags',
        'Want to buy the Demo Airways annual pass for work trips to {city}. Anyone know the price?',
        'Planning to book {n} seats on {flight} in {month}, does @demoairways do group discounts?',
      ],
    },
    {
      lang: 'es',
      texts: [
        '¿Cuánto cuesta el abono anual de Demo Airways? Quiero comprarlo para mis viajes de trabajo a {city}',
        'Quiero reservar {n} billetes a {city} con Demo Airways, ¿hay descuento para familias?',
      ],
    },
    {
      lang: 'fr',
      texts: [
        'Combien coûte le pass annuel Demo Airways ? Je voudrais l’acheter pour mes trajets vers {city}',
      ],
    },
    {
      lang: 'de',
      texts: ['Was kostet das Business-Upgrade nach {city} bei Demo Airways? Würde es gern buchen'],
    },
    {
      lang: 'pt',
      texts: ['Quanto custa o passe anual da Demo Airways? Quero comprar para as viagens a {city}'],
    },
  ],
  praise: [
    {
      lang: 'en',
      texts: [
        'thanks @demoairways, lovely crew on {flight} today, they even found my lost headphones',
        'Smoothest boarding ever with Demo Airways. New app is sooo much better 👏',
        'Shoutout to the Demo Airways desk in {city} who rebooked me in {n} minutes. Heroes.',
        'Landed in {city} {minutes} minutes early, friendly crew, great coffee. Well done @demoairways',
        'Demo Airways found my bag within a day and delivered it to my hotel in {city}. Impressed!',
      ],
    },
    {
      lang: 'fr',
      texts: [
        'Super vol vers {city} avec @demoairways, équipage adorable et à l’heure ! Merci',
        'Merci Demo Airways pour le changement de vol en {n} minutes à {city}, service impeccable',
      ],
    },
    {
      lang: 'de',
      texts: [
        'Danke @demoairways, super freundliche Crew auf dem Flug nach {city}!',
        'Pünktlich in {city} gelandet und das Gepäck war als Erstes da. Gut gemacht, Demo Airways',
      ],
    },
    {
      lang: 'es',
      texts: ['Gracias @demoairways, tripulación encantadora en el vuelo a {city}. ¡Todo perfecto!'],
    },
    {
      lang: 'pt',
      texts: [
        'Obrigada @demoairways, voo tranquilo e equipe muito simpática até {city}!',
        'A Demo Airways remarcou meu voo para {city} em {n} minutos. Excelente atendimento',
      ],
    },
  ],
  idea: [
    {
      lang: 'en',
      texts: [
        '@demoairways you should let us pick seats in the app after check-in, not only on the website',
        'Feature request for Demo Airways: live bag tracking in the app like other airlines have',
        'Would love a quiet zone on early morning Demo Airways flights to {city}. Just an idea!',
        'Idea for @demoairways: let families board together without paying for seat selection',
        'Suggestion for Demo Airways: show gate changes as a push notification, not only on the screens',
      ],
    },
    {
      lang: 'fr',
      texts: [
        'Idée pour @demoairways : pouvoir suivre sa valise en direct dans l’application',
        'Ce serait bien que Demo Airways propose une zone calme sur les vols du matin vers {city}',
      ],
    },
    {
      lang: 'de',
      texts: [
        'Vorschlag an @demoairways: Sitzplatzwahl in der App auch nach dem Check-in',
        'Schön wäre eine Ruhezone auf den frühen Flügen nach {city}, @demoairways',
      ],
    },
    {
      lang: 'es',
      texts: [
        'Deberían añadir el seguimiento de la maleta en la app de @demoairways',
        'Estaría bien poder elegir asiento en la app de Demo Airways después del check-in',
      ],
    },
    {
      lang: 'pt',
      texts: ['Seria ótimo se a @demoairways mostrasse a mala em tempo real na aplicação'],
    },
  ],
  churn: [
    {
      lang: 'en',
      texts: [
        'That is it, switching to another airline after this {city} trip. Cancel my Demo Airways membership',
        '{nth} lost bag this year. Done with @demoairways, moving my miles elsewhere',
        'Cancelling my Demo Airways card today. {n} delays in a row is enough',
      ],
    },
    {
      lang: 'fr',
      texts: ['Fini Demo Airways pour moi, je passe à une autre compagnie après ce vol vers {city}'],
    },
    {
      lang: 'de',
      texts: ['Das war mein letzter Flug mit @demoairways. Ich wechsle die Airline.'],
    },
    {
      lang: 'es',
      texts: [
        'Se acabó, me cambio de aerolínea después de este vuelo a {city}. Cancelen mi tarjeta de Demo Airways',
      ],
    },
    {
      lang: 'pt',
      texts: [
        'Chega, vou mudar de companhia depois deste voo para {city}. Cancelem o meu cartão Demo Airways',
      ],
    },
  ],
  spam: [
    {
      lang: 'en',
      texts: [
        'Cheap Demo Airways tickets {percent}% off!!! DM now 👉 http://cheap-tix.example/win',
        'Buy followers fast and cheap #DemoAirways #travel http://followers.example',
        'WIN a free flight to {city}!!! Click here 👉 http://free-flights.example/claim',
      ],
    },
  ],
};

/** What a review site publishes about the brand: negative (complaint) or positive (praise) reviews. */
export const reviewTexts: Record<'complaint' | 'praise', string[]> = {
  complaint: [
    'Review: Demo Airways economy to {city}. Cramped seats, a {hours}-hour delay and a slow refund',
    'We tested Demo Airways customer service: {minutes} minutes on hold and no answer by email',
    'Demo Airways lost {n} of our test bags on the {city} route this {month}. Our verdict',
  ],
  praise: [
    'Review: Demo Airways business class to {city}. Great crew, good food, on time',
    'Demo Airways tops our punctuality ranking this {month}',
  ],
};

/** Replies, by what they answer: a complaint, a question, a price asked, or something people agree with. */
export type ReplyTo = 'sympathy' | 'answer' | 'price' | 'agree';
export const replyTexts: Record<ReplyTo, Template[]> = {
  sympathy: [
    {
      lang: 'en',
      texts: [
        'Same thing happened to me last week, took them {days} days to find it',
        'Ugh, sorry. Try the chat in the app, the phone line is hopeless',
        'This. Exactly this.',
        'Same here on {flight}. Still waiting.',
      ],
    },
    { lang: 'fr', texts: ['Pareil pour moi la semaine dernière, {days} jours pour retrouver ma valise'] },
    { lang: 'de', texts: ['Bei mir genauso, {days} Tage hat es gedauert'] },
    { lang: 'es', texts: ['Me pasó lo mismo, tardaron {days} días en responder'] },
    { lang: 'pt', texts: ['Aconteceu o mesmo comigo, levaram {days} dias para responder'] },
  ],
  answer: [
    {
      lang: 'en',
      texts: [
        'Did you try the chat in the app? They answered me in {minutes} minutes',
        'Following, I have the same question',
        'Last time I flew with them it was included, but check the fare rules',
      ],
    },
    { lang: 'fr', texts: ['Je me pose la même question'] },
    { lang: 'de', texts: ['Gute Frage, würde mich auch interessieren'] },
    {
      lang: 'es',
      texts: ['Yo tengo la misma duda', 'Prueba con el chat de la app, a mí me respondieron rápido'],
    },
    { lang: 'pt', texts: ['Também tenho essa dúvida'] },
  ],
  price: [
    {
      lang: 'en',
      texts: [
        'I paid about {n}00 for mine, worth it if you fly every month',
        'They had 20% off those in {month}, maybe wait for the next sale',
        'Following, I want one too',
      ],
    },
    { lang: 'es', texts: ['Yo pagué unos {n}00 euros, merece la pena si viajas cada mes'] },
    { lang: 'fr', texts: ['Je l’ai payé environ {n}00 euros, ça vaut le coup'] },
    { lang: 'de', texts: ['Ich habe ungefähr {n}00 Euro bezahlt, lohnt sich'] },
    { lang: 'pt', texts: ['Paguei uns {n}00 euros, vale a pena'] },
  ],
  agree: [
    {
      lang: 'en',
      texts: ['Agreed, same experience on my last flight', '+1 to this', 'Yes please!'],
    },
    { lang: 'fr', texts: ['Tout à fait d’accord'] },
    { lang: 'de', texts: ['Sehe ich genauso'] },
    { lang: 'es', texts: ['Totalmente de acuerdo'] },
    { lang: 'pt', texts: ['Concordo totalmente'] },
  ],
};

export const replyGroup = (kind: Kind): ReplyTo =>
  kind === 'complaint' || kind === 'churn'
    ? 'sympathy'
    : kind === 'question'
      ? 'answer'
      : kind === 'purchase'
        ? 'price'
        : 'agree';

const cities = [
  'Lisbon',
  'Porto',
  'Madrid',
  'Berlin',
  'Warsaw',
  'Paris',
  'Rome',
  'New York',
  'Dublin',
  'Athens',
];
/** The cities' names where a language says them differently from English. */
const cityNames: Record<string, Record<string, string>> = {
  es: {
    Lisbon: 'Lisboa',
    Berlin: 'Berlín',
    Warsaw: 'Varsovia',
    Paris: 'París',
    Rome: 'Roma',
    'New York': 'Nueva York',
    Athens: 'Atenas',
  },
  fr: { Lisbon: 'Lisbonne', Warsaw: 'Varsovie', Athens: 'Athènes' },
  de: { Lisbon: 'Lissabon', Warsaw: 'Warschau', Rome: 'Rom', Athens: 'Athen' },
  pt: {
    Lisbon: 'Lisboa',
    Berlin: 'Berlim',
    Warsaw: 'Varsóvia',
    Rome: 'Roma',
    'New York': 'Nova York',
    Athens: 'Atenas',
  },
};
const months = ['January', 'March', 'May', 'July', 'September', 'November'];
const ordinals = ['2nd', '3rd', '4th', '5th'];

/**
 * The text with each slot filled from `rand` (the same slot twice in one text gets one value),
 * cities named as `lang` names them.
 */
export function fill(text: string, rand: () => number, lang = 'en'): string {
  const int = (from: number, to: number) => from + Math.floor(rand() * (to - from + 1));
  const one = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T;
  const values: Record<string, () => string> = {
    flight: () => `DA ${int(100, 899)}`,
    city: () => {
      const city = one(cities);
      return cityNames[lang]?.[city] ?? city;
    },
    hours: () => String(int(2, 9)),
    minutes: () => String(int(15, 95)),
    days: () => String(int(3, 12)),
    weeks: () => String(int(2, 6)),
    months: () => String(int(4, 14)),
    n: () => String(int(2, 6)),
    nth: () => one(ordinals),
    case: () => String(int(10_000, 99_999)),
    month: () => one(months),
    seat: () => `${int(3, 38)}${one(['A', 'B', 'C', 'D', 'E', 'F'])}`,
    percent: () => String(one([70, 80, 90])),
  };
  const chosen = new Map<string, string>();
  return text.replace(/\{(\w+)\}/g, (slot, name: string) => {
    const make = values[name];
    if (!make) return slot;
    let v = chosen.get(name);
    if (v === undefined) {
      v = make();
      chosen.set(name, v);
    }
    return v;
  });
}
