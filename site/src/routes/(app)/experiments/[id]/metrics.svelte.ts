import { api } from '$lib/api';
import { LiveMetrics, type MetricsState, type MetricView } from './live-metrics';

/** The metrics' state as Svelte state, so the panel and its charts follow every change. */
class ReactiveMetricsState implements MetricsState {
	views = $state.raw<MetricView[]>([]);
	answered = $state.raw<ReadonlySet<string>>(new Set());
	failed = $state.raw<ReadonlyMap<string, string>>(new Map());
	pollError = $state<string>();
}

/** An experiment's live metrics for its page, read through the site's API client. */
export function experimentMetrics(experimentId: string, buckets: number): LiveMetrics {
	return new LiveMetrics({
		experimentId,
		buckets,
		read: api.metrics.read,
		state: new ReactiveMetricsState()
	});
}
