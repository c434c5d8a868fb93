import type { Config } from '@netlify/functions';
import { DEFAULT_BODY_LIMIT } from './_lib/http.ts';
import { GetHistoryBulkIntervalRequest, GetMetricHistoryRequest } from './_lib/mlflow/contracts.ts';
import { action, mlflowEndpoint } from './_lib/mlflow/endpoint.ts';
import { historyBulkInterval, metricHistory } from './_lib/mlflow/history.ts';

// MLflow's web UI calls the same API under /ajax-api; its clients under /api.
export const config: Config = {
	path: ['/api/2.0/mlflow/metrics/:action', '/ajax-api/2.0/mlflow/metrics/:action'],
	method: ['GET', 'POST']
};

/** A metric's points as MLflow reads them (functions/_lib/mlflow/history.ts). */
export default mlflowEndpoint(
	config,
	'metrics',
	{
		'get-history': action({
			method: 'GET',
			input: GetMetricHistoryRequest,
			handle: ({ db, principal }, input) =>
				metricHistory(db, principal, {
					runId: input.run_id,
					key: input.metric_key,
					maxResults: input.max_results,
					pageToken: input.page_token
				})
		}),
		'get-history-bulk-interval': action({
			method: 'GET',
			input: GetHistoryBulkIntervalRequest,
			handle: ({ db, principal }, input) =>
				historyBulkInterval(db, principal, {
					runIds: input.run_ids,
					key: input.metric_key,
					startStep: input.start_step,
					endStep: input.end_step,
					maxResults: input.max_results
				})
		})
	},
	DEFAULT_BODY_LIMIT
);
