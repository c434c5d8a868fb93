/** The smoothing slider's range: 0 is off, 0.99 is the heaviest smoothing we offer. */
export const MAX_SMOOTHING = 0.99;

/**
 * Exponential moving average with TensorBoard's debiasing, so the first smoothed point equals
 * the first value instead of being pulled towards zero. `smoothing` is the weight of the past
 * (0 returns the values unchanged). Missing or non-finite values stay missing and do not reset
 * the average.
 */
export function ema(values: ArrayLike<number | null>, smoothing: number): (number | null)[] {
	const weight = Math.min(Math.max(smoothing, 0), MAX_SMOOTHING);
	const out = new Array<number | null>(values.length);
	let average = 0;
	let debias = 0;
	for (let i = 0; i < values.length; i++) {
		const value = values[i];
		if (value === null || !Number.isFinite(value)) {
			out[i] = null;
			continue;
		}
		if (weight === 0) {
			out[i] = value;
			continue;
		}
		average = average * weight + (1 - weight) * value;
		debias = debias * weight + (1 - weight);
		out[i] = average / debias;
	}
	return out;
}
