import { describe, expect, it } from 'vitest';
import { parseFlatYaml } from './yaml.js';

describe('parseFlatYaml', () => {
	it("reads MLflow's run meta.yaml as PyYAML writes it", () => {
		const meta = parseFlatYaml(`artifact_uri: file:///tmp/mlruns/123/abc/artifacts
end_time: 1700000123456
entry_point_name: ''
experiment_id: '123'
lifecycle_stage: active
run_id: 0a1b2c3d4e5f
run_name: bright-owl-42
run_uuid: 0a1b2c3d4e5f
source_name: ''
source_type: 4
source_version: ''
start_time: 1700000000000
status: 3
tags: []
user_id: ada
deleted_time: null
`);
		expect(Object.fromEntries(meta)).toEqual({
			artifact_uri: 'file:///tmp/mlruns/123/abc/artifacts',
			end_time: 1700000123456,
			entry_point_name: '',
			experiment_id: '123',
			lifecycle_stage: 'active',
			run_id: '0a1b2c3d4e5f',
			run_name: 'bright-owl-42',
			run_uuid: '0a1b2c3d4e5f',
			source_name: '',
			source_type: 4,
			source_version: '',
			start_time: 1700000000000,
			status: 3,
			user_id: 'ada',
			deleted_time: null
		});
	});

	it('reads quoted, escaped and folded scalars', () => {
		const meta = parseFlatYaml(
			[
				"name: 'it''s: a test'",
				'quoted: "tab\\there \\u00e9 \\"q\\""',
				'long: a plain scalar that PyYAML folded',
				'  onto a second line',
				"folded_quote: 'one",
				"  two'",
				'yes: true',
				'number: 1.5e3',
				'empty:',
				'nested:',
				'  child: 1',
				'list:',
				'- a',
				'# a comment'
			].join('\n')
		);
		expect(meta.get('name')).toBe("it's: a test");
		expect(meta.get('quoted')).toBe('tab\there é "q"');
		expect(meta.get('long')).toBe('a plain scalar that PyYAML folded onto a second line');
		expect(meta.get('folded_quote')).toBe('one two');
		expect(meta.get('yes')).toBe(true);
		expect(meta.get('number')).toBe(1500);
		expect(meta.get('empty')).toBeNull();
		expect(meta.has('child')).toBe(false);
	});
});
