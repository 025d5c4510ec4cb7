import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { AppContext } from '../../context.ts';
import { isAppError } from '../../errors.ts';
import { answerSurvey, type PublicSurvey, publicSurvey } from './answers.ts';
import { answerInput } from './schema.ts';

/**
 * The customer's side of a survey: a server-rendered page at `/survey/{token}` that works without
 * JavaScript and without an account (the link is the capability). Every interpolation is escaped
 * by Hono's `html` template.
 */

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:34rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:12px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}.scale{display:flex;flex-wrap:wrap;gap:.3rem;border:0;padding:0;margin:1rem 0}
.scale label{display:flex;flex-direction:column;align-items:center;min-width:2rem;padding:.35rem .3rem;border:1px solid #c8ccd4;border-radius:8px;cursor:pointer}
.scale input{margin:0 0 .2rem}.ends{display:flex;justify-content:space-between;color:#5b6270;font-size:.85rem}
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit;padding:.5rem}
button{margin-top:1rem;font:inherit;padding:.5rem 1.2rem;border:0;border-radius:8px;background:#2f5bea;color:#fff;cursor:pointer}
.note{background:#eef6ee;padding:.75rem;border-radius:8px}.error{background:#fdecec;padding:.75rem;border-radius:8px}
legend{font-weight:600}`;

function frame(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

const ends = { csat: ['Very unhappy', 'Very happy'], nps: ['Not at all likely', 'Extremely likely'] };

function surveyPage(
  token: string,
  s: PublicSurvey,
  message: { kind: 'note' | 'error'; text: string } | null,
): Html {
  const scores: number[] = [];
  for (let n = s.scale.min; n <= s.scale.max; n++) scores.push(n);
  const [low, high] = ends[s.kind];
  const form = s.expired
    ? html`<p class="note">This survey has closed.${s.score === null ? '' : html` You answered ${s.score} out of ${s.scale.max}.`}</p>`
    : html`<form method="post" action="/survey/${token}">
<fieldset class="scale"><legend>${s.question}</legend>
${scores.map(
  (n) =>
    html`<label><input type="radio" name="score" value="${n}" required${s.score === n ? html` checked` : ''}>${n}</label>`,
)}
</fieldset>
<p class="ends"><span>${s.scale.min}: ${low}</span><span>${s.scale.max}: ${high}</span></p>
${
  s.commentPrompt
    ? html`<p><label for="comment">${s.commentPrompt}</label></p>
<textarea id="comment" name="comment" maxlength="2000">${s.comment ?? ''}</textarea>`
    : ''
}
<button type="submit">${s.score === null ? 'Send' : 'Change my answer'}</button>
</form>`;
  return frame(
    `${s.name} · ${s.workspaceName}`,
    html`<h1>${s.workspaceName}</h1>
${message ? html`<p class="${message.kind}" role="${message.kind === 'error' ? 'alert' : 'status'}">${message.text}</p>` : ''}
${form}`,
  );
}

const notFound = (text: string) =>
  frame('Survey', html`<h1>Survey</h1><p class="error" role="alert">${text}</p>`);

/** Routes of the public survey page; throttled per client address. */
export function surveyPages(ctx: AppContext, limits = { points: 300, duration: 600 }) {
  const app = new Hono();
  const perIp = new RateLimiterMemory({ keyPrefix: 'survey_ip', ...limits });
  const ipOf = (c: Context) => {
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };
  const throttled = async (c: Context) => {
    try {
      await perIp.consume(ipOf(c));
      return false;
    } catch {
      return true;
    }
  };
  app.use('*', async (c, next) => {
    await next();
    // The link is a secret: keep it out of caches and referrers.
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
  });

  app.get('/:token', async (c) => {
    if (await throttled(c)) return c.html(notFound('Too many requests; try again in a few minutes.'), 429);
    try {
      return c.html(surveyPage(c.req.param('token'), await publicSurvey(ctx, c.req.param('token')), null));
    } catch (err) {
      if (isAppError(err) && err.code === 'not_found') return c.html(notFound(err.message), 404);
      throw err;
    }
  });

  app.post('/:token', async (c) => {
    if (await throttled(c)) return c.html(notFound('Too many requests; try again in a few minutes.'), 429);
    const token = c.req.param('token');
    const form = await c.req.parseBody();
    const parsed = answerInput.safeParse({
      score: typeof form.score === 'string' && form.score !== '' ? form.score : undefined,
      comment: typeof form.comment === 'string' ? form.comment : undefined,
    });
    try {
      if (!parsed.success) {
        const s = await publicSurvey(ctx, token);
        return c.html(
          surveyPage(token, s, {
            kind: 'error',
            text: `Choose a score from ${s.scale.min} to ${s.scale.max} (and keep the comment under 2,000 characters).`,
          }),
          400,
        );
      }
      const s = await answerSurvey(ctx, token, parsed.data);
      return c.html(surveyPage(token, s, { kind: 'note', text: 'Thank you: your answer was recorded.' }));
    } catch (err) {
      if (!isAppError(err)) throw err;
      if (err.code === 'not_found') return c.html(notFound(err.message), 404);
      const s = await publicSurvey(ctx, token);
      return c.html(
        surveyPage(token, s, { kind: 'error', text: err.message }),
        err.code === 'conflict' ? 409 : 400,
      );
    }
  });
  return app;
}
