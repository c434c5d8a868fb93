/**
 * The compiled production server: `node scripts/build-server.mjs` (part of `npm run build`), then
 * the `npm start` command from package.json as a real process. It answers health and an
 * authenticated call, and no TypeScript is compiled at run time: a module hook, loaded before the
 * server with `--import`, records every module the process loads (it only records; it resolves and
 * loads nothing itself), and none of them is tsx or a TypeScript file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/paths.ts';
import { cleanEnv, start, type Started } from '../support/processes.ts';

/** Registered with `--import`: a load hook that appends each module's URL to TORA_TEST_MODULE_LOG. */
const RECORDER = `
import { register } from 'node:module';
register(${JSON.stringify(
	'data:text/javascript,' +
		encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function load(url, context, nextLoad) {
	appendFileSync(process.env.TORA_TEST_MODULE_LOG, url + '\\n');
	return nextLoad(url, context);
}`)
)});
`;

let server: Started;
let origin: string;
let moduleLog: string;

/** `npm start`'s command line from package.json, e.g. `node --flag build/server/start.js`. */
function startCommand(): string[] {
	const scripts = (
		JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
	).scripts;
	const [command, ...args] = scripts.start.split(' ');
	if (command !== 'node') throw new Error(`npm start is \`${scripts.start}\`, not a plain node command`);
	return args;
}

beforeAll(async () => {
	const built = spawnSync('node', ['scripts/build-server.mjs'], { cwd: repoRoot, encoding: 'utf8' });
	expect(built.status, built.stderr).toBe(0);

	const dir = mkdtempSync(join(tmpdir(), 'tora-compiled-'));
	moduleLog = join(dir, 'modules.txt');
	writeFileSync(moduleLog, '');
	const recorder = join(dir, 'record-modules.mjs');
	writeFileSync(recorder, RECORDER);

	const port = String(20_000 + Math.floor(Math.random() * 20_000));
	origin = `http://127.0.0.1:${port}`;
	server = start(
		'node',
		['--import', pathToFileURL(recorder).href, ...startCommand()],
		cleanEnv({
			PORT: port,
			TORA_AUTH: 'local',
			TORA_API_ONLY: '1',
			TORA_DATA_DIR: dir,
			TORA_TEST_MODULE_LOG: moduleLog,
			NODE_OPTIONS: '',
			...(process.env.TORA_TEST_EMBEDDED ? {} : { DATABASE_URL: process.env.DATABASE_URL! })
		})
	);
	await server.waitFor(/Tora is running at/, 90_000);
}, 120_000);

afterAll(async () => {
	await server?.stop();
});

describe('the compiled server (npm start)', () => {
	it('answers health and an authenticated call', async () => {
		const health = await fetch(`${origin}/api/health`);
		expect(health.status).toBe(200);
		expect(((await health.json()) as { data: { db: string } }).data.db).toBe('ok');

		const signIn = await fetch(`${origin}/api/auth/local`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ email: 'compiled@example.test' })
		});
		expect(signIn.status).toBe(200);
		const { access_token } = ((await signIn.json()) as { data: { access_token: string } }).data;
		const me = await fetch(`${origin}/api/me`, { headers: { authorization: `Bearer ${access_token}` } });
		expect(me.status).toBe(200);
		expect(((await me.json()) as { data: { user: { email: string } } }).data.user.email).toBe(
			'compiled@example.test'
		);
		const anonymous = await fetch(`${origin}/api/me`);
		expect(anonymous.status).toBe(401);
	});

	it('loads only JavaScript: its own build and packages, never tsx or a TypeScript file', () => {
		const files = readFileSync(moduleLog, 'utf8')
			.split('\n')
			.filter((url) => url.startsWith('file:'))
			.map((url) => new URL(url).pathname);
		const ours = files.filter((file) => !file.includes('/node_modules/'));
		// The recorder saw the server's modules, the function modules among them.
		expect(ours).toContain(join(repoRoot, 'build/server/start.js'));
		expect(
			ours.filter((file) => file.startsWith(join(repoRoot, 'build/server/functions/'))).length
		).toBeGreaterThan(20);
		// Outside node_modules, only the build itself (and the recorder) ran.
		expect(
			ours.filter(
				(file) => !file.startsWith(join(repoRoot, 'build/server/')) && !file.endsWith('/record-modules.mjs')
			)
		).toEqual([]);
		expect(files.filter((file) => /\/node_modules\/(tsx|esbuild|typescript)\//.test(file))).toEqual([]);
		expect(files.filter((file) => /\.[mc]?tsx?$/.test(file))).toEqual([]);
	});
});
