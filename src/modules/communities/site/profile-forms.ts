import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { SubscriptionView } from '../newsletters.ts';
import type { SiteWorkspace } from './queries.ts';
import { tokenField, writeHref } from './write-forms.ts';

/**
 * The forms on the member's own profile page: their display name and bio (the username stays,
 * since profile and mention links use it), and what they receive by email: answers to their
 * questions and which spaces' newsletters.
 */

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export type ProfileFormState = {
  values: { displayName: string; bio: string };
  newsletters: SubscriptionView[];
  /** Whether the member takes an email when their question is answered or an answer accepted. */
  emailReplies: boolean;
  /** What went wrong with the profile form, said on it. */
  error: string | null;
  /** Which form was just saved, for the confirmation above it. */
  saved: 'profile' | 'newsletters' | null;
};

const cadenceText: Record<SubscriptionView['cadence'], string> = {
  daily: 'daily',
  weekly: 'weekly',
  off: 'not sending at the moment',
};

export function profileForms(ws: SiteWorkspace, token: string, s: ProfileFormState): Html {
  return html`<section id="edit-profile" aria-labelledby="edit-profile-heading">
<h2 id="edit-profile-heading">Edit your profile</h2>
${s.saved === 'profile' ? html`<p class="notice" role="status">Your profile is saved.</p>` : ''}
${s.error ? html`<p class="error" role="alert">${s.error}</p>` : ''}
<form class="compose" method="post" action="${writeHref.me(ws)}">${tokenField(token)}
<label for="displayName">Display name</label>
<input id="displayName" name="displayName" required maxlength="80" value="${s.values.displayName}" autocomplete="name">
<label for="bio">About you (optional)</label>
<textarea id="bio" name="bio" rows="4" maxlength="1000">${s.values.bio}</textarea>
<p class="hint">Your username stays as it is: links to your profile and @mentions use it.</p>
<div class="buttons"><button type="submit">Save profile</button></div>
</form></section>
<section id="newsletters" aria-labelledby="newsletters-heading">
<h2 id="newsletters-heading">Email</h2>
${s.saved === 'newsletters' ? html`<p class="notice" role="status">Your email choices are saved.</p>` : ''}
<form class="compose" method="post" action="${writeHref.newsletters(ws)}">${tokenField(token)}
<fieldset><legend>Answers</legend>
<label class="choice"><input type="checkbox" name="emailReplies" value="on"${s.emailReplies ? ' checked' : ''}> Email me when someone answers my question, an answer to it is accepted, or my answer is accepted</label>
</fieldset>
${
  s.newsletters.length === 0
    ? html`<p>No space of this community sends a newsletter yet.</p>`
    : html`<fieldset><legend>Send me a digest by email of</legend>${s.newsletters.map(
        (n) =>
          html`<label class="choice"><input type="checkbox" name="space" value="${n.spaceId}"${
            n.subscribed ? ' checked' : ''
          }${n.cadence === 'off' && !n.subscribed ? ' disabled' : ''}> ${n.spaceTitle} (${cadenceText[n.cadence]})</label>`,
      )}</fieldset>
<p class="hint">Every digest email also has a link to stop it.</p>`
}
<div class="buttons"><button type="submit">Save email choices</button></div>
</form></section>`;
}
