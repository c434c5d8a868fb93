import { ema } from './ema';
import type { ChartSeries } from './chart-series';

export type XMode = 'step' | 'time';

/** Column indexes (into uPlot's data) of one named series. */
export interface SeriesColumns {
	raw: number;
	smooth: number;
	/** The band's lower and upper edge, when the series has one. */
	min?: number;
	max?: number;
}

export interface ChartData {
	/** uPlot's aligned data: x first, then the columns listed in `columns`. */
	data: [number[], ...(number | null)[][]];
	columns: SeriesColumns[];
}

/**
 * Builds uPlot's aligned columns for the named series: per series the raw values, the smoothed
 * line (EMA in step order) and, for buckets, the min/max band. Several series are joined on a
 * shared x (gaps are null; the chart spans them). On a log axis values ≤ 0 become gaps.
 */
export function buildChartData(
	series: readonly ChartSeries[],
	options: { xMode: XMode; smoothing: number; logY: boolean }
): ChartData {
	const tables = series.map((s) => seriesTable(s, options));
	const columns: SeriesColumns[] = [];
	let next = 1;
	for (const table of tables) {
		const hasBand = table.cols.length === 4;
		columns.push(
			hasBand
				? { raw: next, smooth: next + 1, min: next + 2, max: next + 3 }
				: { raw: next, smooth: next + 1 }
		);
		next += table.cols.length;
	}
	if (tables.length === 1) return { data: [tables[0].x, ...tables[0].cols], columns };
	return { data: join(tables), columns };
}

interface Table {
	x: number[];
	cols: (number | null)[][];
}

function seriesTable(s: ChartSeries, options: { xMode: XMode; smoothing: number; logY: boolean }): Table {
	const n = s.values.length;
	const positive = (v: number | null) => (v === null || (options.logY && v <= 0) ? null : v);
	const raw = Array.from(s.values, positive);
	const smooth = ema(raw, options.smoothing);
	const cols: (number | null)[][] = [raw, smooth];
	if (s.mins && s.maxs) cols.push(Array.from(s.mins, positive), Array.from(s.maxs, positive));
	const x = Array.from(options.xMode === 'step' ? s.steps : s.times);
	if (isAscending(x)) return { x, cols };

	// Wall time can run backwards against steps (a resumed or back-filled run); uPlot needs it sorted.
	const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
	return {
		x: order.map((i) => x[i]),
		cols: cols.map((col) => order.map((i) => col[i]))
	};
}

function isAscending(x: ArrayLike<number>): boolean {
	for (let i = 1; i < x.length; i++) if (x[i] < x[i - 1]) return false;
	return true;
}

/** Joins tables with ascending x onto their sorted union of x values. */
function join(tables: Table[]): [number[], ...(number | null)[][]] {
	const all = new Float64Array(tables.reduce((sum, t) => sum + t.x.length, 0));
	let offset = 0;
	for (const t of tables) {
		all.set(t.x, offset);
		offset += t.x.length;
	}
	all.sort();
	const xs: number[] = [];
	for (const value of all) if (xs.length === 0 || xs[xs.length - 1] !== value) xs.push(value);

	const out: [number[], ...(number | null)[][]] = [xs];
	for (const t of tables) {
		const cols = t.cols.map(() => new Array<number | null>(xs.length).fill(null));
		let j = 0;
		for (let i = 0; i < t.x.length; i++) {
			while (xs[j] < t.x[i]) j++;
			for (let c = 0; c < cols.length; c++) cols[c][j] = t.cols[c][i];
		}
		out.push(...cols);
	}
	return out;
}

/**
 * The step range covered by the x range [lo, hi] of a chart: the range itself in step mode, the
 * smallest and largest step of the points drawn inside it in time mode. Null if none is inside.
 */
export function stepRange(
	series: readonly ChartSeries[],
	xMode: XMode,
	lo: number,
	hi: number
): { from: number; to: number } | null {
	if (xMode === 'step') {
		const from = Math.max(0, Math.ceil(lo));
		const to = Math.floor(hi);
		return to >= from ? { from, to } : null;
	}
	let from = Infinity;
	let to = -Infinity;
	for (const s of series) {
		for (let i = 0; i < s.times.length; i++) {
			if (s.times[i] >= lo && s.times[i] <= hi) {
				from = Math.min(from, s.steps[i]);
				to = Math.max(to, s.steps[i]);
			}
		}
	}
	return from <= to ? { from, to } : null;
}
