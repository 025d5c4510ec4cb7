import type { ZodError } from 'zod';

/**
 * The one error type of the domain. Codes form a closed union so that `src/http/errors.ts`
 * can map every one of them to a status; nothing here knows about HTTP.
 */
export const errorCodes = [
  'validation_failed',
  'bad_request',
  'unauthenticated',
  'invalid_credentials',
  'forbidden',
  'csrf_failed',
  'rate_limited',
  'not_found',
  'user_not_found',
  'token_not_found',
  'workspace_not_found',
  'email_taken',
  'workspace_slug_taken',
  'last_owner',
  'conflict',
  /** A community space closed by a moderator or archived after its end date. */
  'space_read_only',
  'payload_too_large',
  'invalid_config',
  'database_unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** What the request parts Hono validates are called in messages people read. */
const inputNames: Record<string, string> = {
  json: 'request body',
  form: 'form',
  query: 'query parameters',
  param: 'path parameters',
  header: 'headers',
  cookie: 'cookies',
};

/** Turns a zod failure into `validation_failed` naming each field (`where` when the whole input is wrong). */
export function validationError(error: ZodError, where: string): AppError {
  const fields = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || where,
    message: issue.message,
  }));
  const summary = fields.map((f) => `${f.path}: ${f.message}`).join('; ');
  return new AppError('validation_failed', `Invalid ${inputNames[where] ?? where}: ${summary}`, { fields });
}
