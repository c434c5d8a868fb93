/**
 * Pearson and Spearman correlation over paired values. Pure, no dependencies: the importance
 * analysis and its tests use these directly. A pair counts only when both of its values are
 * finite, so a missing value (NaN) in either list drops that pair and nothing else.
 *
 * Both answer `null` where a coefficient says nothing: fewer than MIN_PAIRS pairs, or a side
 * with no variance (every value equal: the formula divides by zero).
 */

/** Below three pairs any two points lie on a line: |r| = 1 always, which means nothing. */
export const MIN_PAIRS = 3;

/** The pairs whose two values are both finite, as two aligned lists. */
function finitePairs(xs: ArrayLike<number>, ys: ArrayLike<number>): { x: number[]; y: number[] } {
	if (xs.length !== ys.length) throw new Error(`paired lists differ in length: ${xs.length} vs ${ys.length}`);
	const x: number[] = [];
	const y: number[] = [];
	for (let i = 0; i < xs.length; i++) {
		if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) {
			x.push(xs[i]);
			y.push(ys[i]);
		}
	}
	return { x, y };
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * The sample correlation r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² · Σ(y−ȳ)²), computed on centred values
 * (the one-pass Σxy − n·x̄·ȳ form loses every digit when values sit far from zero, such as
 * timestamps). Clamped to [−1, 1] against rounding.
 */
function correlationOf(x: number[], y: number[]): number | null {
	if (x.length < MIN_PAIRS) return null;
	const mx = mean(x);
	const my = mean(y);
	let sxy = 0;
	let sxx = 0;
	let syy = 0;
	for (let i = 0; i < x.length; i++) {
		const dx = x[i] - mx;
		const dy = y[i] - my;
		sxy += dx * dy;
		sxx += dx * dx;
		syy += dy * dy;
	}
	if (sxx === 0 || syy === 0) return null;
	return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Pearson's r over the finite pairs; null with fewer than 3 pairs or no variance on a side. */
export function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): number | null {
	const { x, y } = finitePairs(xs, ys);
	return correlationOf(x, y);
}

/**
 * 1-based ranks, ties sharing the average of the ranks they span (values 10, 20, 20, 30 rank
 * 1, 2.5, 2.5, 4), the convention that keeps Spearman's ρ equal to Pearson's r on the ranks.
 */
export function averageRanks(values: number[]): number[] {
	const order = values.map((_, index) => index).sort((a, b) => values[a] - values[b] || a - b);
	const ranks = new Array<number>(values.length);
	let start = 0;
	while (start < order.length) {
		let end = start;
		while (end + 1 < order.length && values[order[end + 1]] === values[order[start]]) end++;
		// Positions start..end (0-based) are ranks start+1..end+1; their average is the midpoint.
		const shared = (start + end) / 2 + 1;
		for (let k = start; k <= end; k++) ranks[order[k]] = shared;
		start = end + 1;
	}
	return ranks;
}

/** Spearman's ρ: Pearson's r of the average ranks of the finite pairs; null as for `pearson`. */
export function spearman(xs: ArrayLike<number>, ys: ArrayLike<number>): number | null {
	const { x, y } = finitePairs(xs, ys);
	if (x.length < MIN_PAIRS) return null;
	return correlationOf(averageRanks(x), averageRanks(y));
}
