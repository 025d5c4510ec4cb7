/**
 * The pure rules of identity resolution and custom attributes: which handles can be compared
 * across networks, which Bluesky handles prove a domain, and how attribute values are checked.
 */
import { AppError } from '../../errors.ts';
import type { AttributeValue } from './schema.ts';

/** Confidences of the weak rules (suggestions only; never an automatic link). */
export const confidence = {
  nameAndAvatar: 0.8,
  handleOnTwoNetworks: 0.6,
  nameOnly: 0.3,
  /** A post claims an account (or email) of another customer as its author's own. */
  crossReference: 0.6,
  /** Each of the two customers has a post claiming an account of the other. */
  crossReferenceBothWays: 0.75,
} as const;

/**
 * A handle without its network part, lower-cased, so the same person can be recognised on two
 * networks: `maya.travels.bsky.social` and `@maya.travels@mastodon.example` both give
 * `maya.travels`. Only for networks whose handles people choose (Bluesky, Mastodon).
 */
export function handleKey(channel: string, handle: string | null): string | null {
  if (!handle) return null;
  const h = handle.trim().toLowerCase().replace(/^@/, '');
  let key: string | null = null;
  if (channel === 'mastodon') key = h.split('@')[0] ?? null;
  else if (channel === 'bluesky') key = h.endsWith('.bsky.social') ? h.slice(0, -'.bsky.social'.length) : h;
  return key && key.length >= 3 ? key : null;
}

/** A Bluesky handle that is a domain of its own (not `*.bsky.social`): its owner proved it by DNS. */
export function customDomainOf(channel: string, handle: string | null): string | null {
  if (channel !== 'bluesky' || !handle) return null;
  const h = handle.trim().toLowerCase().replace(/^@/, '');
  if (!h.includes('.') || h.endsWith('.bsky.social') || !/^[a-z0-9.-]+$/.test(h)) return null;
  return h;
}

/**
 * Whether a Bluesky custom-domain handle belongs to the owner of a verified email: the handle is
 * the email's domain (`maya.example` ↔ `hi@maya.example`) or the mailbox under that domain
 * (`maya.example.com` ↔ `maya@example.com`, issued by the same domain to the same name).
 */
export function domainProvesEmail(domain: string, email: string): boolean {
  const [local, host] = splitEmail(email);
  if (!local || !host) return false;
  return domain === host || domain === `${local}.${host}`;
}

/** The email addresses a custom-domain handle could prove, as (exact address | `@host`) patterns. */
export function emailCandidatesFor(domain: string): { exact: string[]; hosts: string[] } {
  const exact: string[] = [];
  const dot = domain.indexOf('.');
  if (dot > 0 && domain.indexOf('.', dot + 1) > 0)
    exact.push(`${domain.slice(0, dot)}@${domain.slice(dot + 1)}`);
  return { exact, hosts: [domain] };
}

/** The Bluesky handles a verified email proves: its domain and `local.domain`. */
export function handlesProvenBy(email: string): string[] {
  const [local, host] = splitEmail(email);
  if (!local || !host) return [];
  return /^[a-z0-9-]+$/.test(local) ? [host, `${local}.${host}`] : [host];
}

function splitEmail(email: string): [string | undefined, string | undefined] {
  const at = email.lastIndexOf('@');
  if (at <= 0) return [undefined, undefined];
  return [email.slice(0, at).toLowerCase(), email.slice(at + 1).toLowerCase()];
}

export function normalizeEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    throw new AppError('validation_failed', `"${value}" is not an email address`, {
      fields: [{ path: 'value', message: 'not an email address' }],
    });
  return email;
}

/** Phone numbers are kept as + and digits, so that spacing does not make two identities. */
export function normalizePhone(value: string): string {
  const phone = value.replace(/[\s().-]/g, '');
  if (!/^\+?[0-9]{5,20}$/.test(phone))
    throw new AppError('validation_failed', `"${value}" is not a phone number`, {
      fields: [{ path: 'value', message: 'not a phone number' }],
    });
  return phone;
}

/**
 * The domain of a customer's `website` attribute (`https://www.maya.example/about` →
 * `maya.example`), or null: what a Bluesky custom-domain handle is compared with.
 */
export function websiteDomainOf(attributes: Record<string, AttributeValue>): string | null {
  const website = attributes.website;
  if (typeof website !== 'string' || website.trim() === '') return null;
  try {
    const url = new URL(website.includes('://') ? website.trim() : `https://${website.trim()}`);
    const host = url.hostname.toLowerCase().replace(/^www\./, '');
    return host.includes('.') && /^[a-z0-9.-]+$/.test(host) ? host : null;
  } catch {
    return null;
  }
}

/** Display names worth comparing on their own: two words or more. */
export function isDistinctiveName(name: string): boolean {
  return name.trim().split(/\s+/).length >= 2;
}

export type AttributeDefinition = {
  key: string;
  type: 'text' | 'number' | 'date' | 'boolean' | 'choice';
  choices: string[];
};

/** Why a value does not fit its definition, or null when it does. */
function attributeProblem(def: AttributeDefinition, value: AttributeValue): string | null {
  if (value === null) return null;
  switch (def.type) {
    case 'text':
      return typeof value === 'string' && value.length <= 2000
        ? null
        : 'must be text (at most 2000 characters)';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date':
      return typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value) &&
        !Number.isNaN(Date.parse(value)) &&
        new Date(Date.parse(value.slice(0, 10))).toISOString().slice(0, 10) === value.slice(0, 10)
        ? null
        : 'must be an ISO date (YYYY-MM-DD or a full ISO timestamp)';
    case 'choice':
      return typeof value === 'string' && def.choices.includes(value)
        ? null
        : `must be one of ${def.choices.map((c) => `"${c}"`).join(', ')}`;
  }
}

/**
 * Applies `changes` (null removes a value) to `current` after checking each against its
 * definition; throws `validation_failed` naming every attribute that does not fit.
 */
export function applyAttributes(
  definitions: AttributeDefinition[],
  current: Record<string, AttributeValue>,
  changes: Record<string, AttributeValue>,
): Record<string, AttributeValue> {
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const fields: { path: string; message: string }[] = [];
  const next = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    const def = byKey.get(key);
    const problem = def ? attributeProblem(def, value) : 'is not a defined attribute';
    if (problem) fields.push({ path: `attributes.${key}`, message: problem });
    else if (value === null) delete next[key];
    else next[key] = value;
  }
  if (fields.length > 0) {
    throw new AppError(
      'validation_failed',
      `Invalid attributes: ${fields.map((f) => `${f.path.slice('attributes.'.length)} ${f.message}`).join('; ')}`,
      { fields },
    );
  }
  return next;
}

/** A network's name as people write it. */
export const channelName = (channel: string) =>
  channel === 'bluesky'
    ? 'Bluesky'
    : channel === 'mastodon'
      ? 'Mastodon'
      : channel === 'community'
        ? 'Community'
        : channel;
