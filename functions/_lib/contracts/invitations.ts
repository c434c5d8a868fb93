import * as z from 'zod';
import { Uuid } from './common.ts';
import { GrantableRole } from './workspaces.ts';

export const InvitationStatus = z.enum(['pending', 'accepted', 'declined', 'revoked']);
export type InvitationStatus = z.infer<typeof InvitationStatus>;

/** `POST /api/workspaces/:id/invitations` body. The email is stored lower-cased. */
export const CreateInvitationBody = z.strictObject({
	email: z
		.string()
		.trim()
		.toLowerCase()
		.pipe(
			z.email({ error: 'must be an email address' }).max(254, { error: 'must be at most 254 characters' })
		),
	role: GrantableRole
});
export type CreateInvitationBody = z.infer<typeof CreateInvitationBody>;

/** `GET /api/workspaces/:id/invitations?status=`: pending unless asked otherwise. */
export const InvitationListQuery = z.object({
	status: z
		.enum([...InvitationStatus.options, 'all'], {
			error: 'must be pending, accepted, declined, revoked or all'
		})
		.default('pending')
});
export type InvitationListQuery = z.infer<typeof InvitationListQuery>;

/** One shape everywhere: the workspace's admins and the invitee see the same fields. */
export const Invitation = z.object({
	id: z.uuid(),
	workspace_id: z.uuid(),
	workspace_name: z.string(),
	email: z.string(),
	role: GrantableRole,
	status: InvitationStatus,
	invited_by: z.uuid().nullable(),
	invited_by_email: z.string().nullable(),
	created_at: z.string(),
	responded_at: z.string().nullable()
});
export type Invitation = z.infer<typeof Invitation>;

export const WorkspaceInvitationParams = z.object({ id: Uuid, invitationId: Uuid });
export const InvitationParams = z.object({ id: Uuid });
