/** Every error this package throws is a ToraError. */
export class ToraError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = new.target.name;
	}
}

/** Which client-side rule a value broke (the same rules the server applies). */
export type ValidationRule =
	| 'name'
	| 'value'
	| 'step'
	| 'metadata'
	| 'experiment_name'
	| 'description'
	| 'hyperparams'
	| 'tags'
	| 'project'
	| 'status';

/** Thrown synchronously at the call site, before anything is queued. */
export class ToraValidationError extends ToraError {
	readonly rule: ValidationRule;
	constructor(rule: ValidationRule, message: string) {
		super(message);
		this.rule = rule;
	}
}

/** A settings problem (a bad TORA_BASE_URL, a missing key where one is required). */
export class ToraConfigError extends ToraError {}

/** The server answered with a non-2xx status (after any retries). */
export class ToraApiError extends ToraError {
	readonly status: number;
	/** The envelope's `error.code` (`VALIDATION_ERROR`, `NOT_FOUND`, ...), or null if there was none. */
	readonly code: string | null;
	/** The envelope's `error.fields`: dotted path (`logs.3.value`) → messages. */
	readonly fields: Record<string, string[]> | undefined;
	constructor(status: number, code: string | null, message: string, fields?: Record<string, string[]>) {
		super(message);
		this.status = status;
		this.code = code;
		this.fields = fields;
	}
}

/** No answer arrived (connection refused, DNS, timeout) within the retry budget. */
export class ToraConnectionError extends ToraError {
	constructor(message: string, cause?: unknown) {
		super(message, { cause });
	}
}
