/**
 * How the dashboard starts (issue 14's first-rows budget): its first list request leaves before
 * the site's code has arrived and is not sent twice, and a bare /dashboard lists the workspace
 * shown last without waiting for the list of workspaces.
 */
import { expect, test, type Request, type Route } from '@playwright/test';
import { email, signInUi, tokenFor, apiAs } from './support/accounts.ts';

/** First-page list requests of a workspace (the ones loaded by scrolling carry a cursor). */
const firstPageOf = (workspaceId: string) => (request: Request) => {
	const url = new URL(request.url());
	return url.pathname === `/api/workspaces/${workspaceId}/experiments` && !url.searchParams.has('cursor');
};

test('the first rows are asked for once, before the code arrives; a bare address reopens the workspace shown last', async ({
	page,
	request
}) => {
	test.setTimeout(60_000);
	const address = email('start');
	const api = apiAs(request, await tokenFor(request, address));
	const second = await api('POST', '/api/workspaces', { name: 'Second start' });
	const run = await api('POST', '/api/experiments', { name: 'second-run', workspaceId: second.id });
	// Finished and sorted by name: a view the page does not re-read every few seconds.
	await api('PATCH', `/api/experiments/${run.id}`, { status: 'finished' });
	const byName = `/dashboard?ws=${second.id}&sort=name&order=asc`;
	await signInUi(page, address);
	const table = page.getByRole('table', { name: 'Experiments' });

	// With every script of the site refused, only the page's inline script can ask for the rows.
	const refuseScripts = (route: Route) => route.abort();
	await page.route('**/_app/immutable/**/*.js', refuseScripts);
	const early = page.waitForRequest(firstPageOf(second.id));
	await page.goto(byName);
	await early;
	await page.unroute('**/_app/immutable/**/*.js', refuseScripts);

	// With the scripts, the page uses that answer: one first-page request in all.
	const asked: string[] = [];
	page.on('request', (sent) => {
		if (firstPageOf(second.id)(sent)) asked.push(sent.url());
	});
	await page.goto(byName);
	await expect(table.getByRole('link', { name: 'second-run' })).toBeVisible();
	await expect(page.getByRole('heading', { level: 1 })).toContainText('Second start');
	// Settled: the saved views have been read and the columns written into the address.
	await expect(page).toHaveURL(/columns=/);
	expect(asked).toHaveLength(1);

	// A bare /dashboard lists the workspace shown last while the list of workspaces is held back.
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	const workspaceList = (url: URL) => url.pathname === '/api/workspaces';
	await page.route(workspaceList, async (route) => {
		await held;
		await route.continue();
	});
	await page.goto('/dashboard');
	await expect(table.getByRole('link', { name: 'second-run' })).toBeVisible();
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Experiments');
	release();
	await expect(page.getByRole('heading', { level: 1 })).toContainText('Second start');
	await page.unroute(workspaceList);

	// Once that workspace is gone, a bare /dashboard opens the personal one, without an error.
	await api('DELETE', `/api/workspaces/${second.id}`);
	await page.goto('/dashboard');
	await expect(page.getByRole('heading', { level: 1 })).toContainText('Personal');
	await expect(page.getByRole('alert')).toHaveCount(0);
	await expect(page.getByText('No experiments yet')).toBeVisible();
});
