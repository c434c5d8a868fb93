/**
 * The compared runs' metric names: `POST /api/series` with the pattern `.*` and one bucket per
 * series (only the names are wanted), held for the last set of runs asked about. The page starts
 * the read together with the runs' own (their ids are in its URL); the charts, which mount only
 * once the runs are drawn, then find the names read or on their way instead of asking only then,
 * one round trip before the curves (bench P15: the names were asked for seconds after the runs
 * arrived, while the page drew 100 runs' table and plots).
 */
import type { SeriesBatch } from '$contracts/series';

export type ReadNames = (experimentIds: string[]) => Promise<SeriesBatch>;

let held: { key: string; answer: Promise<SeriesBatch> } | undefined;

/** Order does not matter to the answer's names: the same runs in another order share a read. */
const keyOf = (ids: readonly string[]) => [...ids].sort().join(',');

/**
 * The names of runs `ids`: the read held for the same runs, or a new one (`fresh`: always new,
 * e.g. to see metrics logged since). A failed read is not held, so the next caller tries again.
 */
export function runMetricNames(ids: readonly string[], read: ReadNames, fresh = false): Promise<SeriesBatch> {
	const key = keyOf(ids);
	if (fresh || held?.key !== key) {
		const answer = read([...ids]);
		const entry = { key, answer };
		held = entry;
		answer.catch(() => {
			if (held === entry) held = undefined;
		});
	}
	return held!.answer;
}
