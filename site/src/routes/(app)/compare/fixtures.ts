/** A run for the compare page's unit tests: every field filled, `parts` override. */
import type { Experiment } from '$contracts/experiments';

export function run(id: string, parts: Partial<Experiment> = {}): Experiment {
	return {
		id,
		name: `run-${id}`,
		description: '',
		tags: [],
		hyperparams: [],
		status: 'finished',
		workspace_id: 'w',
		project_id: null,
		project: null,
		created_by: null,
		created_at: '2026-01-01T00:00:00Z',
		updated_at: '2026-01-01T00:00:00Z',
		last_seen_at: '2026-01-01T00:01:30Z',
		url: '',
		metrics: [],
		results: [],
		metric_count: 0,
		result_count: 0,
		...parts
	};
}
