import { expect, test } from '@playwright/test';

const email = () => `e2e-${Math.random().toString(36).slice(2, 10)}@example.test`;

test.describe('landing page without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('shows what Tora is, a quick start, and the way in', async ({ page }) => {
		await page.goto('/');
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		await expect(page.getByRole('heading', { name: 'Quick start' })).toBeVisible();
		await expect(page.getByText('tora.setup(', { exact: false }).first()).toBeVisible();
		await expect(page.getByRole('link', { name: /sign in/i }).first()).toHaveAttribute('href', '/signin');
		await expect(page.getByRole('link', { name: 'Docs' }).first()).toHaveAttribute('href', '/docs');
	});
});

test.describe('experiment page without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('its HTML already holds the header and the loading skeleton', async ({ page }) => {
		// Any id: the page's prerendered shell is served for every /experiments/<id>.
		const response = await page.goto(`/experiments/${crypto.randomUUID()}`);
		expect(response?.status()).toBe(200);
		await expect(page).toHaveTitle('Experiment — Tora');
		const header = page.getByRole('banner');
		await expect(header.getByRole('link', { name: 'Tora' })).toBeVisible();
		await expect(header.getByRole('link', { name: 'Dashboard' })).toBeVisible();
		await expect(page.getByRole('link', { name: '← Dashboard' })).toBeVisible();
		// In the HTML with its fixed heights (a browser with scripting off hides it: it could never finish).
		const skeleton = page.locator('[aria-busy="true"][aria-label="Loading the experiment"]');
		await expect(skeleton).toBeAttached();
		await expect(skeleton.locator('.card.h-32')).toHaveCount(3);
	});
});

test.describe('local sign-in', () => {
	test('signs in with only an email, shows who and the local-mode badge, and signs out', async ({ page }) => {
		const address = email();
		await page.goto('/signin');
		await expect(page.getByText(/Local mode: no password/)).toBeVisible();
		await page.getByLabel('Email').fill(address);
		await page.getByRole('button', { name: 'Sign in', exact: true }).click();

		// The dashboard opens on the new user's personal workspace (and soon writes it, and the
		// columns shown, into its address).
		await expect(page).toHaveURL(/\/dashboard(\?|$)/);
		await expect(page.getByRole('heading', { level: 1 })).toContainText('Personal');
		const header = page.getByRole('banner');
		await expect(header.getByText(address)).toBeVisible();
		await expect(header.getByText('Local mode')).toBeVisible();

		// The session survives a reload (it is kept in the browser, not in a cookie).
		await page.reload();
		await expect(header.getByText(address)).toBeVisible();

		await header.getByRole('button', { name: 'Sign out' }).click();
		await expect(header.getByRole('link', { name: 'Sign in' })).toBeVisible();
		await expect(header.getByText(address)).toHaveCount(0);
	});

	test('sends a signed-out visitor from the dashboard to sign-in and back', async ({ page }) => {
		await page.goto('/dashboard');
		await expect(page).toHaveURL(/\/signin\?next=%2Fdashboard$/);
		await page.getByLabel('Email').fill(email());
		await page.getByRole('button', { name: 'Sign in', exact: true }).click();
		await expect(page).toHaveURL(/\/dashboard(\?|$)/);
		await expect(page.getByRole('heading', { level: 1 })).toContainText('Personal');
	});

	test('shows the API’s validation message for a bad email', async ({ page }) => {
		await page.goto('/signin');
		const field = page.getByLabel('Email');
		// The browser's own type=email check would stop "a@b"; the server's rule is stricter.
		await field.fill('someone@localhost');
		await page.getByRole('button', { name: 'Sign in', exact: true }).click();
		await expect(page.getByText('must be an email address')).toBeVisible();
		await expect(field).toHaveAttribute('aria-invalid', 'true');
		await expect(page).toHaveURL(/\/signin/);
	});
});

test('deep links fall back to the app shell; unknown API paths get the JSON 404 envelope', async ({
	page,
	request
}) => {
	const response = await page.goto('/some/client/route');
	expect(response?.status()).toBe(200);
	const api = await request.get('/api/does-not-exist');
	expect(api.status()).toBe(404);
	expect(await api.json()).toMatchObject({ status: 404, error: { code: 'NOT_FOUND' } });
});
