import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { logPoints } from '../tests/support/export-server';
import { signInLocal } from './support/torture';

/**
 * The experiment page's CSV download streams with progress and can be cancelled. The run is big
 * (200,000 points, ~11 MB of CSV) and the connection slowed to 500 kB/s, so the download takes
 * many seconds: the test cancels once bytes and rows are showing, and fails if no progress
 * appears or the file finishes first.
 *
 * Released connection: the e2e server runs on the embedded database, where one session serves
 * every connection and an export holds it while it reads — an export left running after its
 * client went away would keep the next export and every other call waiting. So after the cancel,
 * a whole export and the page's own calls must complete.
 */

const METRICS = 4;
const STEPS = 50_000;

test('a large CSV download shows its progress, and Cancel aborts it and frees the server', async ({
	page,
	request,
	baseURL
}) => {
	test.setTimeout(180_000);
	const email = `csv-${randomUUID().slice(0, 8)}@example.test`;
	const token = await signInLocal(baseURL!, email);
	const headers = { authorization: `Bearer ${token}` };
	const created = await request.post('/api/experiments', { headers, data: { name: 'big-export' } });
	expect(created.status()).toBe(201);
	const id: string = (await created.json()).data.id;
	await logPoints(baseURL!, { key: '', headers }, id, { metrics: METRICS, steps: STEPS });

	await page.goto('/signin');
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.waitForURL(/\/dashboard/);
	await page.goto(`/experiments/${id}`);
	await expect(page.getByRole('heading', { name: 'big-export', level: 1 })).toBeVisible();

	let downloads = 0;
	page.on('download', () => downloads++);
	// A slow connection (500 kB/s) keeps the download going for many seconds, so the cancel
	// lands midway however fast this machine is.
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Network.enable');
	await cdp.send('Network.emulateNetworkConditions', {
		offline: false,
		latency: 0,
		downloadThroughput: 500_000,
		uploadThroughput: -1
	});
	await page.getByRole('button', { name: 'Download CSV, one row per point' }).click();
	const progress = page.getByTestId('csv-progress');
	// Bytes and rows counted as they arrive, before the file is complete.
	await expect(progress).toHaveText(/^[\d.]+ (kB|MB) · [\d,]+ rows$/, { timeout: 60_000 });
	const shown = (await progress.textContent()) ?? '';
	const rows = Number(/· ([\d,]+) rows/.exec(shown)![1].replaceAll(',', ''));
	expect(rows).toBeGreaterThan(0);
	expect(rows).toBeLessThan(METRICS * STEPS);
	await page.getByRole('button', { name: 'Cancel download' }).click();
	await cdp.send('Network.emulateNetworkConditions', {
		offline: false,
		latency: 0,
		downloadThroughput: -1,
		uploadThroughput: -1
	});

	// Back to idle, with no error and no file.
	await expect(progress).toHaveCount(0);
	await expect(page.getByRole('button', { name: 'Cancel download' })).toHaveCount(0);
	await expect(page.getByRole('alert')).toHaveCount(0);
	await expect(page.getByRole('button', { name: 'Download CSV, one row per point' })).toBeEnabled();

	// The server let go of the cancelled export: a whole one completes, and so do the other calls.
	const whole = await request.get(`/api/experiments/${id}/export.csv?format=long`, {
		headers,
		timeout: 60_000
	});
	expect(whole.status()).toBe(200);
	expect((await whole.text()).split('\n').filter(Boolean)).toHaveLength(METRICS * STEPS + 1);
	expect((await request.get('/api/health', { timeout: 10_000 })).status()).toBe(200);
	await page.reload();
	await expect(page.getByRole('heading', { name: 'big-export', level: 1 })).toBeVisible();
	expect(downloads).toBe(0);
});
