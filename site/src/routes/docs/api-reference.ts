/**
 * The API reference the docs page renders: a hand copy of the endpoint table in the README's
 * "## API" section (api-reference.test.ts keeps the two route lists equal). Text in backticks is
 * shown as code.
 */
export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type Endpoint = {
	method: Method;
	path: string;
	/** Who may call it: a workspace role, "session" (browser sign-in only), "anyone"... */
	who: string;
	request: string;
	success: string;
};

export type EndpointGroup = { title: string; endpoints: Endpoint[] };

export const apiReference: EndpointGroup[] = [
	{
		title: 'Service and account',
		endpoints: [
			{
				method: 'GET',
				path: '/api/health',
				who: 'anyone',
				request: '',
				success: '200 `{db: "ok", migration, dbLatencyMs, version}`; 503 when the database is down'
			},
			{
				method: 'GET',
				path: '/api/config',
				who: 'anyone',
				request: '',
				success:
					'200 `{authMode: "local"|"supabase"|"disabled", authProblem, supabaseUrl, supabaseAnonKey, version}`'
			},
			{
				method: 'POST',
				path: '/api/auth/local',
				who: 'anyone, local mode only (404 otherwise)',
				request: '`{email}`',
				success:
					'200 `{access_token, expires_at, user: {id, email}}` (1-hour token; creates the user and their personal workspace)'
			},
			{
				method: 'GET',
				path: '/api/me',
				who: 'signed in or key',
				request: '',
				success: '200 `{user: {id, email}, authMethod, personalWorkspaceId, pendingInvitations}`'
			}
		]
	},
	{
		title: 'API keys',
		endpoints: [
			{
				method: 'GET',
				path: '/api/api-keys',
				who: 'session',
				request: '',
				success: '200 `[{id, name, prefix, workspace_id, created_at, last_used_at, revoked_at, expires_at}]`'
			},
			{
				method: 'POST',
				path: '/api/api-keys',
				who: 'session',
				request: '`{name, workspaceId?, expiresAt?}`',
				success: '201 the summary plus `key`, shown only this once'
			},
			{
				method: 'DELETE',
				path: '/api/api-keys/:id',
				who: 'session, own keys',
				request: '',
				success: '200 the revoked key; it stops working at once'
			}
		]
	},
	{
		title: 'Workspaces',
		endpoints: [
			{
				method: 'GET',
				path: '/api/workspaces',
				who: 'signed in or key',
				request: '',
				success: '200 `[Workspace]`, personal first'
			},
			{
				method: 'POST',
				path: '/api/workspaces',
				who: 'signed in or unscoped key',
				request: '`{name, description?}`',
				success: '201 `Workspace` (caller is owner)'
			},
			{ method: 'GET', path: '/api/workspaces/:id', who: 'viewer', request: '', success: '200 `Workspace`' },
			{
				method: 'PATCH',
				path: '/api/workspaces/:id',
				who: 'admin',
				request: '`{name?, description?}`',
				success: '200 `Workspace`'
			},
			{
				method: 'DELETE',
				path: '/api/workspaces/:id',
				who: 'owner, session',
				request: '',
				success: '200 `{id}`'
			},
			{
				method: 'POST',
				path: '/api/workspaces/:id/leave',
				who: 'member, session',
				request: '',
				success: '200 `Member`'
			},
			{
				method: 'POST',
				path: '/api/workspaces/:id/transfer',
				who: 'owner, session',
				request: '`{userId}`',
				success: '200 `Workspace`'
			}
		]
	},
	{
		title: 'Members',
		endpoints: [
			{
				method: 'GET',
				path: '/api/workspaces/:id/members',
				who: 'viewer',
				request: '',
				success: '200 `[Member]`'
			},
			{
				method: 'PATCH',
				path: '/api/workspaces/:id/members/:userId',
				who: 'admin (below admin) / owner, session',
				request: '`{role}`',
				success: '200 `Member`'
			},
			{
				method: 'DELETE',
				path: '/api/workspaces/:id/members/:userId',
				who: 'admin (below admin) / owner, session',
				request: '',
				success: '200 `Member`'
			}
		]
	},
	{
		title: 'Invitations',
		endpoints: [
			{
				method: 'GET',
				path: '/api/workspaces/:id/invitations',
				who: 'admin',
				request: '`?status=`',
				success: '200 `[Invitation]`'
			},
			{
				method: 'POST',
				path: '/api/workspaces/:id/invitations',
				who: 'admin (owner to invite an admin), session',
				request: '`{email, role}`',
				success: '201 `Invitation`'
			},
			{
				method: 'DELETE',
				path: '/api/workspaces/:id/invitations/:invitationId',
				who: 'admin, session',
				request: '',
				success: '200 `Invitation` (revoked)'
			},
			{
				method: 'GET',
				path: '/api/invitations',
				who: 'session',
				request: '',
				success: '200 `[Invitation]` addressed to me'
			},
			{
				method: 'POST',
				path: '/api/invitations/:id/accept',
				who: 'the invitee, session',
				request: '',
				success: '200 `Invitation`; membership created atomically'
			},
			{
				method: 'POST',
				path: '/api/invitations/:id/decline',
				who: 'the invitee, session',
				request: '',
				success: '200 `Invitation`'
			}
		]
	},
	{
		title: 'Experiments',
		endpoints: [
			{
				method: 'GET',
				path: '/api/workspaces/:id/experiments',
				who: 'viewer',
				request: '`?limit&cursor&q&tag&status&sort&order&metrics`',
				success: '200 `{items: [Experiment], next_cursor, metric_names}`'
			},
			{
				method: 'POST',
				path: '/api/experiments',
				who: 'editor',
				request: '`{name, workspaceId?, description?, hyperparams?, tags?}`',
				success: '201 `Experiment`'
			},
			{
				method: 'POST',
				path: '/api/experiments/batch',
				who: 'signed in or key',
				request: '`{ids, metrics?}` (1–100 ids)',
				success: '200 `[Experiment]` I can see, in order'
			},
			{
				method: 'GET',
				path: '/api/experiments/:id',
				who: 'viewer',
				request: '',
				success: '200 `Experiment`'
			},
			{
				method: 'PATCH',
				path: '/api/experiments/:id',
				who: 'editor',
				request: '`{name?, description?, tags?, hyperparams?, status?}`',
				success: '200 `Experiment`'
			},
			{
				method: 'DELETE',
				path: '/api/experiments/:id',
				who: 'editor',
				request: '',
				success: '200 `{id, deleted: true}`'
			},
			{
				method: 'GET',
				path: '/api/experiments/:id/references',
				who: 'viewer',
				request: '',
				success: '200 `{outgoing, incoming}`'
			},
			{
				method: 'POST',
				path: '/api/experiments/:id/references',
				who: 'editor',
				request: '`{referencedId}`',
				success: '201 the link'
			},
			{
				method: 'DELETE',
				path: '/api/experiments/:id/references/:referencedId',
				who: 'editor',
				request: '',
				success: '200 `{experiment_id, referenced_id, deleted: true}`'
			}
		]
	},
	{
		title: 'Logging, series and export',
		endpoints: [
			{
				method: 'POST',
				path: '/api/experiments/:id/logs/batch',
				who: 'editor',
				request: '`{logs: [LogEntry]}` (≤ 10,000 entries, ≤ 2 MB)',
				success: '201 `{received, stored, duplicates}`'
			},
			{
				method: 'POST',
				path: '/api/experiments/:id/logs',
				who: 'editor',
				request: '`LogEntry`',
				success: '201 `{received, stored, duplicates}`'
			},
			{
				method: 'GET',
				path: '/api/experiments/:id/metrics',
				who: 'viewer',
				request: '`?names&buckets&from&to&after&limit&start_after`',
				success: '200 `{series: [...], cursor, next_start_after, series_count}`'
			},
			{
				method: 'GET',
				path: '/api/experiments/:id/results',
				who: 'viewer',
				request: '',
				success: '200 `[{name, value, logged_at}]`'
			},
			{
				method: 'GET',
				path: '/api/experiments/:id/export.csv',
				who: 'viewer',
				request: '`?format=long|wide`',
				success: '200 `text/csv`, streamed'
			}
		]
	}
];

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
