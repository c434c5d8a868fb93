/**
 * Artifacts end to end on the filesystem backend: request → upload (the single server's own
 * endpoint) → complete → list → download → delete, against the real handlers and database, and
 * over real HTTP through two single servers that share one data directory and database.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { functionsDir } from '../../server/paths.ts';
import { loadRoutes } from '../../server/routes.ts';
import { api, apiResponse, createKey, expectEnvelope } from '../support/api.ts';
import { configure, resetConfig, withConfig } from '../support/config.ts';
import { signInWithWorkspace, type TestUser } from '../support/experiments.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tora-artifacts-'));
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const objectFile = (key: string) => join(dataDir, 'artifacts', key);

let user: TestUser;
let key: string;

beforeAll(async () => {
	configure({ TORA_DATA_DIR: dataDir });
	user = await signInWithWorkspace();
	key = (await createKey(user.token)).key;
});
afterAll(() => resetConfig());

async function newRun(name = 'artifacts'): Promise<string> {
	const created = await api('POST', '/api/experiments', { apiKey: key, body: { name } });
	expect(created.status).toBe(201);
	return created.body.data.id;
}

/** The path and query of a URL the API handed out (the tests call the handlers directly). */
const local = (url: string) => {
	const parsed = new URL(url);
	return parsed.pathname + parsed.search;
};

async function upload(run: string, path: string, bytes: Uint8Array, extra: Record<string, unknown> = {}) {
	const asked = await api('POST', `/api/experiments/${run}/artifacts`, {
		apiKey: key,
		body: { path, size: bytes.length, sha256: sha(bytes), contentType: 'text/plain', ...extra }
	});
	if (asked.status !== 201) return { asked };
	const put = await api('PUT', local(asked.body.data.upload.url), { rawBody: bytes });
	const done = await api(
		'POST',
		`/api/experiments/${run}/artifacts/${asked.body.data.artifact.id}/complete`,
		{
			apiKey: key
		}
	);
	return { asked, put, done };
}

async function download(run: string, artifactId: string): Promise<Response> {
	const grant = await api('GET', `/api/experiments/${run}/artifacts/${artifactId}/download`, { apiKey: key });
	expect(grant.status).toBe(200);
	return apiResponse('GET', local(grant.body.data.url));
}

describe('the artifact flow', () => {
	it('uploads, completes, lists and downloads a file as an attachment', async () => {
		const run = await newRun();
		const bytes = new TextEncoder().encode('<html><script>alert(1)</script></html>');
		const { asked, put, done } = await upload(run, './reports//page.html', bytes, {
			contentType: 'text/html'
		});
		expect(asked.status).toBe(201);
		expect(asked.body.data.artifact).toMatchObject({ path: 'reports/page.html', state: 'pending' });
		expect(asked.body.data.upload.method).toBe('PUT');
		expect(put?.status).toBe(200);
		expect(done?.status).toBe(200);
		expect(done?.body.data).toMatchObject({ state: 'complete', size: bytes.length, sha256: sha(bytes) });

		const listed = await api('GET', `/api/experiments/${run}/artifacts`, { apiKey: key });
		expect(listed.body.data.artifacts.map((a: { path: string }) => a.path)).toEqual(['reports/page.html']);
		expect(listed.body.data.usage.bytes).toBeGreaterThanOrEqual(bytes.length);

		const file = await download(run, done!.body.data.id);
		expect(file.status).toBe(200);
		expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="page.html"/);
		expect(file.headers.get('x-content-type-options')).toBe('nosniff');
		// HTML is never served as a page on our origin.
		expect(file.headers.get('content-type')).toBe('application/octet-stream');
		expect(file.headers.get('content-security-policy')).toContain("default-src 'none'");
		expect(sha(new Uint8Array(await file.arrayBuffer()))).toBe(sha(bytes));
	});

	it('treats the same bytes at the same path as a no-op and other bytes as a 409 unless overwrite', async () => {
		const run = await newRun();
		const first = await upload(run, 'config.yaml', new TextEncoder().encode('lr: 0.1\n'));
		expect(first.done?.status).toBe(200);

		const again = await api('POST', `/api/experiments/${run}/artifacts`, {
			apiKey: key,
			body: { path: 'config.yaml', size: 8, sha256: sha('lr: 0.1\n') }
		});
		expect(again.status).toBe(200);
		expect(again.body.data.upload).toBeNull();
		expect(again.body.data.artifact.id).toBe(first.done?.body.data.id);

		const other = new TextEncoder().encode('lr: 0.2\n');
		const refused = await upload(run, 'config.yaml', other);
		expectEnvelope(refused.asked, 409, 'CONFLICT');

		const replaced = await upload(run, 'config.yaml', other, { overwrite: true });
		expect(replaced.done?.status).toBe(200);
		const listed = await api('GET', `/api/experiments/${run}/artifacts`, { apiKey: key });
		expect(listed.body.data.artifacts).toHaveLength(1);
		expect(listed.body.data.artifacts[0].sha256).toBe(sha(other));
		// The replaced object left storage.
		const oldKey = `${user.personalWorkspaceId}/${run}/${first.done?.body.data.id}`;
		expect(existsSync(objectFile(oldKey))).toBe(false);
	});

	it.each([
		['../escape.txt'],
		['a/../../b'],
		['/etc/passwd'],
		['C:/windows'],
		['a\\b.txt'],
		['nul\u0000byte'],
		['line\nbreak'],
		['x'.repeat(1000)],
		['']
	])('refuses the path %j with a 400 naming the field', async (path) => {
		const run = await newRun();
		const refused = await api('POST', `/api/experiments/${run}/artifacts`, {
			apiKey: key,
			body: { path, size: 1, sha256: sha('x') }
		});
		expectEnvelope(refused, 400, 'VALIDATION_ERROR');
		expect(Object.keys(refused.body.error?.fields ?? {})).toEqual(['path']);
	});

	it('refuses a body larger than declared or with another hash, and keeps nothing', async () => {
		const run = await newRun();
		const declared = new TextEncoder().encode('twelve bytes');
		const asked = await api('POST', `/api/experiments/${run}/artifacts`, {
			apiKey: key,
			body: { path: 'big.bin', size: declared.length, sha256: sha(declared) }
		});
		const tooLong = await api('PUT', local(asked.body.data.upload.url), { rawBody: 'thirteen bytes!' });
		expectEnvelope(tooLong, 413, 'PAYLOAD_TOO_LARGE');
		// The token was single use: a second PUT with it is a 404.
		expectEnvelope(
			await api('PUT', local(asked.body.data.upload.url), { rawBody: declared }),
			404,
			'NOT_FOUND'
		);

		const again = await api('POST', `/api/experiments/${run}/artifacts`, {
			apiKey: key,
			body: { path: 'big.bin', size: declared.length, sha256: sha(declared) }
		});
		const wrongHash = await api('PUT', local(again.body.data.upload.url), { rawBody: 'twelve BYTES' });
		expectEnvelope(wrongHash, 400, 'VALIDATION_ERROR');
		const completed = await api(
			'POST',
			`/api/experiments/${run}/artifacts/${again.body.data.artifact.id}/complete`,
			{
				apiKey: key
			}
		);
		expectEnvelope(completed, 400, 'VALIDATION_ERROR');
		const listed = await api('GET', `/api/experiments/${run}/artifacts`, { apiKey: key });
		expect(listed.body.data.artifacts).toEqual([]);
		expect(readdirSync(join(dataDir, 'artifacts', '.incoming'))).toEqual([]);
	});

	it('rejects at completion what storage holds when it differs from the declared hash, and removes it', async () => {
		const run = await newRun();
		const bytes = new TextEncoder().encode('original');
		const asked = await api('POST', `/api/experiments/${run}/artifacts`, {
			apiKey: key,
			body: { path: 'tampered.txt', size: bytes.length, sha256: sha(bytes) }
		});
		expect((await api('PUT', local(asked.body.data.upload.url), { rawBody: bytes })).status).toBe(200);
		// Storage changed under it (another writer, a bad disk): completion reads what is there.
		const { writeFileSync } = await import('node:fs');
		const file = objectFile(`${user.personalWorkspaceId}/${run}/${asked.body.data.artifact.id}`);
		writeFileSync(file, 'ORIGINAL');
		const done = await api(
			'POST',
			`/api/experiments/${run}/artifacts/${asked.body.data.artifact.id}/complete`,
			{
				apiKey: key
			}
		);
		expectEnvelope(done, 400, 'VALIDATION_ERROR');
		expect(done.body.error?.fields).toHaveProperty('sha256');
		expect(existsSync(file)).toBe(false);
	});

	it('answers 413 with the numbers past the workspace quota or the file limit', async () => {
		const run = await newRun();
		await withConfig(
			{ TORA_DATA_DIR: dataDir, TORA_ARTIFACT_QUOTA_BYTES: '100', TORA_ARTIFACT_MAX_BYTES: '1000' },
			async () => {
				const listed = await api('GET', `/api/experiments/${run}/artifacts`, { apiKey: key });
				const used = listed.body.data.usage.bytes;
				const over = await api('POST', `/api/experiments/${run}/artifacts`, {
					apiKey: key,
					body: { path: 'q.bin', size: 500, sha256: sha('q') }
				});
				expectEnvelope(over, 413, 'PAYLOAD_TOO_LARGE');
				expect(over.body.error?.message).toContain(`stores ${used} bytes of its 100`);
				const huge = await api('POST', `/api/experiments/${run}/artifacts`, {
					apiKey: key,
					body: { path: 'h.bin', size: 5000, sha256: sha('h') }
				});
				expectEnvelope(huge, 413, 'PAYLOAD_TOO_LARGE');
				expect(huge.body.error?.message).toContain('at most 1000 bytes');
			}
		);
	});

	it('lets viewers list and download but not upload or delete', async () => {
		const run = await newRun();
		const { done } = await upload(run, 'v.txt', new TextEncoder().encode('v'));
		const viewer = await signInWithWorkspace();
		const { addMember } = await import('../support/experiments.ts');
		await addMember(user.personalWorkspaceId, viewer.userId, 'viewer');
		expect((await api('GET', `/api/experiments/${run}/artifacts`, { token: viewer.token })).status).toBe(200);
		const grant = await api('GET', `/api/experiments/${run}/artifacts/${done?.body.data.id}/download`, {
			token: viewer.token
		});
		expect(grant.status).toBe(200);
		expectEnvelope(
			await api('POST', `/api/experiments/${run}/artifacts`, {
				token: viewer.token,
				body: { path: 'x', size: 1, sha256: sha('x') }
			}),
			403,
			'FORBIDDEN'
		);
		expectEnvelope(
			await api('DELETE', `/api/experiments/${run}/artifacts/${done?.body.data.id}`, { token: viewer.token }),
			403,
			'FORBIDDEN'
		);
		// A forged or altered download grant is a 404.
		const forged = local(grant.body.data.url).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
		expect((await apiResponse('GET', forged)).status).toBe(404);
	});
});

describe('deleting removes the objects', () => {
	it('deletes one artifact, a run, and a workspace with their files', async () => {
		const run = await newRun();
		const a = await upload(run, 'a.txt', new TextEncoder().encode('a'));
		const b = await upload(run, 'b.txt', new TextEncoder().encode('b'));
		const fileA = objectFile(`${user.personalWorkspaceId}/${run}/${a.done?.body.data.id}`);
		const fileB = objectFile(`${user.personalWorkspaceId}/${run}/${b.done?.body.data.id}`);
		expect(existsSync(fileA) && existsSync(fileB)).toBe(true);

		expect(
			(await api('DELETE', `/api/experiments/${run}/artifacts/${a.done?.body.data.id}`, { apiKey: key }))
				.status
		).toBe(200);
		expect(existsSync(fileA)).toBe(false);
		expect((await api('DELETE', `/api/experiments/${run}`, { token: user.token })).status).toBeLessThan(300);
		expect(existsSync(fileB)).toBe(false);

		const workspace = await api('POST', '/api/workspaces', { token: user.token, body: { name: 'doomed' } });
		const wsId = workspace.body.data.id;
		const wsRun = await api('POST', '/api/experiments', {
			token: user.token,
			body: { name: 'r', workspaceId: wsId }
		});
		const bytes = new TextEncoder().encode('in a workspace');
		const asked = await api('POST', `/api/experiments/${wsRun.body.data.id}/artifacts`, {
			token: user.token,
			body: { path: 'w.txt', size: bytes.length, sha256: sha(bytes) }
		});
		await api('PUT', local(asked.body.data.upload.url), { rawBody: bytes });
		await api(
			'POST',
			`/api/experiments/${wsRun.body.data.id}/artifacts/${asked.body.data.artifact.id}/complete`,
			{
				token: user.token
			}
		);
		const fileW = objectFile(`${wsId}/${wsRun.body.data.id}/${asked.body.data.artifact.id}`);
		expect(existsSync(fileW)).toBe(true);
		expect((await api('DELETE', `/api/workspaces/${wsId}`, { token: user.token })).status).toBeLessThan(300);
		expect(existsSync(fileW)).toBe(false);
	});
});

describe('two single servers sharing one data directory', () => {
	const servers: Server[] = [];
	const origins: string[] = [];

	beforeAll(async () => {
		const routes = await loadRoutes(functionsDir);
		for (let i = 0; i < 2; i++) {
			const server = createApp({ routes, authRateLimit: false });
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			servers.push(server);
			origins.push(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
		}
	});
	afterAll(async () => {
		for (const server of servers) await new Promise((resolve) => server.close(resolve));
	});

	async function call(origin: string, method: string, path: string, body?: unknown) {
		const response = await fetch(origin + path, {
			method,
			headers: { 'x-api-key': key, ...(body ? { 'content-type': 'application/json' } : {}) },
			body: body ? JSON.stringify(body) : undefined
		});
		return { status: response.status, body: await response.json() };
	}

	it('uploads through one, completes and downloads through the other', async () => {
		const run = await newRun();
		const bytes = randomBytes(3 * 1024 * 1024);
		const asked = await call(origins[0], 'POST', `/api/experiments/${run}/artifacts`, {
			path: 'model/weights.bin',
			size: bytes.length,
			sha256: sha(bytes)
		});
		expect(asked.status).toBe(201);
		const uploadUrl = new URL(asked.body.data.upload.url);
		const put = await fetch(origins[0] + uploadUrl.pathname, { method: 'PUT', body: bytes });
		expect(put.status).toBe(200);
		const done = await call(
			origins[1],
			'POST',
			`/api/experiments/${run}/artifacts/${asked.body.data.artifact.id}/complete`
		);
		expect(done.status).toBe(200);
		const grant = await call(
			origins[1],
			'GET',
			`/api/experiments/${run}/artifacts/${asked.body.data.artifact.id}/download`
		);
		const file = await fetch(origins[1] + new URL(grant.body.data.url).pathname);
		expect(file.status).toBe(200);
		expect(sha(new Uint8Array(await file.arrayBuffer()))).toBe(sha(bytes));
	});

	it('lists nothing after an upload cut off midway, and restarts cleanly', async () => {
		const run = await newRun();
		const bytes = randomBytes(2 * 1024 * 1024);
		const body = { path: 'ckpt.bin', size: bytes.length, sha256: sha(bytes) };
		const asked = await call(origins[0], 'POST', `/api/experiments/${run}/artifacts`, body);
		// Half the body, then the connection drops.
		await new Promise<void>((resolve) => {
			const url = new URL(new URL(asked.body.data.upload.url).pathname, origins[0]);
			const req = httpRequest(url, { method: 'PUT', headers: { 'content-length': String(bytes.length) } });
			req.on('error', () => resolve());
			req.on('response', () => resolve());
			req.write(bytes.subarray(0, bytes.length / 2), () => setTimeout(() => req.destroy(), 100));
		});
		// The server notices the cut-off and cleans up; wait for its temporary file to go.
		for (let i = 0; i < 50 && readdirSync(join(dataDir, 'artifacts', '.incoming')).length; i++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		expect(readdirSync(join(dataDir, 'artifacts', '.incoming'))).toEqual([]);
		const completed = await call(
			origins[1],
			'POST',
			`/api/experiments/${run}/artifacts/${asked.body.data.artifact.id}/complete`
		);
		expect(completed.status).toBe(400);
		expect((await call(origins[1], 'GET', `/api/experiments/${run}/artifacts`)).body.data.artifacts).toEqual(
			[]
		);

		const retry = await call(origins[1], 'POST', `/api/experiments/${run}/artifacts`, body);
		expect(retry.status).toBe(201);
		const put = await fetch(origins[1] + new URL(retry.body.data.upload.url).pathname, {
			method: 'PUT',
			body: bytes
		});
		expect(put.status).toBe(200);
		const done = await call(
			origins[0],
			'POST',
			`/api/experiments/${run}/artifacts/${retry.body.data.artifact.id}/complete`
		);
		expect(done.status).toBe(200);
		expect(
			(await call(origins[0], 'GET', `/api/experiments/${run}/artifacts`)).body.data.artifacts
		).toHaveLength(1);
	});
});

describe("MLflow's artifact calls", () => {
	/**
	 * The requests MLflow's HttpArtifactRepository makes for `mlflow-artifacts:` URIs, resolved
	 * against the tracking URI (`<origin>`): PUT the file's bytes with a guessed content type, GET
	 * `?path=` to list one level (names come back relative, the client joins them), GET to download.
	 */
	it('logs, lists, downloads and deletes through the artifact_uri of an MLflow run', async () => {
		const created = await api('POST', '/api/2.0/mlflow/runs/create', {
			token: user.token,
			body: {
				experiment_id: '0',
				user_id: 'ada',
				start_time: 1_700_000_000_000,
				tags: [],
				run_name: 'mlflow-art'
			}
		});
		expect(created.status).toBe(200);
		const info = (created.body as unknown as { run: { info: { run_id: string; artifact_uri: string } } }).run
			.info;
		expect(info.artifact_uri).toMatch(/^mlflow-artifacts:\/[^/]+\/[0-9a-f-]{36}\/artifacts$/);
		const base = `/api/2.0/mlflow-artifacts/artifacts/${info.artifact_uri.slice('mlflow-artifacts:/'.length)}`;
		const auth = { authorization: `Bearer ${user.token}` };

		const model = randomBytes(4096);
		const put = await apiResponse('PUT', `${base}/model/model.pkl`, {
			headers: { ...auth, 'content-type': 'application/octet-stream' },
			rawBody: model
		});
		expect(put.status).toBe(200);
		expect(await put.json()).toEqual({});
		const putYaml = await apiResponse('PUT', `${base}/model/MLmodel`, {
			headers: { ...auth, 'content-type': 'text/plain' },
			rawBody: 'flavors: {}\n'
		});
		expect(putYaml.status).toBe(200);
		await apiResponse('PUT', `${base}/metrics.json`, { headers: auth, rawBody: '{}' });

		const root = info.artifact_uri.slice('mlflow-artifacts:/'.length);
		const top = await apiResponse(
			'GET',
			`/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(root)}`,
			{
				headers: auth
			}
		);
		expect(await top.json()).toEqual({
			files: [
				{ path: 'metrics.json', is_dir: false, file_size: 2 },
				{ path: 'model', is_dir: true }
			]
		});
		const inner = await apiResponse(
			'GET',
			`/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${root}/model`)}`,
			{
				headers: auth
			}
		);
		expect(await inner.json()).toEqual({
			files: [
				{ path: 'MLmodel', is_dir: false, file_size: 12 },
				{ path: 'model.pkl', is_dir: false, file_size: 4096 }
			]
		});

		const got = await apiResponse('GET', `${base}/model/model.pkl`, { headers: auth });
		expect(got.status).toBe(200);
		expect(sha(new Uint8Array(await got.arrayBuffer()))).toBe(sha(model));
		// The same artifacts through Tora's own API.
		const listed = await api('GET', `/api/experiments/${info.run_id}/artifacts`, { token: user.token });
		expect(listed.body.data.artifacts.map((a: { path: string }) => a.path)).toEqual([
			'metrics.json',
			'model/MLmodel',
			'model/model.pkl'
		]);

		const missing = await apiResponse('GET', `${base}/nope.bin`, { headers: auth });
		expect(missing.status).toBe(404);
		expect((await missing.json()).error_code).toBe('RESOURCE_DOES_NOT_EXIST');
		const traversal = await apiResponse('PUT', `${base}/a/%2e%2e/%2e%2e/escape`, {
			headers: auth,
			rawBody: 'x'
		});
		expect(traversal.status).toBe(400);
		expect((await traversal.json()).error_code).toBe('INVALID_PARAMETER_VALUE');

		const deleted = await apiResponse('DELETE', `${base}/model`, { headers: auth });
		expect(deleted.status).toBe(200);
		const after = await api('GET', `/api/experiments/${info.run_id}/artifacts`, { token: user.token });
		expect(after.body.data.artifacts.map((a: { path: string }) => a.path)).toEqual(['metrics.json']);
	});
});

describe('the Supabase Storage backend (against a stand-in for Storage)', () => {
	it('uploads to a signed URL, verifies, downloads as an attachment, and removes with the run', async () => {
		const { startStorageStandIn } = await import('../support/supabase-storage-stand-in.ts');
		const storage = await startStorageStandIn('service-key');
		try {
			await withConfig(
				{ TORA_STORAGE: 'supabase', SUPABASE_URL: storage.url, SUPABASE_SERVICE_ROLE_KEY: 'service-key' },
				async () => {
					const run = await newRun('on supabase');
					const bytes = randomBytes(100_000);
					const asked = await api('POST', `/api/experiments/${run}/artifacts`, {
						apiKey: key,
						body: { path: 'ckpt/model.pt', size: bytes.length, sha256: sha(bytes) }
					});
					expect(asked.status).toBe(201);
					// The bytes go to Storage, never through a function.
					expect(
						asked.body.data.upload.url.startsWith(`${storage.url}/storage/v1/object/upload/sign/artifacts/`)
					).toBe(true);
					const put = await fetch(asked.body.data.upload.url, {
						method: asked.body.data.upload.method,
						headers: asked.body.data.upload.headers,
						body: bytes
					});
					expect(put.status).toBe(200);
					const done = await api(
						'POST',
						`/api/experiments/${run}/artifacts/${asked.body.data.artifact.id}/complete`,
						{
							apiKey: key
						}
					);
					expect(done.status).toBe(200);
					const grant = await api(
						'GET',
						`/api/experiments/${run}/artifacts/${asked.body.data.artifact.id}/download`,
						{
							apiKey: key
						}
					);
					const file = await fetch(grant.body.data.url);
					expect(file.headers.get('content-disposition')).toBe('attachment; filename="model.pt"');
					expect(sha(new Uint8Array(await file.arrayBuffer()))).toBe(sha(bytes));

					// Other bytes than declared are found at completion and removed from Storage.
					const liar = await api('POST', `/api/experiments/${run}/artifacts`, {
						apiKey: key,
						body: { path: 'liar.bin', size: 5, sha256: sha('hello') }
					});
					await fetch(liar.body.data.upload.url, {
						method: 'PUT',
						headers: liar.body.data.upload.headers,
						body: 'HELLO'
					});
					const refused = await api(
						'POST',
						`/api/experiments/${run}/artifacts/${liar.body.data.artifact.id}/complete`,
						{
							apiKey: key
						}
					);
					expectEnvelope(refused, 400, 'VALIDATION_ERROR');
					expect(storage.objects.size).toBe(1);

					expect((await api('DELETE', `/api/experiments/${run}`, { token: user.token })).status).toBeLessThan(
						300
					);
					expect(storage.objects.size).toBe(0);
				}
			);
		} finally {
			await storage.close();
		}
	});
});
