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

/** A page of the view's experiments, carrying the summaries of `metrics` (the shown metric columns). */
export function listExperiments(
	workspaceId: string,
	view: DashboardView,
	cursor: string | null,
	limit: number,
	metrics: string[] = []
): Promise<ExperimentPage> {
	const query = listQuery(view, cursor, limit, metrics);
	return apiGet<ExperimentPage>(`/api/workspaces/${encodeURIComponent(workspaceId)}/experiments?${query}`);
}

/** The JSON body the create form sends (the wire shape before the API's own trimming). */
export type NewExperiment = Pick<CreateExperimentBody, 'name' | 'description' | 'tags' | 'hyperparams'> & {
	workspaceId: string;
};

export function createExperiment(body: NewExperiment): Promise<Experiment> {
	return apiSend<Experiment>('POST', '/api/experiments', body);
}

/** The experiments among `ids` the caller can see, in the order asked, with the summaries of `metrics`. */
export function fetchExperiments(ids: string[], metrics: string[] = []): Promise<Experiment[]> {
	return apiSend<Experiment[]>('POST', '/api/experiments/batch', { ids, metrics });
}

/** At most this many series per metrics read (the API's page size). */
export const SERIES_PAGE = 100;

export interface SeriesPageRequest {
	buckets: number;
	/** Only these metrics (at most SERIES_PAGE). */
	names?: string[];
	/** The page after this metric name (a previous read's `next_start_after`). */
	startAfter?: string | null;
	/** A previous read's `cursor`: only newer points (live polling). */
	after?: string;
	from?: number;
	to?: number;
}

/** One page (at most SERIES_PAGE series, by name) of an experiment's metric series. */
export function readSeriesPage(experimentId: string, request: SeriesPageRequest): Promise<SeriesRead> {
	const params = new URLSearchParams({ buckets: String(request.buckets), limit: String(SERIES_PAGE) });
	if (request.names?.length) params.set('names', request.names.join(','));
	if (request.startAfter) params.set('start_after', request.startAfter);
	if (request.after !== undefined) params.set('after', request.after);
	if (request.from !== undefined) params.set('from', String(request.from));
	if (request.to !== undefined) params.set('to', String(request.to));
	return apiGet<SeriesRead>(`/api/experiments/${encodeURIComponent(experimentId)}/metrics?${params}`);
}

export function readSeries(experimentId: string, names: string[], buckets: number): Promise<SeriesRead> {
	return readSeriesPage(experimentId, { names, buckets });
}

/** A user-facing sentence for a failed call. */
export function messageOf(error: unknown, fallback = 'Something went wrong.'): string {
	return error instanceof Error && error.message ? error.message : fallback;
}
