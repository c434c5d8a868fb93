import type * as z from 'zod';
import type { SeriesBatch, SeriesBatchBody } from '$contracts/series';
import type { Caller } from './caller';
import { apiPath } from './transport';

/** What `api.series.batch()` takes: the body as the caller writes it (defaults left out). */
export type SeriesBatchRequest = z.input<typeof SeriesBatchBody>;

/** `POST /api/series`: many runs' series in one request, bucketed on a chosen x-axis, or grouped with bands. */
export function seriesApi(call: Caller) {
	return {
		/** Runs the caller cannot see are left out of the answer, not refused. */
		batch: (body: SeriesBatchRequest) => call.json<SeriesBatch>('POST', apiPath('series'), { body })
	};
}
