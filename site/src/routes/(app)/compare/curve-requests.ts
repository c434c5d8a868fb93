/**
 * The `POST /api/series` requests that draw the compare page's panels: one per x-axis in use, so
 * a page of step panels is one request, and a panel switched to another x-axis (wall time, a
 * metric) adds one for the panels on that axis instead of re-reading them all.
 */
import type { SeriesX } from '$contracts/series';
import type { SeriesBatchRequest } from '$lib/api/series';
import { xKey, type PanelSettings } from '$lib/charts/panel-state';

export interface CurveRequest {
	/** The x-axis' key (see `xKey`): which panels' request this is. */
	axis: string;
	/** The panels' metrics, in the order they are shown. */
	metrics: string[];
	body: SeriesBatchRequest;
	/** The body as text: a request whose text did not change need not be made again. */
	text: string;
}

export interface CurveOptions {
	experimentIds: string[];
	buckets: number;
	band: 'std' | 'minmax' | 'stderr';
	/** Grouped: the group key, and whether members' own series are wanted too. */
	groupBy?: string;
	members?: boolean;
}

/** The requests for panels `metrics`, each drawn with `settingsOf(metric)`. */
export function curveRequests(
	metrics: readonly string[],
	settingsOf: (metric: string) => PanelSettings,
	options: CurveOptions
): CurveRequest[] {
	if (options.experimentIds.length === 0) return [];
	const byAxis = new Map<string, { x: SeriesX; metrics: string[] }>();
	for (const metric of metrics) {
		const x = settingsOf(metric).x;
		const axis = xKey(x);
		let entry = byAxis.get(axis);
		if (!entry) byAxis.set(axis, (entry = { x, metrics: [] }));
		entry.metrics.push(metric);
	}
	return [...byAxis].map(([axis, { x, metrics: names }]) => {
		const body: SeriesBatchRequest = {
			experimentIds: options.experimentIds,
			metrics: names,
			buckets: options.buckets,
			x,
			band: options.band,
			...(options.groupBy ? { groupBy: options.groupBy, members: options.members ?? false } : {})
		};
		return { axis, metrics: names, body, text: JSON.stringify(body) };
	});
}
