/**
 * From one run's metric data to a chart panel's lines: each metric on the x-axis its panel asks
 * for. Step, wall time and relative time come with every series the page has read; another metric
 * as x comes from `POST /api/series` (`xSeries`), which pairs the two by step on the server.
 */
import type { SeriesColumns } from '$contracts/series';
import type { MetricData } from '$lib/charts/chart-series';
import type { PanelLine } from '$lib/charts/panel-data';
import type { XAxis } from '$lib/charts/panel-state';
import type { MetricView } from './live-metrics';

/** The first time any of the run's series logged a point (ms), for relative time; 0 without data. */
export function runStart(views: readonly MetricView[]): number {
	let start = Infinity;
	for (const view of views) {
		const first = view.full.times[0];
		if (first !== undefined && first < start) start = first;
	}
	return Number.isFinite(start) ? start : 0;
}

/** The data a view shows on `x`: a zoom's finer data only counts on the step axis it was read for. */
export function viewData(view: MetricView, x: XAxis): MetricData {
	return x === 'step' && view.zoom?.data ? view.zoom.data : view.full;
}

export interface LineSources {
	/** Views by metric name (a Map: any name is a key). */
	views: ReadonlyMap<string, MetricView>;
	colors: ReadonlyMap<string, string>;
	/** See runStart(). */
	start: number;
	/** With a metric as x: the series read on that axis, by metric name. */
	xSeries?: ReadonlyMap<string, SeriesColumns>;
}

/** One line per metric that has data on `x`; metrics without any are left out. */
export function panelLines(metrics: readonly string[], x: XAxis, sources: LineSources): PanelLine[] {
	const lines: PanelLine[] = [];
	for (const name of metrics) {
		const color = sources.colors.get(name) ?? '#71717a';
		if (typeof x !== 'string') {
			const series = sources.xSeries?.get(name);
			if (!series || series.x.length === 0) continue;
			const banded = series.bucket_width > 1;
			lines.push({
				key: name,
				label: name,
				color,
				x: series.x,
				y: series.y,
				...(banded ? { lo: series.min, hi: series.max } : {})
			});
			continue;
		}
		const view = sources.views.get(name);
		if (!view) continue;
		const data = viewData(view, x);
		const xs =
			x === 'step'
				? data.steps
				: x === 'wall'
					? data.times
					: data.times.map((t) => (t - sources.start) / 1000);
		const banded = data.bucketWidth > 1 && data.mins && data.maxs;
		lines.push({
			key: name,
			label: name,
			color,
			x: xs,
			y: data.values,
			...(banded ? { lo: data.mins, hi: data.maxs } : {})
		});
	}
	return lines;
}

/** A batch's series by metric name (one run's: each metric once); never changed once made. */
export function byMetric(series: readonly SeriesColumns[]): ReadonlyMap<string, SeriesColumns> {
	return new Map(series.map((one) => [one.metric, one]));
}
