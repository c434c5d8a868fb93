import type { Config } from '@netlify/functions';
import { DEFAULT_BODY_LIMIT } from './_lib/http.ts';
import {
	CreateExperimentRequest,
	ExperimentIdRequest,
	GetExperimentByNameRequest,
	GetExperimentRequest,
	SearchExperimentsRequest,
	SetExperimentTagRequest,
	UpdateExperimentRequest
} from './_lib/mlflow/contracts.ts';
import { action, mlflowEndpoint } from './_lib/mlflow/endpoint.ts';
import {
	createExperiment,
	experimentByName,
	loadExperiment,
	renameExperiment,
	setExperimentTag,
	setLifecycle,
	toMlflowExperiment
} from './_lib/mlflow/experiments.ts';
import { searchExperiments } from './_lib/mlflow/search.ts';

// MLflow's web UI calls the same API under /ajax-api; its clients under /api.
export const config: Config = {
	path: ['/api/2.0/mlflow/experiments/:action', '/ajax-api/2.0/mlflow/experiments/:action'],
	method: ['GET', 'POST']
};

/** MLflow experiments, which are Tora projects (functions/_lib/mlflow/experiments.ts). */
export default mlflowEndpoint(
	config,
	'experiments',
	{
		create: action({
			method: 'POST',
			input: CreateExperimentRequest,
			handle: async ({ db, principal }, input) => ({
				experiment_id: await createExperiment(db, principal, input.name, input.tags)
			})
		}),
		get: action({
			method: 'GET',
			input: GetExperimentRequest,
			handle: async ({ db, principal }, input) => ({
				experiment: toMlflowExperiment(await loadExperiment(db, principal, input.experiment_id, 'viewer'))
			})
		}),
		'get-by-name': action({
			method: 'GET',
			input: GetExperimentByNameRequest,
			handle: async ({ db, principal }, input) => ({
				experiment: toMlflowExperiment(await experimentByName(db, principal, input.experiment_name))
			})
		}),
		search: action({
			method: 'BOTH',
			input: SearchExperimentsRequest,
			handle: ({ db, principal }, input) =>
				searchExperiments(db, principal, {
					filter: input.filter,
					viewType: input.view_type,
					maxResults: input.max_results,
					orderBy: input.order_by,
					pageToken: input.page_token
				})
		}),
		update: action({
			method: 'POST',
			input: UpdateExperimentRequest,
			handle: async ({ db, principal }, input) => {
				await renameExperiment(db, principal, input.experiment_id, input.new_name);
				return {};
			}
		}),
		delete: action({
			method: 'POST',
			input: ExperimentIdRequest,
			handle: async ({ db, principal }, input) => {
				await setLifecycle(db, principal, input.experiment_id, 'deleted');
				return {};
			}
		}),
		restore: action({
			method: 'POST',
			input: ExperimentIdRequest,
			handle: async ({ db, principal }, input) => {
				await setLifecycle(db, principal, input.experiment_id, 'active');
				return {};
			}
		}),
		'set-experiment-tag': action({
			method: 'POST',
			input: SetExperimentTagRequest,
			handle: async ({ db, principal }, input) => {
				await setExperimentTag(db, principal, input.experiment_id, { key: input.key, value: input.value });
				return {};
			}
		})
	},
	4 * DEFAULT_BODY_LIMIT
);
