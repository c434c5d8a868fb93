/**
 * `npm run seed:torture [-- <origin> [email]] [--screenshots]`: fills a workspace of a running
 * Tora (default http://127.0.0.1:8888, local sign-in as `npm run dev` has) with the content
 * torture fixture — long unbroken and 255-character names, 50 tags, 200 hyperparameters,
 * 2,000-character descriptions, right-to-left, emoji and CJK text, long metric names, many
 * metrics — so layouts can be checked by eye. The torture e2e seeds the same content
 * (e2e/support/torture.ts). `--screenshots` also saves the dashboard, experiment and compare
 * pages with that content at 1440 and 390 px to docs/torture-<page>-<width>.png (shown in the
 * README); it needs Debian's Chromium and, for real glyphs, fonts-noto-color-emoji and fonts-noto-cjk.
 */
import { chromium } from 'playwright-core';
import { seedTorture, type TortureFixture } from '../e2e/support/torture.ts';

const args = process.argv.slice(2).filter((arg) => arg !== '--screenshots');
const origin = (args[0] ?? process.env.TORA_URL ?? 'http://127.0.0.1:8888').replace(/\/$/, '');
const email = args[1] ?? 'torture@example.test';

const fixture = await seedTorture(origin, email);
console.log(`Seeded ${fixture.experimentIds.length} experiments for ${email} (sign in with that email):`);
console.log(`  ${origin}/dashboard?ws=${fixture.workspaceId}`);
for (const id of fixture.experimentIds) console.log(`  ${origin}/experiments/${id}`);
console.log(`  ${origin}/compare?ids=${fixture.experimentIds.join(',')}`);
if (process.argv.includes('--screenshots')) await screenshots(fixture);

async function screenshots({ workspaceId, experimentIds }: TortureFixture) {
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']
	});
	const pages = [
		['dashboard', `/dashboard?ws=${workspaceId}`],
		['experiment', `/experiments/${experimentIds[0]}`],
		['compare', `/compare?ids=${experimentIds.join(',')}`]
	] as const;
	for (const width of [1440, 390]) {
		const page = await browser.newPage({ viewport: { width, height: width > 500 ? 1000 : 844 } });
		await page.goto(`${origin}/signin`);
		await page.getByLabel('Email').fill(email);
		await page.getByRole('button', { name: 'Sign in', exact: true }).click();
		await page.waitForURL(/dashboard/);
		for (const [name, path] of pages) {
			await page.goto(origin + path);
			// Each page shows the runs' status badges once their data has arrived.
			await page.getByText('running', { exact: true }).first().waitFor({ timeout: 60_000 });
			await page.waitForLoadState('networkidle');
			// Charts draw on the next frames.
			await page.waitForTimeout(1500);
			const file = `docs/torture-${name}-${width}.png`;
			await page.screenshot({ path: file });
			console.log(`saved ${file}`);
		}
		await page.close();
	}
	await browser.close();
}
