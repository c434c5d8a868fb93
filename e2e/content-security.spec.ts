import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';

/**
 * Every page works under its Content-Security-Policy: the policy is enforced (a header, not
 * report-only), and visiting each page — signed in, with data, charts drawn — raises no
 * violation. An inline script whose hash the policy lacks, or a request to an origin it does not
 * list, would be refused by the browser and show up here.
 */

const violationsKey = '__cspViolations';

async function recordViolations(page: Page): Promise<() => Promise<string[]>> {
	const fromConsole: string[] = [];
	page.on('console', (message) => {
		if (/Content Security Policy/i.test(message.text())) fromConsole.push(message.text());
	});
	await page.addInitScript((key) => {
		const seen: string[] = [];
		(window as unknown as Record<string, string[]>)[key] = seen;
		document.addEventListener('securitypolicyviolation', (event) =>
			seen.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} in ${event.sourceFile}`)
		);
	}, violationsKey);
	const fromPages: string[] = [];
	// The in-page list lives as long as the document: read it before each navigation.
	return async () => {
		fromPages.push(
			...(await page.evaluate(
				(key) => (window as unknown as Record<string, string[]>)[key] ?? [],
				violationsKey
			))
		);
		return [...fromPages, ...fromConsole];
	};
}

test('every page renders under its CSP without a single violation', async ({ page, request }) => {
	const address = `csp-${Math.random().toString(36).slice(2, 10)}@example.test`;
	const signIn = await request.post('/api/auth/local', { data: { email: address } });
	const token = (await signIn.json()).data.access_token as string;
	const headers = { authorization: `Bearer ${token}` };
	const ids: string[] = [];
	for (const name of ['csp-a', 'csp-b']) {
		const created = await request.post('/api/experiments', {
			headers,
			data: { name, hyperparams: [{ key: 'lr', value: name === 'csp-a' ? 0.1 : 0.01 }] }
		});
		const id = (await created.json()).data.id as string;
		ids.push(id);
		const logs = [
			...Array.from({ length: 50 }, (_, step) => ({
				name: 'loss',
				msg_id: randomUUID(),
				value: 1 / (step + 1),
				step
			})),
			// Parallel coordinates need a result to show.
			{
				name: 'accuracy',
				msg_id: randomUUID(),
				value: ids.length / 2,
				step: null,
				metadata: { type: 'result' }
			}
		];
		expect(
			(await request.post(`/api/experiments/${id}/logs/batch`, { headers, data: { logs } })).status()
		).toBe(201);
	}

	const violations = await recordViolations(page);

	const landing = await page.goto('/');
	const policy = landing?.headers()['content-security-policy'] ?? '';
	expect(policy).toContain("frame-ancestors 'none'");
	expect(policy).toMatch(/script-src [^;]*'sha256-/);
	expect(landing?.headers()['content-security-policy-report-only']).toBeUndefined();
	await violations();
	await page.goto('/docs');
	await expect(page.getByRole('heading', { level: 1 })).toBeVisible();

	await violations();
	await page.goto('/signin');
	await page.getByLabel('Email').fill(address);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page).toHaveURL(/\/dashboard/);
	// The run's link, exactly: the signed-in address (csp-<random>@…) may start with the same letters.
	await expect(page.getByRole('link', { name: 'csp-a', exact: true })).toBeVisible();

	await violations();
	await page.goto(`/experiments/${ids[0]}`);
	await expect(page.getByTestId('points-label').first()).toHaveText(/^50 points/);
	await violations();
	await page.goto(`/compare?ids=${ids.join(',')}`);
	await expect(page.getByRole('img', { name: /Parallel coordinates over/ })).toBeVisible();
	await violations();
	await page.goto('/settings');
	await expect(page.getByRole('button', { name: 'Create key' })).toBeVisible();

	expect(await violations()).toEqual([]);

	// The recorder itself works: an inline script the policy does not list is refused and seen.
	await page.addScriptTag({ content: 'window.notInThePolicy = true;' }).catch(() => undefined);
	await expect.poll(async () => (await violations()).length).toBeGreaterThan(0);
	expect(await page.evaluate(() => 'notInThePolicy' in window)).toBe(false);
});
