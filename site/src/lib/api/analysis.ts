import type * as z from 'zod';
import type { ImportanceAnalysis, ImportanceBody } from '$contracts/analysis';
import type { Caller } from './caller';
import { apiPath } from './transport';

/** Analyses of many runs. */
export function analysisApi(call: Caller) {
	return {
		/**
		 * Hyperparameter importance for `target` (`metric.<name>.<aggregate>` or `result.<name>`) over
		 * named runs (`experimentIds`) or a workspace's runs matching `filter`.
		 */
		importance: (body: z.input<typeof ImportanceBody>) =>
			call.json<ImportanceAnalysis>('POST', apiPath('analysis', 'importance'), { body })
	};
}
