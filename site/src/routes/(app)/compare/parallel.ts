/**
 * The geometry of the parallel coordinates chart, apart from drawing: which axes there are and on
 * what scale, where a value sits on its axis, the ticks, and what a brush dragged on an axis
 * selects. Positions are fractions of the axis (0 at the bottom, 1 at the top); the component maps
 * them to pixels.
 */
import type { Experiment } from '$contracts/experiments';
import { formatKey, type Key } from '$contracts/query/ast';
import type { GroupValue } from '$contracts/series';
import type { AxisScale, Brush } from '$lib/experiments/compare-state';
import { niceTicks } from '$lib/experiments/scale';
import { compareGroupValues, groupLabel, keyLabel, keyOf, runValue } from './groups';

export type AxisKind = 'linear' | 'log' | 'categorical';

export interface Axis {
	key: string;
	label: string;
	kind: AxisKind;
	/** Every value is a positive number, so a log scale is possible. */
	canLog: boolean;
	/** Numbers: the smallest and largest value (equal ones widened). Categories: unused. */
	domain: [number, number];
	/** Categorical axes: the labels, bottom to top. */
	categories: string[];
	/** One per run: its number, its category label, or undefined when it has no value. */
	values: (number | string | undefined)[];
}

/** Positive values spanning this factor or more are put on a log axis unless the user says otherwise. */
export const LOG_SPAN = 100;

/** True when the values are positive and span two decades or more (learning rates, weight decays). */
export function isLogDistributed(values: number[]): boolean {
	if (values.length < 2 || values.some((value) => !(value > 0))) return false;
	return Math.max(...values) / Math.min(...values) >= LOG_SPAN;
}

/**
 * The axis for a key, from each run's value. Numbers make a numeric axis (log when the values are
 * log-distributed, or as `scale` overrides); anything else (text, booleans, a mix) a categorical
 * one. Undefined when fewer than two distinct values are set, unless `keepConstant`.
 */
export function buildAxis(
	key: string,
	label: string,
	raw: GroupValue[],
	options: { scale?: AxisScale; keepConstant?: boolean } = {}
): Axis | undefined {
	const set = raw.filter((value) => value !== null);
	const distinct = new Set(set.map((value) => JSON.stringify(value)));
	if (distinct.size === 0 || (distinct.size < 2 && !options.keepConstant)) return undefined;
	const numbers = set.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
	if (numbers.length === set.length) {
		const canLog = numbers.every((value) => value > 0);
		const log = canLog && (options.scale ? options.scale === 'log' : isLogDistributed(numbers));
		return {
			key,
			label,
			kind: log ? 'log' : 'linear',
			canLog,
			domain: numericDomain(numbers, log),
			categories: [],
			values: raw.map((value) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined))
		};
	}
	const byLabel = new Map<string, GroupValue>();
	for (const value of set) byLabel.set(groupLabel(value), value);
	const categories = [...byLabel.entries()]
		.sort(([, a], [, b]) => compareGroupValues(a, b))
		.map(([category]) => category);
	return {
		key,
		label,
		kind: 'categorical',
		canLog: false,
		domain: [0, Math.max(1, categories.length - 1)],
		categories,
		values: raw.map((value) => (value === null ? undefined : groupLabel(value)))
	};
}

function numericDomain(values: number[], log: boolean): [number, number] {
	const lo = Math.min(...values);
	const hi = Math.max(...values);
	if (lo < hi) return [lo, hi];
	if (log) return [lo / 2, hi * 2];
	const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
	return [lo - pad, hi + pad];
}

/** Where a value sits on its axis: 0 at the bottom, 1 at the top; undefined when it is not on it. */
export function axisPosition(axis: Axis, value: number | string | undefined): number | undefined {
	if (value === undefined) return undefined;
	if (axis.kind === 'categorical') {
		const index = axis.categories.indexOf(String(value));
		return index === -1 ? undefined : (index + 0.5) / axis.categories.length;
	}
	if (typeof value !== 'number') return undefined;
	const [lo, hi] = axis.domain;
	if (axis.kind === 'log') return (Math.log10(value) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
	return (value - lo) / (hi - lo);
}

/** The value at a position of a numeric axis (the inverse of `axisPosition`). */
export function valueAt(axis: Axis, position: number): number {
	const [lo, hi] = axis.domain;
	const t = Math.min(1, Math.max(0, position));
	if (axis.kind === 'log') return 10 ** (Math.log10(lo) + t * (Math.log10(hi) - Math.log10(lo)));
	return lo + t * (hi - lo);
}

export interface Tick {
	label: string;
	position: number;
	value?: number;
}

/** Ticks of a log axis: its decades, with 2× and 5× between them when it spans less than two. */
export function logTicks(domain: [number, number]): number[] {
	const [lo, hi] = domain;
	const first = Math.floor(Math.log10(lo));
	const last = Math.ceil(Math.log10(hi));
	const multiples = Math.log10(hi / lo) < 2 ? [1, 2, 5] : [1];
	// Every decade up to six of them; beyond that every other one, so labels never crowd.
	const stride = last - first > 6 ? 2 : 1;
	const ticks: number[] = [];
	for (let power = first; power <= last; power++) {
		if (multiples.length === 1 && power % stride !== 0) continue;
		for (const multiple of multiples) {
			const value = Number((multiple * 10 ** power).toPrecision(12));
			if (value >= lo * (1 - 1e-9) && value <= hi * (1 + 1e-9)) ticks.push(value);
		}
	}
	return ticks.length >= 2 ? ticks : [lo, hi];
}

export function axisTicks(axis: Axis, format: (value: number) => string): Tick[] {
	if (axis.kind === 'categorical') {
		return axis.categories.map((category, index) => ({
			label: category,
			position: (index + 0.5) / axis.categories.length
		}));
	}
	const values =
		axis.kind === 'log'
			? logTicks(axis.domain)
			: niceTicks(axis.domain, 4).filter((value) => value >= axis.domain[0] && value <= axis.domain[1]);
	return values.map((value) => ({ label: format(value), value, position: axisPosition(axis, value)! }));
}

/**
 * What a drag between two positions selects: the range of values between them, or the
 * categories whose places lie between them. Undefined when it selects no category.
 */
export function brushBetween(axis: Axis, from: number, to: number): Brush | undefined {
	const [low, high] = [Math.min(from, to), Math.max(from, to)];
	if (axis.kind === 'categorical') {
		const values = axis.categories.filter((_, index) => {
			const position = (index + 0.5) / axis.categories.length;
			return position >= low && position <= high;
		});
		return values.length ? { kind: 'set', values } : undefined;
	}
	return { kind: 'range', lo: valueAt(axis, low), hi: valueAt(axis, high) };
}

/** The stretch of the axis a brush covers, as positions [bottom, top]; undefined when none of it is on the axis. */
export function brushExtent(axis: Axis, brush: Brush): [number, number] | undefined {
	if (axis.kind === 'categorical') {
		if (brush.kind !== 'set') return undefined;
		const positions = brush.values
			.map((value) => axis.categories.indexOf(value))
			.filter((index) => index !== -1)
			.map((index) => (index + 0.5) / axis.categories.length);
		if (!positions.length) return undefined;
		const half = 0.5 / axis.categories.length;
		return [Math.min(...positions) - half, Math.max(...positions) + half];
	}
	if (brush.kind !== 'range') return undefined;
	const position = (value: number) =>
		axis.kind === 'log' && value <= 0 ? -Infinity : axisPosition(axis, value)!;
	const [lo, hi] = [position(brush.lo), position(brush.hi)];
	if (hi < 0 || lo > 1) return undefined;
	return [Math.max(0, lo), Math.min(1, hi)];
}

/** Whether a value lies inside a brush; a run with no value on a brushed axis is outside. */
export function insideBrush(value: number | string | undefined, brush: Brush): boolean {
	if (value === undefined) return false;
	if (brush.kind === 'set') return brush.values.includes(String(value));
	return typeof value === 'number' && value >= brush.lo && value <= brush.hi;
}

/**
 * The runs (by index) inside every brush of the axes shown; brushes on axes not shown are ignored.
 * Undefined when no shown axis is brushed (everything passes).
 */
export function brushedIndexes(
	axes: Axis[],
	brushes: Record<string, Brush>,
	runs: number
): Set<number> | undefined {
	const active = axes.filter((axis) => Object.hasOwn(brushes, axis.key));
	if (!active.length) return undefined;
	const inside = new Set<number>();
	for (let index = 0; index < runs; index++) {
		if (active.every((axis) => insideBrush(axis.values[index], brushes[axis.key]))) inside.add(index);
	}
	return inside;
}

/** A run's line: consecutive axes where it has a value, as [axis index, position] pairs; a gap breaks it. */
export function lineSegments(axes: Axis[], index: number): [number, number][][] {
	const segments: [number, number][][] = [];
	let current: [number, number][] = [];
	axes.forEach((axis, a) => {
		const position = axisPosition(axis, axis.values[index]);
		if (position === undefined) {
			if (current.length) segments.push(current);
			current = [];
		} else current.push([a, position]);
	});
	if (current.length) segments.push(current);
	return segments;
}

export interface AxesChoice {
	/** Metric and result keys to add after the hyperparameters. */
	measures: string[];
	/** Keys the user hid. */
	hidden: string[];
	scales: Record<string, AxisScale>;
	/** Hyperparameter axes drawn at most (the rest are listed as left out). */
	maxHyperparams: number;
}

export interface CompareAxes {
	axes: Axis[];
	/** Hyperparameters with one value in every run that has them. */
	constant: string[];
	/** Varying hyperparameters past `maxHyperparams`. */
	overflow: string[];
}

/**
 * The chart's axes over these runs: every hyperparameter that varies (in the order the runs
 * first name them), then the chosen metrics and results (kept even when constant: the user asked
 * for them), less the hidden ones.
 */
export function compareAxes(runs: Experiment[], choice: AxesChoice): CompareAxes {
	const names: string[] = [];
	const seen = new Set<string>();
	for (const run of runs) {
		for (const { key } of run.hyperparams) {
			if (!seen.has(key)) {
				seen.add(key);
				names.push(key);
			}
		}
	}
	const axes: Axis[] = [];
	const constant: string[] = [];
	const overflow: string[] = [];
	const hidden = new Set(choice.hidden);
	let hyperparams = 0;
	for (const name of names) {
		const hp: Key = { kind: 'hp', name };
		const key = formatKey(hp);
		if (hidden.has(key)) continue;
		const axis = buildAxis(
			key,
			name,
			runs.map((run) => runValue(run, hp)),
			{ scale: choice.scales[key] }
		);
		if (!axis) constant.push(key);
		else if (hyperparams++ < choice.maxHyperparams) axes.push(axis);
		else overflow.push(key);
	}
	for (const text of choice.measures) {
		const key = keyOf(text);
		if (!key || hidden.has(text)) continue;
		const axis = buildAxis(
			text,
			keyLabel(key),
			runs.map((run) => runValue(run, key)),
			{ scale: choice.scales[text], keepConstant: true }
		);
		if (axis) axes.push(axis);
	}
	return { axes, constant, overflow };
}
