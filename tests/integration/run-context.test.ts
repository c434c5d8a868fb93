/**
 * A run's notes, captured context and console (migration 20261207160000_run_context) through the
 * real handlers: what is stored, what readers see, what a viewer may do, and every refusal.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CUT_MARKER, MAX_CONSOLE_LINE_CHARS } from '../../functions/_lib/contracts/run-context.ts';
import { api, expectEnvelope } from '../support/api.ts';
import { configure, resetConfig } from '../support/config.ts';
import {
	addMember,
	createExperiment,
	createTeamWorkspace,
	signInWithWorkspace,
	type TestUser
} from '../support/experiments.ts';

let owner: TestUser;
let viewer: TestUser;

beforeAll(async () => {
	owner = await signInWithWorkspace();
	viewer = await signInWithWorkspace();
	await addMember(owner.personalWorkspaceId, viewer.userId, 'viewer');
});

afterEach(resetConfig);

const newRun = (name = 'context run') =>
	createExperiment({ token: owner.token }, { name, workspaceId: owner.personalWorkspaceId });

describe('notes', () => {
	it('are markdown set with PATCH, read with the experiment, cleared with null; viewers read, not write', async () => {
		const run = await newRun();
		const markdown = '# Why\n\n- lr **too high**\n\n```\ntrace\n```';
		const patched = await api('PATCH', `/api/experiments/${run.id}`, {
			token: owner.token,
			body: { notes: markdown }
		});
		expect(patched.status).toBe(200);
		expect(patched.body.data.notes).toBe(markdown);

		const read = await api('GET', `/api/experiments/${run.id}`, { token: viewer.token });
		expect(read.body.data).toMatchObject({ notes: markdown, context: null });

		const refused = await api('PATCH', `/api/experiments/${run.id}`, {
			token: viewer.token,
			body: { notes: 'mine now' }
		});
		expectEnvelope(refused, 403, 'FORBIDDEN');

		const cleared = await api('PATCH', `/api/experiments/${run.id}`, {
			token: owner.token,
			body: { notes: null }
		});
		expect(cleared.body.data.notes).toBe('');
	});

	it('are found by the query language, and listed runs do not carry them', async () => {
		const run = await newRun('noted');
		await api('PATCH', `/api/experiments/${run.id}`, {
			token: owner.token,
			body: { notes: 'Diverged at step 300: LR warmup missing' }
		});
		const filter = encodeURIComponent('notes ~ "lr warmup"');
		const list = await api(
			'GET',
			`/api/workspaces/${owner.personalWorkspaceId}/experiments?filter=${filter}`,
			{
				token: owner.token
			}
		);
		expect(list.body.data.items.map((item: { id: string }) => item.id)).toEqual([run.id]);
		expect(list.body.data.items[0]).not.toHaveProperty('notes');
	});

	it('refuses text Postgres cannot store or a terminal would act on, and more than 100,000 characters', async () => {
		const run = await newRun();
		for (const notes of ['a\u0000b', 'a\u001b[31mred', 'x'.repeat(100_001)]) {
			const result = await api('PATCH', `/api/experiments/${run.id}`, {
				token: owner.token,
				body: { notes }
			});
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect(Object.keys(result.body.error!.fields ?? {})).toEqual(['notes']);
		}
	});
});

const CONTEXT = {
	git: {
		commit: 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678',
		branch: 'feature/warmup',
		remote: 'https://ana:ghp_abcdefghijklmnopqrstuvwx@github.com/acme/model.git',
		dirty: true,
		diff: 'diff --git a/train.py b/train.py\n-lr = 1e-3\n+lr = 3e-4\n',
		diffTruncated: false
	},
	command: ['train.py', '--lr', '3e-4'],
	cwd: '/home/ana/model',
	runtime: { name: 'python', version: '3.11.7' },
	os: 'Linux 6.1.0',
	host: 'gpu-box-1',
	cpus: 16,
	memoryBytes: 68_719_476_736,
	gpus: [{ name: 'NVIDIA A100-SXM4-80GB', memoryBytes: 85_899_345_920 }],
	packages: { numpy: '2.1.0', torch: '2.5.1' },
	env: {
		CUDA_VISIBLE_DEVICES: '0',
		WANDB_API_KEY: 'abc',
		SLURM_JOB_ID: '42',
		HF_HOME: '/data/hf',
		SOME_URL: 'postgres://u:hunter2@db/x'
	}
};

describe('context', () => {
	it('is stored whole, without credentials or secrets, and read by viewers; the experiment carries its summary', async () => {
		const run = await newRun();
		const put = await api('PUT', `/api/experiments/${run.id}/context`, { token: owner.token, body: CONTEXT });
		expect(put.status).toBe(200);
		const read = await api('GET', `/api/experiments/${run.id}/context`, { token: viewer.token });
		expect(read.status).toBe(200);
		expect(read.body.data).toMatchObject({
			summary: {
				git: {
					commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
					branch: 'feature/warmup',
					remote: 'https://github.com/acme/model.git',
					dirty: true
				},
				command: ['train.py', '--lr', '3e-4'],
				runtime: { name: 'python', version: '3.11.7' },
				host: 'gpu-box-1',
				cpus: 16,
				memory_bytes: 68_719_476_736,
				gpus: [{ name: 'NVIDIA A100-SXM4-80GB', memory_bytes: 85_899_345_920 }]
			},
			git_diff: CONTEXT.git.diff,
			git_diff_truncated: false,
			packages: { numpy: '2.1.0', torch: '2.5.1' },
			env: {
				CUDA_VISIBLE_DEVICES: '0',
				WANDB_API_KEY: '[redacted]',
				SLURM_JOB_ID: '42',
				HF_HOME: '/data/hf',
				SOME_URL: '[redacted]'
			}
		});
		expect(JSON.stringify(read.body)).not.toContain('ghp_');
		expect(JSON.stringify(read.body)).not.toContain('hunter2');

		const experiment = await api('GET', `/api/experiments/${run.id}`, { token: viewer.token });
		expect(experiment.body.data.context).toEqual(read.body.data.summary);

		const refused = await api('PUT', `/api/experiments/${run.id}/context`, {
			token: viewer.token,
			body: CONTEXT
		});
		expectEnvelope(refused, 403, 'FORBIDDEN');
	});

	it('is replaced whole by a second PUT; a run without one answers 404', async () => {
		const run = await newRun();
		expectEnvelope(
			await api('GET', `/api/experiments/${run.id}/context`, { token: owner.token }),
			404,
			'NOT_FOUND'
		);
		await api('PUT', `/api/experiments/${run.id}/context`, { token: owner.token, body: CONTEXT });
		await api('PUT', `/api/experiments/${run.id}/context`, { token: owner.token, body: { host: 'other' } });
		const read = await api('GET', `/api/experiments/${run.id}/context`, { token: owner.token });
		expect(read.body.data).toMatchObject({
			summary: { git: null, host: 'other', gpus: [] },
			git_diff: null,
			packages: {},
			env: {}
		});
	});

	it('takes 5,000 packages and a 1 MB diff; refuses more, naming the field', async () => {
		const run = await newRun();
		const packages = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`package-${i}`, `1.${i}.0`]));
		const diff = 'd'.repeat(1024 * 1024);
		const ok = await api('PUT', `/api/experiments/${run.id}/context`, {
			token: owner.token,
			body: { packages, git: { commit: 'abcdef1', diff, diffTruncated: true } }
		});
		expect(ok.status).toBe(200);
		expect(Object.keys(ok.body.data.packages)).toHaveLength(5000);

		const cases: Array<[Record<string, unknown>, string]> = [
			[
				{ packages: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`p${i}`, '1'])) },
				'packages'
			],
			[{ git: { commit: 'abcdef1', diff: diff + 'x' } }, 'git.diff'],
			[{ git: { commit: 'abcdef1', diff: 'bin\u0000ary' } }, 'git.diff'],
			[{ git: { commit: 'not-a-commit' } }, 'git.commit'],
			[{ host: 'two\nlines' }, 'host'],
			[{ runtime: { name: 'python\uD800', version: '3' } }, 'runtime.name'],
			[{ packages: { ['numpy\uDC00']: '1' } }, 'packages.numpy\uDC00'],
			[{ env: { PATH: 'a\uD800' } }, 'env.PATH'],
			[{ command: ['train.py', '\uDFFF'] }, 'command.1'],
			[{ cpus: -1 }, 'cpus'],
			[{ env: { TOKEN: 'x'.repeat(4097) } }, 'env.TOKEN'],
			[{ surprise: true }, '_']
		];
		for (const [body, field] of cases) {
			const result = await api('PUT', `/api/experiments/${run.id}/context`, { token: owner.token, body });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect([field, Object.keys(result.body.error!.fields ?? {})]).toEqual([field, [field]]);
		}
	});

	it('makes git.commit, host and gpu queryable from the runs list', async () => {
		const workspaceId = await createTeamWorkspace(owner.userId, 'Context queries');
		const run = await createExperiment({ token: owner.token }, { name: 'with context', workspaceId });
		await createExperiment({ token: owner.token }, { name: 'without context', workspaceId });
		await api('PUT', `/api/experiments/${run.id}/context`, { token: owner.token, body: CONTEXT });
		for (const filter of [
			'git.commit = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678" and git.dirty = true',
			'host ~ "GPU-BOX" and gpu ~ "a100" and cpus >= 16',
			'command ~ "--lr 3e-4" and runtime = "python 3.11.7"'
		]) {
			const list = await api(
				'GET',
				`/api/workspaces/${workspaceId}/experiments?filter=${encodeURIComponent(filter)}`,
				{ token: owner.token }
			);
			expect([filter, list.body.data.items.map((item: { id: string }) => item.id)]).toEqual([
				filter,
				[run.id]
			]);
		}
	});
});

const line = (
	seq: number,
	text: string,
	stream: 'stdout' | 'stderr' = 'stdout',
	time = '2026-12-07T10:00:00Z'
) => ({
	seq,
	time,
	stream,
	text
});

describe('console', () => {
	it('keeps each numbered line once across resends, and pages by the number', async () => {
		const run = await newRun();
		const first = [line(1, 'epoch 1'), line(2, 'warning: slow', 'stderr'), line(3, 'epoch 2')];
		const posted = await api('POST', `/api/experiments/${run.id}/console`, {
			token: owner.token,
			body: { lines: first }
		});
		expect(posted.status).toBe(201);
		expect(posted.body.data).toMatchObject({ accepted: 3, duplicates: 0, last_seq: 3 });

		// A retry of the same batch plus one new line: only the new line is stored and counted.
		const again = await api('POST', `/api/experiments/${run.id}/console`, {
			token: owner.token,
			body: { lines: [...first, line(4, 'epoch 3')] }
		});
		expect(again.body.data).toMatchObject({ accepted: 1, duplicates: 3, last_seq: 4 });
		expect(again.body.data.console_bytes).toBe(
			['epoch 1', 'warning: slow', 'epoch 2', 'epoch 3'].join('').length
		);

		const page1 = await api('GET', `/api/experiments/${run.id}/console?limit=3`, { token: viewer.token });
		expect(page1.body.data).toMatchObject({ cursor: 3, more: true, last_seq: 4 });
		expect(page1.body.data.lines.map((l: { text: string }) => l.text)).toEqual([
			'epoch 1',
			'warning: slow',
			'epoch 2'
		]);
		expect(page1.body.data.lines[1]).toEqual({
			seq: 2,
			time: '2026-12-07T10:00:00.000Z',
			stream: 'stderr',
			text: 'warning: slow'
		});
		const page2 = await api('GET', `/api/experiments/${run.id}/console?after=3`, { token: viewer.token });
		expect(page2.body.data).toMatchObject({ cursor: 4, more: false, lines: [{ seq: 4, text: 'epoch 3' }] });
		// A live tail at the end: nothing new, the cursor stays.
		const tail = await api('GET', `/api/experiments/${run.id}/console?after=4`, { token: viewer.token });
		expect(tail.body.data).toEqual({ lines: [], cursor: 4, more: false, last_seq: 4 });
	});

	it('searches, filters by stream and jumps to a time; the cursor moves past what did not match', async () => {
		const run = await newRun();
		const lines = Array.from({ length: 30 }, (_, i) =>
			line(
				i + 1,
				i % 10 === 0 ? `Loss NaN at step ${i}` : `step ${i}`,
				i % 3 === 0 ? 'stderr' : 'stdout',
				`2026-12-07T10:00:${String(i).padStart(2, '0')}Z`
			)
		);
		await api('POST', `/api/experiments/${run.id}/console`, { token: owner.token, body: { lines } });
		const search = await api('GET', `/api/experiments/${run.id}/console?q=nan`, { token: owner.token });
		expect(search.body.data.lines.map((l: { seq: number }) => l.seq)).toEqual([1, 11, 21]);
		expect(search.body.data).toMatchObject({ cursor: 30, more: false });

		const stderr = await api('GET', `/api/experiments/${run.id}/console?stream=stderr&limit=2`, {
			token: owner.token
		});
		expect(stderr.body.data).toMatchObject({ cursor: 4, more: true });
		expect(stderr.body.data.lines.map((l: { seq: number }) => l.seq)).toEqual([1, 4]);

		const jump = await api('GET', `/api/experiments/${run.id}/console?from=2026-12-07T10:00:25Z&limit=2`, {
			token: owner.token
		});
		expect(jump.body.data.lines.map((l: { seq: number }) => l.seq)).toEqual([26, 27]);
	});

	it('stores what it is sent: NUL and lone surrogates replaced, an overlong line cut with a marker', async () => {
		const run = await newRun();
		const long = 'x'.repeat(MAX_CONSOLE_LINE_CHARS + 500);
		await api('POST', `/api/experiments/${run.id}/console`, {
			token: owner.token,
			body: { lines: [line(1, 'a\u0000b\uD800c \u001b[31mred\u001b[0m'), line(2, long)] }
		});
		const read = await api('GET', `/api/experiments/${run.id}/console`, { token: owner.token });
		const [first, second] = read.body.data.lines;
		expect(first.text).toBe('a\uFFFDb\uFFFDc \u001b[31mred\u001b[0m');
		expect(second.text).toHaveLength(MAX_CONSOLE_LINE_CHARS);
		expect(second.text.endsWith(CONSOLE_CUT_MARKER)).toBe(true);
	});

	it('refuses a batch that would pass the per-run cap whole, with a 413, and keeps storing nothing past it', async () => {
		configure({ TORA_CONSOLE_MAX_BYTES: '100' });
		const run = await newRun();
		const ok = await api('POST', `/api/experiments/${run.id}/console`, {
			token: owner.token,
			body: { lines: [line(1, 'x'.repeat(60))] }
		});
		expect(ok.body.data).toMatchObject({ console_bytes: 60, console_bytes_limit: 100 });
		const over = await api('POST', `/api/experiments/${run.id}/console`, {
			token: owner.token,
			body: { lines: [line(2, 'y'.repeat(30)), line(3, 'z'.repeat(30))] }
		});
		expectEnvelope(over, 413, 'PAYLOAD_TOO_LARGE');
		expect(over.body.error!.message).toContain('TORA_CONSOLE_MAX_BYTES');
		const read = await api('GET', `/api/experiments/${run.id}/console`, { token: owner.token });
		expect(read.body.data.lines.map((l: { seq: number }) => l.seq)).toEqual([1]);
	});

	it('refuses bad batches and queries with a 400 naming the field; viewers cannot write', async () => {
		const run = await newRun();
		const cases: Array<[unknown, string]> = [
			[{ lines: [] }, 'lines'],
			[{ lines: [line(0, 'zero')] }, 'lines.0.seq'],
			[{ lines: [{ ...line(1, 'x'), stream: 'stdin' }] }, 'lines.0.stream'],
			[{ lines: [{ ...line(1, 'x'), time: 'yesterday' }] }, 'lines.0.time'],
			[{ lines: Array.from({ length: 5001 }, (_, i) => line(i + 1, '')) }, 'lines']
		];
		for (const [body, field] of cases) {
			const result = await api('POST', `/api/experiments/${run.id}/console`, { token: owner.token, body });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect([field, Object.keys(result.body.error!.fields ?? {})]).toEqual([field, [field]]);
		}
		for (const [query, field] of [
			['after=-1', 'after'],
			['limit=5001', 'limit'],
			['stream=both', 'stream'],
			['from=noon', 'from'],
			[`q=${'q'.repeat(201)}`, 'q'],
			['q=%00', 'q']
		]) {
			const result = await api('GET', `/api/experiments/${run.id}/console?${query}`, { token: owner.token });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			expect([query, Object.keys(result.body.error!.fields ?? {})]).toEqual([query, [field]]);
		}
		const refused = await api('POST', `/api/experiments/${run.id}/console`, {
			token: viewer.token,
			body: { lines: [line(1, 'x')] }
		});
		expectEnvelope(refused, 403, 'FORBIDDEN');
	});
});
