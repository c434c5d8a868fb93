/** Metric names carried by at least `min` of the experiments, most widely shared first, then by name. */
export function sharedMetricNames(metricNames: string[][], min = 2): string[] {
	const counts = new Map<string, number>();
	for (const names of metricNames) {
		for (const name of new Set(names)) counts.set(name, (counts.get(name) ?? 0) + 1);
	}
	return [...counts]
		.filter(([, count]) => count >= min)
		.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
		.map(([name]) => name);
}
