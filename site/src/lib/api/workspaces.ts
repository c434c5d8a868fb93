import type * as z from 'zod';
import type { CreateInvitationBody, Invitation, InvitationListQuery } from '$contracts/invitations';
import type {
	CreateWorkspaceBody,
	Member,
	TransferWorkspaceBody,
	UpdateMemberBody,
	UpdateWorkspaceBody,
	Workspace
} from '$contracts/workspaces';
import type { Caller } from './caller';
import { apiPath } from './transport';

/** Workspaces, their members and the invitations sent from them. */
export function workspacesApi(call: Caller) {
	return {
		/** Every workspace the caller is a member of, personal first, with the caller's role. */
		list: () => call.json<Workspace[]>('GET', apiPath('workspaces')),
		get: (id: string) => call.json<Workspace>('GET', apiPath('workspaces', id)),
		create: (body: z.input<typeof CreateWorkspaceBody>) =>
			call.json<Workspace>('POST', apiPath('workspaces'), { body }),
		update: (id: string, body: z.input<typeof UpdateWorkspaceBody>) =>
			call.json<Workspace>('PATCH', apiPath('workspaces', id), { body }),
		remove: (id: string) => call.json<{ id: string }>('DELETE', apiPath('workspaces', id)),
		/** Leaves the workspace; answers with the membership that ended. */
		leave: (id: string) => call.json<Member>('POST', apiPath('workspaces', id, 'leave')),
		transfer: (id: string, body: z.input<typeof TransferWorkspaceBody>) =>
			call.json<Workspace>('POST', apiPath('workspaces', id, 'transfer'), { body })
	};
}

export function membersApi(call: Caller) {
	return {
		list: (workspaceId: string) => call.json<Member[]>('GET', apiPath('workspaces', workspaceId, 'members')),
		update: (workspaceId: string, userId: string, body: z.input<typeof UpdateMemberBody>) =>
			call.json<Member>('PATCH', apiPath('workspaces', workspaceId, 'members', userId), { body }),
		remove: (workspaceId: string, userId: string) =>
			call.json<Member>('DELETE', apiPath('workspaces', workspaceId, 'members', userId))
	};
}

/** Invitations: those a workspace sent, and those addressed to the signed-in user. */
export function invitationsApi(call: Caller) {
	return {
		/** Pending invitations addressed to the signed-in user. */
		received: () => call.json<Invitation[]>('GET', apiPath('invitations')),
		accept: (id: string) => call.json<Invitation>('POST', apiPath('invitations', id, 'accept')),
		decline: (id: string) => call.json<Invitation>('POST', apiPath('invitations', id, 'decline')),
		/** Invitations a workspace sent (pending unless asked otherwise). */
		sent: (workspaceId: string, status: z.input<typeof InvitationListQuery>['status'] = 'pending') =>
			call.json<Invitation[]>('GET', apiPath('workspaces', workspaceId, 'invitations'), {
				query: new URLSearchParams({ status })
			}),
		send: (workspaceId: string, body: z.input<typeof CreateInvitationBody>) =>
			call.json<Invitation>('POST', apiPath('workspaces', workspaceId, 'invitations'), { body }),
		revoke: (workspaceId: string, invitationId: string) =>
			call.json<Invitation>('DELETE', apiPath('workspaces', workspaceId, 'invitations', invitationId))
	};
}
