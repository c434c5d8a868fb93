/** Small scale helpers for the compare view's SVG charts (no chart library needed for these). */

export type Domain = [number, number];

/** [min, max] of the finite values, widened when they are all equal so a scale never divides by 0. */
export function extent(values: Iterable<number>): Domain | undefined {
	let min = Infinity;
	let max = -Infinity;
	for (const value of values) {
		if (!Number.isFinite(value)) continue;
		if (value < min) min = value;
		if (value > max) max = value;
	}
	if (min > max) return undefined;
	if (min === max) {
		const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
		return [min - pad, max + pad];
	}
	return [min, max];
}

/** Maps `domain` onto `range` linearly, or by log10 when `log` (domain must then be positive). */
export function scaleLinear(domain: Domain, range: Domain, log = false): (value: number) => number {
	const t = log ? Math.log10 : (v: number) => v;
	const d0 = t(domain[0]);
	const d1 = t(domain[1]);
	const span = d1 - d0 || 1;
	return (value) => range[0] + ((t(value) - d0) / span) * (range[1] - range[0]);
}

/** About `count` round tick values covering the domain (1, 2 or 5 times a power of ten). */
export function niceTicks(domain: Domain, count = 5): number[] {
	const [min, max] = domain;
	const raw = (max - min) / Math.max(1, count);
	if (!(raw > 0) || !Number.isFinite(raw)) return [min];
	// The round step nearest to the raw one (d3's rule), so the count stays close to `count`.
	const power = 10 ** Math.floor(Math.log10(raw));
	const error = raw / power;
	const step =
		power * (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1);
	const ticks: number[] = [];
	for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
		// Rounds away float noise such as 0.30000000000000004.
		ticks.push(Number(v.toPrecision(12)));
	}
	return ticks;
}

/** Ticks at the powers of ten inside a positive domain (at least the domain's ends). */
export function logTicks(domain: Domain): number[] {
	const ticks: number[] = [];
	for (let p = Math.ceil(Math.log10(domain[0])); p <= Math.floor(Math.log10(domain[1])); p++) {
		ticks.push(10 ** p);
	}
	return ticks.length ? ticks : [domain[0], domain[1]];
}

export interface Dimension {
	label: string;
	/** One per experiment, undefined where it has no (numeric) value. */
	values: (number | undefined)[];
}

export interface ParallelAxis {
	label: string;
	x: number;
	domain: Domain;
	ticks: { value: number; y: number }[];
}

export interface ParallelLine {
	index: number;
	/** Consecutive runs of defined points; a missing value breaks the line. */
	segments: { x: number; y: number }[][];
}

export interface ParallelLayout {
	axes: ParallelAxis[];
	lines: ParallelLine[];
}

/**
 * Parallel coordinates: one vertical axis per dimension spread evenly over [left, right], each
 * scaled to its own extent (min at the bottom), and one polyline per experiment.
 */
export function parallelLayout(
	dimensions: Dimension[],
	experiments: number,
	box: { left: number; right: number; top: number; bottom: number }
): ParallelLayout {
	const gap = dimensions.length > 1 ? (box.right - box.left) / (dimensions.length - 1) : 0;
	const axes = dimensions.map((dimension, i): ParallelAxis => {
		const domain = extent(dimension.values.filter((v): v is number => v !== undefined)) ?? [0, 1];
		const y = scaleLinear(domain, [box.bottom, box.top]);
		return {
			label: dimension.label,
			x: dimensions.length > 1 ? box.left + gap * i : (box.left + box.right) / 2,
			domain,
			ticks: niceTicks(domain, 4)
				.filter((value) => value >= domain[0] && value <= domain[1])
				.map((value) => ({ value, y: y(value) }))
		};
	});
	const scales = axes.map((axis) => scaleLinear(axis.domain, [box.bottom, box.top]));
	const lines = Array.from({ length: experiments }, (_, index): ParallelLine => {
		const segments: { x: number; y: number }[][] = [];
		let current: { x: number; y: number }[] = [];
		dimensions.forEach((dimension, d) => {
			const value = dimension.values[index];
			if (value === undefined) {
				if (current.length) segments.push(current);
				current = [];
			} else current.push({ x: axes[d].x, y: scales[d](value) });
		});
		if (current.length) segments.push(current);
		return { index, segments };
	});
	return { axes, lines };
}
