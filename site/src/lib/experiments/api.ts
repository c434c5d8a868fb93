import type { CreateExperimentBody, Experiment, ExperimentPage } from '$contracts/experiments';
import type { SeriesRead } from '$contracts/logs';
import type { Workspace } from '$contracts/workspaces';
import { apiGet, apiSend } from '$lib/api';
import { listQuery, type DashboardView } from './view-state';

export function listWorkspaces(): Promise<Workspace[]> {
	return apiGet<Workspace[]>('/api/workspaces');
}

export function createWorkspace(name: string): Promise<Workspace> {
	return apiSend<Workspace>('POST', '/api/workspaces', { name });
}

export function listExperiments(
	workspaceId: string,
	view: DashboardView,
	cursor: string | null,
	limit: number
): Promise<ExperimentPage> {
	const query = listQuery(view, cursor, limit);
	return apiGet<ExperimentPage>(`/api/workspaces/${encodeURIComponent(workspaceId)}/experiments?${query}`);
}

/** The JSON body the create form sends (the wire shape before the API's own trimming). */
export type NewExperiment = Pick<CreateExperimentBody, 'name' | 'description' | 'tags' | 'hyperparams'> & {
	workspaceId: string;
};

export function createExperiment(body: NewExperiment): Promise<Experiment> {
	return apiSend<Experiment>('POST', '/api/experiments', body);
}

/** The experiments among `ids` the caller can see, in the order asked. */
export function fetchExperiments(ids: string[]): Promise<Experiment[]> {
	return apiSend<Experiment[]>('POST', '/api/experiments/batch', { ids });
}

export function readSeries(experimentId: string, names: string[], buckets: number): Promise<SeriesRead> {
	const params = new URLSearchParams({ buckets: String(buckets), names: names.join(',') });
	return apiGet<SeriesRead>(`/api/experiments/${encodeURIComponent(experimentId)}/metrics?${params}`);
}

/** A user-facing sentence for a failed call. */
export function messageOf(error: unknown, fallback = 'Something went wrong.'): string {
	return error instanceof Error && error.message ? error.message : fallback;
}
