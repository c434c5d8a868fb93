import type * as z from 'zod';
import type {
	CreateExperimentBody,
	Experiment,
	ExperimentBatchBody,
	ExperimentDetail,
	ExperimentPage,
	ExperimentReferences,
	ExperimentSort,
	ExperimentStatus,
	SortOrder,
	UpdateExperimentBody
} from '$contracts/experiments';
import type { ExportQuery, SeriesRead } from '$contracts/logs';
import type { BulkBody, BulkResult } from '$contracts/views';
import type { Caller } from './caller';
import type { DownloadOptions } from './progress';
import { apiPath } from './transport';

/** One page of a workspace's experiments, as `GET /api/workspaces/:id/experiments` takes it. */
export interface ExperimentListRequest {
	limit: number;
	/** Any key of the run query language (`created`, `hp.lr`, `metric."val/loss".min`, ...). */
	sort: ExperimentSort | (string & {});
	order: SortOrder;
	/** A query in the run query language; empty: none. */
	filter?: string;
	/** Keys of the columns shown: the server adds the summaries their metrics need. */
	columns?: string[];
	/** Ask for `total`, the number of runs that match (costs a count). */
	count?: boolean;
	q?: string;
	tags?: string[];
	status?: ExperimentStatus;
	/** The metrics whose summaries the rows carry. */
	metrics?: string[];
	/** A previous page's `next_cursor`. */
	cursor?: string | null;
}

/** The query string of a list request (empty parts left out). */
export function experimentListQuery(request: ExperimentListRequest): URLSearchParams {
	const params = new URLSearchParams({
		limit: String(request.limit),
		sort: request.sort,
		order: request.order
	});
	if (request.filter?.trim()) params.set('filter', request.filter);
	if (request.q) params.set('q', request.q);
	for (const tag of request.tags ?? []) params.append('tag', tag);
	if (request.status) params.set('status', request.status);
	if (request.metrics?.length) params.set('metrics', request.metrics.join(','));
	// Repeated rather than comma-joined: a quoted key may hold a comma.
	for (const column of request.columns ?? []) params.append('columns', column);
	if (request.count) params.set('count', 'true');
	if (request.cursor) params.set('cursor', request.cursor);
	return params;
}

export function experimentsApi(call: Caller) {
	return {
		list: (workspaceId: string, request: ExperimentListRequest) =>
			call.json<ExperimentPage & { total?: number }>(
				'GET',
				apiPath('workspaces', workspaceId, 'experiments'),
				{
					query: experimentListQuery(request)
				}
			),
		get: (id: string) => call.json<ExperimentDetail>('GET', apiPath('experiments', id)),
		create: (body: z.input<typeof CreateExperimentBody>) =>
			call.json<ExperimentDetail>('POST', apiPath('experiments'), { body }),
		update: (id: string, body: z.input<typeof UpdateExperimentBody>) =>
			call.json<ExperimentDetail>('PATCH', apiPath('experiments', id), { body }),
		remove: (id: string) => call.json<{ id: string; deleted: true }>('DELETE', apiPath('experiments', id)),
		/** The experiments among `ids` the caller can see, in the order asked, with the summaries of `metrics`. */
		batch: (body: z.input<typeof ExperimentBatchBody>) =>
			call.json<Experiment[]>('POST', apiPath('experiments', 'batch'), { body }),
		references: (id: string) =>
			call.json<ExperimentReferences>('GET', apiPath('experiments', id, 'references')),
		/** Adds or removes tags on, or deletes, runs by `ids` or by `filter` (all or nothing). */
		bulk: (workspaceId: string, body: z.input<typeof BulkBody>) =>
			call.json<BulkResult>('POST', apiPath('workspaces', workspaceId, 'experiments', 'bulk'), { body })
	};
}

/** At most this many series per metrics read (the API's page size). */
export const SERIES_PAGE = 100;

/** A read of `GET /api/experiments/:id/metrics`. */
export interface SeriesReadRequest {
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

export function seriesReadQuery(request: SeriesReadRequest): URLSearchParams {
	const params = new URLSearchParams({ buckets: String(request.buckets), limit: String(SERIES_PAGE) });
	if (request.names?.length) params.set('names', request.names.join(','));
	if (request.startAfter) params.set('start_after', request.startAfter);
	if (request.after !== undefined) params.set('after', request.after);
	if (request.from !== undefined) params.set('from', String(request.from));
	if (request.to !== undefined) params.set('to', String(request.to));
	return params;
}

export function metricsApi(call: Caller) {
	return {
		/** One page (at most SERIES_PAGE series, by name) of an experiment's metric series. */
		read: (experimentId: string, request: SeriesReadRequest) =>
			call.json<SeriesRead>('GET', apiPath('experiments', experimentId, 'metrics'), {
				query: seriesReadQuery(request)
			})
	};
}

export type ExportFormat = z.output<typeof ExportQuery>['format'];

export function exportsApi(call: Caller) {
	return {
		/** Every metric point as CSV: `long` (a row per point) or `wide` (a row per step). */
		csv: (experimentId: string, format: ExportFormat, options?: DownloadOptions) =>
			call.file(apiPath('experiments', experimentId, 'export.csv'), new URLSearchParams({ format }), options)
	};
}
