/**
 * The authorization proof: every route the server knows (read from the functions' own configs,
 * as the single server and Netlify read them) has its access decided in ONE table below, and
 * every (route, actor) cell is called against a real workspace with real ids and valid bodies,
 * so a 400 never hides an authorization decision. A new endpoint fails this file until its row
 * is added; a row for a route that no longer exists fails it too.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../functions/_lib/api-key-secret.ts';
import { getDb } from '../../functions/_lib/db.ts';
import { localJwtSecret } from '../../functions/_lib/tokens.ts';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes } from '../../server/routes.ts';
import {
	api,
	apiResponse,
	createKey,
	expectEnvelope,
	randomEmail,
	signIn,
	type ApiResult
} from '../support/api.ts';
import { configure } from '../support/config.ts';
import { mlflowContractViolation } from '../support/fuzz-inputs.ts';
import { addMember, CODE_FOR_STATUS, createWorkspace, type User } from '../support/workspaces.ts';

// Cells of one route run concurrently; more than the default single connection lets them overlap.
configure({ TORA_DB_POOL_MAX: '4' });

type Role = 'viewer' | 'editor' | 'admin' | 'owner';
const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };

/**
 * The callers. The fixture's workspace ("the workspace") has one user per role. Keys:
 * - `revokedKey`: the owner's unscoped key, revoked (it worked before: checked in the fixture);
 * - `expiredKey`: the owner's unscoped key, created with an expiry that has since passed;
 * - `otherWorkspaceKey`: the owner's key scoped to the owner's personal workspace;
 * - `viewerKey` … `ownerKey`: each role's key scoped to the workspace itself (its own scope).
 * `expiredJwt` is the owner's token, correctly signed, expired an hour ago. `shareToken` is a live
 * share link's token (to the workspace's experiment) sent as a credential: it opens only
 * `/api/shared/*`, which take it from the path and read no credential. The 401 callers act on the
 * owner's targets, so a leak would show as a success.
 */
const ACTORS = [
	'anonymous',
	'badKey',
	'revokedKey',
	'expiredKey',
	'expiredJwt',
	'otherWorkspaceKey',
	'nonMember',
	'viewer',
	'editor',
	'admin',
	'owner',
	'viewerKey',
	'editorKey',
	'adminKey',
	'ownerKey',
	'shareToken'
] as const;
type Actor = (typeof ACTORS)[number];
type Person = Role | 'nonMember';

interface ActorSpec {
	credential: 'none' | 'invalid' | 'session' | 'key';
	/** Whose identity the credential carries (or, for the 401 callers, whose targets they try). */
	person: Person;
	/** Role in the workspace; undefined for non-members. */
	role?: Role;
	/** For keys: scoped to the workspace itself, or to another one. */
	scope?: 'here' | 'elsewhere';
}

const ACTOR: Record<Actor, ActorSpec> = {
	anonymous: { credential: 'none', person: 'owner' },
	badKey: { credential: 'invalid', person: 'owner' },
	revokedKey: { credential: 'invalid', person: 'owner' },
	expiredKey: { credential: 'invalid', person: 'owner' },
	expiredJwt: { credential: 'invalid', person: 'owner' },
	otherWorkspaceKey: { credential: 'key', person: 'owner', role: 'owner', scope: 'elsewhere' },
	nonMember: { credential: 'session', person: 'nonMember' },
	viewer: { credential: 'session', person: 'viewer', role: 'viewer' },
	editor: { credential: 'session', person: 'editor', role: 'editor' },
	admin: { credential: 'session', person: 'admin', role: 'admin' },
	owner: { credential: 'session', person: 'owner', role: 'owner' },
	viewerKey: { credential: 'key', person: 'viewer', role: 'viewer', scope: 'here' },
	editorKey: { credential: 'key', person: 'editor', role: 'editor', scope: 'here' },
	adminKey: { credential: 'key', person: 'admin', role: 'admin', scope: 'here' },
	ownerKey: { credential: 'key', person: 'owner', role: 'owner', scope: 'here' },
	shareToken: { credential: 'invalid', person: 'owner' }
};

/**
 * How a route decides who may call it. Missing or invalid credentials are a 401 everywhere but
 * on public routes.
 * - `PUBLIC`: anyone, whatever credentials they send (the route does not read them);
 * - `ANY_CREDENTIAL`: any valid key or session; `UNSCOPED_CREDENTIAL` also refuses (403) a key
 *   scoped to a workspace, which may act only there;
 * - `SESSION`: a signed-in session only, 403 with any key; `SESSION_NOT_YOURS`: the same, on a
 *   thing (key, invitation) that belongs to someone else, so every session gets a 404;
 * - `atLeast(role)`: that workspace role or higher in the workspace (for experiment routes, the
 *   experiment's workspace): non-member 404, lower role 403, key scoped elsewhere 403;
 *   `atLeast(role, 'session')` also refuses every key (403).
 */
type Access =
	| { kind: 'public' }
	| { kind: 'credential'; scopedKeys: 'allowed' | 'forbidden' }
	| { kind: 'session'; target: 'own' | 'not yours' }
	| { kind: 'role'; min: Role; sessionOnly: boolean };

const PUBLIC: Access = { kind: 'public' };
const ANY_CREDENTIAL: Access = { kind: 'credential', scopedKeys: 'allowed' };
const UNSCOPED_CREDENTIAL: Access = { kind: 'credential', scopedKeys: 'forbidden' };
const SESSION: Access = { kind: 'session', target: 'own' };
const SESSION_NOT_YOURS: Access = { kind: 'session', target: 'not yours' };
const atLeast = (min: Role, session?: 'session'): Access => ({
	kind: 'role',
	min,
	sessionOnly: session === 'session'
});

interface World {
	workspaceId: string;
	/** Owner's personal workspace: where `otherWorkspaceKey` is scoped. */
	personalWorkspaceId: string;
	users: Record<Person, User>;
	/** Signs in nowhere in the matrix: owns the workspaces that invite the callers. */
	host: User;
	credentials: Record<Actor, { token?: string; apiKey?: string }>;
	/** In the workspace: three points of `train/loss`, a result, and a reference to `baseId`. */
	experimentId: string;
	baseId: string;
	/** Tokens of share links to `experimentId`: one live, one revoked. */
	shareToken: string;
	revokedShareToken: string;
}

/** What one call sends; path parameters fill the route's own pattern. */
interface Call {
	params?: Record<string, string>;
	query?: string;
	body?: unknown;
}

interface Options {
	/** The success status (default 200). */
	success?: number;
	/** Per-actor exceptions to the access rule, each explained where it is used. */
	except?: Partial<Record<Actor, number>>;
	/**
	 * For listings that filter rather than refuse: whether the data shows the workspace's own
	 * items. Expected exactly for the callers that may read the workspace (grid: `200+` / `200-`).
	 */
	reveals?: (data: unknown, world: World) => boolean;
	/** The success body is not JSON (a downloaded file): only its status is checked. */
	bytes?: true;
}

interface Case extends Options {
	/** `METHOD /pattern` exactly as the function's config declares it. */
	route: string;
	/** What this entry's target is, when a route has several entries. */
	variant?: string;
	access: Access;
	/** Builds the call; a target that a success would consume is made fresh for each call. */
	request: (world: World, actor: ActorSpec) => Promise<Call>;
}

/** `name` is `METHOD /pattern`, optionally followed by ` (variant)`. */
function entry(name: string, access: Access, request: Case['request'], options: Options = {}): Case {
	const match = /^(\S+ \S+)(?: \((.+)\))?$/.exec(name);
	if (!match) throw new Error(`table entry "${name}" is not "METHOD /path (variant)"`);
	return { route: match[1], variant: match[2], access, request, ...options };
}

const logEntry = (name: string, value: number, step: number | null, type = 'metric') => ({
	name,
	msg_id: randomUUID(),
	value,
	step,
	metadata: { type }
});

// ---- Fresh targets: each call that could succeed gets its own, so no cell changes another. ----

async function freshExperiment(w: World): Promise<string> {
	const result = await api('POST', '/api/experiments', {
		token: w.users.owner.token,
		body: { name: 'fresh target', workspaceId: w.workspaceId }
	});
	if (result.status !== 201) throw new Error(`fresh experiment: ${JSON.stringify(result.body)}`);
	return result.body.data.id;
}

/** The bytes the artifact rows upload: what `apiResponse` sends for the body `'x'` (its JSON). */
const ARTIFACT_BYTES = '"x"';
const ARTIFACT_SHA256 = createHash('sha256').update(ARTIFACT_BYTES).digest('hex');

/** A pending upload to the workspace's experiment: its artifact id and single-use upload token. */
async function freshUpload(w: World): Promise<{ artifactId: string; token: string }> {
	const result = await api('POST', `/api/experiments/${w.experimentId}/artifacts`, {
		token: w.users.owner.token,
		body: { path: `matrix/${randomUUID()}.txt`, size: ARTIFACT_BYTES.length, sha256: ARTIFACT_SHA256 }
	});
	if (result.status !== 201) throw new Error(`fresh upload: ${JSON.stringify(result.body)}`);
	const url = new URL(result.body.data.upload.url);
	return { artifactId: result.body.data.artifact.id, token: url.pathname.split('/').pop()! };
}

/** A pending upload whose bytes are stored, ready to complete. */
async function freshUploaded(w: World): Promise<string> {
	const { artifactId, token } = await freshUpload(w);
	const put = await api('PUT', `/api/artifact-uploads/${token}`, { rawBody: ARTIFACT_BYTES });
	if (put.status !== 200) throw new Error(`fresh upload's bytes: ${JSON.stringify(put.body)}`);
	return artifactId;
}

/** A complete artifact of the workspace's experiment. */
async function freshArtifact(w: World): Promise<string> {
	const artifactId = await freshUploaded(w);
	const done = await api('POST', `/api/experiments/${w.experimentId}/artifacts/${artifactId}/complete`, {
		token: w.users.owner.token
	});
	if (done.status !== 200) throw new Error(`fresh artifact: ${JSON.stringify(done.body)}`);
	return artifactId;
}

/** A download URL's token for a complete artifact. */
async function freshDownloadToken(w: World): Promise<string> {
	const artifactId = await freshArtifact(w);
	const grant = await api('GET', `/api/experiments/${w.experimentId}/artifacts/${artifactId}/download`, {
		token: w.users.owner.token
	});
	return new URL(grant.body.data.url).pathname.split('/').pop()!;
}

async function freshReference(w: World): Promise<string> {
	const referencedId = await freshExperiment(w);
	const result = await api('POST', `/api/experiments/${w.experimentId}/references`, {
		token: w.users.owner.token,
		body: { referencedId }
	});
	if (result.status !== 201) throw new Error(`fresh reference: ${JSON.stringify(result.body)}`);
	return referencedId;
}

/** A fresh run with a captured context, so reading it answers 200 to those allowed. */
async function freshContext(w: World): Promise<string> {
	const id = await freshExperiment(w);
	const result = await api('PUT', `/api/experiments/${id}/context`, {
		token: w.users.owner.token,
		body: { host: 'matrix-host', env: { CUDA_VISIBLE_DEVICES: '0' } }
	});
	if (result.status !== 200) throw new Error(`fresh context: ${JSON.stringify(result.body)}`);
	return id;
}

/** A new user who is a member of the workspace with `memberRole`, written straight to the tables. */
async function freshMember(w: World, memberRole: Exclude<Role, 'owner'>): Promise<string> {
	const id = randomUUID();
	await getDb()
		.insertInto('profiles')
		.values({ id, email: randomEmail(memberRole) })
		.execute();
	await getDb()
		.insertInto('workspace_members')
		.values({ workspace_id: w.workspaceId, user_id: id, role: memberRole })
		.execute();
	return id;
}

/** A project of the workspace, written straight to the table. */
async function freshProject(w: World): Promise<string> {
	const { id } = await getDb()
		.insertInto('projects')
		.values({ workspace_id: w.workspaceId, name: `matrix project ${randomUUID()}` })
		.returning('id')
		.executeTakeFirstOrThrow();
	return id;
}

/** A share link to the workspace's experiment, made by the owner. */
async function freshShareLink(w: World): Promise<string> {
	const result = await api('POST', '/api/share-links', {
		token: w.users.owner.token,
		body: { experimentId: w.experimentId }
	});
	if (result.status !== 201) throw new Error(`fresh share link: ${JSON.stringify(result.body)}`);
	return result.body.data.id;
}

/** A saved view of the workspace, written straight to the table. */
async function freshView(w: World): Promise<string> {
	const { id } = await getDb()
		.insertInto('saved_views')
		.values({ workspace_id: w.workspaceId, name: `matrix view ${randomUUID()}`, state: { sort: 'name' } })
		.returning('id')
		.executeTakeFirstOrThrow();
	return id;
}

async function freshInvitation(w: World, invitedRole: Exclude<Role, 'owner'>): Promise<string> {
	const result = await api('POST', `/api/workspaces/${w.workspaceId}/invitations`, {
		token: w.users.owner.token,
		body: { email: randomEmail('invitee'), role: invitedRole }
	});
	if (result.status !== 201) throw new Error(`fresh invitation: ${JSON.stringify(result.body)}`);
	return result.body.data.id;
}

/**
 * A copy of the workspace's membership (same users, same roles) in a new workspace, for calls
 * that delete, hand over or leave a workspace. Only session-only routes use it, so the role keys'
 * scope (the original workspace) never decides a cell there.
 */
async function cloneWorkspace(w: World): Promise<string> {
	return getDb()
		.transaction()
		.execute(async (tx) => {
			const { id } = await tx
				.insertInto('workspaces')
				.values({ name: 'Clone', created_by: w.users.owner.userId })
				.returning('id')
				.executeTakeFirstOrThrow();
			const roles: Role[] = ['owner', 'admin', 'editor', 'viewer'];
			await tx
				.insertInto('workspace_members')
				.values(roles.map((r) => ({ workspace_id: id, user_id: w.users[r].userId, role: r })))
				.execute();
			return id;
		});
}

/** A pending invitation to a new workspace of the host's, addressed to `email`. */
async function invitationFor(w: World, email: string): Promise<string> {
	return getDb()
		.transaction()
		.execute(async (tx) => {
			const { id: workspaceId } = await tx
				.insertInto('workspaces')
				.values({ name: 'Host', created_by: w.host.userId })
				.returning('id')
				.executeTakeFirstOrThrow();
			await tx
				.insertInto('workspace_members')
				.values({ workspace_id: workspaceId, user_id: w.host.userId, role: 'owner' })
				.execute();
			const { id } = await tx
				.insertInto('invitations')
				.values({ workspace_id: workspaceId, email, role: 'viewer', invited_by: w.host.userId })
				.returning('id')
				.executeTakeFirstOrThrow();
			return id;
		});
}

const idOf = (items: unknown, id: string) => (items as { id: string }[]).some((item) => item.id === id);

const inWorkspace = (w: World) => ({ id: w.workspaceId });
const onExperiment = (w: World) => ({ id: w.experimentId });
const CREATED = { success: 201 };
const MLFLOW_SCOPED_ELSEWHERE: Options = { except: { otherWorkspaceKey: 404 } };
/** MLflow's multipart uploads are not offered: every authenticated call is 404 ENDPOINT_NOT_FOUND. */
const NO_MULTIPART: Options = { success: 404 };
/** `artifacts/<experiment>/<run>/artifacts/<path>`: where MLflow's client puts a run's file. */
const mlflowArtifact = (w: World, path: string) => ({
	'0': `artifacts/0/${w.experimentId}/artifacts/${path}`
});

/**
 * THE table: one entry per (method, route), and more where the target changes the answer (whose
 * key, which role is invited or changed). The expectations it generates are shown in full, as a
 * grid, by the snapshot test below. Ids are real; bodies are valid, so a 400 never hides a decision.
 */
// prettier-ignore
const CASES: Case[] = [
	// Public: the routes do not read credentials at all.
	entry('GET /api/health',                                                     PUBLIC,                       async () => ({})),
	entry('GET /api/config',                                                     PUBLIC,                       async () => ({})),
	entry('POST /api/auth/local',                                                PUBLIC,                       async () => ({ body: { email: randomEmail('signin') } })),

	// Any valid credential; listings filter instead of refusing.
	entry('GET /api/me',                                                         ANY_CREDENTIAL,               async () => ({})),
	entry('GET /api/workspaces',                                                 ANY_CREDENTIAL,               async () => ({}), { reveals: (data, w) => idOf(data, w.workspaceId) }),
	entry('POST /api/workspaces',                                                UNSCOPED_CREDENTIAL,          async () => ({ body: { name: 'Made by the matrix', description: null } }), CREATED),
	entry('POST /api/experiments/batch',                                         ANY_CREDENTIAL,               async (w) => ({ body: { ids: [w.experimentId, w.baseId] } }), { reveals: (data, w) => idOf(data, w.experimentId) }),
	entry('POST /api/series',                                                    ANY_CREDENTIAL,               async (w) => ({ body: { experimentIds: [w.experimentId, w.baseId], metrics: ['train/loss'] } }), { reveals: (data, w) => (data as { series: { experiment_id: string }[] }).series.some((s) => s.experiment_id === w.experimentId) }),
	entry('POST /api/analysis/importance (runs by id)',                          ANY_CREDENTIAL,               async (w) => ({ body: { experimentIds: [w.experimentId, w.baseId], target: 'metric."train/loss".min' } }), { reveals: (data) => (data as { runs_matched: number }).runs_matched > 0 }),

	// Account actions: a signed-in session, never a key (a leaked key must not mint keys or join workspaces).
	entry('GET /api/api-keys',                                                   SESSION,                      async () => ({})),
	entry('POST /api/api-keys (unscoped)',                                       SESSION,                      async () => ({ body: { name: 'matrix key' } }), CREATED),
	entry('POST /api/api-keys (scoped to the workspace)',                        atLeast('viewer', 'session'), async (w) => ({ body: { name: 'matrix key', workspaceId: w.workspaceId } }), CREATED),
	entry('DELETE /api/api-keys/:id (own key)',                                  SESSION,                      async (w, a) => ({ params: { id: (await createKey(w.users[a.person].token)).id } })),
	entry('DELETE /api/api-keys/:id (someone else’s key)',                       SESSION_NOT_YOURS,            async (w) => ({ params: { id: (await createKey(w.host.token)).id } })),
	entry('GET /api/invitations',                                                SESSION,                      async () => ({})),
	entry('POST /api/invitations/:id/accept (addressed to the caller)',          SESSION,                      async (w, a) => ({ params: { id: await invitationFor(w, w.users[a.person].email) } })),
	entry('POST /api/invitations/:id/accept (addressed to someone else)',        SESSION_NOT_YOURS,            async (w) => ({ params: { id: await invitationFor(w, randomEmail('someone')) } })),
	entry('POST /api/invitations/:id/decline (addressed to the caller)',         SESSION,                      async (w, a) => ({ params: { id: await invitationFor(w, w.users[a.person].email) } })),
	entry('POST /api/invitations/:id/decline (addressed to someone else)',       SESSION_NOT_YOURS,            async (w) => ({ params: { id: await invitationFor(w, randomEmail('someone')) } })),

	// The workspace, its members and invitations. Keys may read them (members: viewer+, invitations: admin+);
	// everything that changes who may see the workspace (inviting, revoking an invitation, changing a role,
	// removing, handing over), and deleting or leaving it, needs a session: a leaked key cannot give anyone access.
	entry('GET /api/workspaces/:id',                                             atLeast('viewer'),            async (w) => ({ params: inWorkspace(w) })),
	entry('PATCH /api/workspaces/:id',                                           atLeast('admin'),             async (w) => ({ params: inWorkspace(w), body: { description: 'edited by the matrix' } })),
	entry('DELETE /api/workspaces/:id (a clone)',                                atLeast('owner', 'session'),  async (w) => ({ params: { id: await cloneWorkspace(w) } })),
	// The owner is the clone's only owner, and a workspace always keeps one: 409.
	entry('POST /api/workspaces/:id/leave (a clone)',                            atLeast('viewer', 'session'), async (w) => ({ params: { id: await cloneWorkspace(w) } }), { except: { owner: 409 } }),
	entry('POST /api/workspaces/:id/transfer (a clone, to its admin)',           atLeast('owner', 'session'),  async (w) => ({ params: { id: await cloneWorkspace(w) }, body: { userId: w.users.admin.userId } })),
	entry('GET /api/workspaces/:id/members',                                     atLeast('viewer'),            async (w) => ({ params: inWorkspace(w) })),
	entry('PATCH /api/workspaces/:id/members/:userId (a viewer → editor)',       atLeast('admin', 'session'),  async (w) => ({ params: { ...inWorkspace(w), userId: await freshMember(w, 'viewer') }, body: { role: 'editor' } })),
	entry('PATCH /api/workspaces/:id/members/:userId (a viewer → admin)',        atLeast('owner', 'session'),  async (w) => ({ params: { ...inWorkspace(w), userId: await freshMember(w, 'viewer') }, body: { role: 'admin' } })),
	entry('PATCH /api/workspaces/:id/members/:userId (an admin → editor)',       atLeast('owner', 'session'),  async (w) => ({ params: { ...inWorkspace(w), userId: await freshMember(w, 'admin') }, body: { role: 'editor' } })),
	entry('DELETE /api/workspaces/:id/members/:userId (an editor)',              atLeast('admin', 'session'),  async (w) => ({ params: { ...inWorkspace(w), userId: await freshMember(w, 'editor') } })),
	entry('DELETE /api/workspaces/:id/members/:userId (an admin)',               atLeast('owner', 'session'),  async (w) => ({ params: { ...inWorkspace(w), userId: await freshMember(w, 'admin') } })),
	entry('GET /api/workspaces/:id/invitations',                                 atLeast('admin'),             async (w) => ({ params: inWorkspace(w), query: 'status=all' })),
	entry('POST /api/workspaces/:id/invitations (as viewer)',                    atLeast('admin', 'session'),  async (w) => ({ params: inWorkspace(w), body: { email: randomEmail('invitee'), role: 'viewer' } }), CREATED),
	entry('POST /api/workspaces/:id/invitations (as admin)',                     atLeast('owner', 'session'),  async (w) => ({ params: inWorkspace(w), body: { email: randomEmail('invitee'), role: 'admin' } }), CREATED),
	entry('DELETE /api/workspaces/:id/invitations/:invitationId (to viewer)',    atLeast('admin', 'session'),  async (w) => ({ params: { ...inWorkspace(w), invitationId: await freshInvitation(w, 'viewer') } })),
	entry('DELETE /api/workspaces/:id/invitations/:invitationId (to admin)',     atLeast('owner', 'session'),  async (w) => ({ params: { ...inWorkspace(w), invitationId: await freshInvitation(w, 'admin') } })),
	entry('GET /api/workspaces/:id/experiments',                                 atLeast('viewer'),            async (w) => ({ params: inWorkspace(w), query: 'tag=matrix&sort=name' })),
	entry('POST /api/workspaces/:id/experiments/bulk (tags a fresh run)',         atLeast('editor'),            async (w) => ({ params: inWorkspace(w), body: { ids: [await freshExperiment(w)], action: 'add-tags', tags: ['bulk'] } })),
	entry('GET /api/workspaces/:id/keys',                                        atLeast('viewer'),            async (w) => ({ params: inWorkspace(w), query: 'values=hp.lr' })),
	entry('GET /api/workspaces/:id/views',                                       atLeast('viewer'),            async (w) => ({ params: inWorkspace(w) })),
	entry('POST /api/workspaces/:id/views',                                      atLeast('editor'),            async (w) => ({ params: inWorkspace(w), body: { name: `matrix view ${randomUUID()}`, state: { filter: 'hp.lr < 0.01', sort: 'metric."train/loss".min' } } }), CREATED),
	entry('PATCH /api/workspaces/:id/views/:viewId (a fresh view)',              atLeast('editor'),            async (w) => ({ params: { ...inWorkspace(w), viewId: await freshView(w) }, body: { isDefault: true } })),
	entry('DELETE /api/workspaces/:id/views/:viewId (a fresh view)',             atLeast('editor'),            async (w) => ({ params: { ...inWorkspace(w), viewId: await freshView(w) } })),
	entry('GET /api/share-links',                                                atLeast('viewer', 'session'), async (w) => ({ query: `workspaceId=${w.workspaceId}` })),
	entry('POST /api/share-links (a run)',                                       atLeast('editor', 'session'), async (w) => ({ body: { experimentId: w.experimentId, anonymous: true } }), CREATED),
	entry('DELETE /api/share-links/:id (a fresh link)',                          atLeast('editor', 'session'), async (w) => ({ params: { id: await freshShareLink(w) } })),
	// Turning sharing on or off changes who can read the workspace's runs. On, so no other cell changes.
	entry('PUT /api/workspaces/:id/sharing',                                     atLeast('admin', 'session'),  async (w) => ({ params: inWorkspace(w), body: { enabled: true } })),
	entry('GET /api/workspaces/:id/projects',                                    atLeast('viewer'),            async (w) => ({ params: inWorkspace(w) })),
	entry('POST /api/workspaces/:id/projects',                                   atLeast('editor'),            async (w) => ({ params: inWorkspace(w), body: { name: `matrix project ${randomUUID()}` } }), CREATED),
	entry('GET /api/workspaces/:id/projects/:projectId (a fresh project)',       atLeast('viewer'),            async (w) => ({ params: { ...inWorkspace(w), projectId: await freshProject(w) } })),
	entry('PATCH /api/workspaces/:id/projects/:projectId (a fresh project)',     atLeast('editor'),            async (w) => ({ params: { ...inWorkspace(w), projectId: await freshProject(w) }, body: { description: 'renamed by the matrix' } })),
	entry('DELETE /api/workspaces/:id/projects/:projectId (a fresh project)',    atLeast('editor'),            async (w) => ({ params: { ...inWorkspace(w), projectId: await freshProject(w) } })),
	entry('POST /api/analysis/importance (a workspace’s runs)',                  atLeast('viewer'),            async (w) => ({ body: { workspaceId: w.workspaceId, filter: 'tag = matrix', target: 'result.test_accuracy' } })),

	// Shared pages: the token in the path decides, whatever credential comes along; a revoked one is 404 for all.
	entry('GET /api/shared/:token (a live link)',                                PUBLIC,                       async (w) => ({ params: { token: w.shareToken } })),
	entry('GET /api/shared/:token (a revoked link)',                             PUBLIC,                       async (w) => ({ params: { token: w.revokedShareToken } }), { success: 404 }),
	entry('POST /api/shared/:token/series (a live link)',                        PUBLIC,                       async (w) => ({ params: { token: w.shareToken }, body: { experimentIds: [w.experimentId, w.baseId], metrics: ['train/loss'] } })),
	entry('POST /api/shared/:token/series (a revoked link)',                     PUBLIC,                       async (w) => ({ params: { token: w.revokedShareToken }, body: { experimentIds: [w.experimentId], metrics: ['train/loss'] } }), { success: 404 }),

	// Experiments: the experiment's workspace decides; any key or session with the role may act (the SDK's path).
	entry('POST /api/experiments',                                               atLeast('editor'),            async (w) => ({ body: { name: 'matrix create', workspaceId: w.workspaceId, description: null, hyperparams: [{ key: 'lr', value: 0.01 }], tags: ['matrix'] } }), CREATED),
	entry('GET /api/experiments/:id',                                            atLeast('viewer'),            async (w) => ({ params: onExperiment(w) })),
	entry('PATCH /api/experiments/:id',                                          atLeast('editor'),            async (w) => ({ params: onExperiment(w), body: { description: 'edited by the matrix' } })),
	entry('DELETE /api/experiments/:id (a fresh one)',                           atLeast('editor'),            async (w) => ({ params: { id: await freshExperiment(w) } })),
	entry('POST /api/experiments/:id/logs',                                      atLeast('editor'),            async (w) => ({ params: onExperiment(w), body: logEntry('val/loss', 0.5, 1) }), CREATED),
	entry('POST /api/experiments/:id/logs/batch',                                atLeast('editor'),            async (w) => ({ params: onExperiment(w), body: { logs: [logEntry('val/acc', 0.8, 1), logEntry('best_acc', 0.8, null, 'result')] } }), CREATED),
	entry('POST /api/experiments/:id/heartbeat',                                 atLeast('editor'),            async (w) => ({ params: onExperiment(w) })),
	entry('GET /api/experiments/:id/metrics',                                    atLeast('viewer'),            async (w) => ({ params: onExperiment(w), query: 'names=train/loss&buckets=10' })),
	entry('GET /api/experiments/:id/results',                                    atLeast('viewer'),            async (w) => ({ params: onExperiment(w) })),
	entry('GET /api/experiments/:id/export.csv',                                 atLeast('viewer'),            async (w) => ({ params: onExperiment(w), query: 'format=wide' })),
	entry('GET /api/experiments/:id/references',                                 atLeast('viewer'),            async (w) => ({ params: onExperiment(w) })),
	entry('POST /api/experiments/:id/references (to a fresh one)',               atLeast('editor'),            async (w) => ({ params: onExperiment(w), body: { referencedId: await freshExperiment(w) } }), CREATED),
	entry('DELETE /api/experiments/:id/references/:referencedId (a fresh link)', atLeast('editor'),            async (w) => ({ params: { ...onExperiment(w), referencedId: await freshReference(w) } })),
	entry('GET /api/experiments/:id/context (a fresh one)',                      atLeast('viewer'),            async (w) => ({ params: { id: await freshContext(w) } })),
	entry('PUT /api/experiments/:id/context',                                    atLeast('editor'),            async (w) => ({ params: onExperiment(w), body: { host: 'matrix-host', cpus: 8 } })),
	entry('GET /api/experiments/:id/console',                                    atLeast('viewer'),            async (w) => ({ params: onExperiment(w), query: 'after=0&limit=10' })),
	entry('POST /api/experiments/:id/console',                                   atLeast('editor'),            async (w) => ({ params: onExperiment(w), body: { lines: [{ seq: 1, time: '2026-12-07T10:00:00Z', stream: 'stdout', text: 'matrix' }] } }), CREATED),

	// MLflow's API (answers in MLflow's shape): the run's or experiment's workspace decides, and a
	// key scoped elsewhere cannot see it at all (404 RESOURCE_DOES_NOT_EXIST, as MLflow has no 403 for that).
	entry('GET /api/2.0/mlflow/runs/:action (get)',                               atLeast('viewer'),            async (w) => ({ params: { action: 'get' }, query: `run_id=${w.experimentId}` }), MLFLOW_SCOPED_ELSEWHERE),
	entry('POST /api/2.0/mlflow/runs/:action (log-batch)',                        atLeast('editor'),            async (w) => ({ params: { action: 'log-batch' }, body: { run_id: w.experimentId, metrics: [{ key: 'mlflow/loss', value: 0.5, timestamp: 1_700_000_000_000, step: 1 }] } }), MLFLOW_SCOPED_ELSEWHERE),
	entry('GET /api/2.0/mlflow/experiments/:action (get, a fresh project)',       atLeast('viewer'),            async (w) => ({ params: { action: 'get' }, query: `experiment_id=${await freshProject(w)}` }), MLFLOW_SCOPED_ELSEWHERE),
	entry('POST /api/2.0/mlflow/experiments/:action (set-experiment-tag, a fresh project)', atLeast('editor'), async (w) => ({ params: { action: 'set-experiment-tag' }, body: { experiment_id: await freshProject(w), key: 'k', value: 'v' } }), MLFLOW_SCOPED_ELSEWHERE),
	entry('GET /api/2.0/mlflow/metrics/:action (get-history)',                    atLeast('viewer'),            async (w) => ({ params: { action: 'get-history' }, query: `run_id=${w.experimentId}&metric_key=train/loss` }), MLFLOW_SCOPED_ELSEWHERE),
	entry('POST /api/2.0/mlflow/metrics/:action (no such POST)',                  ANY_CREDENTIAL,               async () => ({ params: { action: 'get-history' }, body: {} }), { success: 405 }),
	entry('GET /api/2.0/mlflow-artifacts/* (list a run\'s files)',                atLeast('viewer'),            async (w) => ({ params: { '0': 'artifacts' }, query: `path=0/${w.experimentId}/artifacts` }), MLFLOW_SCOPED_ELSEWHERE),
	entry('PUT /api/2.0/mlflow-artifacts/* (a file of the run)',                  atLeast('editor'),            async (w) => ({ params: mlflowArtifact(w, `matrix/${randomUUID()}.txt`), body: 'x' }), MLFLOW_SCOPED_ELSEWHERE),
	entry('POST /api/2.0/mlflow-artifacts/*',                                     ANY_CREDENTIAL,               async () => ({ params: { '0': 'mpu/create' } }), NO_MULTIPART),
	entry('DELETE /api/2.0/mlflow-artifacts/* (a file of the run)',               atLeast('editor'),            async (w) => ({ params: mlflowArtifact(w, `matrix/${randomUUID()}.txt`) }), MLFLOW_SCOPED_ELSEWHERE),

	// Artifacts: the experiment's role decides; the upload and download URLs are their own credential.
	entry('GET /api/experiments/:id/artifacts',                                  atLeast('viewer'),            async (w) => ({ params: onExperiment(w) })),
	entry('POST /api/experiments/:id/artifacts',                                 atLeast('editor'),            async (w) => ({ params: onExperiment(w), body: { path: `matrix/${randomUUID()}.txt`, size: ARTIFACT_BYTES.length, sha256: ARTIFACT_SHA256 } }), CREATED),
	entry('GET /api/experiments/:id/artifacts/:artifactId (a stored one)',       atLeast('viewer'),            async (w) => ({ params: { ...onExperiment(w), artifactId: await freshArtifact(w) } })),
	entry('DELETE /api/experiments/:id/artifacts/:artifactId (a stored one)',    atLeast('editor'),            async (w) => ({ params: { ...onExperiment(w), artifactId: await freshArtifact(w) } })),
	entry('POST /api/experiments/:id/artifacts/:artifactId/complete (uploaded)', atLeast('editor'),            async (w) => ({ params: { ...onExperiment(w), artifactId: await freshUploaded(w) } })),
	entry('GET /api/experiments/:id/artifacts/:artifactId/download (a stored one)', atLeast('viewer'),         async (w) => ({ params: { ...onExperiment(w), artifactId: await freshArtifact(w) } })),
	entry('PUT /api/artifact-uploads/:token (a fresh upload URL)',               PUBLIC,                       async (w) => ({ params: { token: (await freshUpload(w)).token }, body: 'x' })),
	entry('GET /api/artifact-downloads/:token (a fresh download URL)',           PUBLIC,                       async (w) => ({ params: { token: await freshDownloadToken(w) } }), { bytes: true })
];

/** The status the table decides for one cell. */
function expectedStatus(c: Case, actorName: Actor): number {
	const success = c.success ?? 200;
	const actor = ACTOR[actorName];
	const decided = ((): number => {
		const access = c.access;
		if (access.kind === 'public') return success;
		if (actor.credential === 'none' || actor.credential === 'invalid') return 401;
		switch (access.kind) {
			case 'credential':
				return actor.scope && access.scopedKeys === 'forbidden' ? 403 : success;
			case 'session':
				if (actor.credential === 'key') return 403;
				return access.target === 'not yours' ? 404 : success;
			case 'role':
				if (access.sessionOnly && actor.credential === 'key') return 403;
				if (!actor.role) return 404;
				if (actor.scope === 'elsewhere') return 403;
				return RANK[actor.role] >= RANK[access.min] ? success : 403;
		}
	})();
	return c.except?.[actorName] ?? decided;
}

/** For `reveals` rows: the callers that may read the workspace see its items. */
const seesWorkspace = (actor: ActorSpec) =>
	Boolean(actor.role) && (actor.credential === 'session' || actor.scope === 'here');

const caseName = (c: Case) => (c.variant ? `${c.route} (${c.variant})` : c.route);

function pathFor(route: string, params: Record<string, string> = {}): string {
	const pattern = route.slice(route.indexOf(' ') + 1);
	// A `*` route takes its rest of the path as it is (MLflow's artifact paths have slashes).
	const rest = pattern.endsWith('/*') && '0' in params ? `${pattern.slice(0, -1)}${params['0']}` : pattern;
	return rest.replace(/:(\w+)/g, (_, name: string) => {
		if (!(name in params)) throw new Error(`${route}: no value for :${name}`);
		return encodeURIComponent(params[name]);
	});
}

/** Runs one cell: a description of the mismatch, or undefined when it is as the table says. */
async function runCell(c: Case, actorName: Actor, w: World): Promise<string | undefined> {
	const expected = expectedStatus(c, actorName);
	const actor = ACTOR[actorName];
	const where = `${caseName(c)} — ${actorName}`;
	let call: Call;
	try {
		call = await c.request(w, actor);
	} catch (error) {
		return `${where}: could not build the call: ${(error as Error).message}`;
	}
	const method = c.route.slice(0, c.route.indexOf(' '));
	const path = pathFor(c.route, call.params) + (call.query ? `?${call.query}` : '');
	const response = await apiResponse(method, path, { ...w.credentials[actorName], body: call.body });
	const text = await response.text();
	const isJson = (response.headers.get('content-type') ?? '').includes('json');
	let body: { status?: number; data?: unknown; error?: unknown } | undefined;
	try {
		body = isJson && text ? JSON.parse(text) : undefined;
	} catch {
		body = undefined;
	}
	const got = `${response.status} ${isJson ? text.slice(0, 300) : `(${response.headers.get('content-type')})`}`;
	if (response.status !== expected) return `${where}: expected ${expected}, got ${got}`;
	if (c.route.includes(' /api/2.0/')) {
		const violation = mlflowContractViolation(response.status, text);
		return violation && `${where}: ${violation}`;
	}
	if (expected >= 300) {
		try {
			expectEnvelope(
				{ status: response.status, body, headers: response.headers } as ApiResult,
				expected,
				CODE_FOR_STATUS[expected]
			);
		} catch (error) {
			return `${where}: ${(error as Error).message}`;
		}
		return undefined;
	}
	if (c.bytes) return undefined;
	if (c.route.endsWith('.csv')) {
		const csv =
			(response.headers.get('content-type') ?? '').startsWith('text/csv') && text.includes('train/loss');
		return csv ? undefined : `${where}: expected a CSV with train/loss, got ${got}`;
	}
	if (body?.status !== expected || body.data === undefined) {
		return `${where}: expected the {status: ${expected}, data} envelope, got ${got}`;
	}
	if (c.reveals && c.reveals(body.data, w) !== seesWorkspace(actor)) {
		return `${where}: expected the workspace's items to be ${seesWorkspace(actor) ? 'shown' : 'left out'}, got ${got}`;
	}
	return undefined;
}

/** The generated expectations as a grid, the form reviewers read; `+`/`-`: `reveals` rows. */
function renderGrid(): string {
	const labels = ACTORS.map((a) => a.replace('Workspace', ''));
	const width = Math.max(...CASES.map((c) => caseName(c).length));
	const header = `${''.padEnd(width)} ${labels.map((l) => l.padStart(Math.max(l.length, 4))).join(' ')}`;
	const lines = CASES.map((c) => {
		const cells = ACTORS.map((a, i) => {
			const status = expectedStatus(c, a);
			const mark = c.reveals && status < 300 ? (seesWorkspace(ACTOR[a]) ? '+' : '-') : '';
			return `${status}${mark}`.padStart(Math.max(labels[i].length, 4));
		});
		return `${caseName(c).padEnd(width)} ${cells.join(' ')}`.trimEnd();
	});
	return [header.trimEnd(), ...lines].join('\n');
}

const routes = await loadRoutes(functionsDir);
const ROUTE_KEYS = routes.flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)).sort();

/** An HS256 token exactly as local mode mints it, for the owner, with the given expiry. */
async function ownerToken(owner: User, expiresAt: number): Promise<string> {
	return new SignJWT({ email: owner.email, role: 'authenticated' })
		.setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
		.setSubject(owner.userId)
		.setIssuer('tora-local')
		.setAudience('authenticated')
		.setIssuedAt(expiresAt - 3600)
		.setExpirationTime(expiresAt)
		.sign(localJwtSecret());
}

/**
 * A key created through the API with a day to live, whose expiry has since passed (written into
 * the database, as a day going by would leave it). Never used, so no process holds it verified.
 */
async function keyThatExpired(owner: User): Promise<string> {
	const expiresAt = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
	const created = await expectOk(
		api('POST', '/api/api-keys', { token: owner.token, body: { name: 'expiring', expiresAt } }),
		201,
		'expiring key'
	);
	if (created.body.data.expires_at === null) throw new Error('the expiring key has no expiry');
	await getDb()
		.updateTable('api_keys')
		.set({ expires_at: new Date(Date.now() - 60_000) })
		.where('id', '=', created.body.data.id)
		.execute();
	return created.body.data.key;
}

async function expectOk<T>(result: Promise<ApiResult<T>>, status: number, what: string) {
	const done = await result;
	if (done.status !== status)
		throw new Error(`${what}: expected ${status}, got ${JSON.stringify(done.body)}`);
	return done;
}

async function buildWorld(): Promise<World> {
	const owner = await signIn(randomEmail('owner'));
	const workspaceId = await createWorkspace(owner.token, 'Authorization matrix');
	const [admin, editor, viewer, nonMember, host] = await Promise.all([
		addMember(owner.token, workspaceId, 'admin'),
		addMember(owner.token, workspaceId, 'editor'),
		addMember(owner.token, workspaceId, 'viewer'),
		signIn(randomEmail('outsider')),
		signIn(randomEmail('host'))
	]);
	const users: Record<Person, User> = { owner, admin, editor, viewer, nonMember };
	const personalWorkspaceId = (await api('GET', '/api/me', { token: owner.token })).body.data
		.personalWorkspaceId;

	// Broken credentials, each shown to have been good (or to be well formed) first.
	const revoked = await createKey(owner.token);
	await expectOk(api('GET', '/api/me', { apiKey: revoked.key }), 200, 'the key before revocation');
	await expectOk(api('DELETE', `/api/api-keys/${revoked.id}`, { token: owner.token }), 200, 'revoke');
	const expiredKey = await keyThatExpired(owner);
	const now = Math.floor(Date.now() / 1000);
	await expectOk(api('GET', '/api/me', { token: await ownerToken(owner, now + 600) }), 200, 'a live token');
	const expiredJwt = await ownerToken(owner, now - 3600);
	const badKey = generateApiKey().key;
	if (!/^tora_sk_[0-9A-Za-z]{43}$/.test(badKey)) throw new Error(`bad key is not key-shaped: ${badKey}`);

	const [otherWorkspaceKey, viewerKey, editorKey, adminKey, ownerKey] = await Promise.all([
		createKey(owner.token, personalWorkspaceId),
		createKey(viewer.token, workspaceId),
		createKey(editor.token, workspaceId),
		createKey(admin.token, workspaceId),
		createKey(owner.token, workspaceId)
	]);

	const created = await expectOk(
		api('POST', '/api/experiments', {
			token: editor.token,
			body: { name: 'matrix run', workspaceId, hyperparams: [{ key: 'lr', value: 0.001 }], tags: ['matrix'] }
		}),
		201,
		'experiment'
	);
	const experimentId = created.body.data.id;
	const base = await expectOk(
		api('POST', '/api/experiments', { token: editor.token, body: { name: 'base run', workspaceId } }),
		201,
		'base experiment'
	);
	const baseId = base.body.data.id;
	const [shared, revokedShare] = await Promise.all(
		[0, 1].map((n) =>
			expectOk(
				api('POST', '/api/share-links', { token: editor.token, body: { experimentId } }),
				201,
				`share link ${n}`
			)
		)
	);
	await expectOk(
		api('DELETE', `/api/share-links/${revokedShare.body.data.id}`, { token: editor.token }),
		200,
		'revoke share link'
	);
	await expectOk(
		api('POST', `/api/experiments/${experimentId}/logs/batch`, {
			token: editor.token,
			body: {
				logs: [
					logEntry('train/loss', 2.5, 0),
					logEntry('train/loss', 1.2, 1),
					logEntry('train/loss', 0.7, 2),
					logEntry('test_accuracy', 0.91, null, 'result')
				]
			}
		}),
		201,
		'log points'
	);
	await expectOk(
		api('POST', `/api/experiments/${experimentId}/references`, {
			token: editor.token,
			body: { referencedId: baseId }
		}),
		201,
		'reference'
	);

	return {
		workspaceId,
		personalWorkspaceId,
		users,
		host,
		experimentId,
		baseId,
		shareToken: shared.body.data.token,
		revokedShareToken: revokedShare.body.data.token,
		credentials: {
			anonymous: {},
			badKey: { apiKey: badKey },
			revokedKey: { apiKey: revoked.key },
			expiredKey: { apiKey: expiredKey },
			expiredJwt: { token: expiredJwt },
			otherWorkspaceKey: { apiKey: otherWorkspaceKey.key },
			nonMember: { token: nonMember.token },
			viewer: { token: viewer.token },
			editor: { token: editor.token },
			admin: { token: admin.token },
			owner: { token: owner.token },
			viewerKey: { apiKey: viewerKey.key },
			editorKey: { apiKey: editorKey.key },
			adminKey: { apiKey: adminKey.key },
			ownerKey: { apiKey: ownerKey.key },
			shareToken: { token: shared.body.data.token }
		}
	};
}

let world: World;
beforeAll(async () => {
	world = await buildWorld();
});

describe(`authorization: ${ROUTE_KEYS.length} routes × ${ACTORS.length} actors (${CASES.length * ACTORS.length} cells)`, () => {
	it('decides every route the server knows, and no route it does not', () => {
		const decided = new Set(CASES.map((c) => c.route));
		expect({
			undecided: ROUTE_KEYS.filter((key) => !decided.has(key)),
			stale: [...decided].filter((key) => !ROUTE_KEYS.includes(key))
		}).toEqual({ undecided: [], stale: [] });
	});

	it('generates exactly these expectations', () => {
		expect(renderGrid()).toMatchInlineSnapshot(`
			"                                                                               anonymous badKey revokedKey expiredKey expiredJwt otherKey nonMember viewer editor admin owner viewerKey editorKey adminKey ownerKey shareToken
			GET /api/health                                                                      200    200        200        200        200      200       200    200    200   200   200       200       200      200      200        200
			GET /api/config                                                                      200    200        200        200        200      200       200    200    200   200   200       200       200      200      200        200
			POST /api/auth/local                                                                 200    200        200        200        200      200       200    200    200   200   200       200       200      200      200        200
			GET /api/me                                                                          401    401        401        401        401      200       200    200    200   200   200       200       200      200      200        401
			GET /api/workspaces                                                                  401    401        401        401        401     200-      200-   200+   200+  200+  200+      200+      200+     200+     200+        401
			POST /api/workspaces                                                                 401    401        401        401        401      403       201    201    201   201   201       403       403      403      403        401
			POST /api/experiments/batch                                                          401    401        401        401        401     200-      200-   200+   200+  200+  200+      200+      200+     200+     200+        401
			POST /api/series                                                                     401    401        401        401        401     200-      200-   200+   200+  200+  200+      200+      200+     200+     200+        401
			POST /api/analysis/importance (runs by id)                                           401    401        401        401        401     200-      200-   200+   200+  200+  200+      200+      200+     200+     200+        401
			GET /api/api-keys                                                                    401    401        401        401        401      403       200    200    200   200   200       403       403      403      403        401
			POST /api/api-keys (unscoped)                                                        401    401        401        401        401      403       201    201    201   201   201       403       403      403      403        401
			POST /api/api-keys (scoped to the workspace)                                         401    401        401        401        401      403       404    201    201   201   201       403       403      403      403        401
			DELETE /api/api-keys/:id (own key)                                                   401    401        401        401        401      403       200    200    200   200   200       403       403      403      403        401
			DELETE /api/api-keys/:id (someone else’s key)                                        401    401        401        401        401      403       404    404    404   404   404       403       403      403      403        401
			GET /api/invitations                                                                 401    401        401        401        401      403       200    200    200   200   200       403       403      403      403        401
			POST /api/invitations/:id/accept (addressed to the caller)                           401    401        401        401        401      403       200    200    200   200   200       403       403      403      403        401
			POST /api/invitations/:id/accept (addressed to someone else)                         401    401        401        401        401      403       404    404    404   404   404       403       403      403      403        401
			POST /api/invitations/:id/decline (addressed to the caller)                          401    401        401        401        401      403       200    200    200   200   200       403       403      403      403        401
			POST /api/invitations/:id/decline (addressed to someone else)                        401    401        401        401        401      403       404    404    404   404   404       403       403      403      403        401
			GET /api/workspaces/:id                                                              401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			PATCH /api/workspaces/:id                                                            401    401        401        401        401      403       404    403    403   200   200       403       403      200      200        401
			DELETE /api/workspaces/:id (a clone)                                                 401    401        401        401        401      403       404    403    403   403   200       403       403      403      403        401
			POST /api/workspaces/:id/leave (a clone)                                             401    401        401        401        401      403       404    200    200   200   409       403       403      403      403        401
			POST /api/workspaces/:id/transfer (a clone, to its admin)                            401    401        401        401        401      403       404    403    403   403   200       403       403      403      403        401
			GET /api/workspaces/:id/members                                                      401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			PATCH /api/workspaces/:id/members/:userId (a viewer → editor)                        401    401        401        401        401      403       404    403    403   200   200       403       403      403      403        401
			PATCH /api/workspaces/:id/members/:userId (a viewer → admin)                         401    401        401        401        401      403       404    403    403   403   200       403       403      403      403        401
			PATCH /api/workspaces/:id/members/:userId (an admin → editor)                        401    401        401        401        401      403       404    403    403   403   200       403       403      403      403        401
			DELETE /api/workspaces/:id/members/:userId (an editor)                               401    401        401        401        401      403       404    403    403   200   200       403       403      403      403        401
			DELETE /api/workspaces/:id/members/:userId (an admin)                                401    401        401        401        401      403       404    403    403   403   200       403       403      403      403        401
			GET /api/workspaces/:id/invitations                                                  401    401        401        401        401      403       404    403    403   200   200       403       403      200      200        401
			POST /api/workspaces/:id/invitations (as viewer)                                     401    401        401        401        401      403       404    403    403   201   201       403       403      403      403        401
			POST /api/workspaces/:id/invitations (as admin)                                      401    401        401        401        401      403       404    403    403   403   201       403       403      403      403        401
			DELETE /api/workspaces/:id/invitations/:invitationId (to viewer)                     401    401        401        401        401      403       404    403    403   200   200       403       403      403      403        401
			DELETE /api/workspaces/:id/invitations/:invitationId (to admin)                      401    401        401        401        401      403       404    403    403   403   200       403       403      403      403        401
			GET /api/workspaces/:id/experiments                                                  401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			POST /api/workspaces/:id/experiments/bulk (tags a fresh run)                         401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			GET /api/workspaces/:id/keys                                                         401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			GET /api/workspaces/:id/views                                                        401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			POST /api/workspaces/:id/views                                                       401    401        401        401        401      403       404    403    201   201   201       403       201      201      201        401
			PATCH /api/workspaces/:id/views/:viewId (a fresh view)                               401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			DELETE /api/workspaces/:id/views/:viewId (a fresh view)                              401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			GET /api/share-links                                                                 401    401        401        401        401      403       404    200    200   200   200       403       403      403      403        401
			POST /api/share-links (a run)                                                        401    401        401        401        401      403       404    403    201   201   201       403       403      403      403        401
			DELETE /api/share-links/:id (a fresh link)                                           401    401        401        401        401      403       404    403    200   200   200       403       403      403      403        401
			PUT /api/workspaces/:id/sharing                                                      401    401        401        401        401      403       404    403    403   200   200       403       403      403      403        401
			GET /api/workspaces/:id/projects                                                     401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			POST /api/workspaces/:id/projects                                                    401    401        401        401        401      403       404    403    201   201   201       403       201      201      201        401
			GET /api/workspaces/:id/projects/:projectId (a fresh project)                        401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			PATCH /api/workspaces/:id/projects/:projectId (a fresh project)                      401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			DELETE /api/workspaces/:id/projects/:projectId (a fresh project)                     401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			POST /api/analysis/importance (a workspace’s runs)                                   401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			GET /api/shared/:token (a live link)                                                 200    200        200        200        200      200       200    200    200   200   200       200       200      200      200        200
			GET /api/shared/:token (a revoked link)                                              404    404        404        404        404      404       404    404    404   404   404       404       404      404      404        404
			POST /api/shared/:token/series (a live link)                                         200    200        200        200        200      200       200    200    200   200   200       200       200      200      200        200
			POST /api/shared/:token/series (a revoked link)                                      404    404        404        404        404      404       404    404    404   404   404       404       404      404      404        404
			POST /api/experiments                                                                401    401        401        401        401      403       404    403    201   201   201       403       201      201      201        401
			GET /api/experiments/:id                                                             401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			PATCH /api/experiments/:id                                                           401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			DELETE /api/experiments/:id (a fresh one)                                            401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			POST /api/experiments/:id/logs                                                       401    401        401        401        401      403       404    403    201   201   201       403       201      201      201        401
			POST /api/experiments/:id/logs/batch                                                 401    401        401        401        401      403       404    403    201   201   201       403       201      201      201        401
			POST /api/experiments/:id/heartbeat                                                  401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			GET /api/experiments/:id/metrics                                                     401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			GET /api/experiments/:id/results                                                     401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			GET /api/experiments/:id/export.csv                                                  401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			GET /api/experiments/:id/references                                                  401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			POST /api/experiments/:id/references (to a fresh one)                                401    401        401        401        401      403       404    403    201   201   201       403       201      201      201        401
			DELETE /api/experiments/:id/references/:referencedId (a fresh link)                  401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			GET /api/experiments/:id/context (a fresh one)                                       401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			PUT /api/experiments/:id/context                                                     401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			GET /api/experiments/:id/console                                                     401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			POST /api/experiments/:id/console                                                    401    401        401        401        401      403       404    403    201   201   201       403       201      201      201        401
			GET /api/2.0/mlflow/runs/:action (get)                                               401    401        401        401        401      404       404    200    200   200   200       200       200      200      200        401
			POST /api/2.0/mlflow/runs/:action (log-batch)                                        401    401        401        401        401      404       404    403    200   200   200       403       200      200      200        401
			GET /api/2.0/mlflow/experiments/:action (get, a fresh project)                       401    401        401        401        401      404       404    200    200   200   200       200       200      200      200        401
			POST /api/2.0/mlflow/experiments/:action (set-experiment-tag, a fresh project)       401    401        401        401        401      404       404    403    200   200   200       403       200      200      200        401
			GET /api/2.0/mlflow/metrics/:action (get-history)                                    401    401        401        401        401      404       404    200    200   200   200       200       200      200      200        401
			POST /api/2.0/mlflow/metrics/:action (no such POST)                                  401    401        401        401        401      405       405    405    405   405   405       405       405      405      405        401
			GET /api/2.0/mlflow-artifacts/* (list a run's files)                                 401    401        401        401        401      404       404    200    200   200   200       200       200      200      200        401
			PUT /api/2.0/mlflow-artifacts/* (a file of the run)                                  401    401        401        401        401      404       404    403    200   200   200       403       200      200      200        401
			POST /api/2.0/mlflow-artifacts/*                                                     401    401        401        401        401      404       404    404    404   404   404       404       404      404      404        401
			DELETE /api/2.0/mlflow-artifacts/* (a file of the run)                               401    401        401        401        401      404       404    403    200   200   200       403       200      200      200        401
			GET /api/experiments/:id/artifacts                                                   401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			POST /api/experiments/:id/artifacts                                                  401    401        401        401        401      403       404    403    201   201   201       403       201      201      201        401
			GET /api/experiments/:id/artifacts/:artifactId (a stored one)                        401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			DELETE /api/experiments/:id/artifacts/:artifactId (a stored one)                     401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			POST /api/experiments/:id/artifacts/:artifactId/complete (uploaded)                  401    401        401        401        401      403       404    403    200   200   200       403       200      200      200        401
			GET /api/experiments/:id/artifacts/:artifactId/download (a stored one)               401    401        401        401        401      403       404    200    200   200   200       200       200      200      200        401
			PUT /api/artifact-uploads/:token (a fresh upload URL)                                200    200        200        200        200      200       200    200    200   200   200       200       200      200      200        200
			GET /api/artifact-downloads/:token (a fresh download URL)                            200    200        200        200        200      200       200    200    200   200   200       200       200      200      200        200"
		`);
	});

	for (const c of CASES) {
		it(caseName(c), async () => {
			const mismatches = await Promise.all(ACTORS.map((actor) => runCell(c, actor, world)));
			expect(mismatches.filter(Boolean)).toEqual([]);
		});
	}

	it('left the workspace, its members and its experiment intact', async () => {
		const w = world;
		const members = await api('GET', `/api/workspaces/${w.workspaceId}/members`, {
			token: w.users.viewer.token
		});
		const roles = Object.fromEntries(
			members.body.data.map((m: { user_id: string; role: string }) => [m.user_id, m.role])
		);
		for (const r of ['owner', 'admin', 'editor', 'viewer'] as const) expect(roles[w.users[r].userId]).toBe(r);
		const experiment = await api('GET', `/api/experiments/${w.experimentId}`, {
			token: w.users.viewer.token
		});
		expect(experiment.status).toBe(200);
		expect(experiment.body.data.results.map((r: { name: string }) => r.name)).toContain('test_accuracy');
		const references = await api('GET', `/api/experiments/${w.experimentId}/references`, {
			token: w.users.viewer.token
		});
		expect(references.body.data.outgoing.map((e: { id: string }) => e.id)).toContain(w.baseId);
	});
});
