import type { LogBatchResult } from './contracts/logs.ts';
import { MAX_SERIES_PER_EXPERIMENT, MAX_STEP } from './contracts/rules.ts';
import { validationError } from './errors.ts';
import { json } from './http.ts';
import type { IngestRefusal, IngestResult } from './repositories/metric-ingest.repository.ts';

/**
 * The answer to a stored batch or single entry (both log endpoints): 201 with the counts, or the
 * 400 that says why nothing of it was stored.
 */
export function ingestResponse(outcome: IngestResult | IngestRefusal): Response {
	if ('refused' in outcome) throw refusalError(outcome);
	const result: LogBatchResult = outcome;
	return json(result, 201);
}

function refusalError(refusal: IngestRefusal) {
	switch (refusal.refused) {
		case 'series-limit':
			return validationError(
				`An experiment holds at most ${MAX_SERIES_PER_EXPERIMENT} metrics; it has ${refusal.seriesCount} and this batch adds ${refusal.newSeries} new ones. Nothing was stored.`,
				{ _: [`would create more than ${MAX_SERIES_PER_EXPERIMENT} metric series in this experiment`] }
			);
		case 'steps-exhausted':
			return validationError(
				`Metric "${refusal.name}" has no next step: its last step is the largest allowed.`,
				{ step: [`send an explicit step; ${refusal.name} has reached ${MAX_STEP}`] }
			);
	}
}
