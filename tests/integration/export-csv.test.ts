/**
 * What the CSV export writes: the wide format with more metrics than Postgres allows columns in
 * a select list, text cells a spreadsheet would evaluate, and the settings it checks before the
 * head goes out. The handler is called with real Requests on the run's database.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '../../functions/_lib/db.ts';
import { api, apiResponse, createKey, expectEnvelope, signIn } from '../support/api.ts';
import { withConfig } from '../support/config.ts';

let key: string;
let workspaceId: string;
let userId: string;

beforeAll(async () => {
	const user = await signIn();
	key = (await createKey(user.token)).key;
	userId = user.userId;
	workspaceId = (await api('GET', '/api/me', { token: user.token })).body.data.personalWorkspaceId;
});

async function experiment(name = 'export'): Promise<string> {
	const row = await getDb()
		.insertInto('experiments')
		.values({ workspace_id: workspaceId, name, created_by: userId })
		.returning('id')
		.executeTakeFirstOrThrow();
	return row.id;
}

async function log(id: string, points: Array<[name: string, step: number, value: number]>) {
	for (let start = 0; start < points.length; start += 10_000) {
		const logs = points
			.slice(start, start + 10_000)
			.map(([name, step, value]) => ({ name, step, value, msg_id: randomUUID() }));
		const result = await api('POST', `/api/experiments/${id}/logs/batch`, { apiKey: key, body: { logs } });
		expect(result.status, JSON.stringify(result.body)).toBe(201);
	}
}

async function csv(id: string, format: 'long' | 'wide'): Promise<string[][]> {
	const response = await apiResponse('GET', `/api/experiments/${id}/export.csv?format=${format}`, {
		apiKey: key
	});
	expect(response.status).toBe(200);
	const text = await response.text();
	expect(text.endsWith('\r\n')).toBe(true);
	// No cell below holds a comma or a line break: splitting is exact.
	return text
		.slice(0, -2)
		.split('\r\n')
		.map((line) => line.split(','));
}

describe('wide export', () => {
	it('pivots 2,000 metrics (more than the 1,664 columns a select list may have)', async () => {
		const id = await experiment('two thousand metrics');
		const METRICS = 2_000;
		const STEPS = 12;
		const names = Array.from({ length: METRICS }, (_, m) => `metric/${String(m).padStart(4, '0')}`);
		const valueOf = (m: number, step: number) => m - step / 8;
		// Every third metric skips the odd steps: empty cells there.
		const logsAt = (m: number, step: number) => m % 3 !== 0 || step % 2 === 0;
		const points: Array<[string, number, number]> = [];
		for (let step = 0; step < STEPS; step++)
			for (let m = 0; m < METRICS; m++) if (logsAt(m, step)) points.push([names[m], step, valueOf(m, step)]);
		await log(id, points);

		const wide = await csv(id, 'wide');
		expect(wide[0]).toEqual(['step', ...names]);
		expect(wide).toHaveLength(1 + STEPS);
		for (let step = 0; step < STEPS; step++) {
			const expected = names.map((_, m) => (logsAt(m, step) ? String(valueOf(m, step)) : ''));
			expect(wide[1 + step]).toEqual([String(step), ...expected]);
		}

		const long = await csv(id, 'long');
		expect(long).toHaveLength(1 + points.length);
		const byName = [...points].sort(([a, sa], [b, sb]) => (a < b ? -1 : a > b ? 1 : sa - sb));
		expect(long.slice(1).map(([name, step, value]) => [name, Number(step), Number(value)])).toEqual(byName);
	});

	it('keeps the point logged last where a metric has several at one step', async () => {
		const id = await experiment();
		await log(id, [
			['loss', 0, 3],
			['loss', 1, 2]
		]);
		await log(id, [['loss', 1, 1.5]]);
		expect(await csv(id, 'wide')).toEqual([
			['step', 'loss'],
			['0', '3'],
			['1', '1.5']
		]);
		expect((await csv(id, 'long')).map((row) => row.slice(0, 3))).toEqual([
			['name', 'step', 'value'],
			['loss', '0', '3'],
			['loss', '1', '2'],
			['loss', '1', '1.5']
		]);
	});

	it('writes only the header for an experiment without points', async () => {
		const id = await experiment();
		expect(await csv(id, 'wide')).toEqual([['step']]);
		expect(await csv(id, 'long')).toEqual([['name', 'step', 'value', 'logged_at']]);
	});
});

describe('spreadsheet formulas', () => {
	it('makes text cells that look like formulas inert; numbers stay numbers', async () => {
		const id = await experiment();
		// Metric names may start with "-": a spreadsheet reads "-A1/B1" as a formula, "-1" as a number.
		await log(id, [
			['-A1/B1', 0, -0.5],
			['-A1/B1', 1, 1e-7],
			['-1', 0, -1e-7],
			['plain', 1, -12.25]
		]);
		const long = await csv(id, 'long');
		expect(long.map((row) => row.slice(0, 3))).toEqual([
			['name', 'step', 'value'],
			[`"'-1"`, '0', '-1e-07'],
			[`"'-A1/B1"`, '0', '-0.5'],
			[`"'-A1/B1"`, '1', '1e-07'],
			['plain', '1', '-12.25']
		]);
		expect(await csv(id, 'wide')).toEqual([
			['step', `"'-1"`, `"'-A1/B1"`, 'plain'],
			['0', '-1e-07', '-0.5', ''],
			['1', '', '1e-07', '-12.25']
		]);
	});
});

describe('settings', () => {
	it('refuses a malformed TORA_EXPORT_TIMEOUT_MS before streaming anything', async () => {
		const id = await experiment();
		await withConfig({ TORA_EXPORT_TIMEOUT_MS: 'five minutes' }, async () => {
			const result = await api('GET', `/api/experiments/${id}/export.csv`, { apiKey: key });
			expectEnvelope(result, 503, 'UNAVAILABLE');
			expect(result.body.error!.message).toContain('TORA_EXPORT_TIMEOUT_MS');
		});
	});
});
