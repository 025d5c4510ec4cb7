import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../../errors.ts';

/**
 * Where webhooks may not go unless WEBHOOKS_ALLOW_PRIVATE_TARGETS=true: loopback, private,
 * link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved and
 * documentation ranges, so an admin cannot point the server at its own network (SSRF).
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address is one that webhooks must not reach by default. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  // IPv4-mapped (::ffff:10.0.0.1) and IPv4-compatible forms reach IPv4 hosts: judge those.
  const mapped = address.toLowerCase().match(/^::(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
  if (/^::ffff:/i.test(address)) return true;
  return blocked.check(address, 'ipv6');
}

/**
 * Checks a target URL's shape: http(s) only, no credentials in it, and https unless private
 * targets are allowed (a public receiver gets case data; it should get it encrypted).
 */
export function checkWebhookUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl('not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidUrl('must be http:// or https://');
  if (url.protocol === 'http:' && !allowPrivate)
    throw invalidUrl('must be https:// (plain http only with WEBHOOKS_ALLOW_PRIVATE_TARGETS=true)');
  if (url.username || url.password) throw invalidUrl('must not carry a user name or password');
  if (url.hash) throw invalidUrl('must not have a #fragment');
  return url;
}

function invalidUrl(message: string): AppError {
  return new AppError('validation_failed', `Invalid webhook URL: ${message}`, {
    fields: [{ path: 'url', message }],
  });
}

/** The host's addresses; refuses when one of them is private (unless allowed). */
export async function resolveTarget(url: URL, allowPrivate: boolean): Promise<string[]> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : await new Promise<string[]>((resolve, reject) =>
        dnsLookup(host, { all: true }, (err, found: LookupAddress[]) =>
          err ? reject(invalidUrl(`${host} does not resolve`)) : resolve(found.map((a) => a.address)),
        ),
      );
  if (!allowPrivate) {
    const bad = addresses.find(isPrivateAddress);
    if (bad !== undefined)
      throw invalidUrl(
        `${host} resolves to ${bad}, a private or local address (allowed only with WEBHOOKS_ALLOW_PRIVATE_TARGETS=true)`,
      );
  }
  return addresses;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for node:http that refuses private addresses at connection time, so a name that
 * resolved to a public address when the endpoint was saved cannot be re-pointed (DNS rebinding).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, found: LookupAddress[]) => {
      if (err) return callback(err, []);
      const bad = allowPrivate ? undefined : found.find((a) => isPrivateAddress(a.address));
      if (bad) {
        const refused: NodeJS.ErrnoException = new Error(
          `${hostname} resolves to ${bad.address}, a private or local address`,
        );
        refused.code = 'EPRIVATETARGET';
        return callback(refused, []);
      }
      if ((options as { all?: boolean }).all) return callback(null, found);
      const first = found[0];
      if (!first) return callback(new Error(`${hostname} has no address`), []);
      callback(null, first.address, first.family);
    });
  };
}
