import { randomUUID } from 'node:crypto';
import { expect, test, type Request } from '@playwright/test';

/**
 * The experiment page reads a panel's series only once the panel comes near the viewport: the
 * first screen first, the rest as they scroll into view; a failed read is shown on its panel,
 * which reads again on request.
 */
const METRICS = Array.from({ length: 30 }, (_, i) => `train/metric_${String(i).padStart(2, '0')}`);

/** The metric names a page's series read asked for (every series when it named none). */
function namesOf(request: Request): string[] {
	const names = new URL(request.url()).searchParams.get('names');
	return names === null ? ['*'] : names.split(',');
}

test('series are read as their panels come into view; a failed read can be tried again', async ({
	page,
	request
}) => {
	const email = `lazy-${Math.random().toString(36).slice(2, 10)}@example.test`;
	const signIn = await request.post('/api/auth/local', { data: { email } });
	const headers = { authorization: `Bearer ${(await signIn.json()).data.access_token}` };
	const created = await request.post('/api/experiments', { headers, data: { name: 'thirty-metrics' } });
	const id: string = (await created.json()).data.id;
	const logs = METRICS.flatMap((name, index) =>
		Array.from({ length: 20 }, (_, step) => ({ name, msg_id: randomUUID(), value: index + step / 20, step }))
	);
	expect(
		(await request.post(`/api/experiments/${id}/logs/batch`, { headers, data: { logs } })).status()
	).toBe(201);
	expect(
		(await request.patch(`/api/experiments/${id}`, { headers, data: { status: 'finished' } })).status()
	).toBe(200);

	const asked: string[] = [];
	page.on('request', (sent) => {
		if (/\/api\/experiments\/[^/]+\/metrics\?/.test(sent.url())) asked.push(...namesOf(sent));
	});
	// The last panel's first read fails once.
	const last = METRICS.at(-1)!;
	let failed = false;
	await page.route(/\/api\/experiments\/[^/]+\/metrics\?/, async (route) => {
		if (!failed && namesOf(route.request()).includes(last)) {
			failed = true;
			await route.fulfill({
				status: 503,
				contentType: 'application/json',
				body: JSON.stringify({
					status: 503,
					error: { code: 'UNAVAILABLE', message: 'The database is unavailable' }
				})
			});
			return;
		}
		await route.continue();
	});

	await page.setViewportSize({ width: 1440, height: 900 });
	await page.goto('/signin');
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page).toHaveURL(/\/dashboard/);
	await page.goto(`/experiments/${id}`);

	const first = page.getByRole('article', { name: `Panel ${METRICS[0]}` });
	await expect(first.locator('canvas')).toHaveCount(1);
	await expect(page.getByRole('article')).toHaveCount(METRICS.length);
	// Only the panels near the first screen were read, each once, never every series at once.
	expect(asked).not.toContain('*');
	expect(asked).toContain(METRICS[0]);
	expect(asked.length).toBeLessThan(10);
	expect(new Set(asked).size).toBe(asked.length);

	// Scrolled into view, the last panel reads its series: the read fails and says so.
	const lastPanel = page.getByRole('article', { name: `Panel ${last}` });
	await lastPanel.scrollIntoViewIfNeeded();
	await expect(lastPanel.getByRole('alert')).toHaveText('The database is unavailable');
	expect(asked).toContain(last);
	await lastPanel.getByRole('button', { name: 'Try again' }).click();
	await expect(lastPanel.locator('canvas')).toHaveCount(1);
	await expect(lastPanel.getByTestId('points-label')).toHaveText('20 points');
	expect(asked.filter((name) => name === last)).toHaveLength(2);
	// Panels between were not all read on the way down: only those the page scrolled past nearby.
	expect(new Set(asked).size).toBeLessThan(METRICS.length);
});
