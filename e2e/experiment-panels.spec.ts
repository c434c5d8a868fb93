import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';

const SHOTS = process.env.TORA_E2E_SHOTS;

/** 60 metrics across prefixes, some with long names, as a real training run logs them. */
function metricNames(): string[] {
	const train = ['train/loss', 'train/acc', 'train/lr', 'train/grad_norm'];
	for (let i = 0; i < 16; i++) train.push(`train/layer_${String(i).padStart(2, '0')}/weight_norm`);
	const val = ['val/loss', 'val/acc', 'val/f1'];
	for (let i = 0; i < 17; i++) val.push(`val/per_class/accuracy_of_class_${i}_with_a_rather_long_label`);
	const system = [
		'gpu_util',
		'gpu_mem',
		'cpu_util',
		'ram',
		'disk_io',
		'net_rx',
		'net_tx',
		'temp',
		'power',
		'fan'
	];
	const evals = ['bleu', 'rouge', 'meteor', 'chrf', 'ter'];
	return [
		...train,
		...val,
		...system.map((n) => `system/${n}`),
		...evals.map((n) => `eval/${n}`),
		'epoch',
		'throughput',
		'tokens_seen',
		'loss_scale',
		'wallclock'
	];
}

const STEPS = 100;

function valueOf(name: string, step: number, index: number): number {
	// Positive everywhere (log scale), decaying like a loss, with one spike for the outlier clip.
	const base = (1 + (index % 7)) * Math.exp(-step / (20 + index));
	return step === 50 && name === 'train/loss' ? 500 : base + 0.01 * ((step * 7 + index) % 5);
}

/** The x range a panel's chart shows (ChartPanel writes it on its plot element). */
async function xRange(panel: Locator): Promise<[number, number]> {
	const plot = panel.locator('.chart-panel');
	await expect(plot).toHaveAttribute('data-x-min', /.+/);
	return [Number(await plot.getAttribute('data-x-min')), Number(await plot.getAttribute('data-x-max'))];
}

async function drag(page: Page, panel: Locator, from: number, to: number) {
	const box = (await panel.locator('.u-over').boundingBox())!;
	const y = box.y + box.height / 2;
	await page.mouse.move(box.x + box.width * from, y);
	await page.mouse.down();
	await page.mouse.move(box.x + box.width * ((from + to) / 2), y, { steps: 4 });
	await page.mouse.move(box.x + box.width * to, y, { steps: 4 });
	await page.mouse.up();
}

test('chart panels: sections, search, a panel of two metrics, log y, smoothing, synced zoom, all kept in the URL', async ({
	page,
	request
}) => {
	// Sixty metrics, a reload and two screen sizes: more than the default 30 s on this machine.
	test.setTimeout(150_000);
	const email = `panels-${Math.random().toString(36).slice(2, 10)}@example.test`;
	const signIn = await request.post('/api/auth/local', { data: { email } });
	const headers = { authorization: `Bearer ${(await signIn.json()).data.access_token}` };
	const created = await request.post('/api/experiments', {
		headers,
		data: { name: 'a-60-metric-run-with-a-fairly-long-name-to-see-how-the-header-copes' }
	});
	const id: string = (await created.json()).data.id;
	const names = metricNames();
	expect(names).toHaveLength(60);
	const logs = names.flatMap((name, index) =>
		Array.from({ length: STEPS }, (_, step) => ({
			name,
			msg_id: randomUUID(),
			value: valueOf(name, step, index),
			step
		}))
	);
	const logged = await request.post(`/api/experiments/${id}/logs/batch`, { headers, data: { logs } });
	expect(logged.status()).toBe(201);

	await page.setViewportSize({ width: 1440, height: 900 });
	await page.goto('/signin');
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page).toHaveURL(/\/dashboard/);
	await page.goto(`/experiments/${id}`);

	// Sections by prefix; the first three start open, the rest closed, so 60 panels are not one scroll.
	const trainToggle = page.getByRole('button', { name: 'train 20 panels' });
	const valToggle = page.getByRole('button', { name: 'val 20 panels' });
	const systemToggle = page.getByRole('button', { name: 'system 10 panels' });
	await expect(trainToggle).toHaveAttribute('aria-expanded', 'true');
	await expect(valToggle).toHaveAttribute('aria-expanded', 'true');
	await expect(systemToggle).toHaveAttribute('aria-expanded', 'false');
	await expect(page.getByRole('article', { name: 'Panel system/gpu_util' })).toHaveCount(0);
	// Panels far below the fold wait to be drawn until they scroll near.
	const lastTrain = page.getByRole('article', { name: 'Panel train/lr' });
	await expect(lastTrain.locator('canvas')).toHaveCount(0);
	await expect(page.getByRole('article', { name: 'Panel train/acc' }).locator('canvas')).toHaveCount(1);

	await valToggle.click();
	await expect(valToggle).toHaveAttribute('aria-expanded', 'false');
	await expect(page.getByRole('article', { name: 'Panel val/loss' })).toHaveCount(0);

	// The search narrows panels across sections.
	const search = page.getByLabel('Search metrics');
	await search.fill('grad');
	await expect(page.getByRole('article')).toHaveCount(1);
	await expect(page.getByRole('article', { name: 'Panel train/grad_norm' })).toBeVisible();
	await search.fill('');
	await expect(page.getByRole('article', { name: 'Panel train/acc' })).toBeVisible();

	// Two metrics on one panel, with a legend of both.
	await page.getByText('New panel', { exact: true }).click();
	const form = page.getByRole('form', { name: 'New panel' });
	await form.getByPlaceholder('Filter metrics').fill('/loss');
	await form.getByRole('checkbox', { name: 'train/loss' }).check();
	await form.getByRole('checkbox', { name: 'val/loss' }).check();
	await form.getByRole('button', { name: 'Add panel' }).click();
	const pair = page.getByRole('article', { name: 'Panel train/loss, val/loss' });
	await expect(pair).toBeVisible();
	const legend = pair.getByTestId('chart-legend');
	await expect(legend.getByRole('listitem')).toHaveCount(2);
	// Hovering a legend entry highlights it (and its line).
	await legend.getByRole('listitem').first().hover();
	await expect(legend.getByRole('listitem').first()).toHaveAttribute('data-focused', 'true');

	// Every panel: log y and a running mean; the pair alone ignores outliers.
	const options = page.getByRole('group', { name: 'Chart options' });
	await options.getByLabel('Y scale').selectOption('log');
	await options.getByLabel('Smoothing').selectOption('mean');
	await options.getByLabel('Running mean window (points)').fill('5');
	await options.getByLabel('Running mean window (points)').press('Enter');
	await pair.getByLabel('Settings of train/loss, val/loss').click();
	await pair.getByLabel('Y range').selectOption('clip');
	await pair.getByLabel('Settings of train/loss, val/loss').click();

	// Zooming one chart zooms the others on the same x-axis; a double-click zooms all back out.
	const acc = page.getByRole('article', { name: 'Panel train/acc' });
	const before = await xRange(acc);
	await drag(page, pair, 0.25, 0.6);
	await expect.poll(async () => (await xRange(acc))[0]).toBeGreaterThan(before[0] + 10);
	const [zoomMin, zoomMax] = await xRange(acc);
	expect(zoomMax).toBeLessThan(before[1] - 10);
	expect(await xRange(pair)).toEqual([zoomMin, zoomMax]);
	await pair.locator('.u-over').dblclick();
	await expect.poll(() => xRange(acc)).toEqual(before);

	// Another metric of the run as x: train/acc against the learning rate (≈3 down to 0.03).
	await acc.getByLabel('Settings of train/acc').click();
	await acc.getByLabel('X axis').selectOption('m:train/lr');
	await page.keyboard.press('Escape');
	await expect.poll(async () => (await xRange(acc))[1]).toBeLessThan(5);

	// Reorder and full screen.
	await page.getByRole('button', { name: 'Move train/acc later' }).click();
	await expect(page.getByRole('article').nth(2)).toHaveAttribute('data-panel', 'train/acc');
	await acc.getByRole('button', { name: 'Full screen train/acc' }).click();
	const full = page.getByRole('dialog', { name: 'train/acc, full screen' });
	await expect(full.locator('canvas')).toHaveCount(1);
	if (SHOTS) await page.screenshot({ path: `${SHOTS}/fullscreen-1440.png` });
	await page.keyboard.press('Escape');
	await expect(full).toHaveCount(0);

	// A reload shows the same page: everything above is in the URL.
	await expect(page).toHaveURL(/closed=val%2F/);
	await page.reload();
	await expect(pair).toBeVisible();
	await expect(valToggle).toHaveAttribute('aria-expanded', 'false');
	await expect(options.getByLabel('Y scale')).toHaveValue('log');
	await expect(options.getByLabel('Smoothing')).toHaveValue('mean');
	await expect(options.getByLabel('Running mean window (points)')).toHaveValue('5');
	await pair.getByLabel('Settings of train/loss, val/loss').click();
	await expect(pair.getByLabel('Y range')).toHaveValue('clip');
	// The pair set its range only: the log scale it has comes from the defaults.
	await expect(pair.getByLabel('Y scale')).toHaveValue('log');
	await page.keyboard.press('Escape');
	await acc.getByLabel('Settings of train/acc').click();
	await expect(acc.getByLabel('X axis')).toHaveValue('m:train/lr');
	await page.keyboard.press('Escape');
	await expect(page.getByRole('article').nth(2)).toHaveAttribute('data-panel', 'train/acc');

	if (SHOTS) {
		mkdirSync(SHOTS, { recursive: true });
		await page.getByRole('article', { name: 'Panel train/acc' }).locator('canvas').waitFor();
		await page.screenshot({ path: `${SHOTS}/panels-1440.png`, fullPage: true });
		await page.setViewportSize({ width: 390, height: 844 });
		await page.reload();
		await pair.scrollIntoViewIfNeeded();
		await expect(pair.locator('canvas')).toHaveCount(1);
		await page.screenshot({ path: `${SHOTS}/panels-390-pair.png` });
		await page.screenshot({ path: `${SHOTS}/panels-390.png`, fullPage: true });
		await pair.getByLabel('Settings of train/loss, val/loss').click();
		await page.screenshot({ path: `${SHOTS}/panels-390-menu.png` });
		await page.emulateMedia({ colorScheme: 'dark' });
		await page.setViewportSize({ width: 1440, height: 900 });
		await page.reload();
		await pair.scrollIntoViewIfNeeded();
		await expect(pair.locator('canvas')).toHaveCount(1);
		await page.screenshot({ path: `${SHOTS}/panels-1440-dark.png` });
	}
});
