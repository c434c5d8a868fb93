/**
 * From a panel's lines (each with its own x values) to uPlot's aligned columns: every line sorted
 * by x, smoothed in that order, and placed on one shared x. When the lines' x values together
 * are more than a chart can show (100 runs logging at different times), they are placed on an
 * even grid of `maxColumns` x values instead: finer than the pixels, and the columns stay
 * 100 × a few thousand rather than 100 × 100,000 mostly empty cells.
 */
import { isSmoothed, smooth, type Smoothing } from './smoothing';

export interface PanelLine {
	/** Unique within the chart: e.g. run id and metric, or group and metric. */
	key: string;
	/** What the legend and the read-out call it. */
	label: string;
	/** `#rrggbb`: bands and faint raw lines are drawn with alpha. */
	color: string;
	x: ArrayLike<number>;
	y: ArrayLike<number | null>;
	/** A band behind the line (a group's ± std, a bucket's min–max), when it has one. */
	lo?: ArrayLike<number | null>;
	hi?: ArrayLike<number | null>;
	/** A group's line is drawn thicker, its members thinner. */
	role?: 'line' | 'group' | 'member';
	/** Canvas line dash (e.g. [6, 3]): tells apart one run's metrics on a chart of several. */
	dash?: number[];
}

/** Indexes (into the aligned data) of one line's columns. */
export interface LineColumns {
	/** The values as logged: the line itself, or the faint line under a smoothed one. */
	raw: number;
	smooth: number | null;
	lo: number | null;
	hi: number | null;
}

export interface PanelData {
	data: [number[], ...(number | null)[][]];
	columns: LineColumns[];
	/** True when x values were placed on an even grid (see the module comment). */
	gridded: boolean;
}

export const MAX_COLUMNS = 4000;

interface Sorted {
	x: number[];
	cols: (number | null)[][];
}

export function buildPanelData(
	lines: readonly PanelLine[],
	options: { smoothing: Smoothing; log: boolean; maxColumns?: number }
): PanelData {
	const smoothed = isSmoothed(options.smoothing);
	const columns: LineColumns[] = [];
	const tables: Sorted[] = [];
	let next = 1;
	for (const line of lines) {
		const table = sortedTable(line, options.log);
		const cols = [table.cols[0]];
		const entry: LineColumns = { raw: next++, smooth: null, lo: null, hi: null };
		if (smoothed) {
			cols.push(smooth(table.cols[0], options.smoothing));
			entry.smooth = next++;
		}
		if (table.cols.length === 3) {
			cols.push(table.cols[1], table.cols[2]);
			entry.lo = next++;
			entry.hi = next++;
		}
		columns.push(entry);
		tables.push({ x: table.x, cols });
	}
	const { data, gridded } = join(tables, options.maxColumns ?? MAX_COLUMNS);
	return { data, columns, gridded };
}

function sortedTable(line: PanelLine, log: boolean): Sorted {
	const keep = (v: number | null | undefined) =>
		v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0) ? null : v;
	const order: number[] = [];
	for (let i = 0; i < line.x.length; i++) if (Number.isFinite(line.x[i])) order.push(i);
	let ascending = true;
	for (let i = 1; i < order.length && ascending; i++) ascending = line.x[order[i]] >= line.x[order[i - 1]];
	// Wall time can run backwards against steps (a resumed run), and a metric used as x need not grow.
	if (!ascending) order.sort((a, b) => line.x[a] - line.x[b]);
	const x = order.map((i) => line.x[i]);
	const cols = [order.map((i) => keep(line.y[i]))];
	if (line.lo && line.hi) {
		const { lo, hi } = line;
		cols.push(
			order.map((i) => keep(lo[i])),
			order.map((i) => keep(hi[i]))
		);
	}
	return { x, cols };
}

function join(tables: Sorted[], maxColumns: number): { data: PanelData['data']; gridded: boolean } {
	if (tables.length === 1 && tables[0].x.length <= maxColumns && isStrictlyAscending(tables[0].x)) {
		return { data: [tables[0].x, ...tables[0].cols], gridded: false };
	}
	const all = new Float64Array(tables.reduce((sum, t) => sum + t.x.length, 0));
	let offset = 0;
	for (const t of tables) {
		all.set(t.x, offset);
		offset += t.x.length;
	}
	all.sort();
	const xs: number[] = [];
	for (const value of all) if (xs.length === 0 || xs[xs.length - 1] !== value) xs.push(value);

	if (xs.length <= maxColumns) {
		const out: PanelData['data'] = [xs];
		for (const t of tables) {
			const cols = t.cols.map(() => new Array<number | null>(xs.length).fill(null));
			let j = 0;
			for (let i = 0; i < t.x.length; i++) {
				while (xs[j] < t.x[i]) j++;
				for (let c = 0; c < cols.length; c++) cols[c][j] = t.cols[c][i];
			}
			out.push(...cols);
		}
		return { data: out, gridded: false };
	}

	// An even grid over the whole range; a point goes to its nearest grid x (the last one wins).
	const min = xs[0];
	const max = xs[xs.length - 1];
	const width = (max - min) / (maxColumns - 1);
	const grid = Array.from({ length: maxColumns }, (_, i) => (i === maxColumns - 1 ? max : min + i * width));
	const out: PanelData['data'] = [grid];
	for (const t of tables) {
		const cols = t.cols.map(() => new Array<number | null>(maxColumns).fill(null));
		for (let i = 0; i < t.x.length; i++) {
			const j = Math.round((t.x[i] - min) / width);
			for (let c = 0; c < cols.length; c++) if (t.cols[c][i] !== null) cols[c][j] = t.cols[c][i];
		}
		out.push(...cols);
	}
	return { data: out, gridded: true };
}

function isStrictlyAscending(x: readonly number[]): boolean {
	for (let i = 1; i < x.length; i++) if (!(x[i] > x[i - 1])) return false;
	return true;
}

/** The first and last row whose x lies in [min, max] (binary search on the ascending x column). */
export function rowsWithin(x: ArrayLike<number>, min: number, max: number): [number, number] {
	const lowerBound = (value: number) => {
		let lo = 0;
		let hi = x.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (x[mid] < value) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	};
	const first = lowerBound(min);
	let last = lowerBound(max);
	if (last >= x.length || x[last] > max) last--;
	return [first, last];
}
