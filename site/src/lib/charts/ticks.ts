/**
 * Axis ticks that read well: log axes labelled by decades (1e-4, 0.001, ... 1000, 1e4), values
 * and steps in short form (500k, 1.2M, 2e-4), wall time at whole seconds, minutes, hours or days
 * with the date where the range crosses midnight (never ":31.600"), and run durations as 45s,
 * 1h 30m, 2d 4h.
 */
import { formatValue } from './format';

export interface TimeOptions {
	/** 'UTC' (tests), or undefined for the reader's own time zone. */
	timeZone?: 'UTC';
	locale?: string;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Wall-time tick spacings below a month, in ms. */
const TIME_STEPS = [
	SECOND,
	2 * SECOND,
	5 * SECOND,
	10 * SECOND,
	15 * SECOND,
	30 * SECOND,
	MINUTE,
	2 * MINUTE,
	5 * MINUTE,
	10 * MINUTE,
	15 * MINUTE,
	30 * MINUTE,
	HOUR,
	2 * HOUR,
	3 * HOUR,
	6 * HOUR,
	12 * HOUR,
	DAY,
	2 * DAY,
	7 * DAY,
	14 * DAY
];
/** Beyond two weeks, ticks fall on the first of a month, every 1, 2, 3, 6 or 12 months. */
const MONTH_STEPS = [1, 2, 3, 6, 12];
/** An average month, to compare month steps with the range. */
const MONTH = 30.44 * DAY;

function offsetOf(t: number, options: TimeOptions): number {
	return options.timeZone === 'UTC' ? 0 : -new Date(t).getTimezoneOffset() * MINUTE;
}

export interface Ticks {
	splits: number[];
	/** The spacing chosen: ms for wall time, seconds for durations, or months (as `MONTH` ms). */
	step: number;
}

/**
 * Tick positions for wall time (ms since the epoch) between `min` and `max`, at most `maxTicks`
 * of them, aligned to whole units of the local clock (10:15, 10:30; midnight; the 1st).
 */
export function timeTicks(min: number, max: number, maxTicks: number, options: TimeOptions = {}): Ticks {
	const span = max - min;
	const wanted = Math.max(maxTicks, 1);
	if (!Number.isFinite(span)) return { splits: [], step: SECOND };
	if (!(span > 0)) return { splits: [min], step: SECOND };
	const step = TIME_STEPS.find((s) => span / s <= wanted);
	if (step !== undefined) {
		// Align in local time: shift into it, floor to the step, shift back.
		const offset = offsetOf(min, options);
		let t = Math.ceil((min + offset) / step) * step - offset;
		const splits: number[] = [];
		for (; t <= max && splits.length <= wanted + 2; t += step) splits.push(t + offset - offsetOf(t, options));
		return { splits, step };
	}
	const months =
		MONTH_STEPS.find((m) => span / (m * MONTH) <= wanted) ?? Math.ceil(span / (wanted * 12 * MONTH)) * 12;
	const utc = options.timeZone === 'UTC';
	const start = new Date(min);
	const year = utc ? start.getUTCFullYear() : start.getFullYear();
	const month = utc ? start.getUTCMonth() : start.getMonth();
	const splits: number[] = [];
	for (let m = Math.ceil(month / months) * months; ; m += months) {
		const t = utc ? Date.UTC(year, m, 1) : new Date(year, m, 1).getTime();
		if (t > max) break;
		if (t >= min) splits.push(t);
	}
	return { splits, step: months * MONTH };
}

const formats = new Map<string, Intl.DateTimeFormat>();
function format(options: TimeOptions, parts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	const key = JSON.stringify([options.locale, options.timeZone, parts]);
	let formatter = formats.get(key);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat(options.locale, { ...parts, timeZone: options.timeZone });
		formats.set(key, formatter);
	}
	return formatter;
}

const dayOf = (t: number, options: TimeOptions) => Math.floor((t + offsetOf(t, options)) / DAY);

/**
 * Labels for `timeTicks`' splits: "14:05" (or "14:05:30" below a minute), with the date under
 * the first tick and under every tick that starts another day when the range crosses days;
 * "Mar 4" from a day up; "Mar" or "Mar 2026" for months.
 */
export function timeTickLabels(splits: readonly number[], step: number, options: TimeOptions = {}): string[] {
	if (splits.length === 0) return [];
	if (step >= MONTH) {
		const crossesYears =
			new Date(splits[0]).getUTCFullYear() !== new Date(splits[splits.length - 1]).getUTCFullYear();
		const months = format(options, crossesYears ? { month: 'short', year: 'numeric' } : { month: 'short' });
		return splits.map((t) => months.format(t));
	}
	const date = format(options, { month: 'short', day: 'numeric' });
	if (step >= DAY) return splits.map((t) => date.format(t));
	const clock = format(
		options,
		step < MINUTE
			? { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
			: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
	);
	const crossesDays = dayOf(splits[0], options) !== dayOf(splits[splits.length - 1], options);
	return splits.map((t, i) => {
		const time = clock.format(t);
		const newDay = i === 0 || dayOf(t, options) !== dayOf(splits[i - 1], options);
		return crossesDays && newDay ? `${time}\n${date.format(t)}` : time;
	});
}

/** A full timestamp for read-outs: "Mar 4, 14:05:31". */
export function formatTime(t: number, options: TimeOptions = {}): string {
	return format(options, {
		month: 'short',
		day: 'numeric',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hourCycle: 'h23'
	}).format(t);
}

/** Duration tick spacings in seconds. */
const DURATION_STEPS = [
	1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400
];

/** Tick positions for durations in seconds: whole seconds, minutes, hours, then days. */
export function durationTicks(min: number, max: number, maxTicks: number): Ticks {
	const span = max - min;
	const wanted = Math.max(maxTicks, 1);
	if (!Number.isFinite(span)) return { splits: [], step: 1 };
	if (!(span > 0)) return { splits: [min], step: 1 };
	if (span < wanted / 2) return numberTicks(min, max, wanted);
	const step = DURATION_STEPS.find((s) => span / s <= wanted) ?? Math.ceil(span / wanted / 86400) * 86400;
	const splits: number[] = [];
	// Bounded by count: far from zero, adding a step may not change t.
	for (let t = Math.ceil(min / step) * step; t <= max && splits.length <= wanted + 2; t += step)
		splits.push(t);
	return { splits, step };
}

/** "0", "45s", "2m", "1m 30s", "1h", "1h 30m", "2d 4h"; fractions of a second as "0.25s". */
export function formatDuration(seconds: number): string {
	if (!Number.isFinite(seconds)) return '–';
	if (seconds === 0) return '0';
	const sign = seconds < 0 ? '-' : '';
	let rest = Math.abs(seconds);
	if (rest < 1) return `${sign}${formatValue(rest)}s`;
	rest = Math.round(rest);
	const units: [string, number][] = [
		['d', 86400],
		['h', 3600],
		['m', 60],
		['s', 1]
	];
	const parts: string[] = [];
	for (const [unit, size] of units) {
		const count = Math.floor(rest / size);
		rest -= count * size;
		if (count > 0) parts.push(`${count}${unit}`);
		// Two units say enough: 2d 4h, not 2d 4h 13m 5s.
		if (parts.length === 2) break;
		if (parts.length === 1 && rest === 0) break;
	}
	return sign + parts.join(' ');
}

/** "999", "1k", "2.5k", "125k", "1.2M", "3B": a step in at most three significant digits. */
export function formatStep(step: number): string {
	if (!Number.isFinite(step)) return '–';
	const abs = Math.abs(step);
	for (const [suffix, size] of [
		['B', 1e9],
		['M', 1e6],
		['k', 1e3]
	] as const) {
		if (abs >= size) return `${Number((step / size).toPrecision(3))}${suffix}`;
	}
	return String(Number(step.toPrecision(6)));
}

/** Ticks at 1, 2 or 5 × a power of ten: the spacing people count in. */
export function numberTicks(min: number, max: number, maxTicks: number): Ticks {
	const span = max - min;
	if (!Number.isFinite(span)) return { splits: [], step: 1 };
	if (!(span > 0)) return { splits: [min], step: 1 };
	const raw = span / Math.max(maxTicks, 1);
	const power = 10 ** Math.floor(Math.log10(raw));
	const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
	const splits: number[] = [];
	// Counted in whole steps with a little slack, so float noise neither drops an end tick
	// (7 × 0.05 is 0.35000000000000003) nor lets a range far from zero loop for ever.
	const first = Math.ceil(min / step - 1e-9);
	const last = Math.floor(max / step + 1e-9);
	for (let i = first; i <= last && splits.length <= maxTicks + 2; i++) {
		splits.push(Number((i * step).toPrecision(12)));
	}
	return { splits, step };
}

/** 10^e as people write it: plain from 0.001 to 1000, otherwise 1e-4, 1e5. */
export function formatDecade(exponent: number): string {
	if (exponent >= -3 && exponent <= 3) return String(Number((10 ** exponent).toPrecision(1)));
	return `1e${exponent}`;
}

/**
 * Ticks of a log₁₀ axis over [min, max] (both > 0): whole decades when three or more fall inside
 * (every second or fifth one when they would crowd), otherwise 1, 2 and 5 within the decades.
 */
export function logTicks(min: number, max: number, maxTicks: number): Ticks {
	if (!(min > 0) || !Number.isFinite(max)) return { splits: [], step: 1 };
	if (!(max > min)) return { splits: [min], step: 1 };
	const lo = Math.log10(min);
	const hi = Math.log10(max);
	const wanted = Math.max(maxTicks, 2);
	const decades = Math.floor(hi + 1e-9) - Math.ceil(lo - 1e-9) + 1;
	// Two decade ticks on a tall chart say too little: 1, 2, 5 within them read better.
	if (decades >= 3) {
		const every = [1, 2, 3, 5, 10, 20].find((k) => decades / k <= wanted) ?? Math.ceil(decades / wanted);
		const splits: number[] = [];
		for (let e = Math.ceil(lo - 1e-9); e <= hi + 1e-9; e++) {
			if (e % every === 0) splits.push(10 ** e);
		}
		return { splits, step: every };
	}
	// The finest of these that fits: 1–9, then 1, 2, 5, then 1, 3, then decades alone.
	for (const mantissas of [[1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 5], [1, 3], [1]]) {
		const splits: number[] = [];
		for (let e = Math.floor(lo) - 1; e <= Math.ceil(hi); e++) {
			for (const m of mantissas) {
				const value = Number((m * 10 ** e).toPrecision(12));
				if (value >= min * (1 - 1e-9) && value <= max * (1 + 1e-9)) splits.push(value);
			}
		}
		if (splits.length >= 2 && splits.length <= wanted) return { splits, step: 0 };
	}
	// Less than a decade with no round values inside: evenly spaced values.
	return numberTicks(min, max, Math.min(wanted, 5));
}

/** Labels of a log axis: decades as formatDecade writes them, other values as short numbers. */
export function logTickLabels(splits: readonly (number | null)[]): string[] {
	const step = smallestGap(splits.filter((value): value is number => value !== null && value > 0));
	return splits.map((value) => {
		if (value === null || !(value > 0)) return '';
		const exponent = Math.round(Math.log10(value));
		if (Math.abs(value - 10 ** exponent) <= 1e-9 * value) return formatDecade(exponent);
		return formatTick(value, step, value < TINY);
	});
}

/** The smallest positive distance between neighbouring ticks: the precision their labels need. */
function smallestGap(splits: readonly number[]): number {
	let step = Infinity;
	for (let i = 1; i < splits.length; i++) {
		const gap = Math.abs(splits[i] - splits[i - 1]);
		if (gap > 0 && gap < step) step = gap;
	}
	if (Number.isFinite(step)) return step;
	// One tick: a few digits of its own size.
	const largest = Math.max(0, ...splits.map(Math.abs));
	return largest > 0 ? 10 ** (Math.floor(Math.log10(largest)) - 2) : 1;
}

/** Below this, an axis is written in powers of ten (2e-4); from `SUFFIXES`' smallest up, shortened. */
const TINY = 1e-3;
/** Beyond the largest suffix, powers of ten again. */
const HUGE = 1e15;
const SUFFIXES = [
	['T', 1e12],
	['B', 1e9],
	['M', 1e6],
	['k', 1e3]
] as const;

/**
 * A tick value in as few characters as the axis's spacing `step` allows: "500k", "1.25M",
 * "0.35", and, on an axis of tiny values (`tiny`), "2.5e-4". Enough digits are kept to tell
 * neighbouring ticks apart (1.00005M beside 1.0001M), never more.
 */
export function formatTick(value: number, step: number, tiny = false): string {
	if (!Number.isFinite(value)) return '–';
	const abs = Math.abs(value);
	// Zero, or float noise where zero was meant (0.1 + 0.2 - 0.3).
	if (abs === 0 || (step > 0 && abs < step * 1e-6)) return '0';
	const magnitude = Math.floor(Math.log10(abs));
	const resolution = step > 0 && Number.isFinite(step) ? lastDigit(step) : magnitude - 2;
	const digits = Math.min(Math.max(magnitude - resolution + 1, 1), 15);
	if (tiny || abs >= HUGE) {
		const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
		return `${Number(mantissa)}e${Number(exponent)}`;
	}
	for (const [suffix, size] of SUFFIXES) {
		if (abs >= size) return `${Number((value / size).toPrecision(digits))}${suffix}`;
	}
	return String(Number(value.toPrecision(digits)));
}

/** The power of ten of `step`'s last significant digit (250 → 1, 0.05 → -2), up to three digits in. */
function lastDigit(step: number): number {
	let power = Math.floor(Math.log10(step) + 1e-9);
	for (let i = 0; i < 3; i++, power--) {
		const units = step / 10 ** power;
		if (Math.abs(units - Math.round(units)) <= 1e-6 * units) break;
	}
	return power;
}

/**
 * Labels of a linear axis's ticks (see formatTick): the spacing is read from the ticks, and an
 * axis whose values are all tiny is written in powers of ten throughout, not half one way.
 */
export function tickLabels(splits: readonly number[]): string[] {
	const step = smallestGap(splits);
	const largest = Math.max(0, ...splits.map(Math.abs));
	const tiny = largest > 0 && largest < TINY;
	return splits.map((value) => formatTick(value, step, tiny));
}
