/**
 * The smoothings a chart offers over a line's points (in x order): none, an exponential moving
 * average (TensorBoard's, see ema.ts), or a trailing running mean over a window of points, which
 * like the EMA only looks back, so the last point of a live run means what it meant before.
 */
import { ema, MAX_SMOOTHING } from './ema';

export type Smoothing = { kind: 'none' } | { kind: 'ema'; weight: number } | { kind: 'mean'; window: number };

export const MAX_MEAN_WINDOW = 200;

export function isSmoothed(smoothing: Smoothing): boolean {
	return (
		(smoothing.kind === 'ema' && smoothing.weight > 0) || (smoothing.kind === 'mean' && smoothing.window > 1)
	);
}

export function smooth(values: ArrayLike<number | null>, smoothing: Smoothing): (number | null)[] {
	if (smoothing.kind === 'ema') return ema(values, Math.min(smoothing.weight, MAX_SMOOTHING));
	if (smoothing.kind === 'mean') return runningMean(values, smoothing.window);
	return Array.from(values, (v) => (v === null || !Number.isFinite(v) ? null : v));
}

/**
 * The mean of each value and the `window - 1` values before it (fewer at the start). Gaps stay
 * gaps and do not count towards the window.
 */
export function runningMean(values: ArrayLike<number | null>, window: number): (number | null)[] {
	const size = Math.min(Math.max(Math.round(window), 1), MAX_MEAN_WINDOW);
	const out = new Array<number | null>(values.length);
	const recent: number[] = [];
	let sum = 0;
	for (let i = 0; i < values.length; i++) {
		const value = values[i];
		if (value === null || !Number.isFinite(value)) {
			out[i] = null;
			continue;
		}
		recent.push(value);
		sum += value;
		if (recent.length > size) sum -= recent.shift()!;
		out[i] = sum / recent.length;
	}
	return out;
}
