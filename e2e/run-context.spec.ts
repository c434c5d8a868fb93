import { expect, test, type APIRequestContext } from '@playwright/test';

/**
 * The experiment page's Logs, Environment and Notes tabs against the real API: hostile markdown
 * renders inert, console lines printed while the page is open appear without a reload, the
 * captured context is shown, and the tab is kept in the URL.
 */
const address = () => `context-${Math.random().toString(36).slice(2, 10)}@example.test`;

async function signIn(request: APIRequestContext, email: string) {
	const response = await request.post('/api/auth/local', { data: { email } });
	return { authorization: `Bearer ${(await response.json()).data.access_token}` };
}

const consoleLine = (seq: number, text: string, stream: 'stdout' | 'stderr' = 'stdout') => ({
	seq,
	time: new Date(Date.UTC(2026, 11, 7, 10, 0, seq)).toISOString(),
	stream,
	text
});

test('notes render inert, the console tails a live run, the environment shows what was captured', async ({
	page,
	request
}) => {
	const email = address();
	const headers = await signIn(request, email);
	const created = await request.post('/api/experiments', { headers, data: { name: 'context-run' } });
	const id: string = (await created.json()).data.id;

	const hostile = [
		'# Findings',
		'<script>window.__pwned = "script"</script>',
		'<img src="x" onerror="window.__pwned = \'img\'">',
		'[click me](javascript:window.__pwned="link")',
		'**bold** and a [safe link](https://example.com/report)'
	].join('\n\n');
	expect(
		(await request.patch(`/api/experiments/${id}`, { headers, data: { notes: hostile } })).status()
	).toBe(200);
	await request.post(`/api/experiments/${id}/console`, {
		headers,
		data: {
			lines: [consoleLine(1, 'epoch 1 \u001b[32mok\u001b[0m'), consoleLine(2, 'warning: slow', 'stderr')]
		}
	});
	await request.put(`/api/experiments/${id}/context`, {
		headers,
		data: {
			git: {
				commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
				branch: 'main',
				dirty: true,
				diff: '+lr = 3e-4\n'
			},
			command: ['train.py', '--lr', '3e-4'],
			host: 'gpu-box-1',
			packages: { numpy: '2.1.0' }
		}
	});

	await page.goto('/signin');
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page).toHaveURL(/\/dashboard/);

	// Notes: markdown renders, raw HTML is text, the javascript: link goes nowhere.
	await page.goto(`/experiments/${id}?tab=notes`);
	const notes = page.getByRole('tabpanel').getByRole('region', { name: 'Notes' });
	await expect(notes.getByRole('heading', { name: 'Findings' })).toBeVisible();
	await expect(notes.locator('strong', { hasText: 'bold' })).toBeVisible();
	await expect(notes.locator('script')).toHaveCount(0);
	await expect(notes.locator('img')).toHaveCount(0);
	await expect(notes.getByText('<script>window.__pwned = "script"</script>')).toBeVisible();
	const safe = notes.getByRole('link', { name: 'safe link' });
	await expect(safe).toHaveAttribute('rel', /noopener/);
	await expect(safe).toHaveAttribute('rel', /noreferrer/);
	await expect(notes.locator('a[href^="javascript:"]')).toHaveCount(0);
	await notes.getByText('click me', { exact: false }).first().click();
	expect(await page.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();

	// Logs: the lines so far, stderr marked, colours as spans; new lines arrive while watching.
	await page.getByRole('tab', { name: 'Logs' }).click();
	await expect(page).toHaveURL(/tab=logs/);
	const log = page.getByRole('log', { name: 'Console lines' });
	await expect(log.getByText('warning: slow')).toBeVisible();
	await expect(log.getByText('ok', { exact: true })).toHaveCSS('color', /rgb/);
	await expect(log).not.toContainText('\u001b');
	await request.post(`/api/experiments/${id}/console`, {
		headers,
		data: { lines: [consoleLine(3, 'epoch 2 done')] }
	});
	await expect(log.getByText('epoch 2 done')).toBeVisible();

	// Environment: the captured git state, command and host; the tab survives a reload.
	await page.getByRole('tab', { name: 'Environment' }).click();
	await page.reload();
	await expect(page.getByRole('tab', { name: 'Environment' })).toHaveAttribute('aria-selected', 'true');
	const panel = page.getByRole('tabpanel');
	await expect(panel.getByText('a1b2c3d', { exact: false }).first()).toBeVisible();
	await expect(panel.getByText('gpu-box-1')).toBeVisible();
	await expect(panel.getByText('train.py --lr 3e-4', { exact: false }).first()).toBeVisible();
});

test('context keys are runs-table columns: a short commit (whole on hover), sorted by host A→Z', async ({
	page,
	request
}) => {
	const email = address();
	const headers = await signIn(request, email);
	const workspace = (
		await (await request.post('/api/workspaces', { headers, data: { name: 'Hosts' } })).json()
	).data;
	const runs = [
		{ name: 'on-b', host: 'box-b', commit: 'b'.repeat(40) },
		{ name: 'on-a', host: 'box-a', commit: 'a'.repeat(40) },
		{ name: 'nowhere' },
		{ name: 'on-c', host: 'box-c', commit: 'c'.repeat(40) }
	];
	for (const run of runs) {
		const created = await request.post('/api/experiments', {
			headers,
			data: { name: run.name, workspaceId: workspace.id }
		});
		const id: string = (await created.json()).data.id;
		if (run.host) {
			const put = await request.put(`/api/experiments/${id}/context`, {
				headers,
				data: { host: run.host, git: { commit: run.commit } }
			});
			expect(put.status()).toBe(200);
		}
	}

	await page.goto('/signin');
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page).toHaveURL(/\/dashboard/);
	await page.goto(`/dashboard?ws=${workspace.id}&columns=`);
	const table = page.getByRole('table', { name: 'Experiments' });
	await expect(table.getByRole('link', { name: 'nowhere' })).toBeVisible();

	// The picker's Environment group: Commit and Host.
	await page.locator('summary', { hasText: 'Columns' }).click();
	const environment = page.getByRole('group', { name: /Environment/ });
	await environment.getByRole('checkbox', { name: 'Commit', exact: true }).check();
	await environment.getByRole('checkbox', { name: 'Host', exact: true }).check();
	await page.keyboard.press('Escape');
	await expect(page).toHaveURL(/columns=git\.commit%2Chost/);
	const row = table.getByRole('row', { name: /on-a/ });
	await expect(row.getByRole('cell', { name: 'aaaaaaaa', exact: true })).toHaveAttribute(
		'title',
		'a'.repeat(40)
	);
	await expect(row.getByRole('cell', { name: 'box-a', exact: true })).toBeVisible();

	// Sorted by host: A→Z first (a text key), runs without a host last.
	await table.getByRole('button', { name: /^Host/ }).click();
	await expect(page).toHaveURL(/sort=host/);
	await expect(page).not.toHaveURL(/order=/);
	await expect(table.getByRole('columnheader', { name: /Host/ })).toHaveAttribute('aria-sort', 'ascending');
	const names = table.locator('tbody tr td:nth-child(2)');
	await expect(names).toHaveText(['on-a', 'on-b', 'on-c', 'nowhere']);
	await table.getByRole('button', { name: /^Host/ }).click();
	await expect(names).toHaveText(['on-c', 'on-b', 'on-a', 'nowhere']);
});
