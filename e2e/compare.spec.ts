import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { runColor } from '../site/src/lib/charts/run-colors';
import { email, signInUi, tokenFor, apiAs } from './support/accounts.ts';

const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'];
const RATES = [0.0001, 0.001, 0.01, 0.1];
const STEPS = 20;

/** A sweep of 12 runs over optimizer × lr: loss curves, a `tokens` counter and an accuracy result. */
async function createSweep(api: ReturnType<typeof apiAs>, workspaceId: string) {
	const runs: { id: string; name: string; optimizer: string; lr: number }[] = [];
	for (const [o, optimizer] of OPTIMIZERS.entries()) {
		for (const [r, lr] of RATES.entries()) {
			const name = `sweep-${optimizer}-lr${lr}`;
			const experiment = await api('POST', '/api/experiments', {
				name,
				workspaceId,
				hyperparams: [
					{ key: 'optimizer', value: optimizer },
					{ key: 'lr', value: lr }
				]
			});
			const logs = [];
			for (let step = 0; step < STEPS; step++) {
				const loss = (1 + o) * Math.exp(-step * (r + 1) * 0.05) + 0.01 * r;
				logs.push({ name: 'loss', msg_id: randomUUID(), value: loss, step });
				// Runs see tokens at different rates: on a `tokens` x-axis their curves spread apart.
				logs.push({ name: 'tokens', msg_id: randomUUID(), value: step * 1000 * (r + 1), step });
			}
			const accuracy = 0.6 + 0.08 * r - 0.05 * o;
			logs.push({
				name: 'accuracy',
				msg_id: randomUUID(),
				value: accuracy,
				step: null,
				metadata: { type: 'result' }
			});
			await api('POST', `/api/experiments/${experiment.id}/logs/batch`, { logs });
			await api('PATCH', `/api/experiments/${experiment.id}`, { status: 'finished' });
			runs.push({ id: experiment.id, name, optimizer, lr });
		}
	}
	return runs;
}

/** The body of the next `POST /api/series` that draws curves (not the one that lists names). */
function nextCurvesRequest(page: Page) {
	return page
		.waitForResponse(
			(response) =>
				response.url().endsWith('/api/series') &&
				response.request().method() === 'POST' &&
				Array.isArray(response.request().postDataJSON()?.metrics)
		)
		.then(async (response) => ({
			body: response.request().postDataJSON(),
			answer: (await response.json()).data
		}));
}

test('compare a sweep: groups with bands, a metric as x, a brush, radar, importance, and a reload', async ({
	page,
	request
}) => {
	// Twelve runs through the API, then a page of charts and several re-reads: more than 30 s here.
	test.setTimeout(120_000);
	const owner = email('compare');
	const api = apiAs(request, await tokenFor(request, owner));
	const workspace = await api('POST', '/api/workspaces', { name: 'Compare sweep' });
	const runs = await createSweep(api, workspace.id);

	await signInUi(page, owner);
	const firstCurves = nextCurvesRequest(page);
	await page.goto(`/compare?ids=${runs.map((r) => r.id).join(',')}`);
	const legend = page.getByRole('list', { name: 'Legend: experiments and their colours' });
	await expect(legend.locator('[data-run]')).toHaveCount(12);
	const { body: ungrouped } = await firstCurves;
	expect(ungrouped.experimentIds).toHaveLength(12);
	expect(ungrouped.metrics).toEqual(expect.arrayContaining(['loss', 'tokens']));
	const lossPanel = page.locator('[data-metric="loss"]');
	await expect(lossPanel.getByTestId('chart-legend').getByRole('listitem')).toHaveCount(12);

	// A run is drawn in the colour its id gives it, the colour every page uses for it.
	for (const run of runs.slice(0, 3)) {
		await expect(legend.locator(`[data-run="${run.id}"] [data-run-color]`)).toHaveAttribute(
			'data-run-color',
			runColor(run.id)
		);
	}
	const compareUrl = page.url();
	const swatch = runs[0];
	const shown = await legend
		.locator(`[data-run="${swatch.id}"] [data-run-color]`)
		.getAttribute('data-run-color');
	await page.goto(`/experiments/${swatch.id}`);
	await expect(page.locator('header [data-run-color]')).toHaveAttribute('data-run-color', shown!);
	await page.goto(`/dashboard?ws=${workspace.id}`);
	await expect(
		page
			.getByRole('row')
			.filter({ has: page.getByRole('link', { name: swatch.name, exact: true }) })
			.locator('[data-run-color]')
	).toHaveAttribute('data-run-color', shown!);
	await page.goto(compareUrl);
	await expect(legend.locator('[data-run]')).toHaveCount(12);

	// Hovering a run in the page's legend highlights its line; hovering a line's entry in a chart
	// highlights the run in the page's legend.
	const chartLegend = lossPanel.getByTestId('chart-legend');
	await legend.locator(`[data-run="${runs[0].id}"]`).hover();
	await expect(chartLegend.locator('li[data-focused="true"]')).toHaveText(new RegExp(runs[0].name));
	await chartLegend.getByRole('listitem').filter({ hasText: runs[1].name }).hover();
	await expect(legend.locator(`[data-run="${runs[1].id}"]`)).toHaveAttribute('data-highlighted', 'true');
	await expect(legend.locator(`[data-run="${runs[0].id}"]`)).toHaveAttribute('data-highlighted', 'false');
	await page.mouse.move(0, 0);

	// Group by optimizer: three mean lines, each with a band from the API.
	const grouped = nextCurvesRequest(page);
	await page.getByLabel('Group by').selectOption('hp.optimizer');
	const { body: groupBody, answer: groupAnswer } = await grouped;
	expect(groupBody.groupBy).toBe('hp.optimizer');
	const lossGroups = groupAnswer.groups.filter((g: { metric: string }) => g.metric === 'loss');
	expect(lossGroups.map((g: { group: string }) => g.group).sort()).toEqual(['adam', 'rmsprop', 'sgd']);
	for (const group of lossGroups) expect(group.lo.some((v: number | null) => v !== null)).toBe(true);
	await expect(lossPanel.getByTestId('chart-legend')).toContainText('adam (4 runs)');
	await expect(
		page.getByRole('list', { name: 'Legend: groups and their colours' }).locator('[data-group]')
	).toHaveCount(3);

	// The x-axis becomes the `tokens` metric, for every panel.
	const chartSettings = page.getByRole('group', { name: 'Chart settings' });
	const onTokens = nextCurvesRequest(page);
	await chartSettings.getByLabel('X axis').selectOption('m:tokens');
	expect((await onTokens).body.x).toEqual({ metric: 'tokens' });
	await expect(page).toHaveURL(/panels=.*tokens/);

	// One panel's own settings: the loss panel on a log scale with a running mean, the tokens
	// panel back on steps (read alone: the other panels keep what they have).
	await expect(lossPanel.locator('.chart-panel')).toHaveAttribute('data-y-scale', 'linear');
	await lossPanel.getByLabel('Settings of loss').click();
	await lossPanel.getByLabel('Y scale').selectOption('log');
	await lossPanel.getByLabel('Smoothing').selectOption('mean');
	await page.keyboard.press('Escape');
	const lossPlot = lossPanel.locator('.chart-panel');
	await expect(lossPlot).toHaveAttribute('data-y-scale', 'log');
	await expect(lossPlot).toHaveAttribute('data-smoothing', 'mean');
	const tokensPanel = page.locator('[data-metric="tokens"]');
	await expect(tokensPanel.locator('.chart-panel')).toHaveAttribute('data-y-scale', 'linear');
	await expect(tokensPanel.locator('.chart-panel')).toHaveAttribute('data-smoothing', 'ema');
	const tokensOnSteps = nextCurvesRequest(page);
	await tokensPanel.getByLabel('Settings of tokens').click();
	await tokensPanel.getByLabel('X axis').selectOption('step');
	await page.keyboard.press('Escape');
	const { body: stepBody } = await tokensOnSteps;
	expect(stepBody.metrics).toEqual(['tokens']);
	expect(stepBody.x).toBe('step');
	await expect(lossPanel).toHaveAttribute('data-customised', 'true');
	await expect(chartSettings.getByLabel('Y scale')).toHaveValue('linear');

	// Brush the lr axis around its top value (0.1): only those runs stay, in every section.
	const axis = page.locator('rect[data-axis="hp.lr"]');
	await page.getByRole('heading', { name: 'Parallel coordinates' }).scrollIntoViewIfNeeded();
	await axis.scrollIntoViewIfNeeded();
	const box = (await axis.boundingBox())!;
	const brushed = nextCurvesRequest(page);
	// Up from below 0.1 to past the axis's top (the drag is clamped to the axis).
	await page.mouse.move(box.x + box.width / 2, box.y + 30);
	await page.mouse.down();
	await page.mouse.move(box.x + box.width / 2, box.y - 10, { steps: 5 });
	await page.mouse.up();
	await expect(page.getByText(/3 of 12 runs inside the brush/)).toBeVisible();
	expect((await brushed).body.experimentIds.sort()).toEqual(
		runs
			.filter((r) => r.lr === 0.1)
			.map((r) => r.id)
			.sort()
	);
	await expect(page).toHaveURL(/brush=/);

	// The radar draws the brushed runs; the importance panel ranks lr and optimizer for accuracy.
	await page.getByRole('heading', { name: 'Radar' }).scrollIntoViewIfNeeded();
	await page.getByLabel('Add a spoke').selectOption('metric.loss.min');
	await page.getByLabel('Add a spoke').selectOption('metric.tokens.last');
	const radar = page.getByRole('img', { name: /^Radar of accuracy, loss \(min\), tokens \(last\)/ });
	await expect(radar.locator('[data-run]')).toHaveCount(3);
	const importance = page.getByRole('table', { name: /Hyperparameters by importance/ });
	await importance.scrollIntoViewIfNeeded();
	await expect(importance).toContainText('lr');
	await expect(importance).toContainText('optimizer');

	// The URL holds the whole page: a reload shows the same groups, x-axis, brush (one run of each
	// optimizer has lr 0.1) and radar.
	const url = page.url();
	await page.reload();
	expect(page.url()).toBe(url);
	await expect(page.getByLabel('Group by')).toHaveValue('hp.optimizer');
	await expect(chartSettings.getByLabel('X axis')).toHaveValue('m:tokens');
	await expect(lossPlot).toHaveAttribute('data-y-scale', 'log');
	await expect(lossPlot).toHaveAttribute('data-smoothing', 'mean');
	await lossPanel.getByLabel('Settings of loss').click();
	await expect(lossPanel.getByLabel('Y scale')).toHaveValue('log');
	await expect(lossPanel.getByLabel('Smoothing')).toHaveValue('mean');
	// What the loss panel did not change itself still follows the page: tokens on the x-axis.
	await expect(lossPanel.getByLabel('X axis')).toHaveValue('m:tokens');
	await page.keyboard.press('Escape');
	await expect(tokensPanel.locator('.chart-panel')).toHaveAttribute('data-y-scale', 'linear');
	await tokensPanel.getByLabel('Settings of tokens').click();
	await expect(tokensPanel.getByLabel('X axis')).toHaveValue('step');
	await page.keyboard.press('Escape');
	await expect(page.getByText(/3 of 12 runs inside the brush/)).toBeVisible();
	await expect(radar.locator('[data-run]')).toHaveCount(3);
	await expect(page.locator('[data-metric="loss"]').getByTestId('chart-legend')).toContainText(
		'adam (1 run)'
	);
});

test('a saved view keeps the comparison and its chart settings', async ({ page, request }) => {
	test.setTimeout(90_000);
	const owner = email('compare-view');
	const api = apiAs(request, await tokenFor(request, owner));
	const workspace = await api('POST', '/api/workspaces', { name: 'Compare views' });
	const runs = await createSweep(api, workspace.id);

	await signInUi(page, owner);
	await page.goto(`/compare?ids=${runs.map((r) => r.id).join(',')}`);
	await expect(page.locator('[data-metric="loss"]')).toBeVisible();
	await page.getByLabel('Group by').selectOption('hp.optimizer');
	const chartSettings = page.getByRole('group', { name: 'Chart settings' });
	await chartSettings.getByLabel('X axis').selectOption('m:tokens');
	await chartSettings.getByLabel('Y scale').selectOption('log');
	const lossPanel = page.locator('[data-metric="loss"]');
	await lossPanel.getByLabel('Settings of loss').click();
	await lossPanel.getByLabel('Smoothing').selectOption('none');
	await page.keyboard.press('Escape');
	await expect(page).toHaveURL(/panels=.*overrides/);

	const views = page.locator('summary', { hasText: /^\s*Views/ });
	await views.click();
	await page.getByLabel('Save the current comparison as a view').fill('tokens by optimizer');
	await page.getByRole('button', { name: 'Save view', exact: true }).click();
	await expect(views).toContainText('Views (1)');

	// Somewhere else, then the view again: the same settings come back.
	await page.goto(`/compare?ids=${runs.map((r) => r.id).join(',')}`);
	await expect(chartSettings.getByLabel('X axis')).toHaveValue('step');
	await views.click();
	await page.getByRole('button', { name: 'tokens by optimizer', exact: true }).click();
	await expect(page.getByLabel('Group by')).toHaveValue('hp.optimizer');
	await expect(chartSettings.getByLabel('X axis')).toHaveValue('m:tokens');
	await expect(chartSettings.getByLabel('Y scale')).toHaveValue('log');
	await expect(lossPanel.locator('.chart-panel')).toHaveAttribute('data-smoothing', 'none');
	await expect(page.locator('[data-metric="tokens"] .chart-panel')).toHaveAttribute('data-smoothing', 'ema');
});

test('the dashboard compares every run matching its query, and live runs keep drawing', async ({
	page,
	request
}) => {
	test.setTimeout(120_000);
	const owner = email('compare-query');
	const api = apiAs(request, await tokenFor(request, owner));
	const workspace = await api('POST', '/api/workspaces', { name: 'Compare a query' });
	const runs = await createSweep(api, workspace.id);
	// One more adam run, still running: it logs more points while the page is open.
	const live = await api('POST', '/api/experiments', {
		name: 'live-adam',
		workspaceId: workspace.id,
		hyperparams: [{ key: 'optimizer', value: 'adam' }]
	});
	const logSteps = (from: number, to: number, loss: number) =>
		api('POST', `/api/experiments/${live.id}/logs/batch`, {
			logs: Array.from({ length: to - from }, (_, i) => [
				{ name: 'loss', msg_id: randomUUID(), value: loss, step: from + i },
				{ name: 'tokens', msg_id: randomUUID(), value: (from + i) * 1000, step: from + i }
			]).flat()
		});
	await logSteps(0, 5, 0.5);

	await signInUi(page, owner);
	const filter = 'hp.optimizer = "adam"';
	await page.goto(`/dashboard?ws=${workspace.id}&filter=${encodeURIComponent(filter)}`);
	await expect(page.getByRole('link', { name: 'live-adam', exact: true })).toBeVisible();
	const link = page.getByTestId('compare-matching');
	await expect(link).toHaveText('Compare all matching');
	await link.click();
	await expect(page).toHaveURL(/\/compare\?ws=/);
	// The table's query, as the one query the dashboard acts on for "every run that matches".
	expect(new URL(page.url()).searchParams.get('filter')).toBe(`(${filter})`);
	const legend = page.getByRole('list', { name: 'Legend: experiments and their colours' });
	const adam = [...runs.filter((r) => r.optimizer === 'adam').map((r) => r.id), live.id];
	await expect(legend.locator('[data-run]')).toHaveCount(adam.length);
	for (const id of adam) await expect(legend.locator(`[data-run="${id}"]`)).toHaveCount(1);
	await expect(page.getByText(/The 5 runs matching/)).toBeVisible();

	// Against tokens, the live run's loss panel follows the points it logs next.
	await page.getByRole('group', { name: 'Chart settings' }).getByLabel('X axis').selectOption('m:tokens');
	await page.getByRole('group', { name: 'Chart settings' }).getByLabel('Smoothing').selectOption('none');
	const liveEntry = page
		.locator('[data-metric="loss"]')
		.getByTestId('chart-legend')
		.getByRole('listitem')
		.filter({ hasText: 'live-adam' });
	await expect(liveEntry).toContainText('0.5');
	await logSteps(5, 10, 0.125);
	await expect(liveEntry).toContainText('0.125', { timeout: 20_000 });
});
