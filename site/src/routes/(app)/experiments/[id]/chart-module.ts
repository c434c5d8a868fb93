/**
 * The chart panel's module (and uPlot with it), kept out of the experiment page's first load and
 * fetched once: ExperimentView starts it as soon as the run says it has metrics, MetricsPanel
 * waits for it.
 */
let loading: Promise<typeof import('$lib/charts/ChartPanel.svelte')> | undefined;

export function loadChartPanel() {
	if (!loading) {
		loading = import('$lib/charts/ChartPanel.svelte');
		// A failed fetch is tried again by the next caller.
		loading.catch(() => (loading = undefined));
	}
	return loading;
}
