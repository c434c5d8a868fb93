/**
 * Share links and the workspace's sharing switch. A link is found by the SHA-256 of its token
 * (an index lookup on `token_hash`): the token itself is never stored or compared, so there is
 * no comparison whose timing could leak it. Row → API mapping is `toShareLink()`.
 */
import { sql } from 'kysely';
import type { ShareLink, ShareTarget } from '../contracts/share-links.ts';
import { MAX_LISTED_SHARE_LINKS } from '../contracts/share-links.ts';
import type { Db } from '../db.ts';

export interface NewShareLink {
	workspaceId: string;
	tokenHash: Buffer;
	experimentId?: string;
	experimentIds?: string[];
	viewId?: string;
	anonymous: boolean;
	expiresAt: Date | null;
	createdBy: string;
}

interface LinkRow {
	id: string;
	workspace_id: string;
	experiment_id: string | null;
	experiment_ids: string[] | null;
	view_id: string | null;
	anonymous: boolean;
	expires_at: Date | null;
	revoked_at: Date | null;
	created_by: string | null;
	created_at: Date;
	view_count: number;
	last_viewed_at: Date | null;
}

const LINK_COLUMNS = [
	'l.id',
	'l.workspace_id',
	'l.experiment_id',
	'l.experiment_ids',
	'l.view_id',
	'l.anonymous',
	'l.expires_at',
	'l.revoked_at',
	'l.created_by',
	'l.created_at',
	'l.view_count',
	'l.last_viewed_at'
] as const;

export const targetOf = (row: Pick<LinkRow, 'experiment_id' | 'experiment_ids'>): ShareTarget =>
	row.experiment_id !== null ? 'experiment' : row.experiment_ids !== null ? 'experiments' : 'view';

function toShareLink(
	row: LinkRow & { created_by_email: string | null; target_label: string | null },
	now = Date.now()
): ShareLink {
	const state =
		row.revoked_at !== null
			? 'revoked'
			: row.expires_at !== null && row.expires_at.getTime() <= now
				? 'expired'
				: 'active';
	return {
		id: row.id,
		workspace_id: row.workspace_id,
		target: targetOf(row),
		experiment_id: row.experiment_id,
		experiment_ids: row.experiment_ids,
		view_id: row.view_id,
		target_label: row.target_label,
		anonymous: row.anonymous,
		expires_at: row.expires_at?.toISOString() ?? null,
		revoked_at: row.revoked_at?.toISOString() ?? null,
		created_by: row.created_by,
		created_by_email: row.created_by_email,
		created_at: row.created_at.toISOString(),
		view_count: row.view_count,
		last_viewed_at: row.last_viewed_at?.toISOString() ?? null,
		state
	};
}

/** Links with what the list shows beside them: the creator's email and the target's name. */
function linksWithLabels(db: Db) {
	return db
		.selectFrom('share_links as l')
		.leftJoin('profiles as p', 'p.id', 'l.created_by')
		.select(LINK_COLUMNS)
		.select('p.email as created_by_email')
		.select((eb) =>
			eb
				.case()
				.when('l.experiment_id', 'is not', null)
				.then(eb.selectFrom('experiments as e').select('e.name').whereRef('e.id', '=', 'l.experiment_id'))
				.when('l.view_id', 'is not', null)
				.then(eb.selectFrom('saved_views as v').select('v.name').whereRef('v.id', '=', 'l.view_id'))
				.else(sql<string>`cardinality(l.experiment_ids) || ' runs'`)
				.end()
				.as('target_label')
		);
}

/** The workspaces of the experiments that exist among `ids` (one row per experiment found). */
export async function experimentWorkspaces(
	db: Db,
	ids: string[]
): Promise<{ id: string; workspace_id: string }[]> {
	return db.selectFrom('experiments').select(['id', 'workspace_id']).where('id', 'in', ids).execute();
}

export async function viewWorkspace(db: Db, viewId: string): Promise<string | undefined> {
	const row = await db
		.selectFrom('saved_views')
		.select('workspace_id')
		.where('id', '=', viewId)
		.executeTakeFirst();
	return row?.workspace_id;
}

export async function createShareLink(db: Db, link: NewShareLink): Promise<ShareLink> {
	const { id } = await db
		.insertInto('share_links')
		.values({
			workspace_id: link.workspaceId,
			token_hash: link.tokenHash,
			experiment_id: link.experimentId ?? null,
			experiment_ids: link.experimentIds ?? null,
			view_id: link.viewId ?? null,
			anonymous: link.anonymous,
			expires_at: link.expiresAt,
			created_by: link.createdBy
		})
		.returning('id')
		.executeTakeFirstOrThrow();
	const created = await findShareLink(db, id);
	if (!created) throw new Error('a share link vanished right after it was created');
	return created;
}

export async function findShareLink(db: Db, id: string): Promise<ShareLink | undefined> {
	const row = await linksWithLabels(db).where('l.id', '=', id).executeTakeFirst();
	return row && toShareLink(row);
}

/** A workspace's links, newest first, at most MAX_LISTED_SHARE_LINKS. */
export async function listShareLinks(db: Db, workspaceId: string): Promise<ShareLink[]> {
	const rows = await linksWithLabels(db)
		.where('l.workspace_id', '=', workspaceId)
		.orderBy('l.created_at', 'desc')
		.orderBy('l.id', 'desc')
		.limit(MAX_LISTED_SHARE_LINKS)
		.execute();
	const now = Date.now();
	return rows.map((row) => toShareLink(row, now));
}

/** Revokes a link (once: revoking again keeps the first time); undefined when there is none. */
export async function revokeShareLink(db: Db, id: string): Promise<ShareLink | undefined> {
	await db
		.updateTable('share_links')
		.set({ revoked_at: sql`coalesce(revoked_at, now())` })
		.where('id', '=', id)
		.execute();
	return findShareLink(db, id);
}

export async function sharingEnabled(db: Db, workspaceId: string): Promise<boolean | undefined> {
	const row = await db
		.selectFrom('workspaces')
		.select('sharing_enabled')
		.where('id', '=', workspaceId)
		.executeTakeFirst();
	return row?.sharing_enabled;
}

export async function setSharing(db: Db, workspaceId: string, enabled: boolean): Promise<boolean> {
	const row = await db
		.updateTable('workspaces')
		.set({ sharing_enabled: enabled })
		.where('id', '=', workspaceId)
		.returning('id')
		.executeTakeFirst();
	return row !== undefined;
}

/** A link that answers: not revoked, not expired, its workspace sharing. */
export interface LiveLink {
	id: string;
	workspaceId: string;
	workspaceName: string;
	target: ShareTarget;
	experimentId: string | null;
	experimentIds: string[] | null;
	viewId: string | null;
	anonymous: boolean;
	expiresAt: Date | null;
	creatorEmail: string | null;
}

/**
 * The live link with this token hash, or undefined for every other case alike (unknown,
 * revoked, expired, sharing turned off): the caller answers all of them with the same 404.
 */
export async function findLiveLink(db: Db, tokenHash: Buffer): Promise<LiveLink | undefined> {
	const row = await db
		.selectFrom('share_links as l')
		.innerJoin('workspaces as w', 'w.id', 'l.workspace_id')
		.leftJoin('profiles as p', 'p.id', 'l.created_by')
		.select(LINK_COLUMNS)
		.select(['w.name as workspace_name', 'p.email as creator_email'])
		.where('l.token_hash', '=', tokenHash)
		.where('l.revoked_at', 'is', null)
		.where((eb) => eb.or([eb('l.expires_at', 'is', null), eb('l.expires_at', '>', sql<Date>`now()`)]))
		.where('w.sharing_enabled', '=', true)
		.executeTakeFirst();
	if (!row) return undefined;
	return {
		id: row.id,
		workspaceId: row.workspace_id,
		workspaceName: row.workspace_name,
		target: targetOf(row),
		experimentId: row.experiment_id,
		experimentIds: row.experiment_ids,
		viewId: row.view_id,
		anonymous: row.anonymous,
		expiresAt: row.expires_at,
		creatorEmail: row.creator_email
	};
}

export async function recordLinkView(db: Db, id: string): Promise<void> {
	await db
		.updateTable('share_links')
		.set({ view_count: sql`view_count + 1`, last_viewed_at: sql`now()` })
		.where('id', '=', id)
		.execute();
}

/**
 * A member of the link's workspace to read its runs as (an owner: a workspace always keeps one).
 * The series reader checks visibility by membership; the shared set was cut down beforehand.
 */
export async function workspaceReader(db: Db, workspaceId: string): Promise<string | undefined> {
	const row = await db
		.selectFrom('workspace_members')
		.select('user_id')
		.where('workspace_id', '=', workspaceId)
		.where('role', '=', 'owner')
		.orderBy('user_id')
		.limit(1)
		.executeTakeFirst();
	return row?.user_id;
}

export async function findView(
	db: Db,
	viewId: string
): Promise<{ name: string; state: Record<string, unknown> } | undefined> {
	const row = await db
		.selectFrom('saved_views')
		.select(['name', 'state'])
		.where('id', '=', viewId)
		.executeTakeFirst();
	return row && { name: row.name, state: row.state as Record<string, unknown> };
}
