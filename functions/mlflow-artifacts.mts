import type { Config } from '@netlify/functions';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Principal } from './_lib/auth.ts';
import { getConfig } from './_lib/config.ts';
import { artifactPathProblem, normaliseArtifactPath } from './_lib/contracts/artifacts.ts';
import type { WorkspaceRole } from './_lib/contracts/common.ts';
import type { Db } from './_lib/db.ts';
import { endpoint, method, type EndpointHandler } from './_lib/endpoint.ts';
import { accessTo, asUuid, requireRole } from './_lib/mlflow/access.ts';
import { documented, mlflowJson } from './_lib/mlflow/endpoint.ts';
import {
	MlflowError,
	doesNotExist,
	endpointNotFound,
	invalidParameter,
	toMlflowError
} from './_lib/mlflow/errors.ts';
import {
	completeArtifactAt,
	listArtifacts,
	recordStoredArtifact,
	workspaceUsage
} from './_lib/repositories/artifact.repository.ts';
import {
	artifactLimits,
	attachment,
	servedContentType,
	sweepOrphanedObjects,
	urlExpiry
} from './_lib/storage/artifact-http.ts';
import { ObjectTooLargeError, RefusedObjectError, getStorage } from './_lib/storage/storage.ts';
import { publicOrigin } from './_lib/public-url.ts';

export const config: Config = {
	path: ['/api/2.0/mlflow-artifacts/*', '/ajax-api/2.0/mlflow-artifacts/*'],
	method: ['GET', 'PUT', 'POST', 'DELETE']
};

/**
 * MLflow's artifact proxy, on Tora's artifact storage. Runs report `artifact_uri`
 * `mlflow-artifacts:/<experiment>/<run>/artifacts` (functions/_lib/mlflow/runs.ts), which MLflow's
 * client resolves against the tracking URI to `/api/2.0/mlflow-artifacts/artifacts/<experiment>/
 * <run>/artifacts/<path>` and calls as its HttpArtifactRepository does:
 * - `PUT .../<path>` with the file as the body (viewer → editor of the run's workspace): stored as
 *   the run's artifact `<path>`, replacing one already there;
 * - `GET .../<path>`: the bytes (on Supabase Storage, a redirect to a signed URL);
 * - `GET /api/2.0/mlflow-artifacts/artifacts?path=<experiment>/<run>/artifacts[/<dir>]`:
 *   `{files: [{path, is_dir, file_size}]}`, one directory level, by base name;
 * - `DELETE .../<path>`.
 * Multipart uploads (`POST .../mpu/...`) are not offered: MLflow uses them only when asked to.
 * A body passes through the function here: on Netlify (~6 MB request limit) larger files get
 * MLflow's RESOURCE_LIMIT_EXCEEDED saying to use Tora's SDK or the single server.
 */
const NETLIFY_BODY_LIMIT = 5 * 1024 * 1024;
/** Artifacts one listing reads at most (one directory level is built from them). */
const LIST_LIMIT = 10_000;

const RUN_PATH = /^artifacts\/[^/]+\/([^/]+)\/artifacts(?:\/(.*))?$/;

interface Target {
	experimentId: string;
	workspaceId: string;
	/** The artifact path inside the run ('' for the run's root). */
	path: string;
}

const Params = z.object({ '0': z.string().max(2048).optional() });
const ListQuery = z.object({ path: z.string().max(2048).optional() });

async function target(db: Db, principal: Principal, location: string, role: WorkspaceRole): Promise<Target> {
	const match = RUN_PATH.exec(location);
	if (!match) throw invalidParameter(`Not an artifact location of a run: "${location}".`);
	const runId = asUuid(match[1]);
	const run = runId
		? await db
				.selectFrom('experiments')
				.select(['id', 'workspace_id'])
				.where('id', '=', runId)
				.executeTakeFirst()
		: undefined;
	if (!run) throw doesNotExist(`Run '${match[1]}' not found.`);
	requireRole(await accessTo(db, principal, run.workspace_id, `Run '${match[1]}' not found.`), role);
	const path = match[2] ?? '';
	if (path !== '') {
		const problem = artifactPathProblem(path);
		if (problem) throw invalidParameter(`Invalid artifact path "${path}": ${problem}.`);
	}
	return {
		experimentId: run.id,
		workspaceId: run.workspace_id,
		path: path === '' ? '' : normaliseArtifactPath(path)
	};
}

const location = (params: z.output<typeof Params>) => params['0'] ?? '';

const inner = endpoint(documented(config), 'MLflow compatibility', {
	GET: method({
		access: 'signed-in',
		params: Params,
		query: ListQuery,
		docs: {
			request:
				'`artifacts?path=<experiment>/<run>/artifacts[/dir]` (list) or `artifacts/<experiment>/<run>/artifacts/<path>`',
			success: '200 `{files: [{path, is_dir, file_size}]}`, or the file'
		},
		handle: async ({ req, db, principal, params, query }) => {
			if (location(params) === 'artifacts') {
				if (!query.path) return mlflowJson({ files: [] });
				const where = await target(
					db,
					principal,
					`artifacts/${query.path.replace(/^\/+|\/+$/g, '')}`,
					'viewer'
				);
				return mlflowJson({ files: await listLevel(db, where) });
			}
			const where = await target(db, principal, location(params), 'viewer');
			const row = where.path ? await completeArtifactAt(db, where.experimentId, where.path) : undefined;
			if (!row) throw doesNotExist(`No artifact "${where.path}" in this run.`);
			const storage = getStorage();
			if (storage.kind === 'supabase') {
				const url = await storage.downloadUrl(row.storage_key, {
					filename: row.path.slice(row.path.lastIndexOf('/') + 1),
					contentType: servedContentType(row.content_type),
					origin: publicOrigin(req),
					expiresAt: urlExpiry()
				});
				return new Response(null, { status: 302, headers: { location: url } });
			}
			const body = await storage.read(row.storage_key);
			if (!body) throw doesNotExist(`No artifact "${where.path}" in this run.`);
			return new Response(body, {
				headers: {
					'content-type': servedContentType(row.content_type),
					'content-length': String(row.size),
					'content-disposition': attachment(row.path)
				}
			});
		}
	}),
	PUT: method({
		access: 'signed-in',
		params: Params,
		docs: { request: "the file's bytes", success: '200 `{}`' },
		handle: async ({ req, db, principal, params }) => {
			const where = await target(db, principal, location(params), 'editor');
			if (!where.path) throw invalidParameter('Name the file: PUT .../artifacts/<path>.');
			const storage = getStorage();
			const { maxBytes, quotaBytes } = artifactLimits();
			const onNetlify = getConfig().netlifyProduction;
			const limit = onNetlify ? Math.min(maxBytes, NETLIFY_BODY_LIMIT) : maxBytes;
			const tooLarge = () =>
				new MlflowError(
					413,
					'RESOURCE_LIMIT_EXCEEDED',
					onNetlify && limit < maxBytes
						? `Files above ${limit} bytes cannot pass through a Netlify Function: log them with Tora's SDK (tora.log_artifact), which uploads to storage directly, or use the single server.`
						: `An artifact may be at most ${maxBytes} bytes.`
				);
			if (Number(req.headers.get('content-length') ?? 0) > limit) throw tooLarge();
			const used = await workspaceUsage(db, where.workspaceId);
			const id = randomUUID();
			const key = `${where.workspaceId}/${where.experimentId}/${id}`;
			let written: { size: number; sha256: string };
			try {
				written = await storage.put(key, req.body ?? new Blob([]).stream(), {
					maxBytes: limit,
					contentType: req.headers.get('content-type') ?? 'application/octet-stream',
					accept: ({ size }) =>
						used + size > quotaBytes
							? `the workspace stores ${used} bytes of its ${quotaBytes}; this file needs ${size} more`
							: undefined
				});
			} catch (error) {
				if (error instanceof ObjectTooLargeError) throw tooLarge();
				if (error instanceof RefusedObjectError) {
					throw new MlflowError(413, 'RESOURCE_LIMIT_EXCEEDED', `Artifact quota exceeded: ${error.message}.`);
				}
				throw error;
			}
			await recordStoredArtifact(db, {
				id,
				workspaceId: where.workspaceId,
				experimentId: where.experimentId,
				createdBy: principal.userId,
				path: where.path,
				size: written.size,
				sha256: written.sha256,
				contentType: contentTypeOf(req),
				step: null,
				mediaKey: null
			});
			// A replaced artifact's object leaves storage.
			await sweepOrphanedObjects(db);
			return mlflowJson({});
		}
	}),
	POST: method({
		access: 'signed-in',
		docs: { success: 'never: 404 `{error_code: "ENDPOINT_NOT_FOUND"}` (no multipart uploads)' },
		handle: async () => {
			throw endpointNotFound(
				'Multipart artifact uploads are not offered: unset MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD.'
			);
		}
	}),
	DELETE: method({
		access: 'signed-in',
		params: Params,
		docs: { success: '200 `{}`' },
		handle: async ({ db, principal, params }) => {
			const where = await target(db, principal, location(params), 'editor');
			let query = db.deleteFrom('artifacts').where('experiment_id', '=', where.experimentId);
			// A directory deletes what is under it, as MLflow's delete_artifacts does.
			if (where.path) {
				const like = `${where.path.replace(/[\\%_]/g, '\\$&')}/%`;
				query = query.where((eb) => eb.or([eb('path', '=', where.path), eb('path', 'like', like)]));
			}
			await query.execute();
			await sweepOrphanedObjects(db);
			return mlflowJson({});
		}
	})
});

/** A content type the artifact contract accepts, from the request; else plain bytes. */
function contentTypeOf(req: Request): string {
	const given = req.headers.get('content-type')?.trim() ?? '';
	return /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/.test(given) && given.length <= 255
		? given
		: 'application/octet-stream';
}

/**
 * One directory level: files with their sizes, directories once each, by base name (as MLflow's
 * server answers; its client joins them to the path it asked for).
 */
async function listLevel(
	db: Db,
	where: Target
): Promise<Array<{ path: string; is_dir: boolean; file_size?: number }>> {
	const { rows } = await listArtifacts(db, where.experimentId, {
		limit: LIST_LIMIT,
		...(where.path ? { prefix: where.path } : {})
	});
	const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
	const base = where.path ? `${where.path}/` : '';
	for (const row of rows) {
		const rest = row.path.slice(base.length);
		const slash = rest.indexOf('/');
		if (slash === -1) entries.set(rest, { path: rest, is_dir: false, file_size: Number(row.size) });
		else entries.set(rest.slice(0, slash), { path: rest.slice(0, slash), is_dir: true });
	}
	return [...entries.values()];
}

const handler: EndpointHandler = Object.assign(
	async (req: Request, context: Parameters<EndpointHandler>[1]) => {
		const response = await inner(req, context);
		return response.ok || response.status === 302 ? response : toMlflowError(response);
	},
	{ declaration: inner.declaration }
);
export default handler;
