/**
 * The run's context, captured once at start-up: git state, command line, machine, the project's
 * installed packages and an allow-list of environment variables. Sent by
 * `PUT /experiments/{id}/context` (contract: functions/_lib/contracts/run-context.ts).
 *
 * Secrets never leave the machine: credentials are stripped from the git remote and secret-looking
 * values redacted here, with the rules the server applies again
 * (functions/_lib/run-context-redaction.ts; the Python SDK's tora/_context.py has the same). Every
 * part is best effort: no `git`, a directory outside a repository, no package.json or an
 * unreadable file leaves that part out, never throws.
 */
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { runCapped } from './subprocess.js';

export const MAX_GIT_DIFF_BYTES = 1024 * 1024;
export const MAX_PACKAGES = 10_000;
export const MAX_ENV = 200;
export const MAX_ENV_VALUE = 4096;
export const MAX_COMMAND_ARGS = 1000;
export const MAX_ARG = 4096;
export const MAX_GPUS = 64;
const GIT_TIMEOUT_MS = 5_000;
export const GPU_TIMEOUT_MS = 5_000;
export const REDACTED = '[redacted]';

/** Variables worth knowing about a run (scheduling, parallelism, seeds); every other one is left out. */
export const ENV_NAMES = new Set([
	'CUDA_VISIBLE_DEVICES',
	'CUDA_DEVICE_ORDER',
	'OMP_NUM_THREADS',
	'MKL_NUM_THREADS',
	'WORLD_SIZE',
	'RANK',
	'LOCAL_RANK',
	'LOCAL_WORLD_SIZE',
	'NODE_RANK',
	'GROUP_RANK',
	'MASTER_ADDR',
	'MASTER_PORT',
	'HF_HOME',
	'HF_DATASETS_CACHE',
	'TRANSFORMERS_CACHE',
	'TORCH_HOME',
	'PYTHONHASHSEED',
	'NODE_ENV',
	'NODE_OPTIONS',
	'UV_THREADPOOL_SIZE',
	'CONDA_DEFAULT_ENV',
	'VIRTUAL_ENV',
	'HOSTNAME',
	'USER'
]);
export const ENV_PREFIXES = ['SLURM_', 'PBS_', 'LSB_', 'NCCL_', 'TORCHELASTIC_', 'TPU_', 'XLA_'];

// ── Redaction (the server's rules, kept in step with run-context-redaction.ts) ─────────────────

const SECRET_NAME =
	/(secret|token|passw|pwd|api[_-]?key|private[_-]?key|access[_-]?key|credential|auth|session|cookie|signature|dsn)/i;

const SECRET_VALUE = [
	/tora_sk_[A-Za-z0-9_-]+/,
	/\bgh[pousr]_[A-Za-z0-9]{20,}/,
	/\bgithub_pat_[A-Za-z0-9_]{20,}/,
	/\bsk-[A-Za-z0-9_-]{20,}/,
	/\bxox[abprs]-[A-Za-z0-9-]{10,}/,
	/\bAKIA[0-9A-Z]{16}\b/,
	/\bhf_[A-Za-z0-9]{20,}/,
	/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./,
	/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i
];

/** `https://user:token@host/repo` → `https://host/repo`; `git@host:repo` keeps its user (not a secret). */
export function stripCredentials(remote: string): string {
	const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*@)(.*)$/is.exec(remote);
	return match ? match[1] + match[3] : remote;
}

export function looksSecret(name: string, value: string): boolean {
	return SECRET_NAME.test(name) || SECRET_VALUE.some((pattern) => pattern.test(value));
}

/** A command-line argument with every secret-shaped part replaced (`--key=tora_sk_…`). */
export function redactText(text: string): string {
	let out = text;
	for (const pattern of SECRET_VALUE)
		out = out.replace(new RegExp(pattern.source, pattern.flags + 'g'), REDACTED);
	return out;
}

/**
 * The command line with secrets redacted: secret-shaped values anywhere, and the value of an
 * option whose name says it is a secret (`--api-key X`, `--password=X`).
 */
export function redactCommand(argv: string[]): string[] {
	const out: string[] = [];
	let hideNext = false;
	for (const arg of argv) {
		if (hideNext && !arg.startsWith('-')) {
			out.push(REDACTED);
			hideNext = false;
			continue;
		}
		hideNext = false;
		const option = /^(--?[A-Za-z0-9_.-]+)(=.*)?$/s.exec(arg);
		if (option && SECRET_NAME.test(option[1])) {
			if (option[2] !== undefined) out.push(`${option[1]}=${REDACTED}`);
			else {
				out.push(arg);
				hideNext = true;
			}
			continue;
		}
		out.push(redactText(arg));
	}
	return out;
}

// ── Text the server accepts ────────────────────────────────────────────────────────────────────

const LABEL_FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;
/** The same, for test(): a global pattern's test() is stateful. */
const HAS_FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** At most `max` code points. */
function cutCodePoints(text: string, max: number): string {
	if (text.length <= max) return text;
	const points = [...text];
	return points.length <= max ? text : points.slice(0, max).join('');
}

/** A one-line label the server stores: forbidden characters become U+FFFD, cut to `max`. */
export function label(text: string, max: number): string {
	return cutCodePoints(text.replace(LONE_SURROGATE, '\uFFFD').replace(LABEL_FORBIDDEN, '\uFFFD'), max);
}

/** Free text the server stores: NUL and unpaired surrogates become U+FFFD, cut to `max`. */
export function storable(text: string, max: number): string {
	return cutCodePoints(text.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD'), max);
}

/** At most `maxBytes` of UTF-8, cut at a character boundary. */
export function cutUtf8(text: string, maxBytes: number): { text: string; cut: boolean } {
	const bytes = new TextEncoder().encode(text);
	if (bytes.byteLength <= maxBytes) return { text, cut: false };
	let end = maxBytes;
	while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back off a continuation byte
	return { text: new TextDecoder().decode(bytes.subarray(0, end)), cut: true };
}

// ── The parts ──────────────────────────────────────────────────────────────────────────────────

export interface GitContext {
	commit: string;
	branch?: string | null;
	remote?: string | null;
	dirty?: boolean | null;
	diff?: string | null;
	diffTruncated?: boolean | null;
}

export interface RunContextBody {
	git?: GitContext | null;
	command?: string[];
	cwd?: string;
	runtime?: { name: string; version: string };
	os?: string;
	host?: string;
	cpus?: number;
	memoryBytes?: number;
	gpus?: Array<{ name: string; memoryBytes?: number | null }>;
	packages?: Record<string, string>;
	env?: Record<string, string>;
}

async function git(cwd: string, args: string[], maxBytes = 64 * 1024) {
	const result = await runCapped('git', args, { cwd, timeoutMs: GIT_TIMEOUT_MS, maxBytes });
	return result && result.code === 0 ? result : null;
}

/** The repository `cwd` is in; null outside one, without git, or before the first commit. */
export async function captureGit(cwd: string): Promise<GitContext | null> {
	const head = await git(cwd, ['rev-parse', 'HEAD']);
	const commit = head?.stdout.toString('utf8').trim() ?? '';
	if (!/^[0-9a-f]{7,64}$/i.test(commit)) return null;
	const [branch, remotes, status, diff] = await Promise.all([
		git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']),
		git(cwd, ['remote']),
		git(cwd, ['status', '--porcelain', '--untracked-files=no']),
		// A little more than the limit: enough to know it was cut.
		git(cwd, ['diff', 'HEAD', '--no-color', '--no-ext-diff'], MAX_GIT_DIFF_BYTES + 4)
	]);
	const names =
		remotes?.stdout
			.toString('utf8')
			.split('\n')
			.map((name) => name.trim())
			.filter(Boolean) ?? [];
	const remoteName = names.includes('origin') ? 'origin' : names[0];
	const url = remoteName ? await git(cwd, ['remote', 'get-url', remoteName]) : null;
	const branchName = branch?.stdout.toString('utf8').trim();
	const context: GitContext = {
		commit: commit.toLowerCase(),
		branch: branchName && branchName !== 'HEAD' ? label(branchName, 255) : null,
		remote: url ? label(stripCredentials(url.stdout.toString('utf8').trim()), 2048) || null : null,
		dirty: status ? status.stdout.length > 0 : null
	};
	if (diff) {
		// Invalid UTF-8 decodes to U+FFFD (three bytes), so the cut is made on the decoded text.
		const decoded = storable(diff.stdout.toString('utf8'), Number.MAX_SAFE_INTEGER);
		const { text, cut } = cutUtf8(decoded, MAX_GIT_DIFF_BYTES);
		context.diff = text;
		context.diffTruncated = cut || diff.truncated;
	}
	return context;
}

/** The allow-listed variables, secret-looking values redacted. */
export function captureEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
	const names = Object.keys(env)
		.filter((name) => ENV_NAMES.has(name) || ENV_PREFIXES.some((prefix) => name.startsWith(prefix)))
		.filter((name) => name.length <= 256 && !HAS_FORBIDDEN.test(name))
		.sort()
		.slice(0, MAX_ENV);
	const out: Record<string, string> = {};
	for (const name of names) {
		const value = env[name] ?? '';
		// A property named __proto__ must stay a variable.
		Object.defineProperty(out, name, {
			value: looksSecret(name, value) ? REDACTED : storable(value, MAX_ENV_VALUE),
			enumerable: true,
			writable: true,
			configurable: true
		});
	}
	return out;
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
	try {
		const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
		return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
			? (parsed as Record<string, unknown>)
			: null;
	} catch {
		return null;
	}
}

/** The nearest package.json at or above `cwd`. */
async function nearestPackage(cwd: string): Promise<{ dir: string; json: Record<string, unknown> } | null> {
	for (let dir = cwd; ; dir = dirname(dir)) {
		const json = await readJson(join(dir, 'package.json'));
		if (json) return { dir, json };
		if (dirname(dir) === dir) return null;
	}
}

/**
 * The project's dependencies (of the nearest package.json upward of `cwd`) at the versions
 * installed: node_modules/<name>/package.json, looked up from the project upward as Node resolves.
 * A dependency that is not installed keeps its declared range. At most MAX_PACKAGES.
 */
export async function capturePackages(cwd: string): Promise<Record<string, string>> {
	const project = await nearestPackage(cwd);
	if (!project) return {};
	const names = new Set<string>();
	for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
		const deps = project.json[field];
		if (deps && typeof deps === 'object') for (const name of Object.keys(deps)) names.add(name);
	}
	const valid = [...names]
		.filter((name) => name.length <= 214 && !HAS_FORBIDDEN.test(name))
		.slice(0, MAX_PACKAGES);
	const declared = (name: string): unknown => {
		for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
			const deps = project.json[field] as Record<string, unknown> | undefined;
			if (deps && typeof deps[name] === 'string') return deps[name];
		}
		return undefined;
	};
	const entries = await Promise.all(
		valid.map(async (name): Promise<[string, string] | null> => {
			for (let dir = project.dir; ; dir = dirname(dir)) {
				const installed = await readJson(join(dir, 'node_modules', name, 'package.json'));
				if (installed && typeof installed.version === 'string') return [name, label(installed.version, 100)];
				if (dirname(dir) === dir) break;
			}
			const range = declared(name);
			return typeof range === 'string' ? [name, label(range, 100)] : null;
		})
	);
	const out: Record<string, string> = {};
	for (const entry of entries) {
		if (entry)
			Object.defineProperty(out, entry[0], {
				value: entry[1],
				enumerable: true,
				writable: true,
				configurable: true
			});
	}
	return out;
}

/** GPUs from `nvidia-smi` (absent tool or a failure: none). */
export async function captureGpus(): Promise<Array<{ name: string; memoryBytes: number | null }>> {
	const result = await runCapped(
		'nvidia-smi',
		['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'],
		{ timeoutMs: GPU_TIMEOUT_MS, maxBytes: 64 * 1024 }
	);
	if (!result || result.code !== 0) return [];
	return result.stdout
		.toString('utf8')
		.split('\n')
		.map((line) => line.split(',').map((part) => part.trim()))
		.filter(([name]) => name)
		.slice(0, MAX_GPUS)
		.map(([name, memory]) => {
			const mib = Number(memory);
			return {
				name: label(name, 200),
				memoryBytes: Number.isFinite(mib) && mib >= 0 ? Math.round(mib * 1024 * 1024) : null
			};
		});
}

function osName(): string {
	const version = typeof os.version === 'function' ? os.version() : '';
	return label(`${os.type()} ${os.release()} ${os.arch()}${version ? ` (${version})` : ''}`, 200);
}

export interface CaptureSwitches {
	git: boolean;
	env: boolean;
	packages: boolean;
}

/** Everything, each part switched on or off; never throws. */
export async function captureContext(
	switches: CaptureSwitches,
	cwd: string = process.cwd(),
	argv: string[] = process.argv
): Promise<RunContextBody> {
	const safe = <T>(promise: Promise<T>, fallback: T): Promise<T> => promise.catch(() => fallback);
	const [gitContext, packages, gpus] = await Promise.all([
		switches.git ? safe(captureGit(cwd), null) : Promise.resolve(null),
		switches.packages ? safe(capturePackages(cwd), {}) : Promise.resolve(null),
		safe(captureGpus(), [])
	]);
	const body: RunContextBody = {
		command: redactCommand(argv.slice(0, MAX_COMMAND_ARGS)).map((arg) => storable(arg, MAX_ARG)),
		cwd: label(cwd, 4096),
		runtime: { name: 'node', version: label(process.versions.node, 100) },
		os: osName(),
		host: label(os.hostname(), 255),
		cpus: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
		memoryBytes: os.totalmem(),
		gpus
	};
	if (gitContext) body.git = gitContext;
	if (packages) body.packages = packages;
	if (switches.env) body.env = captureEnv();
	return body;
}
