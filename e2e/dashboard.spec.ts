import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { email, signInUi, tokenFor } from './support/accounts.ts';

function points(name: string, from: number, count: number, value = (step: number) => 1 / (step + 1)) {
	return Array.from({ length: count }, (_, i) => ({
		name,
		msg_id: randomUUID(),
		value: value(from + i),
		step: from + i,
		metadata: { type: 'metric' }
	}));
}

test('create a workspace and an experiment in the UI, log with a key, watch the chart fill live, revoke the key', async ({
	page,
	request
}) => {
	await signInUi(page, email('owner'));

	const nav = page.getByRole('navigation', { name: 'Workspaces' });
	await nav.getByLabel('New workspace name').fill('E2E team');
	await nav.getByRole('button', { name: 'Create' }).click();
	await expect(page.getByRole('heading', { level: 1 })).toContainText('E2E team');

	await page.getByRole('button', { name: 'New experiment' }).first().click();
	const dialog = page.getByRole('dialog');
	await dialog.getByLabel('Name', { exact: true }).fill('e2e-live-run');
	// The form opens with one empty hyperparameter row.
	await dialog.getByLabel('Hyperparameter 1 name').fill('lr');
	await dialog.getByLabel('Hyperparameter 1 value').fill('0.01');
	await dialog.getByRole('button', { name: 'Create experiment' }).click();
	await expect(page).toHaveURL(/\/experiments\/[0-9a-f-]{36}$/);
	const experimentId = page.url().split('/').at(-1)!;
	await expect(page.getByRole('heading', { level: 1 })).toContainText('e2e-live-run');

	await page.goto('/settings');
	await page.getByLabel('Workspace', { exact: true }).selectOption({ label: 'E2E team' });
	await page.getByLabel('Workspace name').fill('E2E team (renamed)');
	await page.getByRole('button', { name: 'Save details' }).click();
	await expect(page.getByLabel('Workspace', { exact: true }).locator('option:checked')).toHaveText(
		'E2E team (renamed)'
	);

	await page.getByLabel('Name', { exact: true }).fill('e2e key');
	await page.getByRole('button', { name: 'Create key' }).click();
	const key = (await page.getByTestId('new-api-key').textContent())!.trim();
	expect(key).toMatch(/^tora_sk_/);

	const log = (logs: unknown[]) =>
		request.post(`/api/experiments/${experimentId}/logs/batch`, {
			headers: { 'x-api-key': key },
			data: { logs }
		});
	expect((await log(points('train/loss', 0, 5000))).status()).toBe(201);

	await page.goto(`/experiments/${experimentId}`);
	const label = page.getByTestId('points-label').first();
	await expect(label).toHaveText(/^5,000 points/);
	await expect(page.locator('canvas').first()).toBeVisible();

	// While the page stays open, more points arrive through polling (no reload).
	expect((await log(points('train/loss', 5000, 250))).status()).toBe(201);
	await expect(label).toHaveText(/^5,250 points/, { timeout: 5000 });

	await page.goto('/settings');
	await page.getByRole('button', { name: 'Revoke e2e key' }).click();
	await page
		.getByRole('dialog')
		.getByRole('button', { name: /revoke/i })
		.click();
	await expect(page.getByRole('button', { name: 'Revoke e2e key' })).toHaveCount(0);
	const afterRevoke = await log(points('train/loss', 6000, 1));
	expect(afterRevoke.status()).toBe(401);
	expect((await afterRevoke.json()).error.code).toBe('UNAUTHENTICATED');
});

test('compare two experiments: overlaid curves, only-differences table, parallel coordinates', async ({
	page,
	request
}) => {
	const address = email('compare');
	const token = await tokenFor(request, address);
	const headers = { authorization: `Bearer ${token}` };
	const ids: string[] = [];
	for (const [name, lr] of [
		['baseline-a', 0.1],
		['tuned-b', 0.01]
	] as const) {
		const created = await request.post('/api/experiments', {
			headers,
			data: {
				name,
				hyperparams: [
					{ key: 'lr', value: lr },
					{ key: 'batch', value: 32 },
					{ key: 'seed', value: 7 }
				]
			}
		});
		expect(created.status()).toBe(201);
		const id = (await created.json()).data.id;
		ids.push(id);
		const logs = [
			...points('val/loss', 0, 200, (step) => lr * 10 + 1 / (step + 1)),
			{ name: 'accuracy', msg_id: randomUUID(), value: 1 - lr, step: null, metadata: { type: 'result' } }
		];
		expect(
			(await request.post(`/api/experiments/${id}/logs/batch`, { headers, data: { logs } })).status()
		).toBe(201);
	}

	await signInUi(page, address);
	await page.goto(`/compare?ids=${ids.join(',')}`);
	await expect(page.getByRole('heading', { name: 'Metrics' })).toBeVisible();
	await expect(page.getByRole('heading', { name: 'val/loss' })).toBeVisible();
	await expect(page.locator('canvas').first()).toBeVisible();
	for (const name of ['baseline-a', 'tuned-b']) await expect(page.getByText(name).first()).toBeVisible();

	const table = page
		.getByRole('table')
		.filter({ has: page.getByText('seed') })
		.first();
	await expect(table.getByText('batch')).toBeVisible();
	await page.getByLabel('Only differences').check();
	await expect(page.getByRole('row', { name: /lr/ }).first()).toBeVisible();
	await expect(page.getByRole('row', { name: /^batch/ })).toHaveCount(0);
	await expect(page.getByRole('row', { name: /^seed/ })).toHaveCount(0);

	const parallel = page.getByRole('img', { name: /Parallel coordinates over/ });
	await expect(parallel).toBeVisible();
	await expect(parallel.locator('title', { hasText: 'baseline-a' })).toHaveCount(1);
	await expect(parallel.locator('title', { hasText: 'tuned-b' })).toHaveCount(1);
});

test('a viewer accepts an invitation, sees no edit controls, and a direct API write is 403', async ({
	browser,
	request
}) => {
	const ownerEmail = email('team-owner');
	const viewerEmail = email('viewer');
	const ownerToken = await tokenFor(request, ownerEmail);
	const owner = { authorization: `Bearer ${ownerToken}` };
	const workspace = (
		await (await request.post('/api/workspaces', { headers: owner, data: { name: 'Shared team' } })).json()
	).data;
	const experiment = (
		await (
			await request.post('/api/experiments', {
				headers: owner,
				data: { name: 'shared-run', workspaceId: workspace.id }
			})
		).json()
	).data;

	// The owner invites through the settings page.
	const ownerPage = await (await browser.newContext()).newPage();
	await signInUi(ownerPage, ownerEmail);
	await ownerPage.goto('/settings');
	await ownerPage.getByLabel('Workspace', { exact: true }).selectOption({ label: 'Shared team' });
	await ownerPage.getByLabel('Email').fill(viewerEmail);
	await ownerPage.getByLabel('Role').selectOption('viewer');
	await ownerPage.getByRole('button', { name: 'Send invitation' }).click();
	await expect(ownerPage.getByText(`Invited ${viewerEmail} as viewer`)).toBeVisible();

	// The viewer signs in, sees the badge, accepts.
	const viewerPage = await (await browser.newContext()).newPage();
	await signInUi(viewerPage, viewerEmail);
	await viewerPage.goto('/settings');
	await viewerPage.getByRole('button', { name: 'Accept the invitation to Shared team' }).click();
	await expect(viewerPage.getByRole('button', { name: 'Accept the invitation to Shared team' })).toHaveCount(
		0
	);
	await viewerPage.getByLabel('Workspace', { exact: true }).selectOption({ label: 'Shared team' });
	await expect(viewerPage.getByRole('list', { name: 'Members of Shared team' })).toBeVisible();
	await expect(viewerPage.getByLabel('Workspace name')).toHaveCount(0);

	await viewerPage.goto(`/dashboard?ws=${workspace.id}`);
	await expect(viewerPage.getByRole('heading', { level: 1 })).toContainText('Shared team');
	await expect(viewerPage.getByText('shared-run')).toBeVisible();
	await expect(viewerPage.getByRole('button', { name: 'New experiment' })).toHaveCount(0);
	await viewerPage.goto(`/experiments/${experiment.id}`);
	await expect(viewerPage.getByRole('heading', { level: 1 })).toContainText('shared-run');
	await expect(viewerPage.getByRole('button', { name: 'Edit' })).toHaveCount(0);
	await expect(viewerPage.getByRole('button', { name: 'Delete' })).toHaveCount(0);

	const viewerToken = await tokenFor(request, viewerEmail);
	const write = await request.post(`/api/experiments/${experiment.id}/logs/batch`, {
		headers: { authorization: `Bearer ${viewerToken}` },
		data: { logs: points('loss', 0, 1) }
	});
	expect(write.status()).toBe(403);
	expect((await write.json()).error.code).toBe('FORBIDDEN');
});
