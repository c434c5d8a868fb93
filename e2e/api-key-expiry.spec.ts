import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { connect } from '../tests/support/databases.ts';
import { email, signInUi } from './support/accounts.ts';

/** A local calendar date `days` from today, as a date input takes it. */
function localDateIn(days: number): string {
	const date = new Date();
	date.setDate(date.getDate() + days);
	const pad = (n: number) => String(n).padStart(2, '0');
	return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

test('create keys that expire (a preset and a date), see when, use one, and see an expired one marked', async ({
	page,
	request
}) => {
	await signInUi(page, email('expiry'));
	await page.goto('/settings');
	const keys = page.getByRole('list').filter({ has: page.getByRole('button', { name: /^Revoke / }) });

	await page.getByLabel('Name', { exact: true }).fill('never-expiring');
	await page.getByRole('button', { name: 'Create key' }).click();
	await expect(page.getByTestId('new-api-key')).toBeVisible();
	await expect(keys.getByRole('listitem').filter({ hasText: 'never-expiring' })).toContainText(
		'never expires'
	);

	await page.getByLabel('Name', { exact: true }).fill('thirty-days');
	await page.getByLabel('Expires', { exact: true }).selectOption({ label: 'In 30 days' });
	await page.getByRole('button', { name: 'Create key' }).click();
	await expect(page.getByText('Copy your new key “thirty-days” now')).toBeVisible();
	const key = (await page.getByTestId('new-api-key').textContent())!.trim();
	await expect(keys.getByRole('listitem').filter({ hasText: 'thirty-days' })).toContainText(/expires \w/);

	// "On a date…" asks for the date, and will not quietly create a key that never expires.
	await page.getByLabel('Name', { exact: true }).fill('on-a-date');
	await page.getByLabel('Expires', { exact: true }).selectOption({ label: 'On a date…' });
	const date = page.getByLabel('Expiry date');
	await expect(date).toHaveAttribute('min', localDateIn(0));
	await expect(date).toHaveAttribute('max', localDateIn(365));
	await date.fill(localDateIn(10));
	await page.getByRole('button', { name: 'Create key' }).click();
	await expect(page.getByText('Copy your new key “on-a-date” now')).toBeVisible();
	await expect(keys.getByRole('listitem').filter({ hasText: 'on-a-date' })).toContainText(/expires \w/);

	// What the page sent: never, 30 days from now, the end of the chosen day in the browser's time zone.
	const { token, endOfDay } = await page.evaluate((day) => {
		const [y, m, d] = day.split('-').map(Number);
		return {
			token: JSON.parse(localStorage.getItem('tora.session')!).accessToken as string,
			endOfDay: new Date(y, m - 1, d, 23, 59, 59, 999).toISOString()
		};
	}, localDateIn(10));
	const listed = await request.get('/api/api-keys', { headers: { authorization: `Bearer ${token}` } });
	const byName = Object.fromEntries(
		((await listed.json()).data as { name: string; expires_at: string | null }[]).map((k) => [
			k.name,
			k.expires_at
		])
	);
	expect(byName['never-expiring']).toBeNull();
	expect(Math.abs(Date.parse(byName['thirty-days']!) - (Date.now() + 30 * 86_400_000))).toBeLessThan(
		3_600_000
	);
	expect(byName['on-a-date']).toBe(endOfDay);
	const me = await request.get('/api/me', { headers: { 'x-api-key': key } });
	expect(me.status()).toBe(200);

	// Time passes for the dated key (never used, so no server process holds it verified): the
	// server's own database is moved on, then the list marks the key and the key gets a 401.
	const databaseUrl = readFileSync(join(process.env.TORA_E2E_DATA_DIR!, 'database-url'), 'utf8').trim();
	const sql = connect({ url: databaseUrl, embedded: true }, 1);
	const dated = await request.post('/api/api-keys', {
		headers: { authorization: `Bearer ${token}` },
		data: { name: 'soon-gone', expiresAt: new Date(Date.now() + 86_400_000).toISOString() }
	});
	const { id, key: datedKey } = (await dated.json()).data;
	try {
		await sql`update api_keys set expires_at = now() - interval '1 minute' where id = ${id}`;
	} finally {
		await sql.end();
	}
	await page.reload();
	const gone = keys.getByRole('listitem').filter({ hasText: 'soon-gone' });
	await expect(gone.getByText(/^Expired /)).toBeVisible();
	await expect(gone).toContainText(/expired \w/);
	const refused = await request.get('/api/me', { headers: { 'x-api-key': datedKey } });
	expect(refused.status()).toBe(401);
	expect((await refused.json()).error.message).toMatch(/expired at/);
});
