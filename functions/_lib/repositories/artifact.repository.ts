/**
 * The artifact catalogue: one row per stored file of a run, 'pending' from the upload request
 * until completion has checked the object in storage, then 'complete' (only those are listed or
 * downloaded). Re-uploading the same bytes to the same path is a no-op; different bytes at a path
 * that holds a complete artifact are a conflict unless the request says `overwrite`, in which case
 * completing it replaces the old row (and its object) in one transaction. Deleting a row, directly
 * or by cascade with its run or workspace, queues its object in `artifact_orphans` (a trigger);
 * `removeOrphanedObjects()` empties that queue into storage.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import type { Artifact } from '../contracts/artifacts.ts';
import type { Db } from '../db.ts';
import type { ArtifactsTable } from '../db-types.ts';
import { objectKey, type ArtifactStorage, type Verification } from '../storage/storage.ts';

type ArtifactRow = Selectable<ArtifactsTable>;

export function toArtifact(row: ArtifactRow): Artifact {
	return {
		id: row.id,
		experiment_id: row.experiment_id,
		path: row.path,
		size: Number(row.size),
		sha256: row.sha256,
		content_type: row.content_type,
		state: row.state,
		created_by: row.created_by,
		created_at: row.created_at.toISOString(),
		completed_at: row.completed_at?.toISOString() ?? null,
		step: row.step === null ? null : Number(row.step),
		media_key: row.media_key
	};
}

export interface UploadRequestInput {
	workspaceId: string;
	experimentId: string;
	createdBy: string;
	path: string;
	size: number;
	sha256: string;
	contentType: string;
	overwrite: boolean;
	step: number | null;
	mediaKey: string | null;
	maxBytes: number;
	quotaBytes: number;
	tokenHash: string;
	expiresAt: Date;
}

export type UploadRequestOutcome =
	| { kind: 'stored'; artifact: ArtifactRow }
	| { kind: 'pending'; artifact: ArtifactRow }
	| { kind: 'conflict'; existing: ArtifactRow }
	| { kind: 'too-large'; limit: number }
	| { kind: 'over-quota'; used: number; quota: number };

/** Bytes of the workspace's complete artifacts. */
export async function workspaceUsage(db: Db, workspaceId: string): Promise<number> {
	const row = await db
		.selectFrom('artifacts')
		.select(sql<string>`coalesce(sum(size), 0)`.as('bytes'))
		.where('workspace_id', '=', workspaceId)
		.where('state', '=', 'complete')
		.executeTakeFirstOrThrow();
	return Number(row.bytes);
}

async function completeAt(db: Db, experimentId: string, path: string): Promise<ArtifactRow | undefined> {
	return db
		.selectFrom('artifacts')
		.selectAll()
		.where('experiment_id', '=', experimentId)
		.where('path', '=', path)
		.where('state', '=', 'complete')
		.executeTakeFirst();
}

/**
 * Asks to upload a file: the stored artifact when the same bytes are already at that path, a
 * refusal (conflict, limit, quota), or a new pending row carrying the upload token's hash. Earlier
 * pending rows of the same path (an upload cut off, a retried request) are dropped, so an
 * interrupted upload restarts cleanly from a new request.
 */
export async function requestUpload(db: Db, input: UploadRequestInput): Promise<UploadRequestOutcome> {
	if (input.size > input.maxBytes) return { kind: 'too-large', limit: input.maxBytes };
	const existing = await completeAt(db, input.experimentId, input.path);
	if (existing && existing.sha256 === input.sha256 && Number(existing.size) === input.size) {
		return { kind: 'stored', artifact: existing };
	}
	if (existing && !input.overwrite) return { kind: 'conflict', existing };
	const used = await workspaceUsage(db, input.workspaceId);
	const freed = existing ? Number(existing.size) : 0;
	if (used - freed + input.size > input.quotaBytes) {
		return { kind: 'over-quota', used, quota: input.quotaBytes };
	}
	const id = randomUUID();
	const artifact = await db.transaction().execute(async (tx) => {
		await tx
			.deleteFrom('artifacts')
			.where('experiment_id', '=', input.experimentId)
			.where('path', '=', input.path)
			.where('state', '=', 'pending')
			.execute();
		return tx
			.insertInto('artifacts')
			.values({
				id,
				workspace_id: input.workspaceId,
				experiment_id: input.experimentId,
				path: input.path,
				size: input.size,
				sha256: input.sha256,
				content_type: input.contentType,
				storage_key: objectKey(input.workspaceId, input.experimentId, id),
				created_by: input.createdBy,
				step: input.step,
				media_key: input.mediaKey,
				overwrite: input.overwrite,
				upload_token_hash: input.tokenHash,
				upload_expires_at: input.expiresAt
			})
			.returningAll()
			.executeTakeFirstOrThrow();
	});
	return { kind: 'pending', artifact };
}

/**
 * The pending artifact an upload token names, taking the token (single use: a second PUT with it,
 * or one after it expired, finds nothing).
 */
export async function takeUploadToken(db: Db, tokenHash: string): Promise<ArtifactRow | undefined> {
	return db
		.updateTable('artifacts')
		.set({ upload_token_hash: null })
		.where('upload_token_hash', '=', tokenHash)
		.where('state', '=', 'pending')
		.where('upload_expires_at', '>', new Date())
		.returningAll()
		.executeTakeFirst();
}

export async function findArtifact(
	db: Db,
	experimentId: string,
	artifactId: string
): Promise<ArtifactRow | undefined> {
	return db
		.selectFrom('artifacts')
		.selectAll()
		.where('id', '=', artifactId)
		.where('experiment_id', '=', experimentId)
		.executeTakeFirst();
}

export type CompletionOutcome =
	| { kind: 'complete'; artifact: ArtifactRow }
	| { kind: 'missing' }
	| { kind: 'rejected'; problem: Exclude<Verification, 'ok'> }
	| { kind: 'conflict'; existing: ArtifactRow }
	| { kind: 'over-quota'; used: number; quota: number };

/**
 * Completes a pending upload once storage holds exactly the declared bytes. The check reads the
 * object outside any transaction (a large file must not hold the database); then, in one
 * transaction, the row becomes complete and an artifact it overwrites is deleted. Bytes that do
 * not match delete the row, which queues the object for removal.
 */
export async function completeUpload(
	db: Db,
	storage: ArtifactStorage,
	experimentId: string,
	artifactId: string,
	quotaBytes: number
): Promise<CompletionOutcome> {
	const pending = await findArtifact(db, experimentId, artifactId);
	if (!pending) return { kind: 'missing' };
	if (pending.state === 'complete') return { kind: 'complete', artifact: pending };
	const verification = await storage.verify(pending.storage_key, {
		size: Number(pending.size),
		sha256: pending.sha256
	});
	if (verification !== 'ok') {
		await db.deleteFrom('artifacts').where('id', '=', artifactId).where('state', '=', 'pending').execute();
		return { kind: 'rejected', problem: verification };
	}
	return db.transaction().execute(async (tx): Promise<CompletionOutcome> => {
		// The run's row lock orders completions of the same run (two clients, one path).
		await tx.selectFrom('experiments').select('id').where('id', '=', experimentId).forUpdate().execute();
		const row = await tx.selectFrom('artifacts').selectAll().where('id', '=', artifactId).executeTakeFirst();
		if (!row) return { kind: 'missing' };
		if (row.state === 'complete') return { kind: 'complete', artifact: row };
		const existing = await tx
			.selectFrom('artifacts')
			.selectAll()
			.where('experiment_id', '=', experimentId)
			.where('path', '=', row.path)
			.where('state', '=', 'complete')
			.executeTakeFirst();
		if (existing && existing.sha256 === row.sha256 && Number(existing.size) === Number(row.size)) {
			await tx.deleteFrom('artifacts').where('id', '=', row.id).execute();
			return { kind: 'complete', artifact: existing };
		}
		if (existing && !row.overwrite) return { kind: 'conflict', existing };
		const usage = await tx
			.selectFrom('artifacts')
			.select(sql<string>`coalesce(sum(size), 0)`.as('bytes'))
			.where('workspace_id', '=', row.workspace_id)
			.where('state', '=', 'complete')
			.executeTakeFirstOrThrow();
		const used = Number(usage.bytes);
		if (used - (existing ? Number(existing.size) : 0) + Number(row.size) > quotaBytes) {
			await tx.deleteFrom('artifacts').where('id', '=', row.id).execute();
			return { kind: 'over-quota', used, quota: quotaBytes };
		}
		if (existing) await tx.deleteFrom('artifacts').where('id', '=', existing.id).execute();
		const artifact = await tx
			.updateTable('artifacts')
			.set({ state: 'complete', completed_at: new Date(), upload_token_hash: null, upload_expires_at: null })
			.where('id', '=', row.id)
			.returningAll()
			.executeTakeFirstOrThrow();
		return { kind: 'complete', artifact };
	});
}

/** Stores a complete artifact whose bytes are already in storage and checked (MLflow's PUT). */
export async function recordStoredArtifact(
	db: Db,
	input: Omit<UploadRequestInput, 'tokenHash' | 'expiresAt' | 'maxBytes' | 'quotaBytes' | 'overwrite'> & {
		id: string;
	}
): Promise<ArtifactRow> {
	return db.transaction().execute(async (tx) => {
		await tx
			.selectFrom('experiments')
			.select('id')
			.where('id', '=', input.experimentId)
			.forUpdate()
			.execute();
		// MLflow's PUT overwrites: the artifact at that path, if any, goes (and its object with it).
		await tx
			.deleteFrom('artifacts')
			.where('experiment_id', '=', input.experimentId)
			.where('path', '=', input.path)
			.execute();
		return tx
			.insertInto('artifacts')
			.values({
				id: input.id,
				workspace_id: input.workspaceId,
				experiment_id: input.experimentId,
				path: input.path,
				size: input.size,
				sha256: input.sha256,
				content_type: input.contentType,
				state: 'complete',
				completed_at: new Date(),
				storage_key: objectKey(input.workspaceId, input.experimentId, input.id),
				created_by: input.createdBy,
				step: input.step,
				media_key: input.mediaKey
			})
			.returningAll()
			.executeTakeFirstOrThrow();
	});
}

export interface ArtifactListOptions {
	limit: number;
	after?: string;
	prefix?: string;
	mediaKey?: string;
}

/** Complete artifacts by path (code-point order), one page and whether another follows. */
export async function listArtifacts(
	db: Db,
	experimentId: string,
	options: ArtifactListOptions
): Promise<{ rows: ArtifactRow[]; more: boolean }> {
	let query = db
		.selectFrom('artifacts')
		.selectAll()
		.where('experiment_id', '=', experimentId)
		.where('state', '=', 'complete');
	if (options.after !== undefined) query = query.where(sql<boolean>`path collate "C" > ${options.after}`);
	if (options.prefix !== undefined) {
		const like = `${options.prefix.replace(/[\\%_]/g, '\\$&')}/%`;
		query = query.where(sql<boolean>`path like ${like}`);
	}
	if (options.mediaKey !== undefined) query = query.where('media_key', '=', options.mediaKey);
	const rows = await query
		.orderBy(sql`path collate "C"`)
		.limit(options.limit + 1)
		.execute();
	return { rows: rows.slice(0, options.limit), more: rows.length > options.limit };
}

export async function completeArtifact(
	db: Db,
	experimentId: string,
	artifactId: string
): Promise<ArtifactRow | undefined> {
	const row = await findArtifact(db, experimentId, artifactId);
	return row?.state === 'complete' ? row : undefined;
}

export async function completeArtifactAt(
	db: Db,
	experimentId: string,
	path: string
): Promise<ArtifactRow | undefined> {
	return completeAt(db, experimentId, path);
}

/** Deletes the row (its object is queued for removal); false when there was none. */
export async function deleteArtifact(db: Db, experimentId: string, artifactId: string): Promise<boolean> {
	const deleted = await db
		.deleteFrom('artifacts')
		.where('id', '=', artifactId)
		.where('experiment_id', '=', experimentId)
		.returning('id')
		.executeTakeFirst();
	return deleted !== undefined;
}

/**
 * Removes from storage the objects whose rows are gone, in rounds of 1,000, and forgets them.
 * Runs after every delete; what a failure leaves stays queued for the next one.
 */
export async function removeOrphanedObjects(db: Db, storage: ArtifactStorage, rounds = 100): Promise<number> {
	let removed = 0;
	for (let round = 0; round < rounds; round++) {
		const keys = (
			await db
				.selectFrom('artifact_orphans')
				.select('storage_key')
				.orderBy('orphaned_at')
				.limit(1000)
				.execute()
		).map((row) => row.storage_key);
		if (keys.length === 0) break;
		await storage.remove(keys);
		await db.deleteFrom('artifact_orphans').where('storage_key', 'in', keys).execute();
		removed += keys.length;
	}
	return removed;
}
