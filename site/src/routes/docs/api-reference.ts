/**
 * The API reference the docs page renders. The endpoint list is generated from the functions'
 * declarations (api-endpoints.generated.ts, by scripts/write-api-reference.ts, which writes the
 * README's endpoint table from the same data); the role matrix and the helpers are kept here by
 * hand. Text in backticks is shown as code.
 */
export { apiReference } from './api-endpoints.generated';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type Endpoint = {
	method: Method;
	path: string;
	/** Who may call it: a workspace role, "session" (browser sign-in only), "anyone"... */
	who: string;
	request: string;
	success: string;
};

export type EndpointGroup = { title: string; endpoints: Endpoint[] };

export const roles = ['viewer', 'editor', 'admin', 'owner'] as const;

export type Role = (typeof roles)[number];

/** The README's role matrix ("#### Roles"): which roles may do each thing, with any caveat. */
export const roleMatrix: { action: string; allowed: Role[]; notes?: Partial<Record<Role, string>> }[] = [
	{
		action: 'See the workspace, its members and its experiments',
		allowed: ['viewer', 'editor', 'admin', 'owner']
	},
	{ action: 'Create, edit and delete experiments; log to them', allowed: ['editor', 'admin', 'owner'] },
	{ action: 'Rename the workspace and edit its description', allowed: ['admin', 'owner'] },
	{ action: 'Invite editors and viewers; list and revoke invitations', allowed: ['admin', 'owner'] },
	{ action: 'Invite admins; revoke invitations to admin', allowed: ['owner'] },
	{ action: "Change a member's role: set editor/viewer on editors/viewers", allowed: ['admin', 'owner'] },
	{ action: 'Change any role: admins, other owners, granting admin', allowed: ['owner'] },
	{ action: 'Remove editors and viewers', allowed: ['admin', 'owner'] },
	{ action: 'Remove admins (and other owners)', allowed: ['owner'] },
	{ action: 'Transfer ownership; delete the workspace', allowed: ['owner'] },
	{ action: 'Leave', allowed: ['viewer', 'editor', 'admin', 'owner'], notes: { owner: 'not the last owner' } }
];

/** Splits `text` on backticks: odd pieces are code. */
export function codeSegments(text: string): { code: boolean; text: string }[] {
	return text
		.split('`')
		.map((piece, index) => ({ code: index % 2 === 1, text: piece }))
		.filter((segment) => segment.text !== '');
}
