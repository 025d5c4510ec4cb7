import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { version } from '../../project.ts';
import { guardedLookup, isPrivateAddress } from './targets.ts';

/** How long a receiver has to answer; past it the attempt fails and is retried. */
export const SEND_TIMEOUT_MS = 10_000;
/** How much of a response body the delivery log keeps. */
const SNIPPET_CHARS = 500;

export type SendResult = {
  /** The HTTP status, or null when no response came (refused, timed out, unreachable). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  response: string | null;
};

/**
 * POSTs one webhook. node:http rather than fetch so the address is checked at connection time
 * (see `guardedLookup`) and redirects are never followed: a 3xx is an answer, not a new target.
 */
export function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  options: { allowPrivate: boolean; timeoutMs?: number },
): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
  return new Promise<SendResult>((resolve) => {
    const url = new URL(target);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowPrivate && isIP(host) && isPrivateAddress(host)) {
      resolve({
        statusCode: null,
        error: `${host} is a private or local address`,
        durationMs: 0,
        response: null,
      });
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': `Rapport-Webhooks/${version}`,
        },
        lookup: guardedLookup(options.allowPrivate) as never,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          // Keep a snippet; read (and drop) the rest so the socket is released.
          if (text.length < SNIPPET_CHARS) text += chunk;
        });
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          resolve({
            statusCode: code,
            error: code >= 200 && code < 300 ? null : `HTTP ${code}`,
            durationMs: elapsed(),
            response: text.slice(0, SNIPPET_CHARS) || null,
          });
        });
        res.on('error', (err) =>
          resolve({
            statusCode: res.statusCode ?? null,
            error: describe(err, timeoutMs),
            durationMs: elapsed(),
            response: null,
          }),
        );
      },
    );
    req.on('error', (err) =>
      resolve({ statusCode: null, error: describe(err, timeoutMs), durationMs: elapsed(), response: null }),
    );
    req.end(body);
  });
}

function describe(err: Error & { code?: string }, timeoutMs: number): string {
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return `No answer within ${timeoutMs / 1000} s`;
  return err.code ? `${err.code}: ${err.message}` : err.message;
}
