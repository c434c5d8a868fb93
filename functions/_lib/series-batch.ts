/**
 * `POST /api/series` put together: which runs and metrics, how finely each series is read (a
 * bucket budget shared by every series), the x-axis, and the groups with their bands. The SQL is
 * in `repositories/series-batch.repository.ts`; this module plans the reads and combines them.
 *
 * Groups are computed on aligned step buckets: every member of a metric is read at the same
 * power-of-two width, so bucket k covers the same steps [k·w, (k + 1)·w) in every run. A member's
 * value in a bucket is its `last` value there (the value at its highest step in the bucket, as a
 * chart's line shows it), never a mean over its points, so a group of one run draws that run's
 * line. The width is also at least each member's average step spacing (rounded up to a power of
 * two; at most ten times coarser than the buckets asked for), so runs logging on different step
 * grids (every step, every 10th) meet in the same buckets instead of alternating between them.
 */
import {
	MAX_SERIES_METRICS,
	SERIES_BUCKET_BUDGET,
	type GroupColumns,
	type GroupValue,
	type SeriesBatch,
	type SeriesBatchBody,
	type SeriesColumns,
	type SeriesX
} from './contracts/series.ts';
import type { Experiment } from './contracts/experiments.ts';
import { groupRuns } from './contracts/group-values.ts';
import { isContextField, type ContextField, type Key } from './contracts/query/ast.ts';
import type { Db } from './db.ts';
import { findVisibleExperiments, type Viewer } from './repositories/experiment.repository.ts';
import {
	creatorEmails,
	findRunSeries,
	firstPointTimes,
	matchMetricNames,
	readBuckets,
	resultValues,
	type BucketColumns,
	type BucketRead,
	type SeriesRow
} from './repositories/series-batch.repository.ts';

export type SeriesBatchOutcome =
	{ kind: 'read'; read: SeriesBatch } | { kind: 'bad-pattern'; message: string };

/** A (run, metric) series to return or to group, with the step range it is read over. */
interface Planned {
	row: SeriesRow;
	/** Undefined when nothing of the series lies in the range asked for. */
	read?: BucketRead;
}

/** The buckets of one series once their x is known, column-wise as the answer has them. */
interface Aligned {
	bucket: number[];
	x: number[];
	y: number[];
	min: number[];
	max: number[];
	count: number[];
	/** Buckets left out because a value in them is NaN or infinite. */
	nonfinite: number;
}

/**
 * Room for `size` buckets. Sized up front, not grown by `push`: growing 600,000 numbers' worth
 * of arrays per request (bench P12) allocated five times what they hold.
 */
const noBuckets = (size = 0): Aligned => {
	const column = () => new Array<number>(size);
	return {
		bucket: column(),
		x: column(),
		y: column(),
		min: column(),
		max: column(),
		count: column(),
		nonfinite: 0
	};
};

export async function readSeriesBatch(
	db: Db,
	viewer: Viewer,
	body: SeriesBatchBody,
	origin: string
): Promise<SeriesBatchOutcome> {
	const groupKey = body.groupBy;
	const summaryNames = groupKey?.kind === 'metric' ? [groupKey.name] : [];
	const contextFields: ContextField[] =
		groupKey?.kind === 'field' && isContextField(groupKey.field) ? [groupKey.field] : [];
	const xMetric = typeof body.x === 'object' ? body.x.metric : undefined;
	const named =
		body.metrics && (xMetric && !body.metrics.includes(xMetric) ? [...body.metrics, xMetric] : body.metrics);
	// Named series are looked up alongside the visibility check, for every id asked for; the
	// series of runs the caller may not see are dropped below, before anything reads them.
	const [runs, namedRows] = await Promise.all([
		findVisibleExperiments(db, viewer, body.experimentIds, summaryNames, origin, contextFields),
		named ? findRunSeries(db, body.experimentIds, named) : undefined
	]);
	const runIds = runs.map((run) => run.id);
	const answer = new Answer(runIds, body.buckets);
	if (runs.length === 0) return answer.done('none of the experiments asked for is visible to you');

	let metrics = body.metrics ?? [];
	if (body.pattern !== undefined) {
		const matched = await matchMetricNames(db, runIds, `^(?:${body.pattern})$`, MAX_SERIES_METRICS + 1);
		if (matched.kind === 'bad-pattern') return matched;
		metrics = matched.names.slice(0, MAX_SERIES_METRICS);
		if (matched.names.length > MAX_SERIES_METRICS) {
			answer.truncate(
				`the pattern matches more than ${MAX_SERIES_METRICS} metrics: the first ${MAX_SERIES_METRICS} by name are read`
			);
		}
		if (metrics.length === 0) return answer.done(`no metric of the ${runs.length} runs matches the pattern`);
	}
	answer.metrics = metrics;

	const visible = new Set(runIds);
	const [rows, firstTimes, groupValues] = await Promise.all([
		namedRows?.filter((row) => visible.has(row.experiment_id)) ??
			findRunSeries(db, runIds, xMetric && !metrics.includes(xMetric) ? [...metrics, xMetric] : metrics),
		body.x === 'relative' ? firstPointTimes(db, runIds) : undefined,
		groupKey ? groupValuesOf(db, runs, groupKey) : undefined
	]);
	const seriesOf = new Map(rows.map((row) => [`${row.experiment_id}\n${row.name}`, row]));
	const ySeries = runIds.flatMap((run) =>
		metrics.flatMap((metric) => seriesOf.get(`${run}\n${metric}`) ?? [])
	);
	answer.missing = metrics.filter((metric) => !ySeries.some((row) => row.name === metric));
	if (ySeries.length === 0) {
		const named = answer.missing.map((metric) => `"${metric}"`).join(', ');
		return answer.done(`none of the ${runs.length} runs has ${named}`);
	}

	// Every series read (the y series and, for a metric x-axis, the same run's x series) shares the budget.
	const seriesRead = ySeries.length * (xMetric ? 2 : 1);
	const buckets = Math.min(body.buckets, Math.max(1, Math.floor(SERIES_BUCKET_BUDGET / seriesRead)));
	answer.buckets = buckets;
	if (buckets < body.buckets) {
		answer.truncate(
			`${seriesRead} series share the budget of ${SERIES_BUCKET_BUDGET.toLocaleString('en')} buckets: at most ${buckets} each`
		);
	}

	const planned = groupValues
		? planAligned(ySeries, metrics, body, buckets)
		: ySeries.map((row) => planOwn(row, body, buckets, xMetric !== undefined));
	const xReads = planned.map(({ row, read }) => {
		const xRow = xMetric && read ? seriesOf.get(`${row.experiment_id}\n${xMetric}`) : undefined;
		return xRow && read ? { ...read, seriesId: xRow.id } : undefined;
	});
	const reads = [...planned.flatMap(({ read }) => read ?? []), ...xReads.flatMap((read) => read ?? [])];
	const fetched = await readBuckets(db, reads, body.x === 'wall' || body.x === 'relative');
	const bucketsOf = new Map<BucketRead, BucketColumns>(reads.map((read, index) => [read, fetched[index]]));

	const aligned = planned.map(({ row, read }, index): Aligned => {
		if (!read) return noBuckets();
		const xRead = xReads[index];
		const firstTime = firstTimes?.get(row.experiment_id);
		return align(bucketsOf.get(read)!, body.x, xRead && bucketsOf.get(xRead), firstTime);
	});

	if (!groupValues || body.members) {
		answer.series = planned.map(({ row, read }, index) => toColumns(row, read, aligned[index]));
	}
	if (groupValues) {
		answer.groups = combineGroups(planned, aligned, groupValues, metrics, body);
		const disjoint = answer.groups.filter(
			(group) => group.experiment_ids.length > 1 && group.count.length > 0 && group.count.every((n) => n < 2)
		);
		if (disjoint.length) answer.note(disjointReason(disjoint));
	}
	if (xMetric && !rows.some((row) => row.name === xMetric)) {
		return answer.done(`none of the ${runs.length} runs has the x-axis metric "${xMetric}"`);
	}
	const empty = answer.series.every((s) => s.x.length === 0) && answer.groups.every((g) => g.x.length === 0);
	return answer.done(empty ? 'no points in the step range asked for' : undefined);
}

/** The answer as it is filled in, with what it says about itself. */
class Answer {
	metrics: string[] = [];
	missing: string[] = [];
	series: SeriesColumns[] = [];
	groups: GroupColumns[] = [];
	private reasons: string[] = [];
	private truncated = false;

	constructor(
		private readonly runIds: string[],
		public buckets: number
	) {}

	truncate(reason: string): void {
		this.truncated = true;
		this.reasons.push(reason);
	}

	/** Something the caller should know that leaves the answer complete. */
	note(reason: string): void {
		this.reasons.push(reason);
	}

	done(emptyReason?: string): SeriesBatchOutcome {
		const reasons = emptyReason ? [emptyReason, ...this.reasons] : this.reasons;
		return {
			kind: 'read',
			read: {
				experiment_ids: this.runIds,
				metrics: this.metrics,
				missing_metrics: this.missing,
				buckets: this.buckets,
				series: this.series,
				groups: this.groups,
				truncated: this.truncated,
				reason: reasons.length ? reasons.join('; ') : null
			}
		};
	}
}

/** The step range of a series asked for: [low, high], or undefined when it holds none of it. */
function rangeOf(row: SeriesRow, body: SeriesBatchBody): [number, number] | undefined {
	if (row.first_step === null || row.last_step === null) return undefined;
	const low = Math.max(body.from ?? row.first_step, row.first_step);
	const high = Math.min(body.to ?? row.last_step, row.last_step);
	return low <= high ? [low, high] : undefined;
}

/** The smallest power-of-two width covering [low, high] in at most `buckets` aligned buckets. */
function widthFor(low: number, high: number, buckets: number): number {
	let width = 1;
	while (Math.floor(high / width) - Math.floor(low / width) + 1 > buckets) width *= 2;
	return width;
}

function alignedRead(seriesId: number, low: number, high: number, width: number): BucketRead {
	return {
		seriesId,
		start: Math.floor(low / width) * width,
		end: (Math.floor(high / width) + 1) * width - 1,
		width
	};
}

/**
 * An ungrouped series at its own resolution. A series with no more points than buckets is read
 * point by point (width 1); otherwise by range. With a metric x-axis the width always comes from
 * the range, since the x series is read at the same width and may be denser than the y series.
 */
function planOwn(row: SeriesRow, body: SeriesBatchBody, buckets: number, sharedWidth: boolean): Planned {
	const range = rangeOf(row, body);
	if (!range) return { row };
	const [low, high] = range;
	const width = !sharedWidth && row.point_count <= buckets ? 1 : widthFor(low, high, buckets);
	return { row, read: alignedRead(row.id, low, high, width) };
}

/** How much coarser than asked the members' step spacing may make a group's buckets. */
const MAX_COARSENING = 10;

/**
 * Group members: per metric, one width and one range for every run (whatever its group), so
 * bucket k is the same steps everywhere and groups can be compared bucket by bucket.
 */
function planAligned(
	ySeries: SeriesRow[],
	metrics: string[],
	body: SeriesBatchBody,
	buckets: number
): Planned[] {
	const widths = new Map<string, { low: number; high: number; width: number }>();
	for (const metric of metrics) {
		const ranges = ySeries
			.filter((row) => row.name === metric)
			.map((row) => rangeOf(row, body))
			.filter((range) => range !== undefined);
		if (ranges.length === 0) continue;
		const low = Math.min(...ranges.map(([from]) => from));
		const high = Math.max(...ranges.map(([, to]) => to));
		let width = widthFor(low, high, buckets);
		// One very sparse run may coarsen the grid, but to no fewer than a tenth of the buckets.
		const coarsest = widthFor(low, high, Math.ceil(buckets / MAX_COARSENING));
		for (const row of ySeries) {
			if (row.name !== metric || row.point_count < 2) continue;
			const spacing = (row.last_step! - row.first_step!) / (row.point_count - 1);
			while (width < spacing && width < coarsest) width *= 2;
		}
		widths.set(metric, { low, high, width });
	}
	return ySeries.map((row) => {
		const shared = widths.get(row.name);
		const range = rangeOf(row, body);
		if (!shared || !range) return { row };
		return { row, read: alignedRead(row.id, shared.low, shared.high, shared.width) };
	});
}

/**
 * A series' buckets on the x-axis asked for. Buckets whose x-axis metric has no point are left
 * out; buckets holding a non-finite value are left out and counted. With a metric x-axis, `xs`
 * is the same run's x series read at the same width: both are by bucket, so one pass pairs them.
 */
function align(
	buckets: BucketColumns,
	x: SeriesX,
	xs: BucketColumns | undefined,
	firstTime: number | undefined
): Aligned {
	const time = buckets.time ?? [];
	const start = firstTime ?? time[0] ?? 0;
	const size = buckets.bucket.length;
	const out = noBuckets(size);
	let kept = 0;
	let xIndex = 0;
	for (let k = 0; k < size; k++) {
		let xValue: number;
		if (x === 'step') xValue = buckets.lastStep[k];
		else if (x === 'wall') xValue = time[k];
		else if (x === 'relative') xValue = (time[k] - start) / 1000;
		else {
			if (!xs) continue;
			while (xIndex < xs.bucket.length && xs.bucket[xIndex] < buckets.bucket[k]) xIndex++;
			if (xs.bucket[xIndex] !== buckets.bucket[k]) continue;
			xValue = xs.last[xIndex];
		}
		const y = buckets.last[k];
		const min = buckets.min[k];
		const max = buckets.max[k];
		if (!(Number.isFinite(xValue) && Number.isFinite(y) && Number.isFinite(min) && Number.isFinite(max))) {
			out.nonfinite++;
			continue;
		}
		out.bucket[kept] = buckets.bucket[k];
		out.x[kept] = xValue;
		out.y[kept] = y;
		out.min[kept] = min;
		out.max[kept] = max;
		out.count[kept] = buckets.count[k];
		kept++;
	}
	for (const column of [out.bucket, out.x, out.y, out.min, out.max, out.count]) column.length = kept;
	return out;
}

function toColumns(row: SeriesRow, read: BucketRead | undefined, aligned: Aligned): SeriesColumns {
	const { x, y, min, max, count, nonfinite } = aligned;
	return {
		experiment_id: row.experiment_id,
		metric: row.name,
		bucket_width: read?.width ?? 1,
		x,
		y,
		min,
		max,
		count,
		nonfinite
	};
}

// ---- Groups ----

interface Group {
	label: string;
	value: GroupValue;
	runIds: Set<string>;
}

/**
 * The runs' groups under `key` (contracts/group-values.ts: numbers, text, booleans, lists, then
 * "(none)"), with what the runs' list shape lacks looked up: creators' emails, the result's value.
 */
async function groupValuesOf(db: Db, runs: Experiment[], key: Key): Promise<Group[]> {
	const runIds = runs.map((run) => run.id);
	const creators =
		key.kind === 'field' && key.field === 'creator'
			? await creatorEmails(db, [...new Set(runs.flatMap((run) => run.created_by ?? []))])
			: undefined;
	const results = key.kind === 'result' ? await resultValues(db, runIds, key.name) : undefined;
	return groupRuns(runs, key, { creators, results }).map((group) => ({
		label: group.label,
		value: group.value,
		runIds: new Set(group.runIds)
	}));
}

/** Every (group, metric) with members, groups in their order, metrics in the request's. */
function combineGroups(
	planned: Planned[],
	aligned: Aligned[],
	groups: Group[],
	metrics: string[],
	body: SeriesBatchBody
): GroupColumns[] {
	const columns: GroupColumns[] = [];
	for (const group of groups) {
		for (const metric of metrics) {
			const members = planned.flatMap((plan, index) =>
				plan.row.name === metric && group.runIds.has(plan.row.experiment_id)
					? [{ plan, aligned: aligned[index] }]
					: []
			);
			if (members.length === 0) continue;
			const width = members.find(({ plan }) => plan.read)?.plan.read?.width ?? 1;
			columns.push({
				group: group.label,
				value: group.value,
				metric,
				experiment_ids: members.map(({ plan }) => plan.row.experiment_id),
				bucket_width: width,
				...bucketStatistics(
					members.map((member) => member.aligned),
					width,
					body
				)
			});
		}
	}
	return columns;
}

/** Groups are listed by name up to this many in a reason; beyond, counted. */
const NAMED_IN_REASON = 5;

/**
 * Groups whose runs never meet in a step bucket have a line of one run at a time and no band:
 * said plainly, so a chart does not pass the line off as an average.
 */
function disjointReason(groups: GroupColumns[]): string {
	const named = groups.slice(0, NAMED_IN_REASON).map((group) => `"${group.group}" (${group.metric})`);
	const more = groups.length > NAMED_IN_REASON ? ` and ${groups.length - NAMED_IN_REASON} more` : '';
	return `the runs of ${named.join(', ')}${more} share no step bucket: no band, each point is one run's value`;
}

type Statistics = Omit<GroupColumns, 'group' | 'value' | 'metric' | 'experiment_ids' | 'bucket_width'>;

/** Per bucket, across the members that have it: the aggregate line, its band, min, max and count. */
function bucketStatistics(members: Aligned[], width: number, body: SeriesBatchBody): Statistics {
	const byBucket = new Map<number, { xs: number[]; ys: number[] }>();
	for (const member of members) {
		member.bucket.forEach((bucket, k) => {
			const entry = byBucket.get(bucket) ?? { xs: [], ys: [] };
			entry.xs.push(member.x[k]);
			entry.ys.push(member.y[k]);
			byBucket.set(bucket, entry);
		});
	}
	const stats: Statistics = {
		x: [],
		mean: [],
		...(body.aggregate === 'median' ? { median: [] } : {}),
		std: [],
		lo: [],
		hi: [],
		min: [],
		max: [],
		count: [],
		nonfinite: members.reduce((sum, member) => sum + member.nonfinite, 0)
	};
	const center = body.aggregate === 'median' ? median : mean;
	for (const bucket of [...byBucket.keys()].sort((a, b) => a - b)) {
		const { xs, ys } = byBucket.get(bucket)!;
		const average = mean(ys);
		const line = center(ys);
		const deviation = sampleStd(ys, average);
		const min = Math.min(...ys);
		const max = Math.max(...ys);
		let spread: number | null;
		if (body.band === 'std') spread = deviation;
		else if (body.band === 'stderr') spread = deviation === null ? null : deviation / Math.sqrt(ys.length);
		else spread = null;
		stats.x.push(body.x === 'step' ? bucket * width : center(xs));
		stats.mean.push(average);
		stats.median?.push(line);
		stats.std.push(deviation);
		stats.lo.push(body.band === 'minmax' ? min : spread === null ? null : line - spread);
		stats.hi.push(body.band === 'minmax' ? max : spread === null ? null : line + spread);
		stats.min.push(min);
		stats.max.push(max);
		stats.count.push(ys.length);
	}
	return stats;
}

function mean(values: number[]): number {
	let sum = 0;
	for (const value of values) sum += value;
	return sum / values.length;
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = sorted.length >> 1;
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The sample standard deviation (n − 1): the members are a sample of the runs one could make. */
function sampleStd(values: number[], average: number): number | null {
	if (values.length < 2) return null;
	let squares = 0;
	for (const value of values) squares += (value - average) ** 2;
	return Math.sqrt(squares / (values.length - 1));
}
