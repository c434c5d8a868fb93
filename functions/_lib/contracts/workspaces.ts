import * as z from 'zod';
import {
	isMultiLineText,
	isOneLineText,
	isStorableText,
	multiLineTextError,
	oneLineTextError,
	STORABLE_TEXT_ERROR,
	Uuid,
	WorkspaceRole
} from './common.ts';

/**
 * Lengths are counted in characters (code points), as Postgres' `char_length` counts them, so an
 * emoji is one character and what passes here always fits the column's check.
 */
const maxChars = (max: number) =>
	z
		.string()
		.refine((value) => [...value].length <= max, { error: `must be at most ${max} characters` })
		.refine(isStorableText, { error: STORABLE_TEXT_ERROR });

export const WorkspaceName = z
	.string()
	.trim()
	.min(1, { error: 'must not be empty' })
	.pipe(maxChars(255).refine(isOneLineText, { error: oneLineTextError }));

/** Stored verbatim (leading spaces can matter in Markdown); `null` means none. */
export const WorkspaceDescription = maxChars(2000).refine(isMultiLineText, { error: multiLineTextError });

/** `POST /api/workspaces` body. The Python SDK always sends `description`, possibly `null`. */
export const CreateWorkspaceBody = z.strictObject({
	name: WorkspaceName,
	description: WorkspaceDescription.nullish()
});
export type CreateWorkspaceBody = z.infer<typeof CreateWorkspaceBody>;

/** `PATCH /api/workspaces/:id` body: at least one field. */
export const UpdateWorkspaceBody = z
	.strictObject({
		name: WorkspaceName.optional(),
		description: WorkspaceDescription.nullable().optional()
	})
	.refine((body) => body.name !== undefined || body.description !== undefined, {
		error: 'send name and/or description'
	});
export type UpdateWorkspaceBody = z.infer<typeof UpdateWorkspaceBody>;

/** A workspace as its member sees it: with the caller's role. */
export const Workspace = z.object({
	id: z.uuid(),
	name: z.string(),
	description: z.string(),
	role: WorkspaceRole,
	member_count: z.number().int(),
	/** A user's personal workspace (created on first use): it cannot be deleted or transferred. */
	personal: z.boolean(),
	created_at: z.string(),
	updated_at: z.string()
});
export type Workspace = z.infer<typeof Workspace>;

export const Member = z.object({
	user_id: z.uuid(),
	email: z.string(),
	role: WorkspaceRole,
	joined_at: z.string()
});
export type Member = z.infer<typeof Member>;

/** Roles that can be granted directly; ownership only ever moves by transfer. */
export const GrantableRole = z.enum(['admin', 'editor', 'viewer'], {
	error: (issue) =>
		issue.input === 'owner'
			? 'ownership cannot be granted; the owner transfers it with POST /api/workspaces/:id/transfer'
			: 'must be admin, editor or viewer'
});
export type GrantableRole = z.infer<typeof GrantableRole>;

/** `PATCH /api/workspaces/:id/members/:userId` body. */
export const UpdateMemberBody = z.strictObject({ role: GrantableRole });
export type UpdateMemberBody = z.infer<typeof UpdateMemberBody>;

/** `POST /api/workspaces/:id/transfer` body: the member who becomes owner. */
export const TransferWorkspaceBody = z.strictObject({ userId: Uuid });
export type TransferWorkspaceBody = z.infer<typeof TransferWorkspaceBody>;

export const WorkspaceParams = z.object({ id: Uuid });
export const MemberParams = z.object({ id: Uuid, userId: Uuid });
