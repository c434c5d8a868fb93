import { expect, test, type APIRequestContext } from '@playwright/test';

/**
 * Projects in the UI against the real API: the dashboard lists a workspace's projects with run
 * counts and filters by one (through the query, so the URL carries it), a run's page links to its
 * project, and the edit dialog moves a run to another project, made on first use.
 */
const address = () => `projects-${Math.random().toString(36).slice(2, 10)}@example.test`;

async function signIn(request: APIRequestContext, email: string) {
	const response = await request.post('/api/auth/local', { data: { email } });
	return { authorization: `Bearer ${(await response.json()).data.access_token}` };
}

test('the dashboard filters by project, a run links to its project and moves to another', async ({
	page,
	request
}) => {
	const email = address();
	const headers = await signIn(request, email);
	const create = async (name: string, project?: string) => {
		const response = await request.post('/api/experiments', { headers, data: { name, project } });
		expect(response.status()).toBe(201);
		return (await response.json()).data as { id: string; workspace_id: string };
	};
	const first = await create('vision-resnet', 'vision');
	await create('vision-vit', 'vision');
	await create('nlp-bert', 'nlp');
	await create('unfiled-run');

	await page.goto('/signin');
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page).toHaveURL(/\/dashboard/);

	const nav = page.getByTestId('project-nav');
	const rows = page.locator('tbody tr');
	await expect(rows).toHaveCount(4);
	await expect(nav.getByRole('button', { name: /vision\s*2/ })).toBeVisible();
	await expect(nav.getByRole('button', { name: /nlp\s*1/ })).toBeVisible();

	// Choosing a project filters through the query language, kept in the URL.
	await nav.getByRole('button', { name: /vision/ }).click();
	await expect(page).toHaveURL(/filter=project/);
	await expect(rows).toHaveCount(2);
	await expect(page.getByRole('link', { name: 'nlp-bert' })).toHaveCount(0);
	await expect(nav.getByRole('button', { name: /vision/ })).toHaveAttribute('aria-current', 'true');

	// The URL alone restores it.
	await page.reload();
	await expect(rows).toHaveCount(2);
	await nav.getByRole('button', { name: 'All runs' }).click();
	await expect(rows).toHaveCount(4);

	// The run's page names its project and links back to the filtered dashboard.
	await page.goto(`/experiments/${first.id}`);
	await expect(page.getByTestId('experiment-project')).toHaveText('vision');

	// Moving the run to a new project makes the project.
	await page.getByRole('button', { name: 'Edit', exact: true }).click();
	await page.getByLabel('Project', { exact: true }).fill('detection');
	await page.getByRole('button', { name: 'Save changes' }).click();
	await expect(page.getByTestId('experiment-project')).toHaveText('detection');
	await page.getByTestId('experiment-project').click();
	await expect(page).toHaveURL(/\/dashboard\?ws=.*filter=project/);
	await expect(rows).toHaveCount(1);
	await expect(page.getByRole('link', { name: 'vision-resnet' })).toBeVisible();
	await expect(nav.getByRole('button', { name: /detection\s*1/ })).toHaveAttribute('aria-current', 'true');
	await expect(nav.getByRole('button', { name: /vision\s*1/ })).toBeVisible();
});
