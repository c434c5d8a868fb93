/**
 * The server's input rules ($contracts/rules), checked as the user types, with messages that name
 * the value ("tag "…" is longer than 50 characters") instead of a position in a list. The limits
 * and character rules come from the module the API's contracts use, so the two cannot drift.
 */
import {
	isMultiLineText,
	isOneLineText,
	isStorableText,
	MAX_DESCRIPTION_LENGTH,
	MAX_EXPERIMENT_NAME_LENGTH,
	MAX_HYPERPARAM_KEY_LENGTH,
	MAX_HYPERPARAM_VALUE_LENGTH,
	MAX_HYPERPARAMS,
	MAX_PROJECT_NAME_LENGTH,
	MAX_TAG_LENGTH,
	MAX_TAGS
} from '$contracts/rules';

/** Lengths in code points, as the server counts them (an emoji is one character). */
const length = (value: string) => [...value].length;

/** A value short enough for a message: long ones keep their start and end around an ellipsis. */
export function quote(value: string, max = 40): string {
	const points = [...value];
	if (points.length <= max) return `"${value}"`;
	const head = Math.ceil((max - 1) / 2);
	return `"${points.slice(0, head).join('')}…${points.slice(points.length - (max - 1 - head)).join('')}"`;
}

/** One-line labels (names, tags, keys): trimmed, non-empty, at most `max`, no control characters. */
export function labelProblem(what: string, value: string, max: number): string | undefined {
	const trimmed = value.trim();
	if (!trimmed) return `${what} must not be empty`;
	if (length(trimmed) > max) return `${what} ${quote(trimmed)} is longer than ${max} characters`;
	if (!isOneLineText(trimmed) || !isStorableText(trimmed))
		return `${what} ${quote(trimmed)} contains a line break or control character`;
	return undefined;
}

/** Free text (descriptions, text values): line breaks and tabs allowed, other controls not. */
export function textProblem(what: string, value: string, max: number): string | undefined {
	if (length(value) > max) return `${what} is longer than ${max} characters (${length(value)})`;
	if (!isMultiLineText(value) || !isStorableText(value)) return `${what} contains a control character`;
	return undefined;
}

export const experimentNameProblem = (value: string) =>
	labelProblem('name', value, MAX_EXPERIMENT_NAME_LENGTH);
export const projectNameProblem = (value: string) =>
	value.trim() ? labelProblem('project', value, MAX_PROJECT_NAME_LENGTH) : undefined;
export const descriptionProblem = (value: string) =>
	textProblem('description', value, MAX_DESCRIPTION_LENGTH);
export const tagProblem = (tag: string) => labelProblem('tag', tag, MAX_TAG_LENGTH);
export const hyperparamKeyProblem = (key: string) =>
	labelProblem('hyperparameter', key, MAX_HYPERPARAM_KEY_LENGTH);
export const hyperparamTextProblem = (value: string) =>
	textProblem('value', value, MAX_HYPERPARAM_VALUE_LENGTH);

/** The first problem of a tag list: too many, or the first tag the server would refuse. */
export function tagsProblem(tags: string[]): string | undefined {
	if (tags.length > MAX_TAGS) return `${tags.length} tags: at most ${MAX_TAGS} are allowed`;
	for (const tag of tags) {
		const problem = tagProblem(tag);
		if (problem) return problem;
	}
	return undefined;
}

export const tooManyHyperparams = (count: number) =>
	count > MAX_HYPERPARAMS ? `${count} hyperparameters: at most ${MAX_HYPERPARAMS} are allowed` : undefined;
