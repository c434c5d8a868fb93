/**
 * A chart's y range: all the data (`auto`), the data without its outliers (`clip`: the 1st to
 * 99th percentile, widened by a margin but never past the data), or bounds the user typed
 * (`fixed`, either side may be left automatic). On a log axis the same is done on log₁₀ values.
 */

export type YRange =
	{ kind: 'auto' } | { kind: 'clip' } | { kind: 'fixed'; min: number | null; max: number | null };

/** The percentiles `clip` keeps, and the margin added around them (a share of their spread). */
export const CLIP_PERCENTILES = [0.01, 0.99] as const;
const CLIP_MARGIN = 0.1;
/** Padding above and below the data, as a share of its spread. */
const PAD = 0.05;
/** Percentiles are estimated from at most this many values (evenly strided), to stay fast at 100 runs. */
const MAX_SAMPLE = 50_000;

type Column = ArrayLike<number | null | undefined>;

/**
 * The y range of `columns` over rows [from, to] (inclusive), or null when no value is there (the
 * chart then picks its own). `log`: values ≤ 0 are left out and the range is positive.
 */
export function yBounds(
	columns: readonly Column[],
	from: number,
	to: number,
	range: YRange,
	log: boolean
): [number, number] | null {
	const values = collect(columns, from, to, log, range.kind === 'clip');
	const fixed = range.kind === 'fixed' ? fixedSides(range, log) : { min: null, max: null };
	if (fixed.min !== null && fixed.max !== null && fixed.min < fixed.max)
		return out([fixed.min, fixed.max], log);
	if (values.count === 0) {
		if (fixed.min === null && fixed.max === null) return null;
		const side = (fixed.min ?? fixed.max)!;
		return out(fixed.min !== null ? [side, side + 1] : [side - 1, side], log);
	}
	let [lo, hi] = [values.min, values.max];
	if (range.kind === 'clip') [lo, hi] = clipped(values);
	[lo, hi] = padded(lo, hi, log);
	if (fixed.min !== null) lo = fixed.min;
	if (fixed.max !== null) hi = fixed.max;
	if (!(lo < hi)) [lo, hi] = padded(Math.min(lo, hi), Math.min(lo, hi), log);
	return out([lo, hi], log);
}

interface Collected {
	count: number;
	min: number;
	max: number;
	sample: number[];
}

/** Min, max and count of the values; `sampled`: also the sample percentiles are taken from. */
function collect(
	columns: readonly Column[],
	from: number,
	to: number,
	log: boolean,
	sampled: boolean
): Collected {
	let count = 0;
	let min = Infinity;
	let max = -Infinity;
	for (const column of columns) {
		const end = Math.min(to, column.length - 1);
		for (let i = Math.max(from, 0); i <= end; i++) {
			const v = column[i];
			if (v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0)) continue;
			const value = log ? Math.log10(v) : v;
			count++;
			if (value < min) min = value;
			if (value > max) max = value;
		}
	}
	const stride = Math.max(1, Math.ceil(count / MAX_SAMPLE));
	const sample: number[] = [];
	let seen = 0;
	// Every zoom ranges y again on every chart: only `clip` needs the second pass.
	if (sampled)
		for (const column of columns) {
			const end = Math.min(to, column.length - 1);
			for (let i = Math.max(from, 0); i <= end; i++) {
				const v = column[i];
				if (v === null || v === undefined || !Number.isFinite(v) || (log && v <= 0)) continue;
				if (seen++ % stride === 0) sample.push(log ? Math.log10(v) : v);
			}
		}
	return { count, min, max, sample };
}

/** The q-quantile of sorted values, interpolating between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
	if (sorted.length === 0) return Number.NaN;
	const at = (sorted.length - 1) * Math.min(Math.max(q, 0), 1);
	const below = Math.floor(at);
	const above = Math.min(below + 1, sorted.length - 1);
	return sorted[below] + (sorted[above] - sorted[below]) * (at - below);
}

function clipped({ sample, min, max }: Collected): [number, number] {
	const sorted = sample.sort((a, b) => a - b);
	const low = quantile(sorted, CLIP_PERCENTILES[0]);
	const high = quantile(sorted, CLIP_PERCENTILES[1]);
	const margin = (high - low) * CLIP_MARGIN;
	return [Math.max(min, low - margin), Math.min(max, high + margin)];
}

function padded(lo: number, hi: number, log: boolean): [number, number] {
	if (hi > lo) {
		const pad = (hi - lo) * PAD;
		return [lo - pad, hi + pad];
	}
	// One value: a range around it (half a decade on a log axis, 10% or 1 on a linear one).
	const around = log ? 0.5 : Math.abs(lo) * 0.1 || 1;
	return [lo - around, hi + around];
}

function fixedSides(range: { min: number | null; max: number | null }, log: boolean) {
	const side = (v: number | null) =>
		v === null || !Number.isFinite(v) || (log && v <= 0) ? null : log ? Math.log10(v) : v;
	return { min: side(range.min), max: side(range.max) };
}

function out([lo, hi]: [number, number], log: boolean): [number, number] {
	return log ? [10 ** lo, 10 ** hi] : [lo, hi];
}
