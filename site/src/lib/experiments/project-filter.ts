/**
 * The dashboard's project choice lives in the query itself, as a leading clause
 * `project = "<name>"` (ANDed with the rest in parentheses), so the URL, saved views, the count
 * and "compare all matching" all see it with nothing added. These two functions read that clause
 * back and replace it; a query written by hand in the same form reads the same way.
 */

const LEADING_PROJECT = /^project\s*=\s*("(?:[^"\\]|\\.)*")(?:\s+and\s+\(([\s\S]*)\))?\s*$/i;

/** The project a filter starts with, and the rest of it (empty when it is only the project). */
export function splitProject(filter: string): { project: string | undefined; rest: string } {
	const match = LEADING_PROJECT.exec(filter.trim());
	if (!match) return { project: undefined, rest: filter.trim() };
	try {
		return { project: JSON.parse(match[1]) as string, rest: (match[2] ?? '').trim() };
	} catch {
		return { project: undefined, rest: filter.trim() };
	}
}

/** The filter with its project replaced by `project` (none: every run, the rest kept). */
export function withProject(filter: string, project: string | undefined): string {
	const { rest } = splitProject(filter);
	if (project === undefined) return rest;
	const clause = `project = ${JSON.stringify(project)}`;
	return rest ? `${clause} and (${rest})` : clause;
}
