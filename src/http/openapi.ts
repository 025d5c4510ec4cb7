import type { Hook } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { validationError } from '../errors.ts';

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

const errorDescriptions: Record<number, string> = {
  400: 'Invalid input (code validation_failed names the fields)',
  401: 'Not signed in, or invalid API token',
  403: 'Role or CSRF check failed',
  404: 'Not found in this workspace',
  409: 'Conflicts with the current state',
  429: 'Rate limited (Retry-After header)',
  503: 'Not ready',
};

/** OpenAPI response entries for the given error statuses, all with the one error shape. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: errorDescriptions[s] ?? 'Error',
        content: { 'application/json': { schema: errorSchema } },
      },
    ]),
  );
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

/** Every route's validation failure becomes `validation_failed` with the fields named. */
// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by routes of every input type
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (!result.success) throw validationError(result.error, result.target);
};

/** A CSV file as the request body (an upload), read with `c.req.text()`. */
export const csvBody = {
  content: { 'text/csv': { schema: z.string().openapi({ format: 'binary' }) } },
  required: true,
} as const;

/** `?map=field=column,…`: how an uploaded CSV names the fields an import reads. */
export const columnMap = z
  .string()
  .min(3)
  .max(500)
  .optional()
  .openapi({ description: 'field=column,… when the columns are named otherwise' });

/** A line of an import that was refused, and why. */
export const rejectedLine = z.object({ line: z.number(), reason: z.string() });

/** The 200 of a download in the export formats (`export-format.ts`): one line or object per item. */
export function exportResponse(description: string) {
  return {
    description,
    content: {
      'text/csv': { schema: z.string() },
      'application/json': { schema: z.array(z.record(z.string(), z.unknown())) },
      'application/x-ndjson': { schema: z.string() },
    },
  };
}
