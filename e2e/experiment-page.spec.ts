import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';

const address = () => `owner-${Math.random().toString(36).slice(2, 10)}@example.test`;

test('edit, download and delete an experiment through its dialogs; an expired session is renewed', async ({
	page,
	request
}) => {
	const email = address();
	const signIn = await request.post('/api/auth/local', { data: { email } });
	const headers = { authorization: `Bearer ${(await signIn.json()).data.access_token}` };
	const created = await request.post('/api/experiments', { headers, data: { name: 'dialog-run' } });
	expect(created.status()).toBe(201);
	const id: string = (await created.json()).data.id;
	const logs = [0, 1, 2].map((step) => ({ name: 'loss', msg_id: randomUUID(), value: 1 / (step + 1), step }));
	expect(
		(await request.post(`/api/experiments/${id}/logs/batch`, { headers, data: { logs } })).status()
	).toBe(201);

	// A visitor without a session is sent to sign in, and comes back here afterwards.
	await page.goto(`/experiments/${id}`);
	await expect(page).toHaveURL(new RegExp(`/signin\\?next=%2Fexperiments%2F${id}$`));
	await page.getByLabel('Email').fill(email);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await expect(page.getByRole('heading', { name: 'dialog-run', level: 1 })).toBeVisible();

	// Edit: a field the server would refuse is marked as it is typed, and saving waits for a fix;
	// Escape closes without saving.
	await page.getByRole('button', { name: 'Edit' }).click();
	const edit = page.getByRole('dialog', { name: 'Edit experiment' });
	await edit.getByLabel('Name').fill('');
	await expect(edit.locator('#edit-name-error')).toHaveText('name must not be empty');
	await expect(edit.getByRole('button', { name: 'Save changes' })).toBeDisabled();
	await page.keyboard.press('Escape');
	await expect(edit).toBeHidden();
	await page.getByRole('button', { name: 'Edit' }).click();
	await expect(edit.getByLabel('Name')).toHaveValue('dialog-run');
	await expect(edit.locator('#edit-name-error')).toHaveCount(0);
	await edit.getByLabel('Name').fill('renamed-run');
	await edit.getByRole('button', { name: 'Save changes' }).click();
	await expect(edit).toBeHidden();
	await expect(page.getByRole('heading', { name: 'renamed-run', level: 1 })).toBeVisible();

	// The stored token has expired: the next call renews it instead of signing the user out.
	await page.evaluate(() => {
		const stored = JSON.parse(localStorage.getItem('tora.session') ?? '{}');
		localStorage.setItem(
			'tora.session',
			JSON.stringify({ ...stored, accessToken: 'expired', expiresAt: '2099-01-01T00:00:00Z' })
		);
	});
	await page.reload();
	await expect(page.getByRole('heading', { name: 'renamed-run', level: 1 })).toBeVisible();

	// The CSV goes through the same client, with the server's file name.
	const download = page.waitForEvent('download');
	await page.getByRole('button', { name: 'Download CSV, one row per point' }).click();
	const file = await download;
	expect(file.suggestedFilename()).toMatch(/\.csv$/);
	const csv = await readFile((await file.path()) ?? '', 'utf8');
	expect(csv.split('\n').filter(Boolean)).toHaveLength(4);

	// Delete: Cancel has the focus first, so Enter never deletes by accident.
	await page.getByRole('button', { name: 'Delete', exact: true }).click();
	const remove = page.getByRole('dialog', { name: 'Delete this experiment?' });
	await expect(remove.getByRole('button', { name: 'Cancel' })).toBeFocused();
	await remove.getByRole('button', { name: 'Delete experiment' }).click();
	await expect(page).toHaveURL(/\/dashboard/);
	expect((await request.get(`/api/experiments/${id}`, { headers })).status()).toBe(404);
});
