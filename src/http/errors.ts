import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError, type ErrorCode } from '../errors.ts';
import type { AppEnv } from './env.ts';

/** The only place where domain error codes become HTTP statuses. */
const statusByCode: Record<ErrorCode, ContentfulStatusCode> = {
  validation_failed: 400,
  bad_request: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  user_not_found: 404,
  token_not_found: 404,
  workspace_not_found: 404,
  email_taken: 409,
  workspace_slug_taken: 409,
  last_owner: 409,
  conflict: 409,
  space_read_only: 409,
  payload_too_large: 413,
  rate_limited: 429,
  invalid_config: 500,
  internal: 500,
  database_unavailable: 503,
};

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return statusByCode[code];
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

export function handleError(err: Error, c: Context<AppEnv>): Response {
  if (err instanceof AppError) {
    const status = statusOf(err.code);
    const retryAfter = err.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') c.header('Retry-After', String(retryAfter));
    if (status >= 500) c.var.log?.error({ err }, 'request failed');
    return c.json(errorBody(err.code, err.message, err.details), status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = status === 413 ? 'payload_too_large' : status === 401 ? 'unauthenticated' : 'bad_request';
    return c.json(
      errorBody(code, err.message || 'Bad request'),
      status >= 500 ? 500 : (status as ContentfulStatusCode),
    );
  }
  c.var.log?.error({ err }, 'unhandled error');
  return c.json(errorBody('internal', 'Internal error'), 500);
}
