import type {
	ExperimentDetail,
	ExperimentPage,
	ExperimentReference,
	ExperimentReferences
} from '$contracts/experiments';
import type { ConsolePage, ConsoleStream, RunContext } from '$contracts/run-context';
import type { Caller } from './caller';
import { ApiError } from './errors';
import { apiPath } from './transport';

/** A read of `GET /api/experiments/:id/console`. */
export interface ConsoleRequest {
	/** A previous page's `cursor` (0: from the first line). */
	after: number;
	limit: number;
	/** Only lines containing this (case-insensitive); empty: all. */
	q?: string;
	stream?: ConsoleStream;
	/** An ISO instant: start at the first line printed then or later. */
	from?: string;
}

export function consoleQuery(request: ConsoleRequest): URLSearchParams {
	const params = new URLSearchParams({ after: String(request.after), limit: String(request.limit) });
	if (request.q) params.set('q', request.q);
	if (request.stream) params.set('stream', request.stream);
	if (request.from) params.set('from', request.from);
	return params;
}

/** Notes, captured context, console output and references of one run. */
export function runContextApi(call: Caller) {
	return {
		/** The run as its page reads it, notes and context summary included. */
		detail: (id: string) => call.json<ExperimentDetail>('GET', apiPath('experiments', id)),
		/** Replaces the notes (markdown); `''` clears them. */
		updateNotes: (id: string, notes: string) =>
			call.json<ExperimentDetail>('PATCH', apiPath('experiments', id), { body: { notes } }),
		/** What the SDK captured when the run started, or null when it captured nothing. */
		context: async (id: string): Promise<RunContext | null> => {
			try {
				return await call.json<RunContext>('GET', apiPath('experiments', id, 'context'));
			} catch (error) {
				if (error instanceof ApiError && error.status === 404) return null;
				throw error;
			}
		},
		console: (id: string, request: ConsoleRequest) =>
			call.json<ConsolePage>('GET', apiPath('experiments', id, 'console'), { query: consoleQuery(request) }),
		references: (id: string) =>
			call.json<ExperimentReferences>('GET', apiPath('experiments', id, 'references')),
		addReference: (id: string, referencedId: string) =>
			call.json<ExperimentReference>('POST', apiPath('experiments', id, 'references'), {
				body: { referencedId }
			}),
		removeReference: (id: string, referencedId: string) =>
			call.json<{ experiment_id: string; referenced_id: string; deleted: true }>(
				'DELETE',
				apiPath('experiments', id, 'references', referencedId)
			),
		/** Up to `limit` runs of the workspace whose name contains `text`, newest first. */
		searchByName: (workspaceId: string, text: string, limit = 10) =>
			call.json<ExperimentPage>('GET', apiPath('workspaces', workspaceId, 'experiments'), {
				query: new URLSearchParams({
					filter: `name ~ ${JSON.stringify(text)}`,
					limit: String(limit),
					sort: 'created',
					order: 'desc'
				})
			})
	};
}

export type RunContextApi = ReturnType<typeof runContextApi>;
