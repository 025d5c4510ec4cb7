import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../../errors.ts';
import { readableWait } from '../../wait.ts';

export type LoginThrottle = Readonly<{
  /** Throws `rate_limited` when this IP or this account has tried too often. Counts the attempt for the IP. */
  check(ip: string, email: string): Promise<void>;
  recordFailure(email: string): Promise<void>;
  recordSuccess(email: string): Promise<void>;
}>;

export type ThrottleLimits = { perIp: number; perAccount: number; windowSeconds: number };

export const defaultThrottleLimits: ThrottleLimits = { perIp: 30, perAccount: 8, windowSeconds: 15 * 60 };

function limited(res: RateLimiterRes, scope: 'ip' | 'account'): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new AppError(
    'rate_limited',
    `Too many login attempts; try again in ${readableWait(retryAfterSeconds)}`,
    {
      retryAfterSeconds,
      scope,
    },
  );
}

/**
 * Login rate limits per client IP (every attempt) and per account (failed attempts), in process
 * memory. With several API processes each keeps its own counters; see docs/architecture.md.
 */
export function createLoginThrottle(limits: ThrottleLimits = defaultThrottleLimits): LoginThrottle {
  const byIp = new RateLimiterMemory({
    keyPrefix: 'login_ip',
    points: limits.perIp,
    duration: limits.windowSeconds,
  });
  const byAccount = new RateLimiterMemory({
    keyPrefix: 'login_account',
    points: limits.perAccount,
    duration: limits.windowSeconds,
  });
  return Object.freeze({
    async check(ip: string, email: string) {
      const account = await byAccount.get(email);
      if (account && account.remainingPoints <= 0) throw limited(account, 'account');
      try {
        await byIp.consume(ip);
      } catch (res) {
        if (res instanceof RateLimiterRes) throw limited(res, 'ip');
        throw res;
      }
    },
    async recordFailure(email: string) {
      await byAccount.penalty(email, 1);
    },
    async recordSuccess(email: string) {
      await byAccount.delete(email);
    },
  });
}
