/**
 * A workspace of runs with everything the query language can ask about — ties, missing values,
 * mixed hyperparameter types, crashed runs, runs without a creator — written straight into the
 * database, and the same runs as the model (`QueryRun`) sees them. Seeded, so a failure repeats.
 */
import { randomUUID } from 'node:crypto';
import type { MetricAggregate } from '../../functions/_lib/contracts/query/ast.ts';
import type { HyperparamValue, QueryRun } from '../../functions/_lib/contracts/query/evaluate.ts';
import type { ContextSummary } from '../../functions/_lib/contracts/run-context.ts';
import { getDb } from '../../functions/_lib/db.ts';

/** A small deterministic PRNG (mulberry32). */
export function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export const pick = <T>(random: () => number, items: readonly T[]): T =>
	items[Math.floor(random() * items.length)];

export const WORLD = {
	names: ['resnet', 'ResNet-50', 'vit', 'baseline', 'sweep-a', 'sweep-b', 'Zeta', 'alpha_1', 'ünïcode'],
	tags: ['a', 'b', 'baseline', 'Gpu', 'long run'],
	optimizers: ['adam', 'sgd', 'AdamW', 'ad'],
	rates: [0.1, 0.01, 0.001, 0.0003, 0.0001, 1e-5],
	metrics: ['loss', 'val/loss', 'acc.top1'],
	results: ['acc', 'f1'],
	notes: [
		'see **W&B** comparison',
		'Diverged at step 300 — lr too high',
		'baseline for the 50% dropout_rate sweep'
	],
	commits: ['0f3c2a9b1d', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', 'deadbeef00'],
	branches: ['main', 'feature/Long-Branch', 'main2'],
	remotes: ['https://github.com/acme/tora.git', 'git@github.com:acme/tora.git'],
	hosts: ['gpu-box-1', 'GPU-box-2', 'laptop.local'],
	gpus: ['NVIDIA A100-SXM4-80GB', 'NVIDIA H100 80GB HBM3', 'Tesla T4'],
	commands: [['train.py', '--lr', '0.001'], ['-m', 'train', '--config', 'a b.yaml'], ['train.py']],
	projects: ['vision', 'Vision-2', 'nlp ü']
} as const;

export const DAY_MS = 86_400_000;
/** Runs are created over 30 days before this instant, each at a whole millisecond. */
export const WORLD_END = Date.UTC(2026, 10, 30, 12);
/** How long a running run may go unseen before it shows as crashed (the server's default). */
export const CRASHED_AFTER_MS = 10 * 60_000;

export interface RunWorld {
	workspaceId: string;
	runs: QueryRun[];
	emails: string[];
}

/**
 * `count` runs in the workspace. `creators` are [userId, email] pairs of profiles that exist; a
 * quarter of the runs have no creator (their account was deleted).
 */
export async function buildRunWorld(
	workspaceId: string,
	creators: Array<[string, string]>,
	count: number,
	seed: number,
	now = Date.now()
): Promise<RunWorld> {
	const random = seeded(seed);
	// Notes and context draw from their own sequence, so the rest of the world stays as it was.
	const contextRandom = seeded(seed + 1);
	const projectRandom = seeded(seed + 2);
	const db = getDb();
	const projectIds = new Map<string, string>();
	for (const name of WORLD.projects) {
		const { id } = await db
			.insertInto('projects')
			.values({ workspace_id: workspaceId, name })
			.returning('id')
			.executeTakeFirstOrThrow();
		projectIds.set(name, id);
	}
	const runs: QueryRun[] = [];
	for (let i = 0; i < count; i++) {
		const id = randomUUID();
		const created = WORLD_END - Math.floor(random() * 30 * DAY_MS);
		const updated = created + Math.floor(random() * 3 * DAY_MS);
		const status = pick(random, ['running', 'running', 'finished', 'failed'] as const);
		// A running run is either alive (seen a minute ago) or crashed (not seen for two hours).
		const lastSeen = status === 'running' ? now - (random() < 0.5 ? 60_000 : 2 * 3_600_000) : updated;
		const creator = random() < 0.25 ? null : pick(random, creators);
		const hyperparams = new Map<string, HyperparamValue>();
		if (random() < 0.85) hyperparams.set('lr', pick(random, WORLD.rates));
		if (random() < 0.7) hyperparams.set('optimizer', pick(random, WORLD.optimizers));
		if (random() < 0.5) hyperparams.set('flag', random() < 0.5);
		// The same key as a number in some runs, as text or a boolean in others.
		if (random() < 0.6) hyperparams.set('bs', pick(random, [32, 64, '32', 'large', true] as const));
		const tags = WORLD.tags.filter(() => random() < 0.3);
		const results = new Map<string, number>();
		for (const name of WORLD.results)
			if (random() < 0.7) results.set(name, pick(random, [0.5, 0.75, 0.9, 0.91]));
		const metrics = new Map<string, Record<MetricAggregate, number | null>>();
		for (const name of WORLD.metrics) {
			if (random() < 0.2) continue;
			// A series that exists with no points yet has only a count.
			const empty = random() < 0.1;
			const values = [pick(random, [0.2, 0.4, 0.6]), pick(random, [0.3, 0.5, 0.7]), pick(random, [0.1, 0.4])];
			metrics.set(name, {
				count: empty ? 0 : pick(random, [3, 10, 100]),
				first: empty ? null : values[0],
				last: empty ? null : values[1],
				min: empty ? null : Math.min(...values),
				max: empty ? null : Math.max(...values),
				last_step: empty ? null : pick(random, [2, 9, 99])
			});
		}
		const notes = contextRandom() < 0.4 ? pick(contextRandom, WORLD.notes) : '';
		const captured = contextRandom() < 0.7 ? worldContext(contextRandom) : null;
		const project = projectRandom() < 0.6 ? pick(projectRandom, WORLD.projects) : null;
		const run: QueryRun = {
			id,
			name: `${pick(random, WORLD.names)}${random() < 0.5 ? '' : `-${i % 7}`}`,
			description: random() < 0.5 ? '' : `tried ${pick(random, WORLD.optimizers)} with 50% dropout_rate`,
			tags,
			status: status === 'running' && lastSeen < now - CRASHED_AFTER_MS ? 'crashed' : status,
			created,
			updated,
			duration: (lastSeen - created) / 1000,
			creator: creator?.[1] ?? null,
			project,
			notes,
			context: captured?.model ?? {},
			hyperparams,
			results,
			metrics
		};
		runs.push(run);
		await db
			.insertInto('experiments')
			.values({
				id,
				workspace_id: workspaceId,
				name: run.name,
				description: run.description,
				tags: [...tags],
				hyperparams: [...hyperparams].map(([key, value]) => ({ key, value })),
				status,
				created_by: creator?.[0] ?? null,
				project_id: project === null ? null : (projectIds.get(project) ?? null),
				created_at: new Date(created),
				updated_at: new Date(updated),
				last_seen_at: new Date(lastSeen)
			})
			.execute();
		if (notes) await db.insertInto('experiment_notes').values({ experiment_id: id, body: notes }).execute();
		if (captured) {
			await db
				.insertInto('experiment_context')
				.values({ experiment_id: id, summary: captured.summary })
				.execute();
		}
		for (const [name, value] of results) {
			await db.insertInto('results').values({ experiment_id: id, name, value }).execute();
		}
		for (const [name, s] of metrics) {
			await db
				.insertInto('metric_series')
				.values({
					experiment_id: id,
					name,
					point_count: s.count ?? 0,
					first_step: s.last_step === null ? null : 0,
					last_step: s.last_step,
					min_value: s.min,
					max_value: s.max,
					last_value: s.last,
					first_value: s.first
				})
				.execute();
		}
	}
	return { workspaceId, runs, emails: creators.map(([, email]) => email) };
}

/**
 * A captured context with parts missing at random, as experiment_context.summary stores it
 * (run-context.repository's contextSummary) and as the query keys read it (evaluate.ts).
 */
function worldContext(random: () => number): { summary: ContextSummary; model: QueryRun['context'] } {
	const maybe = <T>(value: T): T | null => (random() < 0.75 ? value : null);
	const git = maybe({
		commit: pick(random, WORLD.commits),
		branch: maybe(pick(random, WORLD.branches)),
		remote: maybe(pick(random, WORLD.remotes)),
		dirty: maybe(random() < 0.5)
	});
	const runtime = maybe(
		random() < 0.5 ? { name: 'python', version: '3.11.7' } : { name: 'node', version: '20.20.2' }
	);
	const command = maybe([...pick(random, WORLD.commands)]);
	const gpus = WORLD.gpus.filter(() => random() < 0.3).map((name) => ({ name, memory_bytes: 80e9 }));
	const summary: ContextSummary = {
		git,
		command,
		cwd: maybe('/home/ana/proj'),
		runtime,
		os: maybe(pick(random, ['Linux 6.1.0', 'Darwin 24.1'])),
		host: maybe(pick(random, WORLD.hosts)),
		cpus: maybe(pick(random, [8, 16, 64])),
		memory_bytes: maybe(pick(random, [16e9, 64e9])),
		gpus
	};
	const model: Record<string, string | number | boolean | readonly string[]> = {
		gpu: gpus.map((g) => g.name)
	};
	const set = (key: string, value: string | number | boolean | null | undefined) => {
		if (value !== null && value !== undefined) model[key] = value;
	};
	set('git.commit', git?.commit);
	set('git.branch', git?.branch);
	set('git.remote', git?.remote);
	set('git.dirty', git?.dirty);
	set('host', summary.host);
	set('os', summary.os);
	set('runtime', runtime && `${runtime.name} ${runtime.version}`);
	set('cwd', summary.cwd);
	set('command', command?.join(' '));
	set('cpus', summary.cpus);
	set('memory', summary.memory_bytes);
	return { summary, model };
}
