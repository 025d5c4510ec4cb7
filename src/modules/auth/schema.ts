import { z } from '@hono/zod-openapi';
import { roles } from './roles.ts';

export const roleSchema = z.enum(roles).openapi('Role');

/** A skill a person has, for skill-based assignment: the token rule of case tags, lower-cased. */
export const skillName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}_-]{0,39}$/u, 'a skill is 1–40 letters, digits, - or _ (no spaces)');

/** A person's whole set of skills, replacing the previous one; repeats are dropped. */
export const skillList = z
  .array(skillName)
  .max(30, 'at most 30 skills')
  .transform((list) => [...new Set(list)]);

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: roleSchema,
    status: z.enum(['active', 'deactivated']),
    passwordChangeRequired: z.boolean(),
    /** What routing rules' `assign` action can ask for (`skills`); lower-case, in the order given. */
    skills: z.array(z.string()),
    createdAt: z.string(),
    lastLoginAt: z.string().nullable(),
  })
  .openapi('User');

export const workspaceSchema = z
  .object({ id: z.string(), name: z.string(), slug: z.string(), timeZone: z.string(), isDemo: z.boolean() })
  .openapi('Workspace');

export const sessionSchema = z
  .object({ user: userSchema, workspace: workspaceSchema, csrfToken: z.string() })
  .openapi('Session');

const email = z
  .email()
  .max(254)
  .transform((v) => v.toLowerCase());

const password = z.string().min(12, 'must be at least 12 characters').max(200);

export const loginInput = z.object({ email, password: z.string().min(1).max(200) }).openapi('LoginInput');

export const changePasswordInput = z
  .object({ currentPassword: z.string().min(1).max(200), newPassword: password })
  .openapi('ChangePasswordInput');

export const createUserInput = z
  .object({
    email,
    name: z.string().trim().min(1).max(200),
    role: roleSchema,
    password: password
      .optional()
      .openapi({ description: 'Absent: a one-time password is generated and returned once' }),
    skills: skillList.optional(),
  })
  .openapi('CreateUserInput');

export const updateUserInput = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    role: roleSchema.optional(),
    status: z.enum(['active', 'deactivated']).optional(),
    skills: skillList
      .optional()
      .openapi({ description: 'The whole set, replacing the previous one; [] clears it' }),
  })
  .refine((v) => Object.keys(v).length > 0, 'give at least one of name, role, status, skills')
  .openapi('UpdateUserInput');

export const tokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiToken');

export const createTokenInput = z
  .object({
    name: z.string().trim().min(1).max(100),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .openapi('CreateApiTokenInput');

export const auditEntrySchema = z
  .object({
    id: z.number(),
    actorUserId: z.string().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .openapi('AuditEntry');

export type UserView = z.infer<typeof userSchema>;
export type WorkspaceView = z.infer<typeof workspaceSchema>;
export type TokenView = z.infer<typeof tokenSchema>;
export type AuditEntryView = z.infer<typeof auditEntrySchema>;
export type CreateUserInput = z.infer<typeof createUserInput>;
export type UpdateUserInput = z.infer<typeof updateUserInput>;
export type CreateTokenInput = z.infer<typeof createTokenInput>;
