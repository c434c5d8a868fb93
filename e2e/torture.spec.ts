import { expect, test, type Page } from '@playwright/test';
import { seedTorture, type TortureFixture } from './support/torture';

/**
 * Every page with the content torture fixture (e2e/support/torture.ts), on a desktop and on a
 * phone: the document is never wider than the viewport, and no element sticks out of the
 * viewport unless a box that scrolls or clips holds it (a wide table in its own scroll box is
 * fine; a long name pushing the page sideways is not).
 */

const WIDTHS = [1440, 390];

/** Runs in the page: what sticks out to the right or left, described for the failure message. */
function overflowReport() {
	const viewport = document.documentElement.clientWidth;
	const clips = (style: CSSStyleDeclaration) => style.overflowX !== 'visible';
	/** Whether a box between `el` and the viewport clips it, following containing blocks. */
	const held = (el: Element) => {
		let position = getComputedStyle(el).position;
		if (position === 'fixed') return true;
		for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
			const style = getComputedStyle(box);
			// An absolutely positioned box escapes the static boxes between it and its containing block.
			const contains = position !== 'absolute' || style.position !== 'static';
			if (contains && clips(style)) return true;
			if (contains) position = style.position;
			if (position === 'fixed') return true;
		}
		return false;
	};
	const describe = (el: Element, right: number) =>
		`<${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}"> reaches ${Math.round(right)} px: ` +
		JSON.stringify((el.textContent ?? '').trim().slice(0, 60));
	const offenders: string[] = [];
	for (const el of document.body.querySelectorAll('*')) {
		if (!el.checkVisibility()) continue;
		const box = el.getBoundingClientRect();
		if (box.width === 0 || box.height === 0) continue;
		// Text that overflows a visible-overflow box does not grow the box: measure what it draws.
		const right = clips(getComputedStyle(el)) ? box.right : Math.max(box.right, box.left + el.scrollWidth);
		if ((right > viewport + 1 || box.left < -1) && !held(el)) offenders.push(describe(el, right));
	}
	return {
		scrollWidth: document.documentElement.scrollWidth,
		viewport,
		offenders: offenders.slice(-8)
	};
}

async function expectNoOverflow(page: Page, label: string) {
	// Lazy sections (charts, summaries) settle before the layout is judged.
	await page.waitForLoadState('networkidle');
	const report = await page.evaluate(overflowReport);
	expect(report.offenders, `${label}: elements outside the viewport`).toEqual([]);
	expect(report.scrollWidth, `${label}: the document is wider than the viewport`).toBeLessThanOrEqual(
		report.viewport
	);
}

let fixture: TortureFixture;

test.beforeAll(async ({ baseURL }) => {
	test.setTimeout(120_000);
	fixture = await seedTorture(baseURL!);
});

for (const width of WIDTHS) {
	test(`every page holds the torture content at ${width} px`, async ({ page }) => {
		test.setTimeout(180_000);
		await page.setViewportSize({ width, height: 900 });
		const [worst, longest] = fixture.experimentIds;

		await page.goto('/');
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible({ timeout: 20_000 });
		await expectNoOverflow(page, 'landing');
		await page.goto('/docs');
		await expect(page.getByRole('heading', { name: 'Documentation', level: 1 })).toBeVisible();
		await expectNoOverflow(page, 'docs');
		await page.goto('/signin');
		await page.getByLabel('Email').fill(fixture.email);
		await expectNoOverflow(page, 'signin');
		await page.getByRole('button', { name: 'Sign in', exact: true }).click();
		await page.waitForURL(/\/dashboard/);

		await page.goto(`/dashboard?ws=${fixture.workspaceId}`);
		// The runs' status badges show once the table has its rows.
		await expect(page.getByText('running', { exact: true }).first()).toBeVisible({ timeout: 20_000 });
		await expectNoOverflow(page, 'dashboard');

		for (const id of [worst, longest]) {
			for (const tab of ['charts', 'logs', 'environment', 'notes']) {
				await page.goto(`/experiments/${id}?tab=${tab}`);
				await expect(page.getByRole('heading', { level: 1 })).toBeVisible({ timeout: 20_000 });
				await expectNoOverflow(page, `experiment ${tab}`);
			}
		}

		await page.goto(`/compare?ids=${fixture.experimentIds.join(',')}`);
		await expect(page.getByRole('heading', { level: 1 })).toBeVisible({ timeout: 20_000 });
		await expectNoOverflow(page, 'compare');

		await page.goto(`/settings?ws=${fixture.workspaceId}`);
		await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
		await expect(page.getByText('Members', { exact: true })).toBeVisible();
		await expectNoOverflow(page, 'settings');

		// The shared pages, read by someone without an account: one run, and the whole comparison.
		const share = async (target: Record<string, unknown>) => {
			const response = await page.request.post('/api/share-links', {
				headers: { authorization: `Bearer ${fixture.token}` },
				data: target
			});
			expect(response.status()).toBe(201);
			return new URL((await response.json()).data.url).pathname;
		};
		const shared = [
			['shared run', await share({ experimentId: worst })],
			['shared comparison', await share({ experimentIds: fixture.experimentIds })]
		] as const;
		await page.context().clearCookies();
		for (const [label, path] of shared) {
			await page.goto(path);
			await expect(page.getByTestId('shared-page')).toBeVisible({ timeout: 20_000 });
			await expectNoOverflow(page, label);
		}
	});
}

test('the new-experiment form checks as you type and keeps hyperparameter values as typed', async ({
	page,
	request
}) => {
	await page.goto('/signin');
	await page.getByLabel('Email').fill(fixture.email);
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.waitForURL(/\/dashboard/);
	await page.goto(`/dashboard?ws=${fixture.workspaceId}`);
	await page.getByRole('button', { name: 'New experiment' }).first().click();
	const dialog = page.getByRole('dialog');
	const create = dialog.getByRole('button', { name: 'Create experiment' });
	await expect(create).toBeDisabled();
	await dialog.getByLabel('Name', { exact: true }).fill('typed-values');
	const long = `${'a'.repeat(30)}-${'z'.repeat(30)}`;
	await dialog.getByLabel('Tags').fill(`ok, ${long}`);
	await expect(dialog.locator('#new-tags-error')).toHaveText(
		`tag "${'a'.repeat(20)}…${'z'.repeat(19)}" is longer than 50 characters`
	);
	await expect(dialog.getByLabel('Tags')).toHaveAttribute('aria-invalid', 'true');
	await expect(create).toBeDisabled();
	await dialog.getByLabel('Tags').fill('ok');
	await expect(dialog.locator('#new-tags-error')).toHaveCount(0);

	await dialog.getByLabel('Hyperparameter 1 name').fill('seed');
	await dialog.getByLabel('Hyperparameter 1 value').fill('007');
	await expect(dialog.getByTestId('stored-as')).toHaveText(
		'will be stored as text "007" (choose Number to store 7)'
	);
	await dialog.getByRole('button', { name: 'Add hyperparameter' }).click();
	await dialog.getByLabel('Hyperparameter 2 name').fill('lr');
	await dialog.getByLabel('Hyperparameter 2 value').fill('1e-3');
	await dialog.getByLabel('Hyperparameter 2 type').selectOption('number');
	await expect(dialog.getByTestId('stored-as').nth(1)).toHaveText('will be stored as number 0.001');
	await create.click();
	await expect(page).toHaveURL(/\/experiments\/[0-9a-f-]{36}$/);
	const id = page.url().split('/').at(-1)!;
	const stored = await request.get(`/api/experiments/${id}`, {
		headers: { authorization: `Bearer ${fixture.token}` }
	});
	expect((await stored.json()).data.hyperparams).toEqual([
		{ key: 'seed', value: '007' },
		{ key: 'lr', value: 0.001 }
	]);
});
