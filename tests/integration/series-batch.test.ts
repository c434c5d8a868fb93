/**
 * `POST /api/series` against brute force: points are logged through the real batch endpoint (so
 * rollups are built as in production, from batches sent out of order), and every answer is
 * compared with buckets, x values and group bands computed here, in plain TypeScript, from the
 * points that were sent. Runs on PGlite and, with DATABASE_URL, on PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SERIES_BUCKET_BUDGET, type SeriesBatch } from '../../functions/_lib/contracts/series.ts';
import { getSql } from '../../functions/_lib/db.ts';
import { api, createKey, expectEnvelope } from '../support/api.ts';
import {
	addMember,
	createExperiment,
	createTeamWorkspace,
	signInWithWorkspace
} from '../support/experiments.ts';

interface RawPoint {
	step: number;
	value: number;
}

/** A run as logged: its points per metric. */
type Logged = Map<string, RawPoint[]>;

/** Deterministic values (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Steps first, first + stride, ... below `end`, with values from `rand`. */
function grid(rand: () => number, first: number, stride: number, end: number, scale = 1): RawPoint[] {
	const points: RawPoint[] = [];
	for (let step = first; step < end; step += stride) points.push({ step, value: (rand() - 0.3) * scale });
	return points;
}

let key: string;
let token: string;
let userId: string;

/** A run made through the API, its points logged in shuffled batches of at most 1,500 entries. */
async function run(body: Record<string, unknown>, logged: Logged, seed = 1): Promise<string> {
	const { id } = await createExperiment({ apiKey: key }, { name: 'series run', ...body });
	const entries = [...logged].flatMap(([name, points]) =>
		points.map((point) => ({ name, msg_id: randomUUID(), value: point.value, step: point.step }))
	);
	const batches: (typeof entries)[] = [];
	for (let i = 0; i < entries.length; i += 1500) batches.push(entries.slice(i, i + 1500));
	const rand = random(seed);
	batches.sort(() => rand() - 0.5);
	for (const logs of batches) {
		const result = await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: key, body: { logs } });
		expect(result.status, JSON.stringify(result.body)).toBe(201);
	}
	return id;
}

async function series(
	body: Record<string, unknown>,
	credentials: { apiKey?: string; token?: string } = { apiKey: key }
): Promise<SeriesBatch> {
	const result = await api('POST', '/api/series', { ...credentials, body });
	expect(result.status, JSON.stringify(result.body).slice(0, 500)).toBe(200);
	return result.body.data;
}

// ---- Brute force ----

function widthFor(low: number, high: number, buckets: number): number {
	let width = 1;
	while (Math.floor(high / width) - Math.floor(low / width) + 1 > buckets) width *= 2;
	return width;
}

interface Bucket {
	bucket: number;
	count: number;
	min: number;
	max: number;
	last: number;
	lastStep: number;
}

/** Buckets of `width` over the points in [from, to] widened to whole buckets, by bucket. */
function bruteBuckets(points: RawPoint[], width: number, from: number, to: number): Map<number, Bucket> {
	const start = Math.floor(from / width) * width;
	const end = (Math.floor(to / width) + 1) * width - 1;
	const buckets = new Map<number, Bucket>();
	for (const { step, value } of points) {
		if (step < start || step > end) continue;
		const k = Math.floor(step / width);
		const b = buckets.get(k);
		if (!b) buckets.set(k, { bucket: k, count: 1, min: value, max: value, last: value, lastStep: step });
		else {
			b.count++;
			b.min = Math.min(b.min, value);
			b.max = Math.max(b.max, value);
			if (step > b.lastStep) [b.last, b.lastStep] = [value, step];
		}
	}
	return new Map([...buckets].sort(([a], [b]) => a - b));
}

interface Range {
	from?: number;
	to?: number;
}

function clip(points: RawPoint[], range: Range): [number, number] | undefined {
	const low = Math.max(range.from ?? points[0].step, points[0].step);
	const high = Math.min(range.to ?? points.at(-1)!.step, points.at(-1)!.step);
	return low <= high ? [low, high] : undefined;
}

/** An ungrouped series as the endpoint should answer it on the step axis. */
function expectedSeries(points: RawPoint[], buckets: number, range: Range = {}) {
	const clipped = clip(points, range);
	if (!clipped) return { x: [], y: [], min: [], max: [], count: [] };
	const width = points.length <= buckets ? 1 : widthFor(clipped[0], clipped[1], buckets);
	const rows = [...bruteBuckets(points, width, clipped[0], clipped[1]).values()];
	return {
		bucket_width: width,
		x: rows.map((b) => b.lastStep),
		y: rows.map((b) => b.last),
		min: rows.map((b) => b.min),
		max: rows.map((b) => b.max),
		count: rows.map((b) => b.count)
	};
}

/** The shared width of a metric's group members (see series-batch.ts). */
function groupWidth(members: RawPoint[][], buckets: number, range: Range = {}) {
	const ranges = members.map((points) => clip(points, range)).filter((r) => r !== undefined);
	const low = Math.min(...ranges.map(([l]) => l));
	const high = Math.max(...ranges.map(([, h]) => h));
	let width = widthFor(low, high, buckets);
	const coarsest = widthFor(low, high, Math.ceil(buckets / 10));
	for (const points of members) {
		if (points.length < 2) continue;
		const spacing = (points.at(-1)!.step - points[0].step) / (points.length - 1);
		while (width < spacing && width < coarsest) width *= 2;
	}
	return { low, high, width };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const median = (values: number[]) => {
	const s = [...values].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sampleStd = (values: number[]) =>
	values.length < 2
		? null
		: Math.sqrt(values.reduce((sum, v) => sum + (v - mean(values)) ** 2, 0) / (values.length - 1));

/** A group's columns from its members' brute-force buckets at the shared width. */
function expectedGroup(
	members: RawPoint[][],
	shared: { low: number; high: number; width: number },
	band: 'std' | 'minmax' | 'stderr',
	aggregate: 'mean' | 'median'
) {
	const perBucket = new Map<number, number[]>();
	for (const points of members) {
		for (const b of bruteBuckets(points, shared.width, shared.low, shared.high).values()) {
			perBucket.set(b.bucket, [...(perBucket.get(b.bucket) ?? []), b.last]);
		}
	}
	const keys = [...perBucket.keys()].sort((a, b) => a - b);
	const values = keys.map((k) => perBucket.get(k)!);
	const center = aggregate === 'median' ? median : mean;
	const spread = (v: number[]) => {
		const std = sampleStd(v);
		if (std === null) return null;
		return band === 'stderr' ? std / Math.sqrt(v.length) : std;
	};
	return {
		x: keys.map((k) => k * shared.width),
		mean: values.map(mean),
		median: values.map(median),
		std: values.map(sampleStd),
		lo: values.map((v) =>
			band === 'minmax' ? Math.min(...v) : spread(v) === null ? null : center(v) - spread(v)!
		),
		hi: values.map((v) =>
			band === 'minmax' ? Math.max(...v) : spread(v) === null ? null : center(v) + spread(v)!
		),
		min: values.map((v) => Math.min(...v)),
		max: values.map((v) => Math.max(...v)),
		count: values.map((v) => v.length)
	};
}

/** Floats summed in another order differ in the last bits; everything else must be exact. */
function expectClose(actual: Array<number | null>, expected: Array<number | null>, label: string) {
	expect(actual.length, label).toBe(expected.length);
	actual.forEach((value, i) => {
		if (expected[i] === null) expect(value, `${label}[${i}]`).toBeNull();
		else expect(value, `${label}[${i}]`).toBeCloseTo(expected[i]!, 9);
	});
}

beforeAll(async () => {
	const user = await signInWithWorkspace();
	token = user.token;
	userId = user.userId;
	key = (await createKey(user.token)).key;
});

describe('POST /api/series, ungrouped', () => {
	const logged: Logged[] = [];
	const ids: string[] = [];

	beforeAll(async () => {
		for (let r = 0; r < 3; r++) {
			const rand = random(100 + r);
			const runLogged: Logged = new Map([
				['train/loss', grid(rand, 0, 1, 2000 + 700 * r)],
				['val/acc', grid(rand, 0, 50, 1950 + r * 100)],
				['lr', grid(rand, 100 + r, 1, 3300, 0.01)]
			]);
			logged.push(runLogged);
			ids.push(await run({ hyperparams: [{ key: 'seed', value: r }] }, runLogged, r));
		}
	});

	it.each([
		{ buckets: 10, range: {} },
		{ buckets: 64, range: {} },
		{ buckets: 200, range: {} },
		{ buckets: 300, range: { from: 333, to: 1777 } },
		{ buckets: 2000, range: {} },
		{ buckets: 7, range: { from: 1500 } }
	])('equals brute force over the points ($buckets buckets, range $range)', async ({ buckets, range }) => {
		const metrics = ['train/loss', 'val/acc', 'lr'];
		const data = await series({ experimentIds: ids, metrics, buckets, ...range });
		expect(data.experiment_ids).toEqual(ids);
		expect(data.truncated).toBe(false);
		expect(data.reason).toBeNull();
		expect(data.groups).toEqual([]);
		// By run in request order, then by metric in request order.
		expect(
			data.series.map((s: { experiment_id: string; metric: string }) => [s.experiment_id, s.metric])
		).toEqual(ids.flatMap((id) => metrics.map((metric) => [id, metric])));
		for (const s of data.series) {
			const points = logged[ids.indexOf(s.experiment_id)].get(s.metric)!;
			const expected = expectedSeries(points, buckets, range);
			expect({ ...s, experiment_id: undefined, metric: undefined, nonfinite: undefined }).toEqual({
				...expected,
				bucket_width: expected.bucket_width ?? s.bucket_width
			});
			expect(s.x.length).toBeLessThanOrEqual(buckets);
		}
	});

	it('puts each bucket at its last logging time (wall) or seconds since the run began (relative)', async () => {
		const truth = await getSql()<{ experiment_id: string; name: string; step: number; time: number }[]>`
			select s.experiment_id, s.name, p.step, (extract(epoch from p.logged_at) * 1000)::float8 as time
			from metric_series s join metric_points p on p.series_id = s.id
			where s.experiment_id = any(${`{${ids.join(',')}}`}::text::uuid[])
		`;
		const firsts = await getSql()<{ experiment_id: string; first: number }[]>`
			select experiment_id, (extract(epoch from min(first_logged_at)) * 1000)::float8 as first
			from metric_series where experiment_id = any(${`{${ids.join(',')}}`}::text::uuid[]) group by 1
		`;
		const timeOf = new Map(truth.map((row) => [`${row.experiment_id} ${row.name} ${row.step}`, row.time]));
		const firstOf = new Map(firsts.map((row) => [row.experiment_id, row.first]));
		const body = { experimentIds: ids, metrics: ['train/loss', 'lr'], buckets: 50 };
		const [steps, wall, relative] = await Promise.all(
			(['step', 'wall', 'relative'] as const).map((x) => series({ ...body, x }))
		);
		steps.series.forEach(
			(s: { experiment_id: string; metric: string; x: number[]; bucket_width: number }, i: number) => {
				const points = logged[ids.indexOf(s.experiment_id)].get(s.metric)!;
				const bucketTimes = [
					...bruteBuckets(points, s.bucket_width, 0, Number.MAX_SAFE_INTEGER).values()
				].map((b) => {
					const members = points.filter((p) => Math.floor(p.step / s.bucket_width) === b.bucket);
					return Math.max(...members.map((p) => timeOf.get(`${s.experiment_id} ${s.metric} ${p.step}`)!));
				});
				expectClose(wall.series[i].x, bucketTimes, `wall x of ${s.metric}`);
				expectClose(
					relative.series[i].x,
					bucketTimes.map((t) => (t - firstOf.get(s.experiment_id)!) / 1000),
					`relative x of ${s.metric}`
				);
				expect(relative.series[i].x.every((x: number) => x >= 0)).toBe(true);
				// Same buckets, only x differs.
				expect(wall.series[i].y).toEqual(steps.series[i].y);
				expect(relative.series[i].count).toEqual(steps.series[i].count);
			}
		);
	});

	it('says which named metrics no run has, and answers a request for none of them with a reason', async () => {
		const some = await series({ experimentIds: ids, metrics: ['lr', 'no/such'] });
		expect(some.missing_metrics).toEqual(['no/such']);
		expect(some.series.map((s: { metric: string }) => s.metric)).toEqual(['lr', 'lr', 'lr']);
		const none = await series({ experimentIds: ids, metrics: ['no/such', 'nor/this'] });
		expect(none).toMatchObject({ series: [], groups: [], missing_metrics: ['no/such', 'nor/this'] });
		expect(none.reason).toBe('none of the 3 runs has "no/such", "nor/this"');
		const outside = await series({ experimentIds: ids, metrics: ['val/acc'], from: 100_000 });
		expect(outside.series.every((s: { x: number[] }) => s.x.length === 0)).toBe(true);
		expect(outside.reason).toBe('no points in the step range asked for');
	});

	it('matches a pattern against whole metric names', async () => {
		const other = await run(
			{},
			new Map([
				['xval/acc', grid(random(7), 0, 1, 5)],
				['val/f1', grid(random(8), 0, 1, 5)]
			])
		);
		const data = await series({ experimentIds: [...ids, other], pattern: 'val/.*' });
		expect(data.metrics).toEqual(['val/acc', 'val/f1']);
		expect(data.series.map((s: { metric: string }) => s.metric)).toEqual([
			'val/acc',
			'val/acc',
			'val/acc',
			'val/f1'
		]);
		expect((await series({ experimentIds: [other], pattern: '(x|y)val/a[a-c]+|lr' })).metrics).toEqual([
			'xval/acc'
		]);
		expect((await series({ experimentIds: [other], pattern: 'val' })).metrics).toEqual([]);
		const nothing = await series({ experimentIds: ids, pattern: 'test/.*' });
		expect(nothing).toMatchObject({
			series: [],
			metrics: [],
			reason: 'no metric of the 3 runs matches the pattern'
		});
	});

	it('refuses patterns it cannot match as written, naming the field (400, never a 500)', async () => {
		for (const pattern of [
			'val/(',
			'\\bval',
			'a{300}',
			'[[:alpha:]]+',
			'(?<name>a)',
			'',
			'x'.repeat(201),
			'a\\'
		]) {
			const result = await api('POST', '/api/series', { apiKey: key, body: { experimentIds: ids, pattern } });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields!), pattern).toEqual(['pattern']);
		}
	});

	it('reads every series in a fixed number of statements, however many runs and metrics', async () => {
		const sql = getSql();
		const options = sql.options as { debug: unknown };
		const count = async (body: Record<string, unknown>) => {
			const queries: string[] = [];
			const previous = options.debug;
			options.debug = (_connection: number, query: string) => queries.push(query);
			try {
				await series(body);
			} finally {
				options.debug = previous;
			}
			return queries.length;
		};
		const metrics = ['train/loss', 'val/acc', 'lr'];
		await series({ experimentIds: ids, metrics });
		const one = await count({ experimentIds: ids.slice(0, 1), metrics: ['train/loss'], buckets: 10 });
		const all = await count({ experimentIds: ids, metrics, buckets: 10 });
		// Widths 10 and 2000 need both kinds of bucket reads; still the same statements.
		const mixed = await count({ experimentIds: ids, metrics, buckets: 2000 });
		expect(all).toBeLessThanOrEqual(one + 1);
		expect(mixed).toBeLessThanOrEqual(one + 1);
	});
});

describe('POST /api/series, x = another metric of the run', () => {
	let id: string;
	const loss = grid(random(21), 0, 1, 1000);
	// Tokens on two steps of three, and not at all in [400, 480).
	const tokens = loss
		.filter((p) => p.step % 3 !== 1 && (p.step < 400 || p.step >= 480))
		.map((p) => ({ step: p.step, value: p.step * 512 + 7 }));

	beforeAll(async () => {
		id = await run(
			{},
			new Map([
				['loss', loss],
				['tokens', tokens]
			])
		);
	});

	it.each([100, 500, 12])(
		"aligns y buckets with the x metric's last value in the same step bucket (%i buckets)",
		async (buckets) => {
			const data = await series({ experimentIds: [id], metrics: ['loss'], x: { metric: 'tokens' }, buckets });
			const [s] = data.series;
			// The width comes from the range even for short series: the x series is read at the same width.
			const width = widthFor(0, 999, buckets);
			expect(s.bucket_width).toBe(width);
			const ys = bruteBuckets(loss, width, 0, 999);
			const xs = bruteBuckets(tokens, width, 0, 999);
			const kept = [...ys.values()].filter((b) => xs.has(b.bucket));
			// The gap in tokens spans whole buckets below 80 steps' width.
			if (width <= 16) expect(kept.length).toBeLessThan(ys.size);
			expect(s.x).toEqual(kept.map((b) => xs.get(b.bucket)!.last));
			expect(s.y).toEqual(kept.map((b) => b.last));
			expect(s.count).toEqual(kept.map((b) => b.count));
		}
	);

	it('answers with a reason when no run has the x metric', async () => {
		const data = await series({ experimentIds: [id], metrics: ['loss'], x: { metric: 'nope' } });
		expect(data.series[0].x).toEqual([]);
		expect(data.reason).toBe('none of the 1 runs has the x-axis metric "nope"');
	});
});

describe('POST /api/series, grouped', () => {
	/** hp.opt per run; undefined: the run has no such hyperparameter. */
	const opts = ['adam', 'adam', 'sgd', 'adam', 'sgd', undefined];
	const logged: Logged[] = [];
	const ids: string[] = [];

	beforeAll(async () => {
		// Ragged runs: different lengths, first steps and step grids (every step, every 3rd, every 10th).
		const grids = [
			[0, 1, 1200],
			[0, 3, 1500],
			[5, 10, 2005],
			[0, 1, 800],
			[2, 2, 1700],
			[0, 7, 1000]
		];
		for (const [r, [first, stride, end]] of grids.entries()) {
			const rand = random(300 + r);
			const runLogged: Logged = new Map([
				['loss', grid(rand, first, stride, end, 3)],
				['tokens', grid(rand, first, stride, end).map((p) => ({ step: p.step, value: p.step * 100 + r }))]
			]);
			if (r !== 3) runLogged.set('acc', grid(rand, 0, 25, 1000));
			logged.push(runLogged);
			const hyperparams = opts[r] === undefined ? [] : [{ key: 'opt', value: opts[r] }];
			ids.push(await run({ hyperparams, tags: r % 2 ? ['b', 'a'] : [] }, runLogged, r));
		}
	});

	const membersOf = (opt: string | undefined, metric: string) =>
		ids.flatMap((id, r) => (opts[r] === opt && logged[r].has(metric) ? [id] : []));

	it.each([
		{ band: 'std', aggregate: 'mean', buckets: 200, range: {} },
		{ band: 'minmax', aggregate: 'mean', buckets: 40, range: {} },
		{ band: 'stderr', aggregate: 'median', buckets: 1000, range: {} },
		{ band: 'std', aggregate: 'median', buckets: 64, range: { from: 250, to: 999 } }
	] as const)(
		"equals brute force over the members' points ($band, $aggregate, $buckets buckets)",
		async ({ band, aggregate, buckets, range }) => {
			const data = await series({
				experimentIds: ids,
				metrics: ['loss', 'acc'],
				groupBy: 'hp.opt',
				band,
				aggregate,
				buckets,
				...range
			});
			expect(data.series).toEqual([]);
			// Numbers first, then text, then "(none)"; metrics in request order.
			expect(data.groups.map((g: { group: string; metric: string }) => [g.group, g.metric])).toEqual([
				['adam', 'loss'],
				['adam', 'acc'],
				['sgd', 'loss'],
				['sgd', 'acc'],
				['(none)', 'loss'],
				['(none)', 'acc']
			]);
			for (const g of data.groups) {
				const opt = g.group === '(none)' ? undefined : g.group;
				expect(g.value).toBe(opt ?? null);
				expect(g.experiment_ids).toEqual(membersOf(opt, g.metric));
				// Every member of the metric, in any group, shares the width.
				const shared = groupWidth(
					ids.flatMap((_, r) => (logged[r].has(g.metric) ? [logged[r].get(g.metric)!] : [])),
					buckets,
					range
				);
				expect(g.bucket_width).toBe(shared.width);
				const expected = expectedGroup(
					g.experiment_ids.map((id: string) => logged[ids.indexOf(id)].get(g.metric)!),
					shared,
					band,
					aggregate
				);
				const label = `${g.group} ${g.metric}`;
				expect(g.x, label).toEqual(expected.x);
				expect(g.count, label).toEqual(expected.count);
				expect(g.min, label).toEqual(expected.min);
				expect(g.max, label).toEqual(expected.max);
				expectClose(g.mean, expected.mean, `${label} mean`);
				expectClose(g.std, expected.std, `${label} std`);
				expectClose(g.lo, expected.lo, `${label} lo`);
				expectClose(g.hi, expected.hi, `${label} hi`);
				if (aggregate === 'median') expectClose(g.median ?? [], expected.median, `${label} median`);
				else expect(g.median).toBeUndefined();
				expect(g.nonfinite).toBe(0);
			}
			// Ragged grids meet: the width is at least the sparsest run's spacing (every 10th step).
			const loss = data.groups.find((g) => g.metric === 'loss')!;
			if (buckets <= 200) expect(loss.bucket_width).toBeGreaterThanOrEqual(10);
		}
	);

	it("returns the members it combined when asked, at the groups' width", async () => {
		const data = await series({
			experimentIds: ids,
			metrics: ['loss'],
			groupBy: 'hp.opt',
			members: true,
			buckets: 50
		});
		expect(data.series.map((s: { experiment_id: string }) => s.experiment_id)).toEqual(ids);
		const adam = data.groups[0];
		for (const s of data.series) expect(s.bucket_width).toBe(adam.bucket_width);
		const adamMembers = data.series.filter((s: { experiment_id: string }) =>
			adam.experiment_ids.includes(s.experiment_id)
		);
		// Each group bucket combines the members' values (y) in the same step bucket.
		const width = adam.bucket_width;
		adam.x.forEach((start: number, i: number) => {
			const ys = adamMembers.flatMap((s: { x: number[]; y: number[] }) => {
				const j = s.x.findIndex((x) => Math.floor(x / width) * width === start);
				return j < 0 ? [] : [s.y[j]];
			});
			expect(adam.count[i]).toBe(ys.length);
			expect(adam.min[i]).toBe(Math.min(...ys));
			expect(adam.max[i]).toBe(Math.max(...ys));
			expect(adam.mean[i]).toBeCloseTo(mean(ys), 9);
		});
	});

	it("groups on aligned step buckets with x = another metric: x is the members' mean x", async () => {
		const data = await series({
			experimentIds: ids,
			metrics: ['loss'],
			x: { metric: 'tokens' },
			groupBy: 'hp.opt',
			buckets: 100
		});
		const members = membersOf('sgd', 'loss');
		const sgd = data.groups.find((g) => g.group === 'sgd')!;
		const shared = groupWidth(
			ids.map((_, r) => logged[r].get('loss')!),
			100
		);
		expect(sgd.bucket_width).toBe(shared.width);
		const expected = expectedGroup(
			members.map((id) => logged[ids.indexOf(id)].get('loss')!),
			shared,
			'std',
			'mean'
		);
		expect(sgd.count).toEqual(expected.count);
		expectClose(sgd.mean, expected.mean, 'sgd mean');
		const tokenBuckets = members.map((id) =>
			bruteBuckets(logged[ids.indexOf(id)].get('tokens')!, shared.width, shared.low, shared.high)
		);
		const expectedX = expected.x.map((start) =>
			mean(tokenBuckets.flatMap((b) => b.get(start / shared.width)?.last ?? []))
		);
		expectClose(sgd.x, expectedX, 'sgd x');
	});

	it('groups by tags (the sorted list) and by status; runs without a value form "(none)"', async () => {
		const tagged = await series({ experimentIds: ids, metrics: ['acc'], groupBy: 'tag' });
		expect(tagged.groups.map((g: { group: string; value: unknown }) => [g.group, g.value])).toEqual([
			['a, b', ['a', 'b']],
			['(none)', null]
		]);
		expect(tagged.groups[0].experiment_ids).toEqual([ids[1], ids[5]]);
		const status = await series({ experimentIds: ids, metrics: ['acc'], groupBy: 'status' });
		expect(status.groups.map((g: { group: string }) => g.group)).toEqual(['running']);
		expect(status.groups[0].experiment_ids).toEqual(ids.filter((_, r) => r !== 3));
	});

	it('groups by a captured context key (host, git.branch); runs without one form "(none)"', async () => {
		const logged = () => new Map([['loss', grid(random(41), 0, 1, 50)]]);
		const [a, b, c, bare] = [
			await run({}, logged()),
			await run({}, logged()),
			await run({}, logged()),
			await run({}, logged())
		];
		const context = async (id: string, host: string, branch: string) => {
			const put = await api('PUT', `/api/experiments/${id}/context`, {
				apiKey: key,
				body: { host, git: { commit: 'abcdef1', branch } }
			});
			expect(put.status).toBe(200);
		};
		await context(a, 'gpu-box-2', 'main');
		await context(b, 'gpu-box-1', 'feature/warmup');
		await context(c, 'gpu-box-2', 'feature/warmup');
		const experimentIds = [a, b, c, bare];
		const byHost = await series({ experimentIds, metrics: ['loss'], groupBy: 'host' });
		expect(byHost.groups.map((g) => [g.group, g.value, g.experiment_ids])).toEqual([
			['gpu-box-1', 'gpu-box-1', [b]],
			['gpu-box-2', 'gpu-box-2', [a, c]],
			['(none)', null, [bare]]
		]);
		expect(byHost.groups[1].count.every((n) => n === 2)).toBe(true);
		const byBranch = await series({ experimentIds, metrics: ['loss'], groupBy: 'git.branch' });
		expect(byBranch.groups.map((g) => [g.group, g.experiment_ids])).toEqual([
			['feature/warmup', [b, c]],
			['main', [a]],
			['(none)', [bare]]
		]);
	});

	it('says when the runs of a group share no step bucket, and gives them no band', async () => {
		const early = await run(
			{ hyperparams: [{ key: 'lr', value: 0.1 }] },
			new Map([['loss', grid(random(31), 0, 1, 100)]])
		);
		const late = await run(
			{ hyperparams: [{ key: 'lr', value: 0.1 }] },
			new Map([['loss', grid(random(32), 5000, 1, 5100)]])
		);
		const together = await run(
			{ hyperparams: [{ key: 'lr', value: 0.2 }] },
			new Map([['loss', grid(random(33), 0, 1, 5100)]])
		);
		const data = await series({
			experimentIds: [early, late, together],
			metrics: ['loss'],
			groupBy: 'hp.lr'
		});
		const [disjoint, alone] = data.groups;
		expect(disjoint).toMatchObject({ group: '0.1', experiment_ids: [early, late] });
		expect(disjoint.count.every((n) => n === 1)).toBe(true);
		expect(disjoint.std.every((std) => std === null)).toBe(true);
		expect(disjoint.lo.every((lo) => lo === null)).toBe(true);
		expect(alone.experiment_ids).toEqual([together]);
		expect(data.reason).toBe(
			`the runs of "0.1" (loss) share no step bucket: no band, each point is one run's value`
		);
		// A group of one run has no band either, and needs no saying.
		const single = await series({ experimentIds: [together], metrics: ['loss'], groupBy: 'hp.lr' });
		expect(single.reason).toBeNull();
	});

	it('refuses a groupBy that is not a query-language key, naming the field', async () => {
		const result = await api('POST', '/api/series', {
			apiKey: key,
			body: { experimentIds: ids, metrics: ['loss'], groupBy: 'hp.' }
		});
		expectEnvelope(result, 400, 'VALIDATION_ERROR');
		expect(Object.keys(result.body.error!.fields!)).toEqual(['groupBy']);
	});
});

describe('POST /api/series, bounds and visibility', () => {
	it('refuses more than 100 ids, naming the field', async () => {
		const result = await api('POST', '/api/series', {
			apiKey: key,
			body: { experimentIds: Array.from({ length: 101 }, () => randomUUID()), metrics: ['loss'] }
		});
		expectEnvelope(result, 400, 'VALIDATION_ERROR');
		expect(result.body.error!.fields).toEqual({ experimentIds: ['must have at most 100 ids'] });
	});

	it('refuses both or neither of metrics and pattern, and from after to', async () => {
		const id = randomUUID();
		for (const [body, field] of [
			[{ experimentIds: [id] }, 'metrics'],
			[{ experimentIds: [id], metrics: ['a'], pattern: 'a' }, 'metrics'],
			[{ experimentIds: [id], metrics: ['a'], from: 9, to: 3 }, 'from'],
			[{ experimentIds: [id], metrics: ['a'], x: 'epoch' }, 'x'],
			[{ experimentIds: [id], metrics: ['a'], buckets: 2001 }, 'buckets']
		] as const) {
			const result = await api('POST', '/api/series', { apiKey: key, body });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields!)).toEqual([field]);
		}
	});

	it('leaves out runs the caller may not see, as if they did not exist', async () => {
		const mine = await run({}, new Map([['loss', grid(random(5), 0, 1, 20)]]));
		const stranger = await signInWithWorkspace();
		const strangerKey = (await createKey(stranger.token)).key;
		const { id: theirs } = await createExperiment({ apiKey: strangerKey }, { name: 'private' });
		await api('POST', `/api/experiments/${theirs}/logs/batch`, {
			apiKey: strangerKey,
			body: { logs: [{ name: 'loss', msg_id: randomUUID(), value: 1, step: 0 }] }
		});
		const data = await series({
			experimentIds: [theirs, mine, randomUUID()],
			metrics: ['loss'],
			groupBy: 'status'
		});
		expect(data.experiment_ids).toEqual([mine]);
		expect(data.groups.flatMap((g: { experiment_ids: string[] }) => g.experiment_ids)).toEqual([mine]);
		const theirsOnly = await series({ experimentIds: [theirs], metrics: ['loss'] }, { token });
		expect(theirsOnly).toMatchObject({
			experiment_ids: [],
			series: [],
			reason: 'none of the experiments asked for is visible to you'
		});
	});

	it("shows a viewer of a team workspace its runs, and none of the viewer's own to others", async () => {
		const team = await createTeamWorkspace(userId);
		const loss = grid(random(6), 0, 1, 300);
		const teamRun = await run({ workspaceId: team }, new Map([['loss', loss]]));
		const mine = await run({}, new Map([['loss', loss]]));
		const viewer = await signInWithWorkspace();
		await addMember(team, viewer.userId, 'viewer');
		const body = { experimentIds: [mine, teamRun], metrics: ['loss'], buckets: 40 };
		const seen = await series(body, { token: viewer.token });
		expect(seen.experiment_ids).toEqual([teamRun]);
		expect(seen.series.map((s) => s.experiment_id)).toEqual([teamRun]);
		expect(seen.series[0]).toMatchObject(expectedSeries(loss, 40));
		const grouped = await series({ ...body, groupBy: 'status' }, { token: viewer.token });
		expect(grouped.groups.map((g) => g.experiment_ids)).toEqual([[teamRun]]);
		// A key of the viewer's own sees the same.
		const viewerKey = (await createKey(viewer.token)).key;
		expect((await series(body, { apiKey: viewerKey })).experiment_ids).toEqual([teamRun]);
	});

	it(`shares ${SERIES_BUCKET_BUDGET.toLocaleString('en')} buckets among the series read, and says so`, async () => {
		const runs = 40;
		const long = grid(random(9), 0, 1, 3000);
		const ids = [
			await run(
				{},
				new Map([
					['a', long],
					['b', long.slice(0, 5)],
					['c', long.slice(0, 5)]
				])
			)
		];
		while (ids.length < runs) {
			ids.push(
				await run(
					{},
					new Map([
						['a', long.slice(0, 3)],
						['b', long.slice(0, 3)],
						['c', long.slice(0, 3)]
					])
				)
			);
		}
		const fits = await series({ experimentIds: ids, metrics: ['a', 'b', 'c'], buckets: 1000 });
		expect(fits).toMatchObject({ truncated: false, reason: null, buckets: 1000 });
		const squeezed = await series({ experimentIds: ids, metrics: ['a', 'b', 'c'], buckets: 2000 });
		const each = Math.floor(SERIES_BUCKET_BUDGET / (runs * 3));
		expect(squeezed).toMatchObject({ truncated: true, buckets: each });
		expect(squeezed.reason).toBe(`120 series share the budget of 200,000 buckets: at most ${each} each`);
		expect(squeezed.series[0].x.length).toBeLessThanOrEqual(each);
		expect(squeezed.series[0]).toMatchObject(expectedSeries(long, each));
		// A metric x-axis reads twice the series.
		const withX = await series({
			experimentIds: ids,
			metrics: ['a', 'b'],
			x: { metric: 'c' },
			buckets: 2000
		});
		expect(withX.buckets).toBe(Math.floor(SERIES_BUCKET_BUDGET / (runs * 2 * 2)));
	});

	it('reads the first 50 metrics a pattern matches, and says so', async () => {
		const names = Array.from({ length: 52 }, (_, i) => `m/${String(i).padStart(2, '0')}`);
		const id = await run({}, new Map(names.map((name) => [name, [{ step: 0, value: 1 }]])));
		const data = await series({ experimentIds: [id], pattern: 'm/\\d+' });
		expect(data.metrics).toEqual(names.slice(0, 50));
		expect(data.truncated).toBe(true);
		expect(data.reason).toBe('the pattern matches more than 50 metrics: the first 50 by name are read');
	});
});

describe('POST /api/series, values that are not finite', () => {
	it('cannot be logged: JSON has no NaN, and a number too large to be finite is refused', async () => {
		const { id } = await createExperiment({ apiKey: key }, { name: 'nonfinite' });
		const result = await api('POST', `/api/experiments/${id}/logs/batch`, {
			apiKey: key,
			rawBody: `{"logs":[{"name":"loss","msg_id":"${randomUUID()}","value":1e999,"step":0}]}`,
			headers: { 'content-type': 'application/json' }
		});
		expectEnvelope(result, 400, 'VALIDATION_ERROR');
		expect(Object.keys(result.body.error!.fields!)).toEqual(['logs.0.value']);
	});

	it('stored anyway (written by other means), are left out of series and groups and counted', async () => {
		const points = grid(random(11), 0, 1, 10);
		const a = await run({ hyperparams: [{ key: 'g', value: 1 }] }, new Map([['loss', points]]));
		const b = await run(
			{ hyperparams: [{ key: 'g', value: 1 }] },
			new Map([['loss', points.map((p) => ({ ...p, value: p.value + 1 }))]])
		);
		await getSql()`
			update metric_points set value = 'NaN'
			where step = 4 and series_id = (select id from metric_series where experiment_id = ${a} and name = 'loss')
		`;
		const data = await series({ experimentIds: [a, b], metrics: ['loss'], groupBy: 'hp.g', members: true });
		const [sa, sb] = data.series;
		expect(sa.nonfinite).toBe(1);
		expect(sa.x).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
		expect(sb.nonfinite).toBe(0);
		const [group] = data.groups;
		expect(group).toMatchObject({ group: '1', value: 1, nonfinite: 1 });
		expect(group.count).toEqual([2, 2, 2, 2, 1, 2, 2, 2, 2, 2]);
		expect(group.mean[4]).toBe(points[4].value + 1);
		expect(group.std[4]).toBeNull();
	});
});
