import * as z from 'zod';

/** `disabled`: nothing is configured yet; `authProblem` then says what to set. */
export const AuthMode = z.enum(['local', 'supabase', 'disabled']);
export type AuthMode = z.infer<typeof AuthMode>;

/** `GET /api/config`: what the site needs to know about this deployment at run time. */
export const PublicConfig = z.object({
	authMode: AuthMode,
	authProblem: z.string().nullable(),
	supabaseUrl: z.string().nullable(),
	supabaseAnonKey: z.string().nullable(),
	version: z.string(),
	/** Where artifacts are stored and their limits in bytes (null: a misconfigured limit). */
	artifacts: z.object({
		storage: z.enum(['filesystem', 'supabase', 'disabled']),
		maxFileBytes: z.number().nullable(),
		quotaBytes: z.number().nullable()
	})
});
export type PublicConfig = z.infer<typeof PublicConfig>;

/** `POST /api/auth/local` body. */
export const LocalSignInBody = z.strictObject({
	email: z.email({ error: 'must be an email address' }).max(254, { error: 'must be at most 254 characters' })
});
export type LocalSignInBody = z.infer<typeof LocalSignInBody>;

export const UserSummary = z.object({ id: z.uuid(), email: z.string() });
export type UserSummary = z.infer<typeof UserSummary>;

/** `POST /api/auth/local` response data. `expires_at` is an ISO timestamp. */
export const Session = z.object({
	access_token: z.string(),
	expires_at: z.string(),
	user: UserSummary
});
export type Session = z.infer<typeof Session>;

/** `GET /api/me` response data. */
export const Me = z.object({
	user: UserSummary,
	authMethod: z.enum(['jwt', 'api_key']),
	personalWorkspaceId: z.uuid(),
	pendingInvitations: z.number().int()
});
export type Me = z.infer<typeof Me>;
