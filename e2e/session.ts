import type { Page } from 'playwright-core';

export const ownerEmail = 'owner@demo.rapport.local';

/**
 * Signs in at `baseUrl`. With `newPassword`, `password` is a one-time password that the app asks
 * to replace on the way in.
 */
export async function signIn(
  page: Page,
  baseUrl: string,
  email: string,
  password: string,
  newPassword?: string,
) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (newPassword !== undefined) {
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('Current password').fill(password);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password').fill(newPassword);
    await page.getByRole('button', { name: 'Save password' }).click();
  }
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).waitFor();
}

/**
 * As the signed-in owner, creates a user through the API (with the session's CSRF token), then
 * signs out and in again as that user, choosing `newPassword`.
 */
export async function signInAsNewUser(
  page: Page,
  baseUrl: string,
  user: { email: string; name: string; role: string },
  newPassword: string,
) {
  const temporary = await page.evaluate(async (body) => {
    const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
    const res = await fetch('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
      body: JSON.stringify(body),
    });
    return ((await res.json()) as { temporaryPassword: string }).temporaryPassword;
  }, user);
  await page.context().clearCookies();
  await signIn(page, baseUrl, user.email, temporary, newPassword);
}
