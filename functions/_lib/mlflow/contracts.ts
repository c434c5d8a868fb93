/**
 * The request messages of MLflow's tracking service (mlflow/protos/service.proto) as zod schemas.
 * Proto3 JSON is lenient and so are these: int64 fields come as numbers or decimal strings
 * (MLflow's client sends numbers; query strings carry text), unknown fields are ignored (newer
 * clients add fields, e.g. a metric's model_id), and MLflow's doubles may be "NaN"/"Infinity"
 * strings, which are refused with a clear message because Tora stores finite values only.
 * GET requests carry the same fields in the query string (repeated keys for lists).
 */
import * as z from 'zod';
import { isStorableText } from '../contracts/common.ts';

/** MLflow's limits (mlflow/utils/validation.py). */
export const MLFLOW_LIMITS = {
	metricsPerBatch: 1000,
	paramsPerBatch: 100,
	tagsPerBatch: 100,
	entriesPerBatch: 1000,
	keyLength: 250,
	paramValueLength: 6000,
	tagValueLength: 8000,
	experimentNameLength: 100,
	/** A page of runs or experiments; a larger max_results is answered page by page. */
	pageSize: 1000,
	maxResults: 50_000,
	/** Points per get-history page (MLflow's own server answers 25,000 per page in bulk reads). */
	historyPage: 25_000,
	runsPerBulkInterval: 100,
	bulkIntervalMaxResults: 2500
} as const;

const text = (what: string, max: number) =>
	z
		.string({ error: `${what} must be a string` })
		.max(max, { error: `${what} must be at most ${max} characters` })
		.refine(isStorableText, { error: `${what} must not contain NUL characters or unpaired surrogates` });

const required = (what: string, max: number) =>
	text(what, max).min(1, { error: `${what} must not be empty` });

/** int64: a JSON number or its decimal text (proto3 JSON allows both). */
const int64 = (what: string) =>
	z
		.union([z.number(), z.string().regex(/^-?\d{1,19}$/, { error: `${what} must be an integer` })], {
			error: `${what} must be an integer`
		})
		.transform(Number)
		.refine(Number.isSafeInteger, { error: `${what} must be an integer within ±2^53` });

/** A double: a number, or proto3 JSON's text forms; only finite values pass. */
const finiteDouble = (what: string) =>
	z.union([z.number(), z.string()], { error: `${what} must be a number` }).transform((value, ctx) => {
		const number = typeof value === 'number' ? value : Number(value);
		if (typeof value === 'string' && (value.trim() === '' || (Number.isNaN(number) && value !== 'NaN'))) {
			ctx.addIssue({ code: 'custom', message: `${what} must be a number` });
			return z.NEVER;
		}
		if (!Number.isFinite(number)) {
			ctx.addIssue({
				code: 'custom',
				message: `${what} must be finite: Tora does not store NaN or infinities`
			});
			return z.NEVER;
		}
		return number;
	});

/** A GET field may repeat; the last one counts for scalars, as Flask's `args.get` does. */
const single = <S extends z.ZodType>(schema: S) =>
	z.preprocess((value) => (Array.isArray(value) ? value[value.length - 1] : value), schema);
const list = <S extends z.ZodType>(schema: S) =>
	z.preprocess(
		(value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]),
		z.array(schema)
	);

export const RunIdField = required('run_id', 64);

/** `run_id`, or the deprecated `run_uuid` older clients send (both, with one value, today). */
function withRunId<S extends z.ZodObject>(schema: S) {
	return schema
		.extend({ run_id: single(RunIdField).optional(), run_uuid: single(RunIdField).optional() })
		.transform((value, ctx) => {
			const { run_id, run_uuid, ...rest } = value as Record<string, unknown> & {
				run_id?: string;
				run_uuid?: string;
			};
			const runId = run_id ?? run_uuid;
			if (!runId) {
				ctx.addIssue({ code: 'custom', path: ['run_id'], message: 'run_id is required' });
				return z.NEVER;
			}
			return { ...(rest as Omit<z.output<S>, 'run_id' | 'run_uuid'>), run_id: runId };
		});
}

export const KeyValue = (what: string, valueMax: number) =>
	z.object({ key: required(`${what} key`, MLFLOW_LIMITS.keyLength), value: text(`${what} value`, valueMax) });

export const RunTag = KeyValue('tag', MLFLOW_LIMITS.tagValueLength);
export const Param = KeyValue('param', MLFLOW_LIMITS.paramValueLength);
export type KeyValuePair = { key: string; value: string };

export const Metric = z.object({
	key: required('metric key', MLFLOW_LIMITS.keyLength),
	value: finiteDouble('metric value'),
	timestamp: int64('timestamp'),
	step: int64('step').optional().default(0)
});
export type Metric = z.infer<typeof Metric>;

export const ViewType = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']).default('ACTIVE_ONLY');
export type ViewType = z.infer<typeof ViewType>;

const maxResults = (fallback: number) =>
	single(int64('max_results'))
		.optional()
		.transform((value) => value ?? fallback)
		.refine((value) => value >= 1 && value <= MLFLOW_LIMITS.maxResults, {
			error: `max_results must be between 1 and ${MLFLOW_LIMITS.maxResults}`
		});

const ExperimentIdField = required('experiment_id', 64);

// experiments/...
export const CreateExperimentRequest = z.object({
	name: required('name', 300),
	artifact_location: text('artifact_location', 1000).optional(),
	tags: z.array(RunTag).max(MLFLOW_LIMITS.tagsPerBatch).optional().default([])
});
export const GetExperimentRequest = z.object({ experiment_id: single(ExperimentIdField) });
export const GetExperimentByNameRequest = z.object({
	experiment_name: single(required('experiment_name', 300))
});
export const SearchExperimentsRequest = z.object({
	max_results: maxResults(MLFLOW_LIMITS.pageSize),
	page_token: single(text('page_token', 200)).optional(),
	filter: single(text('filter', 10_000)).optional(),
	order_by: list(text('order_by', 500)).optional().default([]),
	view_type: single(ViewType)
});
export const UpdateExperimentRequest = z.object({
	experiment_id: ExperimentIdField,
	new_name: required('new_name', 300)
});
export const ExperimentIdRequest = z.object({ experiment_id: ExperimentIdField });
export const SetExperimentTagRequest = z.object({
	experiment_id: ExperimentIdField,
	key: required('key', MLFLOW_LIMITS.keyLength),
	value: text('value', MLFLOW_LIMITS.tagValueLength)
});

// runs/...
export const CreateRunRequest = z.object({
	experiment_id: ExperimentIdField.optional().default('0'),
	user_id: text('user_id', 250).optional(),
	run_name: text('run_name', 250).optional(),
	start_time: int64('start_time').optional(),
	tags: z.array(RunTag).max(MLFLOW_LIMITS.tagsPerBatch).optional().default([])
});
export const RunStatus = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
export type RunStatus = z.infer<typeof RunStatus>;
export const UpdateRunRequest = withRunId(
	z.object({
		status: RunStatus.optional(),
		end_time: int64('end_time').optional(),
		run_name: text('run_name', 250).optional()
	})
);
export const RunIdRequest = withRunId(z.object({}));
export const LogMetricRequest = withRunId(
	z.object({
		key: required('key', MLFLOW_LIMITS.keyLength),
		value: finiteDouble('value'),
		timestamp: int64('timestamp'),
		step: int64('step').optional().default(0)
	})
);
export const LogParamRequest = withRunId(
	z.object({
		key: required('key', MLFLOW_LIMITS.keyLength),
		value: text('value', MLFLOW_LIMITS.paramValueLength)
	})
);
export const SetTagRequest = withRunId(
	z.object({
		key: required('key', MLFLOW_LIMITS.keyLength),
		value: text('value', MLFLOW_LIMITS.tagValueLength)
	})
);
export const DeleteTagRequest = withRunId(z.object({ key: required('key', MLFLOW_LIMITS.keyLength) }));
export const LogBatchRequest = withRunId(
	z.object({
		metrics: z.array(Metric).optional().default([]),
		params: z.array(Param).optional().default([]),
		tags: z.array(RunTag).optional().default([])
	})
);
export const LogInputsRequest = withRunId(z.object({ datasets: z.array(z.unknown()).max(1000).optional() }));
export const SearchRunsRequest = z.object({
	experiment_ids: z.array(ExperimentIdField).max(100).optional().default([]),
	filter: text('filter', 10_000).optional(),
	run_view_type: ViewType,
	max_results: maxResults(MLFLOW_LIMITS.pageSize),
	order_by: z.array(text('order_by', 500)).max(20).optional().default([]),
	page_token: text('page_token', 200).optional()
});

// metrics/...
export const GetMetricHistoryRequest = withRunId(
	z.object({
		metric_key: single(required('metric_key', MLFLOW_LIMITS.keyLength)),
		max_results: maxResults(MLFLOW_LIMITS.historyPage),
		page_token: single(text('page_token', 200)).optional()
	})
);
export const GetHistoryBulkIntervalRequest = z.object({
	run_ids: list(RunIdField).pipe(
		z
			.array(RunIdField)
			.min(1, { error: 'run_ids must name at least one run' })
			.max(MLFLOW_LIMITS.runsPerBulkInterval, {
				error: `run_ids may name at most ${MLFLOW_LIMITS.runsPerBulkInterval} runs`
			})
	),
	metric_key: single(required('metric_key', MLFLOW_LIMITS.keyLength)),
	start_step: single(int64('start_step')).optional(),
	end_step: single(int64('end_step')).optional(),
	max_results: single(int64('max_results'))
		.optional()
		.transform((value) => value ?? 320)
		.refine((value) => value >= 1 && value <= MLFLOW_LIMITS.bulkIntervalMaxResults, {
			error: `max_results must be between 1 and ${MLFLOW_LIMITS.bulkIntervalMaxResults}`
		})
});

/** An offset page token: opaque to clients, checked on the way back in. */
export function encodePageToken(offset: number): string {
	return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}
export function decodePageToken(token: string | undefined): number | undefined {
	if (token === undefined || token === '') return 0;
	try {
		const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown };
		return typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0 ? offset : undefined;
	} catch {
		return undefined;
	}
}
