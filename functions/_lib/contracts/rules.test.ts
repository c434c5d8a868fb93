import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExperimentDescription, ExperimentName, Hyperparam, Tag } from './experiments.ts';
import { LogEntry, MetricName } from './logs.ts';
import * as rules from './rules.ts';

interface Case {
	value: unknown;
	ok: boolean;
}
interface RuleCases {
	limits: Record<string, number>;
	metric_names: Case[];
	values: Case[];
	non_finite_values: string[];
	steps: Case[];
	lengths: { field: string; char: string; length: number; ok: boolean }[];
}

/** The same file the SDKs' tests run: the contracts must give every case its recorded verdict. */
const cases = JSON.parse(
	readFileSync(new URL('../../../tests/support/rule-cases.json', import.meta.url), 'utf8')
) as RuleCases;

const entry = (fields: Record<string, unknown>) => ({
	name: 'loss',
	msg_id: '0190a5b6-0000-7000-8000-000000000000',
	value: 1,
	step: 0,
	...fields
});
const shown = (list: Case[]) =>
	list.map((item) => [JSON.stringify(item.value), item.value, item.ok] as const);

describe('tests/support/rule-cases.json through the zod contracts', () => {
	it('records the limits rules.ts has', () => {
		expect(cases.limits).toEqual({
			metric_name_max_length: rules.MAX_METRIC_NAME_LENGTH,
			max_step: rules.MAX_STEP,
			metadata_max_bytes: rules.MAX_METADATA_BYTES,
			batch_max_entries: rules.MAX_BATCH_ENTRIES,
			batch_max_bytes: rules.MAX_BATCH_BYTES,
			max_series_per_experiment: rules.MAX_SERIES_PER_EXPERIMENT
		});
	});

	it.each(shown(cases.metric_names))('metric name %s', (_shown, value, ok) => {
		expect(MetricName.safeParse(value).success).toBe(ok);
		expect(LogEntry.safeParse(entry({ name: value })).success).toBe(ok);
	});

	it.each(shown(cases.values))('value %s', (_shown, value, ok) => {
		expect(LogEntry.safeParse(entry({ value })).success).toBe(ok);
	});

	it.each(cases.non_finite_values)('value %s', (name) => {
		expect(LogEntry.safeParse(entry({ value: Number(name) })).success).toBe(false);
	});

	it.each(shown(cases.steps))('step %s', (_shown, step, ok) => {
		expect(LogEntry.safeParse(entry({ step })).success).toBe(ok);
	});

	const schemas: Record<string, (value: string) => boolean> = {
		experiment_name: (value) => ExperimentName.safeParse(value).success,
		tag: (value) => Tag.safeParse(value).success,
		hyperparam_key: (value) => Hyperparam.safeParse({ key: value, value: 1 }).success,
		hyperparam_value: (value) => Hyperparam.safeParse({ key: 'k', value }).success,
		description: (value) => ExperimentDescription.safeParse(value).success
	};
	it.each(cases.lengths.map((item) => [item.field, item.length, item.char, item.ok] as const))(
		'%s of %i × %s',
		(field, length, char, ok) => {
			expect(schemas[field](char.repeat(length))).toBe(ok);
		}
	);
});

describe('role rank and manages', () => {
	it('orders owner > admin > editor > viewer', () => {
		const roles = rules.WORKSPACE_ROLES;
		for (const [i, role] of roles.entries()) {
			for (const [j, other] of roles.entries()) expect(rules.roleAtLeast(role, other)).toBe(i <= j);
		}
	});

	it('lets owners manage everyone and admins only editors and viewers', () => {
		const table = Object.fromEntries(
			rules.WORKSPACE_ROLES.map((actor) => [
				actor,
				rules.WORKSPACE_ROLES.filter((target) => rules.manages(actor, target))
			])
		);
		expect(table).toEqual({
			owner: ['owner', 'admin', 'editor', 'viewer'],
			admin: ['editor', 'viewer'],
			editor: [],
			viewer: []
		});
	});
});
