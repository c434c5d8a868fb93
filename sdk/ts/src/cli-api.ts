/** The CLI's view of the API: the stored login or environment, short retries, plain-spoken errors. */
import * as config from './config.js';
import { ToraApiError, ToraConfigError, ToraConnectionError } from './errors.js';
import { Http, isRetryable, unreachableReason, unwrap, withRetries } from './http.js';

/** A failure the CLI reports as `tora: <message>` and exits with `code`. */
export class CliError extends Error {
	readonly code: number;
	/** A 400's per-field messages (`{filter: ["col 7: ..."]}`), when the server sent them. */
	readonly fields: Record<string, string[]> | undefined;
	constructor(message: string, code = 1, fields?: Record<string, string[]>) {
		super(message);
		this.code = code;
		this.fields = fields;
	}
}

export class Api {
	readonly http: Http;
	private readonly budgetMs: number;

	constructor(http: Http, budgetMs = config.durationMs(undefined, 'TORA_SETUP_TIMEOUT', 10_000)) {
		this.http = http;
		this.budgetMs = budgetMs;
	}

	/** From TORA_BASE_URL / TORA_API_KEY, else the stored login. */
	static fromEnvironment(): Api {
		const { baseUrl, apiKey } = config.credentials();
		if (!apiKey) {
			throw new CliError(`not logged in to ${baseUrl}: run \`tora login\` or set TORA_API_KEY`);
		}
		return new Api(new Http({ baseUrl, apiKey }));
	}

	get baseUrl(): string {
		return this.http.baseUrl;
	}

	/** The envelope's data; a CliError that says what to check otherwise. */
	async call<T>(method: string, path: string, body?: unknown, notFound?: string): Promise<T> {
		const { response, error } = await withRetries((signal) => this.http.request(method, path, body, signal), {
			budgetMs: this.budgetMs
		});
		if (!response || isRetryable(response.status)) {
			const reason = unreachableReason({ response, error });
			throw new CliError(
				`could not reach ${this.baseUrl} (${reason}): is the server running, and is the URL right?`
			);
		}
		try {
			return unwrap<T>(response);
		} catch (caught) {
			throw this.explain(caught, notFound);
		}
	}

	explain(error: unknown, notFound?: string): Error {
		if (error instanceof ToraApiError) {
			if (error.status === 401)
				return new CliError(
					`${this.baseUrl} rejected the API key (${error.message}): run \`tora login\` or check TORA_API_KEY`
				);
			if (error.status === 404 && notFound)
				return new CliError(`${notFound} (or not visible with this API key)`);
			if (error.status === 400 && error.fields) {
				// The fields say what was wrong ("filter: col 7: ..."); the message alone does not.
				const details = Object.entries(error.fields).flatMap(([field, messages]) =>
					messages.map((message) => `\n  ${field}: ${message}`)
				);
				return new CliError(error.message + details.join(''), 1, error.fields);
			}
			return new CliError(error.message);
		}
		if (error instanceof ToraConnectionError || error instanceof ToraConfigError)
			return new CliError(error.message);
		return error instanceof Error ? error : new Error(String(error));
	}
}
