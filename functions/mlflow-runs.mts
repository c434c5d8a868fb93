import type { Config } from '@netlify/functions';
import { MAX_BATCH_BYTES } from './_lib/contracts/logs.ts';
import {
	CreateRunRequest,
	DeleteTagRequest,
	LogBatchRequest,
	LogInputsRequest,
	LogMetricRequest,
	LogParamRequest,
	RunIdRequest,
	SearchRunsRequest,
	SetTagRequest,
	UpdateRunRequest
} from './_lib/mlflow/contracts.ts';
import { action, mlflowEndpoint } from './_lib/mlflow/endpoint.ts';
import {
	createRun,
	deleteTag,
	getRun,
	loadRun,
	logBatch,
	setRunLifecycle,
	updateRun
} from './_lib/mlflow/runs.ts';
import { searchRuns } from './_lib/mlflow/search.ts';

// MLflow's web UI calls the same API under /ajax-api; its clients under /api.
export const config: Config = {
	path: ['/api/2.0/mlflow/runs/:action', '/ajax-api/2.0/mlflow/runs/:action'],
	method: ['GET', 'POST']
};

const none = { metrics: [], params: [], tags: [] };

/** MLflow runs, which are Tora experiments (functions/_lib/mlflow/runs.ts). */
export default mlflowEndpoint(
	config,
	'runs',
	{
		create: action({
			method: 'POST',
			input: CreateRunRequest,
			handle: async ({ db, principal }, input) => ({
				run: await createRun(db, principal, {
					experimentId: input.experiment_id,
					userId: input.user_id,
					runName: input.run_name,
					startTime: input.start_time,
					tags: input.tags
				})
			})
		}),
		get: action({
			method: 'GET',
			input: RunIdRequest,
			handle: async ({ db, principal }, input) => ({ run: await getRun(db, principal, input.run_id) })
		}),
		update: action({
			method: 'POST',
			input: UpdateRunRequest,
			handle: async ({ db, principal }, input) => ({
				run_info: await updateRun(db, principal, input.run_id, {
					status: input.status,
					endTime: input.end_time,
					runName: input.run_name
				})
			})
		}),
		delete: action({
			method: 'POST',
			input: RunIdRequest,
			handle: async ({ db, principal }, input) => {
				await setRunLifecycle(db, principal, input.run_id, 'deleted');
				return {};
			}
		}),
		restore: action({
			method: 'POST',
			input: RunIdRequest,
			handle: async ({ db, principal }, input) => {
				await setRunLifecycle(db, principal, input.run_id, 'active');
				return {};
			}
		}),
		search: action({
			method: 'BOTH',
			input: SearchRunsRequest,
			handle: ({ db, principal }, input) =>
				searchRuns(db, principal, {
					experimentIds: input.experiment_ids,
					filter: input.filter,
					viewType: input.run_view_type,
					maxResults: input.max_results,
					orderBy: input.order_by,
					pageToken: input.page_token
				})
		}),
		'log-batch': action({
			method: 'POST',
			input: LogBatchRequest,
			handle: async ({ db, principal }, input) => {
				await logBatch(db, principal, input.run_id, input);
				return {};
			}
		}),
		'log-metric': action({
			method: 'POST',
			input: LogMetricRequest,
			handle: async ({ db, principal }, { run_id, ...metric }) => {
				await logBatch(db, principal, run_id, { ...none, metrics: [metric] });
				return {};
			}
		}),
		'log-parameter': action({
			method: 'POST',
			input: LogParamRequest,
			handle: async ({ db, principal }, { run_id, key, value }) => {
				await logBatch(db, principal, run_id, { ...none, params: [{ key, value }] });
				return {};
			}
		}),
		'set-tag': action({
			method: 'POST',
			input: SetTagRequest,
			handle: async ({ db, principal }, { run_id, key, value }) => {
				await logBatch(db, principal, run_id, { ...none, tags: [{ key, value }] });
				return {};
			}
		}),
		'delete-tag': action({
			method: 'POST',
			input: DeleteTagRequest,
			handle: async ({ db, principal }, input) => {
				await deleteTag(db, principal, input.run_id, input.key);
				return {};
			}
		}),
		// Dataset inputs are accepted and not stored: Tora has no datasets yet, and refusing them
		// would fail autologging (which logs its training set) for what is only a lineage note.
		'log-inputs': action({
			method: 'POST',
			input: LogInputsRequest,
			handle: async ({ db, principal }, input) => {
				await loadRun(db, principal, input.run_id, 'editor');
				return {};
			}
		})
	},
	MAX_BATCH_BYTES
);
