import type { ExperimentSummary } from '$contracts/experiments';

/** Search results a run can still link to: not itself, not one it already references. */
export function linkCandidates<T extends Pick<ExperimentSummary, 'id'>>(
	results: T[],
	experimentId: string,
	outgoing: Pick<ExperimentSummary, 'id'>[]
): T[] {
	const linked = new Set(outgoing.map((run) => run.id));
	return results.filter((run) => run.id !== experimentId && !linked.has(run.id));
}

/**
 * Runs `search` for the latest text only: a reply to an older text (typed over before it came
 * back) is dropped, so results never flash back to a previous query.
 */
export function latestOnly<T>(search: (text: string) => Promise<T>) {
	let latest = 0;
	return async (text: string): Promise<{ current: boolean; value: T }> => {
		const ticket = ++latest;
		const value = await search(text);
		return { current: ticket === latest, value };
	};
}
