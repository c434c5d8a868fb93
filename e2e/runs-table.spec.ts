import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { email, signInUi, tokenFor, apiAs } from './support/accounts.ts';

test('query with autocomplete, sort by a metric, save a view a viewer opens from its link, bulk-tag', async ({
	browser,
	page,
	request
}) => {
	// Two users, two browsers and a dozen steps: more than the default 30 s on this machine.
	test.setTimeout(90_000);
	const ownerEmail = email('table-owner');
	const viewerEmail = email('table-viewer');
	const api = apiAs(request, await tokenFor(request, ownerEmail));
	const workspace = await api('POST', '/api/workspaces', { name: 'Runs table' });
	const runs = [
		{ name: 'adam-small', lr: 0.001, optimizer: 'adam', loss: [0.9, 0.5, 0.7] },
		{ name: 'adam-large', lr: 0.01, optimizer: 'adam', loss: [0.8, 0.2, 0.3] },
		{ name: 'sgd-base', lr: 0.1, optimizer: 'sgd', loss: [0.95, 0.6, 0.65] }
	];
	for (const run of runs) {
		const experiment = await api('POST', '/api/experiments', {
			name: run.name,
			workspaceId: workspace.id,
			hyperparams: [
				{ key: 'lr', value: run.lr },
				{ key: 'optimizer', value: run.optimizer }
			]
		});
		await api('POST', `/api/experiments/${experiment.id}/logs/batch`, {
			logs: run.loss.map((value, step) => ({ name: 'val/loss', msg_id: randomUUID(), value, step }))
		});
		await api('PATCH', `/api/experiments/${experiment.id}`, { status: 'finished' });
	}

	await signInUi(page, ownerEmail);
	await page.goto(`/dashboard?ws=${workspace.id}`);
	const table = page.getByRole('table', { name: 'Experiments' });
	await expect(table.getByRole('link', { name: 'sgd-base' })).toBeVisible();

	// Autocomplete: a key, then a value fetched from the workspace, all from the keyboard.
	const bar = page.getByRole('combobox', { name: 'Filter runs with a query' });
	await bar.click();
	await bar.pressSequentially('hp.opt');
	const options = page.getByRole('listbox', { name: 'Query suggestions' });
	await expect(options.getByRole('option', { name: /hp\.optimizer/ })).toBeVisible();
	await bar.press('Enter');
	await expect(bar).toHaveValue('hp.optimizer ');
	await bar.pressSequentially('= ');
	await expect(options.getByRole('option', { name: 'adam' })).toBeVisible();
	await bar.press('ArrowDown');
	await expect(options.getByRole('option', { selected: true })).toHaveText(/sgd|adam/);
	await bar.press('Escape');
	await bar.fill('hp.optimizer = "adam"');
	await bar.press('Enter');
	await expect(page).toHaveURL(/filter=hp\.optimizer/);
	await expect(table.getByRole('link', { name: 'sgd-base' })).toHaveCount(0);
	await expect(table.getByRole('link', { name: 'adam-small' })).toBeVisible();

	// A query that does not parse says where, and is not sent.
	await bar.fill('hp.lr <');
	await bar.press('Escape');
	await bar.press('Enter');
	await expect(page.getByRole('alert').filter({ hasText: /^col \d+:/ })).toBeVisible();
	await bar.fill('hp.optimizer = "adam"');
	await bar.press('Escape');
	await bar.press('Enter');

	// A metric column showing its minimum, sorted server-side (smallest first).
	await page.locator('summary', { hasText: 'Columns' }).click();
	await page.getByLabel('Search columns').fill('val');
	await page.getByRole('checkbox', { name: 'val/loss' }).check();
	await page.keyboard.press('Escape');
	await page.getByLabel('Value of val/loss shown').selectOption('min');
	await expect(page).toHaveURL(/columns=[^&]*metric\.val%2Floss\.min/);
	await table.getByRole('button', { name: /^val\/loss/ }).click();
	await expect(page).toHaveURL(/sort=metric\.val%2Floss\.min/);
	await table.getByRole('button', { name: /^val\/loss/ }).click();
	await expect(page).toHaveURL(/order=asc/);
	const header = table.getByRole('columnheader', { name: /val\/loss/ });
	await expect(header).toHaveAttribute('aria-sort', 'ascending');
	const names = table.locator('tbody tr td:nth-child(2)');
	await expect(names).toHaveText(['adam-large', 'adam-small']);
	await expect(table.getByRole('row', { name: /adam-large/ })).toContainText('0.2');

	// Save the view; a viewer opens it from the link, or as the workspace default.
	await page.locator('summary', { hasText: 'Views' }).click();
	await page.getByLabel('Save the current table as a view').fill('Adam by best loss');
	await page.getByLabel('Open this view by default').check();
	await page.getByRole('button', { name: 'Save view' }).click();
	await expect(page.getByRole('list', { name: 'Saved views' })).toContainText('Adam by best loss');
	const viewLink = page.url();

	const invitation = await api('POST', `/api/workspaces/${workspace.id}/invitations`, {
		email: viewerEmail,
		role: 'viewer'
	});
	const viewerApi = apiAs(request, await tokenFor(request, viewerEmail));
	await viewerApi('POST', `/api/invitations/${invitation.id}/accept`);
	const viewer = await (await browser.newContext()).newPage();
	await signInUi(viewer, viewerEmail);
	await viewer.goto(new URL(viewLink).pathname + new URL(viewLink).search);
	const viewerTable = viewer.getByRole('table', { name: 'Experiments' });
	await expect(viewerTable.locator('tbody tr td:nth-child(2)')).toHaveText(['adam-large', 'adam-small']);
	await expect(viewer.getByRole('combobox', { name: 'Filter runs with a query' })).toHaveValue(
		'hp.optimizer = "adam"'
	);
	// Without view state in the URL, the default view applies.
	await viewer.goto(`/dashboard?ws=${workspace.id}`);
	await expect(viewer).toHaveURL(/filter=hp\.optimizer/);
	await expect(viewerTable.locator('tbody tr td:nth-child(2)')).toHaveText(['adam-large', 'adam-small']);
	await viewer.locator('summary', { hasText: 'Views' }).click();
	await expect(viewer.getByRole('button', { name: 'Save view' })).toHaveCount(0);

	// Bulk: tick both rows (shift-click for the range), tag them.
	await table.getByRole('checkbox', { name: 'Select adam-large' }).check();
	await table.getByRole('checkbox', { name: 'Select adam-small' }).click({ modifiers: ['Shift'] });
	const bulkBar = page.getByRole('region', { name: 'Selected runs' });
	await expect(bulkBar).toContainText('2 selected');
	await bulkBar.getByLabel('Tags to add or remove (comma-separated)').fill('best-adam');
	await bulkBar.getByRole('button', { name: 'Add tags' }).click();
	await expect(table.getByRole('button', { name: 'best-adam', exact: true })).toHaveCount(2);
	await bulkBar.getByRole('button', { name: 'Delete…' }).click();
	await expect(page.getByRole('dialog')).toContainText('Delete 2 runs?');
	await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
	await expect(table.getByRole('link', { name: 'adam-small' })).toBeVisible();
});

test('a running run deep in the list, past the first page, updates in place', async ({ page, request }) => {
	test.setTimeout(90_000);
	const address = email('deep-live');
	const api = apiAs(request, await tokenFor(request, address));
	const workspace = await api('POST', '/api/workspaces', { name: 'Deep live rows' });
	// 120 finished runs named so that the running one sorts last by name: past the 100-row first page.
	const ids: string[] = [];
	for (let i = 0; i < 120; i++) {
		const run = await api('POST', '/api/experiments', {
			name: `run-${String(i).padStart(3, '0')}`,
			workspaceId: workspace.id
		});
		ids.push(run.id);
		if (i < 119) await api('PATCH', `/api/experiments/${run.id}`, { status: 'finished' });
	}
	await signInUi(page, address);
	await page.goto(`/dashboard?ws=${workspace.id}&sort=name&order=asc`);
	const table = page.getByRole('table', { name: 'Experiments' });
	await expect(table.getByRole('link', { name: 'run-000' })).toBeVisible();
	// Scroll to the end: the second page loads, and the last run comes into view, running.
	const last = table.getByRole('row', { name: /run-119/ });
	await expect(async () => {
		await table.evaluate((element) => {
			const scroller = element.parentElement;
			scroller?.scrollTo({ top: scroller.scrollHeight });
		});
		await expect(last).toBeVisible({ timeout: 1000 });
	}).toPass({ timeout: 20_000 });
	await expect(last).toContainText('running');
	await api('PATCH', `/api/experiments/${ids[119]}`, { status: 'failed' });
	await expect(last).toContainText('failed', { timeout: 10_000 });
});

test('a metric column draws a sparkline per cell from one series request, and follows a live run', async ({
	page,
	request
}) => {
	test.setTimeout(60_000);
	const address = email('sparkline');
	const api = apiAs(request, await tokenFor(request, address));
	const workspace = await api('POST', '/api/workspaces', { name: 'Sparklines' });
	const loss = [0.9, 0.5, 0.7, 0.2, 0.4];
	const log = (id: string, values: number[], from = 0) =>
		api('POST', `/api/experiments/${id}/logs/batch`, {
			logs: values.map((value, i) => ({ name: 'val/loss', msg_id: randomUUID(), value, step: from + i }))
		});
	const live = await api('POST', '/api/experiments', { name: 'live-run', workspaceId: workspace.id });
	await log(live.id, loss);
	for (const name of ['done-a', 'done-b']) {
		const run = await api('POST', '/api/experiments', { name, workspaceId: workspace.id });
		await log(run.id, [1, 2, 3]);
		await api('PATCH', `/api/experiments/${run.id}`, { status: 'finished' });
	}
	await signInUi(page, address);

	// The series request is held until the rows have been seen without it: it never delays them.
	const seriesBodies: { experimentIds: string[] }[] = [];
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	await page.route('**/api/series', async (route) => {
		seriesBodies.push(route.request().postDataJSON());
		await held;
		await route.continue();
	});
	await page.goto(`/dashboard?ws=${workspace.id}&columns=${encodeURIComponent('metric.val/loss.last')}`);
	const table = page.getByRole('table', { name: 'Experiments' });
	const row = table.getByRole('row', { name: /live-run/ });
	await expect(row).toContainText('0.4');
	await expect.poll(() => seriesBodies.length).toBe(1);
	// The box is reserved before the line arrives, so the value does not move when it does.
	const value = row.getByText('0.4', { exact: true });
	await expect(row.locator('svg[data-sparkline="empty"]')).toHaveCount(1);
	const before = await value.boundingBox();
	release();

	const line = row.locator('svg[data-sparkline="drawn"] polyline');
	await expect(line).toHaveCount(1);
	expect(await value.boundingBox()).toEqual(before);
	// One request for the whole window: every run on screen.
	expect(seriesBodies).toHaveLength(1);
	expect(seriesBodies[0].experimentIds).toHaveLength(3);
	await expect(table.locator('svg[data-sparkline="drawn"]')).toHaveCount(3);

	/** The polyline's vertices follow the values: steps left to right, higher values higher up. */
	const expectFollows = async (values: number[]) => {
		const points = (await line.getAttribute('points'))!.split(' ').map((p) => p.split(',').map(Number));
		expect(points).toHaveLength(values.length);
		for (let i = 1; i < points.length; i++) expect(points[i][0]).toBeGreaterThan(points[i - 1][0]);
		// y on screen is a decreasing linear function of the value (to the 0.1 px it is rounded to).
		const low = values.indexOf(Math.min(...values));
		const high = values.indexOf(Math.max(...values));
		const scale = (points[low][1] - points[high][1]) / (values[high] - values[low]);
		expect(scale).toBeGreaterThan(0);
		values.forEach((v, i) =>
			expect(points[i][1]).toBeCloseTo(points[high][1] + (values[high] - v) * scale, 0)
		);
	};
	await expectFollows(loss);

	// The run logs on: the live refresh re-reads its row, and its sparkline is read again.
	await log(live.id, [0.1], loss.length);
	await expect(row).toContainText('0.1', { timeout: 10_000 });
	await expect
		.poll(async () => (await line.getAttribute('points'))?.split(' ').length, { timeout: 10_000 })
		.toBe(6);
	await expectFollows([...loss, 0.1]);
	// Only the run that changed was asked for again.
	expect(seriesBodies.at(-1)?.experimentIds).toEqual([live.id]);
});

/**
 * A run whose script goes quiet shows as crashed. The shared web server keeps the 10-minute
 * default (other specs show running runs), so this test starts its own server with a crash
 * timeout of about a second.
 */
test.describe('crashed runs', () => {
	const port = Number(process.env.TORA_E2E_CRASH_PORT ?? 8952);
	const origin = `http://127.0.0.1:${port}`;
	let server: ChildProcess | undefined;

	test.beforeAll(async () => {
		// Starting a server (migrations on a fresh embedded database) can be slow on a busy machine.
		test.setTimeout(150_000);
		server = spawn('node', ['--import', 'tsx', 'server/start.ts'], {
			env: {
				...process.env,
				PORT: String(port),
				HOST: '127.0.0.1',
				TORA_AUTH: 'local',
				TORA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tora-e2e-crash-')),
				TORA_CRASHED_AFTER_MINUTES: '0.02'
			},
			stdio: ['ignore', 'ignore', 'pipe']
		});
		let stderr = '';
		server.stderr?.on('data', (chunk) => (stderr += chunk));
		await expect
			.poll(
				() => {
					if (server?.exitCode !== null) throw new Error(`the crash-test server exited: ${stderr}`);
					return fetch(`${origin}/api/health`).then(
						(r) => r.ok,
						() => false
					);
				},
				{ timeout: 140_000 }
			)
			.toBe(true);
	});

	test.afterAll(() => {
		server?.kill('SIGTERM');
	});

	test('a running run that goes quiet shows the crashed badge and matches status = crashed', async ({
		page,
		request
	}) => {
		const address = email('crash');
		const api = apiAs(request, await tokenFor(request, address, origin), origin);
		const run = await api('POST', '/api/experiments', { name: 'quiet-run' });
		await signInUi(page, address, origin);
		await page.goto(`${origin}/dashboard?ws=${run.workspace_id}&filter=status%20%3D%20crashed`);
		const table = page.getByRole('table', { name: 'Experiments' });
		// The list polls while it shows a newest-first view: the run turns up once it looks crashed.
		await expect(table.getByRole('row', { name: /quiet-run/ })).toContainText('crashed', { timeout: 15_000 });
	});
});
