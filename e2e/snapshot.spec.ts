/**
 * "Download as HTML": the file downloaded from the experiment page and from the compare page opens
 * from disk in a context with the network off and every request refused, draws its charts, shows
 * values on hover, zooms, toggles runs from its legend, and shows a hostile run name as text.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';

const HOSTILE = '</script><script>alert(1)</script>';

async function seed(request: import('@playwright/test').APIRequestContext) {
	const email = `snapshot-${Math.random().toString(36).slice(2, 10)}@example.test`;
	const signIn = await request.post('/api/auth/local', { data: { email } });
	const headers = { authorization: `Bearer ${(await signIn.json()).data.access_token}` };
	const ids: string[] = [];
	for (const [index, name] of [HOSTILE, 'baseline'].entries()) {
		const created = await request.post('/api/experiments', {
			headers,
			data: { name, hyperparams: [{ key: 'lr', value: 0.01 * (index + 1) }] }
		});
		expect(created.status()).toBe(201);
		const id: string = (await created.json()).data.id;
		const logs: Array<{ name: string; msg_id: string; value: number; step: number; metadata?: object }> = [
			'loss',
			'accuracy'
		].flatMap((metric, m) =>
			Array.from({ length: 1500 }, (_, step) => ({
				name: metric,
				msg_id: randomUUID(),
				value: m === 0 ? 2 / (step / 50 + 1 + index) : 1 - 1 / (step / 100 + 2 + index),
				step
			}))
		);
		logs.push({
			name: 'final_acc',
			msg_id: randomUUID(),
			value: 0.9 + index / 100,
			step: 0,
			metadata: { type: 'result' }
		});
		for (let at = 0; at < logs.length; at += 1000) {
			const sent = await request.post(`/api/experiments/${id}/logs/batch`, {
				headers,
				data: { logs: logs.slice(at, at + 1000) }
			});
			expect(sent.status()).toBe(201);
		}
		ids.push(id);
	}
	const notes = await request.patch(`/api/experiments/${ids[0]}`, {
		headers,
		data: { notes: `Try <img src=x onerror=alert(2)> ${HOSTILE}` }
	});
	expect(notes.status()).toBe(200);
	return { email, ids };
}

/** Clicks "Download as HTML" and saves the file; answers its path. */
async function downloadSnapshot(page: Page, dir: string, name: string): Promise<string> {
	const download = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Download as HTML' }).click();
	const file = await download;
	expect(file.suggestedFilename()).toMatch(/\.html$/);
	const path = join(dir, name);
	await file.saveAs(path);
	return path;
}

/** Opens `path` offline, every request refused; collects anything that tried the network or alerted. */
async function openOffline(browser: Browser, path: string) {
	const context = await browser.newContext();
	await context.setOffline(true);
	const attempts: string[] = [];
	// Everything but the file itself (routes see file: URLs too).
	await context.route(/^(?!file:)/, (route) => {
		attempts.push(route.request().url());
		return route.abort();
	});
	const page = await context.newPage();
	const dialogs: string[] = [];
	const problems: string[] = [];
	page.on('dialog', (dialog) => {
		dialogs.push(dialog.message());
		void dialog.dismiss();
	});
	page.on('request', (request) => {
		if (!request.url().startsWith('file:')) attempts.push(request.url());
	});
	page.on('console', (message) => {
		if (message.type() === 'error') problems.push(message.text());
	});
	page.on('pageerror', (error) => problems.push(error.message));
	await page.goto(`file://${path}`);
	await page.locator('html[data-drawn]').waitFor({ state: 'attached' });
	return { context, page, attempts, dialogs, problems };
}

/** Pixels of the chart's canvas within a small distance of `color` (#rrggbb). */
function pixelsOf(page: Page, metric: string, color: string): Promise<number> {
	return page.locator(`figure[data-metric="${metric}"] canvas`).evaluate((canvas: HTMLCanvasElement, hex) => {
		const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
		const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
		let count = 0;
		for (let i = 0; i < data.length; i += 4) {
			if (
				data[i + 3] > 200 &&
				Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 40
			)
				count++;
		}
		return count;
	}, color);
}

/** A cheap fingerprint of what the chart's canvas shows. */
function canvasPrint(page: Page, metric: string): Promise<string> {
	return page
		.locator(`figure[data-metric="${metric}"] canvas`)
		.evaluate((canvas: HTMLCanvasElement) => canvas.toDataURL());
}

const runColor = (page: Page, name: string) =>
	page
		.getByRole('group', { name: 'Runs shown in the charts' })
		.getByRole('button', { name, exact: true })
		.evaluate((button) => getComputedStyle(button).getPropertyValue('--run-color').trim());

test('a snapshot downloaded from the experiment and compare pages works from disk, offline', async ({
	page,
	request,
	browser
}) => {
	test.setTimeout(90_000);
	const { email, ids } = await seed(request);
	const dir = mkdtempSync(join(tmpdir(), 'tora-snapshot-e2e-'));

	await page.goto('/signin');
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page).toHaveURL(/\/dashboard/);
	await page.goto(`/experiments/${ids[0]}`);
	await expect(page.getByRole('heading', { name: HOSTILE, level: 1 })).toBeVisible();
	const experimentFile = await downloadSnapshot(page, dir, 'experiment.html');

	const offline = await openOffline(browser, experimentFile);
	const snap = offline.page;
	await expect(snap.getByRole('heading', { name: HOSTILE, level: 1 })).toBeVisible();
	await expect(snap.locator('figure.chart')).toHaveCount(2);
	await expect(snap.locator('figure[data-metric="loss"] figcaption')).toHaveText('loss');
	// The run's colour is the site's for that run, and its line is on both charts.
	const color = await runColor(snap, HOSTILE);
	expect(color).toBe(await page.locator('[data-run-color]').first().getAttribute('data-run-color'));
	for (const metric of ['loss', 'accuracy']) expect(await pixelsOf(snap, metric, color)).toBeGreaterThan(100);
	// Tables and notes, as text.
	await expect(snap.getByRole('row', { name: /lr/ })).toContainText('0.01');
	await expect(snap.getByRole('row', { name: /final_acc/ })).toContainText('0.9');
	await expect(snap.locator('pre.notes')).toHaveText(`Try <img src=x onerror=alert(2)> ${HOSTILE}`);
	await expect(snap.locator('img')).toHaveCount(0);
	await expect(snap.locator('#snapshot-size')).toContainText(/This file: [\d.]+ KB/);

	// Hover: the chart's legend shows the value under the cursor.
	const loss = snap.locator('figure[data-metric="loss"]');
	const over = loss.locator('.u-over');
	// The second chart is below the fold: the mouse only reaches what is on screen.
	await over.scrollIntoViewIfNeeded();
	const box = (await over.boundingBox())!;
	await snap.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
	await expect(loss.locator('.u-legend .u-series').nth(1).locator('.u-value')).toHaveText(/^\d[\d.e+-]*$/);
	await expect(loss.locator('.u-legend .u-series').first().locator('.u-value')).toHaveText(/^\d+$/);

	// Zoom by dragging; a double-click zooms back out.
	const before = await canvasPrint(snap, 'loss');
	await snap.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
	await snap.mouse.down();
	await snap.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5, { steps: 5 });
	await snap.mouse.up();
	await expect.poll(() => canvasPrint(snap, 'loss')).not.toBe(before);
	await over.dblclick({ position: { x: box.width * 0.5, y: box.height * 0.5 } });
	await snap.mouse.move(0, 0);
	await expect.poll(() => canvasPrint(snap, 'loss')).toBe(before);

	// The run legend hides the run in every chart.
	const toggle = snap.getByRole('button', { name: HOSTILE, exact: true });
	await toggle.click();
	await expect(toggle).toHaveAttribute('aria-pressed', 'false');
	for (const metric of ['loss', 'accuracy']) expect(await pixelsOf(snap, metric, color)).toBeLessThan(20);

	expect(offline.dialogs).toEqual([]);
	expect(offline.attempts).toEqual([]);
	expect(offline.problems).toEqual([]);
	await offline.context.close();

	// The compare page writes the same kind of file, with both runs.
	await page.goto(`/compare?ids=${ids.join(',')}`);
	const compareFile = await downloadSnapshot(page, dir, 'compare.html');
	const compared = await openOffline(browser, compareFile);
	const legend = compared.page.getByRole('group', { name: 'Runs shown in the charts' });
	await expect(legend.getByRole('button')).toHaveText([HOSTILE, 'baseline']);
	const colors = [await runColor(compared.page, HOSTILE), await runColor(compared.page, 'baseline')];
	expect(colors[0]).not.toBe(colors[1]);
	for (const c of colors) expect(await pixelsOf(compared.page, 'loss', c)).toBeGreaterThan(100);
	await expect(compared.page.locator('thead th[data-run]')).toHaveCount(4);
	expect(compared.dialogs).toEqual([]);
	expect(compared.attempts).toEqual([]);
	expect(compared.problems).toEqual([]);
	await compared.context.close();
});
