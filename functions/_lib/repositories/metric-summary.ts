/**
 * A series' summary as the API shows it: the one place where metric_series' column names
 * (`point_count`, `min_value`, ...) become the API's (`count`, `min`, ...), for experiment reads,
 * lists and the series read alike.
 */
import type { MetricSummary } from '../contracts/experiments.ts';

/** The metric_series columns a summary is made of. */
export interface MetricSummaryRow {
	name: string;
	point_count: number;
	first_step: number | null;
	last_step: number | null;
	min_value: number | null;
	max_value: number | null;
	last_value: number | null;
	first_value: number | null;
}

export const toMetricSummary = (s: MetricSummaryRow): MetricSummary => ({
	name: s.name,
	count: s.point_count,
	first_step: s.first_step,
	last_step: s.last_step,
	min: s.min_value,
	max: s.max_value,
	last: s.last_value,
	first: s.first_value
});
