/**
 * P21 function cold starts. Every function is zipped as a deploy zips it — the zips of
 * `npx netlify build --offline` when they are current, else made here by
 * @netlify/zip-it-and-ship-it (the library `netlify build` runs) with netlify.toml's [functions]
 * settings — then unpacked to a temp directory. One fresh `node` process per measurement imports
 * the function's module from there and answers one request (an API-key call, so authentication
 * opens a fresh database connection): the time from `import()` to the response's last byte.
 *
 * Baseline, same run, zipped the same way: a function that only opens a postgres.js connection and
 * answers `select 1`. Also measured, for reference: the same function bundled into one file by
 * esbuild (dependencies included), as a deploy would ship it if it were pre-bundled.
 * Each figure is the median of BENCH_P21_RUNS processes (default 3), run in turn.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { zipFunctions } from '@netlify/zip-it-and-ship-it';
import { repoRoot } from '../server/paths.ts';
import { createExperiment } from './p3-series-read.ts';
import { runIfMain } from './lib/main.ts';
import type { BenchContext, BenchRow } from './lib/types.ts';

const RUNS = Number(process.env.BENCH_P21_RUNS ?? 3);
const KB = 1024;
// Under .netlify/ (ignored, like netlify build's own output) so the bundlers find node_modules.
const work = join(repoRoot, '.netlify', 'bench-p21');

const BASELINE = `
import postgres from 'postgres';

export const config = { path: '/api/p21-baseline', method: ['GET'] };

let sql;
export default async () => {
	sql ??= postgres(process.env.DATABASE_URL, { max: 1 });
	const [row] = await sql\`select 1 as one\`;
	return Response.json(row);
};
`;

/** Runs in a fresh node: imports one function module, answers one request, prints the time. */
const DRIVER = `
const [file, key, id] = process.argv.slice(2);
const started = performance.now();
const mod = await import(file);
const { path, method } = mod.config;
const params = {};
const pathname = [path].flat()[0].replace(/:(\\w+)|\\*/g, (_, name) => (params[name ?? '0'] = id));
const verb = [method ?? 'GET'].flat()[0];
const request = new Request('http://127.0.0.1' + pathname, {
	method: verb,
	headers: { 'x-api-key': key, 'content-type': 'application/json' },
	body: verb === 'GET' || verb === 'HEAD' ? undefined : '{}'
});
const response = await mod.default(request, { params, ip: '127.0.0.1' });
await response.arrayBuffer();
console.log(JSON.stringify({ ms: performance.now() - started, status: response.status }));
process.exit(0);
`;

interface Unpacked {
	name: string;
	/** The function's own module inside the unpacked zip. */
	module: string;
	zipBytes: number;
}

/** Zips every function in `srcDir` as netlify build does; the zips' paths. */
async function zip(srcDir: string, out: string): Promise<string[]> {
	mkdirSync(out, { recursive: true });
	const results = await zipFunctions([srcDir], out, {
		archiveFormat: 'zip',
		basePath: repoRoot,
		repositoryRoot: repoRoot,
		config: { '*': { nodeBundler: 'esbuild' } }
	});
	return results.map((result) => result.path);
}

/**
 * Our zips: `npx netlify build --offline`'s own (.netlify/functions) when they are newer than every
 * function source and the lockfile, else made here by the same library with the same settings.
 */
async function ourZips(out: string): Promise<string[]> {
	const deployed = join(repoRoot, '.netlify', 'functions');
	const zips = existsSync(deployed)
		? readdirSync(deployed)
				.filter((file) => file.endsWith('.zip'))
				.map((file) => join(deployed, file))
		: [];
	const sources = [join(repoRoot, 'package-lock.json'), ...walk(join(repoRoot, 'functions'))];
	const newestSource = Math.max(...sources.map((file) => statSync(file).mtimeMs));
	if (zips.length > 0 && Math.min(...zips.map((file) => statSync(file).mtimeMs)) > newestSource) return zips;
	return zip(join(repoRoot, 'functions'), out);
}

function walk(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]
	);
}

/** Unpacks each zip; the module Netlify's bootstrap would load from it. */
function unpack(zips: string[], out: string): Unpacked[] {
	return zips.map((path) => {
		const name = basename(path, '.zip');
		const dir = join(out, name);
		mkdirSync(dir, { recursive: true });
		const unzip = spawnSync('unzip', ['-q', '-o', path, '-d', dir]);
		if (unzip.status !== 0) throw new Error(`unzip ${path}: ${unzip.stderr}`);
		// The entry point hands the function's own module to Netlify's bootstrap by its path.
		const entry = readFileSync(join(dir, '___netlify-entry-point.mjs'), 'utf8');
		const own = /getLambdaHandler\('([^']+)'\)/.exec(entry)?.[1];
		if (!own) throw new Error(`${name}: no function module named in its entry point`);
		return { name, module: join(dir, own), zipBytes: statSync(path).size };
	});
}

/** The function bundled into one file with its dependencies (what pre-bundling would ship). */
async function singleFile(name: string, out: string): Promise<string> {
	const outfile = join(out, 'esbuild', `${name}.mjs`);
	await build({
		entryPoints: [join(repoRoot, 'functions', `${name}.mts`)],
		outfile,
		bundle: true,
		format: 'esm',
		platform: 'node',
		target: 'node20',
		logLevel: 'warning',
		// Dependencies that still `require` node built-ins get a real require.
		banner: {
			js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
		}
	});
	return outfile;
}

function coldStart(
	ctx: BenchContext,
	module: string,
	key: string,
	id: string
): { ms: number; status: number } {
	const samples: { ms: number; status: number }[] = [];
	for (let run = 0; run < RUNS; run++) {
		const result = spawnSync('node', [join(work, 'driver.mjs'), module, key, id], {
			cwd: work,
			encoding: 'utf8',
			env: {
				PATH: process.env.PATH,
				DATABASE_URL: ctx.databaseUrl,
				TORA_DB_PREPARE: ctx.dbKind === 'pglite' ? 'false' : 'true',
				TORA_AUTH: 'local',
				TORA_JWT_SECRET: randomBytes(32).toString('base64url'),
				NODE_ENV: 'production'
			}
		});
		const line = result.stdout.trim().split('\n').pop() ?? '';
		if (result.status !== 0 || !line.startsWith('{')) {
			throw new Error(`cold start of ${module} failed: ${result.stderr || result.stdout}`);
		}
		samples.push(JSON.parse(line) as { ms: number; status: number });
	}
	samples.sort((a, b) => a.ms - b.ms);
	return samples[Math.floor(samples.length / 2)];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export default async function run(ctx: BenchContext): Promise<BenchRow[]> {
	rmSync(work, { recursive: true, force: true });
	mkdirSync(join(work, 'baseline-src'), { recursive: true });
	writeFileSync(join(work, 'baseline-src', 'p21-baseline.mts'), BASELINE);
	writeFileSync(join(work, 'driver.mjs'), DRIVER);
	const { token } = await ctx.signIn();
	const key = await ctx.createApiKey(token);
	const id = await createExperiment(ctx, key, 'p21-cold-start');

	ctx.log('P21: zipping the functions as netlify build does');
	const ours = unpack(await ourZips(join(work, 'zips')), join(work, 'ours'));
	const [baselineZip] = unpack(
		await zip(join(work, 'baseline-src'), join(work, 'zips')),
		join(work, 'baseline')
	);
	const baselineSingle = await build({
		entryPoints: [join(work, 'baseline-src', 'p21-baseline.mts')],
		outfile: join(work, 'baseline', 'single.mjs'),
		bundle: true,
		format: 'esm',
		platform: 'node',
		target: 'node20',
		logLevel: 'warning'
	}).then(() => join(work, 'baseline', 'single.mjs'));

	const rows: BenchRow[] = [];
	const oursMs: number[] = [];
	const singleMs: number[] = [];
	const baselineMs: number[] = [];
	for (const fn of ours.sort((a, b) => a.name.localeCompare(b.name))) {
		// The baseline alternates with the functions, so a busy spell hits both alike.
		const baseline = coldStart(ctx, baselineZip.module, key, id);
		const deployed = coldStart(ctx, fn.module, key, id);
		const single = coldStart(ctx, await singleFile(fn.name, work), key, id);
		baselineMs.push(baseline.ms);
		oursMs.push(deployed.ms);
		singleMs.push(single.ms);
		ctx.log(
			`P21 ${fn.name}: ${deployed.ms.toFixed(0)} ms (${deployed.status}), one file ${single.ms.toFixed(0)} ms, baseline ${baseline.ms.toFixed(0)} ms`
		);
		rows.push({
			benchmark: 'P21 cold start',
			metric: fn.name,
			ours: deployed.ms,
			baseline: baseline.ms,
			unit: 'ms',
			goal: '≤ 1.5× baseline',
			met: deployed.ms <= 1.5 * baseline.ms,
			note: `zip ${(fn.zipBytes / KB).toFixed(0)} KB; answered ${deployed.status}; one esbuild file: ${single.ms.toFixed(0)} ms`
		});
	}
	const oursMedian = median(oursMs);
	const baselineMedian = median(baselineMs);
	rows.push(
		{
			benchmark: 'P21 cold start',
			metric: `median of ${ours.length} functions, as deployed`,
			ours: oursMedian,
			baseline: baselineMedian,
			unit: 'ms',
			goal: '≤ 1.5× baseline',
			met: oursMedian <= 1.5 * baselineMedian,
			note: `baseline zip ${(baselineZip.zipBytes / KB).toFixed(0)} KB; median zip ${(median(ours.map((fn) => fn.zipBytes)) / KB).toFixed(0)} KB`
		},
		{
			benchmark: 'P21 cold start',
			metric: `median of ${ours.length} functions, each one esbuild file`,
			ours: median(singleMs),
			baseline: coldStart(ctx, baselineSingle, key, id).ms,
			unit: 'ms',
			note: 'for reference: dependencies bundled into the function file; baseline bundled the same way'
		}
	);
	return rows;
}

runIfMain(import.meta.url, run);
