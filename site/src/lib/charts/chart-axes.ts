/**
 * What a chart's axes show, apart from uPlot: where the ticks go and how they read on each kind
 * of x-axis (steps as 2.5k, wall time as 14:05 with the date when days change, relative time as
 * 1h 30m, another metric as 500k) and on a linear or log y-axis (500k, 2e-4, log decades).
 */
import { formatValue } from './format';
import type { XAxis } from './panel-state';
import {
	durationTicks,
	formatDuration,
	formatStep,
	formatTime,
	logTickLabels,
	logTicks,
	numberTicks,
	tickLabels,
	timeTickLabels,
	timeTicks
} from './ticks';

export interface AxisTicks {
	/** Tick positions between `min` and `max`, at most about `maxTicks`. */
	splits(min: number, max: number, maxTicks: number): number[];
	/** Labels of the positions `splits` chose last. */
	labels(splits: readonly number[]): string[];
}

/** Room a tick label needs across the x-axis (px): wall time labels are the widest. */
export function xTickWidth(x: XAxis): number {
	return x === 'wall' ? 95 : 75;
}

/** The ticks of an x-axis of kind `x`. */
export function xAxisTicks(x: XAxis): AxisTicks {
	if (x === 'wall') {
		// Labels depend on the spacing chosen (seconds shown or not), kept from the last splits.
		let step = 1000;
		return {
			splits(min, max, maxTicks) {
				const ticks = timeTicks(min, max, maxTicks);
				step = ticks.step;
				return ticks.splits;
			},
			labels: (splits) => timeTickLabels(splits, step)
		};
	}
	if (x === 'relative') {
		return {
			splits: (min, max, maxTicks) => durationTicks(min, max, maxTicks).splits,
			labels: (splits) => splits.map(formatDuration)
		};
	}
	if (x === 'step') {
		return {
			// Steps are whole numbers: a tick at step 2.5 would be a lie.
			splits: (min, max, maxTicks) => numberTicks(min, max, maxTicks).splits.filter(Number.isInteger),
			labels: (splits) => splits.map(formatStep)
		};
	}
	return {
		splits: (min, max, maxTicks) => numberTicks(min, max, maxTicks).splits,
		labels: (splits) => tickLabels(splits)
	};
}

/** The ticks of a linear or a log₁₀ y-axis. */
export function yAxisTicks(log: boolean): AxisTicks {
	return log
		? { splits: (min, max, maxTicks) => logTicks(min, max, maxTicks).splits, labels: logTickLabels }
		: { splits: (min, max, maxTicks) => numberTicks(min, max, maxTicks).splits, labels: tickLabels };
}

/** An x value as the read-out above a chart says it: "step 1,200", a time, "1h 5m", "tokens 5000". */
export function formatX(value: number, x: XAxis, xLabel?: string): string {
	if (x === 'step') return `step ${value.toLocaleString()}`;
	if (x === 'wall') return formatTime(value);
	if (x === 'relative') return formatDuration(value);
	return `${xLabel ?? x.metric} ${formatValue(value)}`;
}
