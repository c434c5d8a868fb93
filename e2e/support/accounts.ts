/**
 * Accounts for end-to-end tests: a fresh address per test, signing in through the page or the
 * local auth endpoint, and API calls as that user.
 */
import { expect, type APIRequestContext, type Page } from '@playwright/test';

/** A fresh address, so tests never share a user (the suite runs against one server). */
export const email = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}@example.test`;

/** Signs in through the sign-in page and waits for the dashboard (`origin`: another server's). */
export async function signInUi(page: Page, address: string, origin = '') {
	await page.goto(`${origin}/signin`);
	await page.getByLabel('Email').fill(address);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page).toHaveURL(/\/dashboard/);
}

/** A session token for `address` from the local sign-in endpoint. */
export async function tokenFor(request: APIRequestContext, address: string, origin = ''): Promise<string> {
	const response = await request.post(`${origin}/api/auth/local`, { data: { email: address } });
	expect(response.status()).toBe(200);
	return (await response.json()).data.access_token;
}

/** Calls the API as `token`, failing the test on an error status; answers the envelope's data. */
export function apiAs(request: APIRequestContext, token: string, origin = '') {
	return async (method: string, path: string, data?: unknown) => {
		const response = await request.fetch(`${origin}${path}`, {
			method,
			headers: { authorization: `Bearer ${token}` },
			data
		});
		expect(response.ok(), `${method} ${path}: ${await response.text()}`).toBe(true);
		return (await response.json()).data;
	};
}
