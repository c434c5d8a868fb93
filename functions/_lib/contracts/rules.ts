/**
 * The rules other code must agree on, as plain constants and pure predicates with no imports: the
 * zod contracts, authorize.ts / membership-rules.ts and the site's permissions all read them here,
 * so a limit or a role rule changes in one place. The SDKs are published without this repo, so
 * they keep their own copies; scripts/write-rule-cases.ts turns these rules into
 * tests/support/rule-cases.json, which both SDKs' test suites run against their own checks.
 */

/** Metric and result names (the public `tora` SDK's rule): what a series is keyed by. */
export const METRIC_NAME_PATTERN = /^[A-Za-z0-9_\-./]+$/;
export const MAX_METRIC_NAME_LENGTH = 100;
export const isMetricName = (value: string) =>
	value.length >= 1 && value.length <= MAX_METRIC_NAME_LENGTH && METRIC_NAME_PATTERN.test(value);

/** Steps stay exact in a JavaScript number and in Postgres bigint. */
export const MAX_STEP = Number.MAX_SAFE_INTEGER;
export const isStep = (value: number) => Number.isInteger(value) && value >= 0 && value <= MAX_STEP;

/** One `logs/batch` request: entries and the body's bytes. */
export const MAX_BATCH_ENTRIES = 10_000;
export const MAX_BATCH_BYTES = 2 * 1024 * 1024;
export const MAX_METADATA_BYTES = 10 * 1024;
/**
 * Distinct metrics one experiment may hold. Every series costs a summary row, rollups and chart
 * space; a script that logs a new name per step would otherwise grow an experiment without end.
 */
export const MAX_SERIES_PER_EXPERIMENT = 10_000;

/** Experiment fields, in code points (as Python's `len` and Postgres's `char_length` count). */
export const MAX_EXPERIMENT_NAME_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 10_000;
export const MAX_TAG_LENGTH = 50;
export const MAX_TAGS = 50;
export const MAX_HYPERPARAM_KEY_LENGTH = 100;
export const MAX_HYPERPARAM_VALUE_LENGTH = 1000;
export const MAX_HYPERPARAMS = 500;
/** Projects: a one-line name, unique in its workspace; an optional description. */
export const MAX_PROJECT_NAME_LENGTH = 100;
/** A source's id for an imported run (`mlflow:<run id>`), unique in its workspace. */
export const MAX_IMPORT_KEY_LENGTH = 200;

/** Postgres text and jsonb cannot hold NUL, and a lone surrogate is not text: both are a 400, never a 500. */
export const isStorableText = (value: string) => !value.includes('\u0000') && !/[\uD800-\uDFFF]/u.test(value);

/**
 * What a one-line label (a name, a tag, a key) must not hold: C0 and C1 control characters and
 * DEL — escape sequences that drive the terminal printing the label (retitle it, write the
 * clipboard, fake a link) — line and paragraph separators, and the bidi embedding, override and
 * isolate controls, which reorder the text around them so that one name reads as another.
 * The same rule is checked by the SDKs (sdk/ts/src/validation.ts, sdk/python/tora/_validation.py).
 */
export const LABEL_FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
/** Multi-line text (descriptions, hyperparameter values) keeps tabs and line breaks (LF or CRLF), no other controls. */
// eslint-disable-next-line no-control-regex
export const TEXT_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|\r(?!\n)/;

export const isOneLineText = (value: string) => !LABEL_FORBIDDEN.test(value);
export const isMultiLineText = (value: string) => !TEXT_FORBIDDEN.test(value);

/** Workspace roles, highest first. */
export const WORKSPACE_ROLES = ['owner', 'admin', 'editor', 'viewer'] as const;
export type Role = (typeof WORKSPACE_ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
	return RANK[role] >= RANK[minimum];
}

/**
 * Whether `actor` may invite, re-role, remove or revoke someone who has (or would get) `target`:
 * owners manage everyone; admins only roles below admin; editors and viewers nobody.
 */
export function manages(actor: Role, target: Role): boolean {
	return actor === 'owner' || (roleAtLeast(actor, 'admin') && !roleAtLeast(target, 'admin'));
}
