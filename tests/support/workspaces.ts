/**
 * Workspaces with one member per role, built through the API (create, invite, accept), and the
 * callers a role matrix needs: anonymous, broken or foreign credentials, and each role.
 */
import { randomBytes } from 'node:crypto';
import { api, createKey, randomEmail, signIn } from './api.ts';

export type User = Awaited<ReturnType<typeof signIn>>;
export type GrantedRole = 'admin' | 'editor' | 'viewer';

export const ACTORS = [
	'anonymous',
	'badKey',
	'revokedKey',
	'otherWorkspaceKey',
	'nonMember',
	'viewer',
	'editor',
	'admin',
	'owner'
] as const;
export type Actor = (typeof ACTORS)[number];

/** What each expected status must carry as its error code. */
export const CODE_FOR_STATUS: Record<number, string> = {
	400: 'VALIDATION_ERROR',
	401: 'UNAUTHENTICATED',
	403: 'FORBIDDEN',
	404: 'NOT_FOUND',
	409: 'CONFLICT'
};

function expectStatus(result: { status: number; body: unknown }, status: number, what: string): void {
	if (result.status !== status) {
		throw new Error(`${what}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
	}
}

export async function createWorkspace(token: string, name = 'Team'): Promise<string> {
	const result = await api('POST', '/api/workspaces', { token, body: { name } });
	expectStatus(result, 201, 'create workspace');
	return result.body.data.id;
}

export async function invite(
	token: string,
	workspaceId: string,
	email: string,
	role: GrantedRole
): Promise<string> {
	const result = await api('POST', `/api/workspaces/${workspaceId}/invitations`, {
		token,
		body: { email, role }
	});
	expectStatus(result, 201, `invite ${email} as ${role}`);
	return result.body.data.id;
}

/** A new user who joined `workspaceId` with `role` by accepting an invitation from `inviterToken`. */
export async function addMember(inviterToken: string, workspaceId: string, role: GrantedRole): Promise<User> {
	const user = await signIn(randomEmail(role));
	const invitationId = await invite(inviterToken, workspaceId, user.email, role);
	expectStatus(
		await api('POST', `/api/invitations/${invitationId}/accept`, { token: user.token }),
		200,
		'accept invitation'
	);
	return user;
}

export interface Fixture {
	workspaceId: string;
	owner: User;
	admin: User;
	editor: User;
	viewer: User;
	nonMember: User;
	/** Credentials per actor; the three key actors all belong to the owner. */
	credentials: Record<Actor, { token?: string; apiKey?: string }>;
}

/** One workspace with one user per role, plus keys that must not work on it. */
export async function buildFixture(): Promise<Fixture> {
	const owner = await signIn(randomEmail('owner'));
	const workspaceId = await createWorkspace(owner.token, 'Matrix');
	const [admin, editor, viewer, nonMember] = await Promise.all([
		addMember(owner.token, workspaceId, 'admin'),
		addMember(owner.token, workspaceId, 'editor'),
		addMember(owner.token, workspaceId, 'viewer'),
		signIn(randomEmail('outsider'))
	]);
	const personal = (await api('GET', '/api/me', { token: owner.token })).body.data.personalWorkspaceId;
	const otherWorkspaceKey = await createKey(owner.token, personal);
	const revoked = await createKey(owner.token);
	expectStatus(await api('DELETE', `/api/api-keys/${revoked.id}`, { token: owner.token }), 200, 'revoke');
	return {
		workspaceId,
		owner,
		admin,
		editor,
		viewer,
		nonMember,
		credentials: {
			anonymous: {},
			badKey: { apiKey: `tora_sk_${randomBytes(32).toString('base64url')}` },
			revokedKey: { apiKey: revoked.key },
			otherWorkspaceKey: { apiKey: otherWorkspaceKey.key },
			nonMember: { token: nonMember.token },
			viewer: { token: viewer.token },
			editor: { token: editor.token },
			admin: { token: admin.token },
			owner: { token: owner.token }
		}
	};
}

export interface MatrixRequest {
	method: string;
	path: string;
	body?: unknown;
}

/**
 * One row of a role matrix: a request (built per call, so targets can be fresh) and the status
 * each actor must get. A `destructive` row's successful calls each get a fresh fixture, because
 * they would change the shared one (delete it, move its ownership, remove its members).
 */
export interface MatrixRow {
	name: string;
	destructive?: boolean;
	request: (fixture: Fixture) => Promise<MatrixRequest>;
	expect: Record<Actor, number>;
}

/** Builds a row from the statuses in ACTORS order, so the table reads as a grid. */
export function row(
	name: string,
	statuses: number[],
	request: MatrixRow['request'],
	options: { destructive?: boolean } = {}
): MatrixRow {
	if (statuses.length !== ACTORS.length) throw new Error(`${name}: one status per actor`);
	return {
		name,
		request,
		expect: Object.fromEntries(ACTORS.map((actor, i) => [actor, statuses[i]])) as Record<Actor, number>,
		...options
	};
}

/** Runs one cell: returns a description of the mismatch, or undefined when it is as expected. */
export async function runCell(
	matrixRow: MatrixRow,
	actor: Actor,
	shared: Fixture
): Promise<string | undefined> {
	const expected = matrixRow.expect[actor];
	const fixture = matrixRow.destructive && expected < 300 ? await buildFixture() : shared;
	const request = await matrixRow.request(fixture);
	const result = await api(request.method, request.path, {
		...fixture.credentials[actor],
		body: request.body
	});
	const body = result.body as {
		status?: number;
		data?: unknown;
		error?: { code?: string; message?: string };
	};
	const ok =
		result.status === expected &&
		body?.status === expected &&
		(expected < 300
			? body.data !== undefined
			: body.error?.code === CODE_FOR_STATUS[expected] && Boolean(body.error?.message));
	return ok ? undefined : `${actor}: expected ${expected}, got ${result.status} ${JSON.stringify(body)}`;
}
