/**
 * Share links in a browser with no account: a fresh context (no session, no storage) opens a
 * shared run, a shared comparison and an anonymous link, whose page and every API answer it
 * received carry no identifying string; expired, revoked and unknown links show one identical
 * "not found" page; and the embed is framed by a page of another origin.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { apiAs, email, tokenFor } from './support/accounts.ts';

const suffix = randomUUID().slice(0, 6);
const WORKSPACE = `Blind Review Lab ${suffix}`;
const PROJECT = `Project Kestrel ${suffix}`;
const HOST = `alice-workstation-${suffix}`;
const REMOTE = `https://github.com/alice-${suffix}/secret.git`;

interface World {
	ownerEmail: string;
	runIds: string[];
	links: { run: string; compare: string; anonymous: string; revoked: string; expiring: string };
}

async function buildWorld(request: APIRequestContext): Promise<World> {
	const ownerEmail = email('share-owner');
	const api = apiAs(request, await tokenFor(request, ownerEmail));
	const workspace = await api('POST', '/api/workspaces', { name: WORKSPACE });
	const runIds: string[] = [];
	for (const [index, lr] of [0.01, 0.001].entries()) {
		const run = await api('POST', '/api/experiments', {
			name: `shared-run-${index}`,
			workspaceId: workspace.id,
			project: PROJECT,
			hyperparams: [{ key: 'lr', value: lr }]
		});
		const logs = Array.from({ length: 30 }, (_, step) => ({
			name: 'train/loss',
			msg_id: randomUUID(),
			value: (index + 1) * Math.exp(-step / 10),
			step
		}));
		logs.push({
			name: 'accuracy',
			msg_id: randomUUID(),
			value: 0.8 + index / 10,
			step: null,
			metadata: { type: 'result' }
		} as never);
		await api('POST', `/api/experiments/${run.id}/logs/batch`, { logs });
		await api('PUT', `/api/experiments/${run.id}/context`, {
			host: HOST,
			cwd: `/home/alice-${suffix}/secret`,
			git: { commit: 'abcdef1234567', branch: 'main', remote: REMOTE, dirty: false }
		});
		await api('PATCH', `/api/experiments/${run.id}`, { notes: `## Findings ${index}\nLoss goes down.` });
		runIds.push(run.id);
	}
	const share = async (body: object) =>
		(await api('POST', '/api/share-links', body)) as { id: string; token: string };
	const run = await share({ experimentId: runIds[0] });
	const compare = await share({ experimentIds: runIds });
	const anonymous = await share({ experimentIds: runIds, anonymous: true });
	const revoked = await share({ experimentId: runIds[0] });
	await api('DELETE', `/api/share-links/${revoked.id}`);
	// An expiry must be in the future when the link is made; this one passes during the setup.
	const expiring = await share({
		experimentId: runIds[0],
		expiresAt: new Date(Date.now() + 2000).toISOString()
	});
	return {
		ownerEmail,
		runIds,
		links: {
			run: run.token,
			compare: compare.token,
			anonymous: anonymous.token,
			revoked: revoked.token,
			expiring: expiring.token
		}
	};
}

let world: World;
test.beforeAll(async ({ request }) => {
	world = await buildWorld(request);
});

/** A page in a new context: no cookies, no storage, no session of anyone's. */
async function stranger(browser: Browser): Promise<Page> {
	const context = await browser.newContext();
	return context.newPage();
}

test('a shared run opens without an account, with charts, hyperparameters, results and notes', async ({
	browser
}) => {
	const page = await stranger(browser);
	await page.goto(`/s/${world.links.run}`);
	await expect(page.getByRole('heading', { level: 1, name: 'shared-run-0' })).toBeVisible();
	await expect(page.getByText(`workspace ${WORKSPACE}`)).toBeVisible();
	const chart = page.locator('figure[data-metric="train/loss"] .chart-panel');
	await expect(chart).toBeVisible();
	await expect(page.locator('figure[data-metric="train/loss"] canvas').first()).toBeVisible();
	await expect(page.getByRole('heading', { name: /Hyperparameters/ })).toBeVisible();
	await expect(page.getByText('accuracy')).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Findings 0' })).toBeVisible();
	// Read-only: nothing to edit, delete or share from here.
	await expect(page.getByRole('button', { name: /edit|delete|share/i })).toHaveCount(0);
	// The smoothing control redraws from the same answer; the x-axis control reads again.
	await page.getByLabel('X axis').selectOption('relative');
	await expect(chart).toBeVisible();
	await page.context().close();
});

test('a shared comparison shows every run on one chart and side by side', async ({ browser }) => {
	const page = await stranger(browser);
	await page.goto(`/s/${world.links.compare}`);
	await expect(page.getByRole('heading', { level: 1, name: '2 runs compared' })).toBeVisible();
	await expect(page.locator('figure[data-metric="train/loss"] .chart-panel')).toBeVisible();
	for (const name of ['shared-run-0', 'shared-run-1']) {
		await expect(page.getByTitle(name).first()).toBeVisible();
	}
	await page.context().close();
});

test('an anonymous link shows no identifying string in the page or in any answer it received', async ({
	browser
}) => {
	const page = await stranger(browser);
	const answers: Promise<string>[] = [];
	page.on('response', (response) => {
		if (new URL(response.url()).pathname.startsWith('/api/')) answers.push(response.text().catch(() => ''));
	});
	await page.goto(`/s/${world.links.anonymous}`);
	await expect(page.getByRole('heading', { level: 1, name: '2 runs compared' })).toBeVisible();
	await expect(page.locator('figure[data-metric="train/loss"] .chart-panel')).toBeVisible();
	const texts = [await page.content(), ...(await Promise.all(answers))];
	expect(answers.length).toBeGreaterThanOrEqual(2);
	for (const identifying of [world.ownerEmail, WORKSPACE, PROJECT, HOST, REMOTE, `alice-${suffix}`]) {
		for (const text of texts) expect(text).not.toContain(identifying);
	}
	await page.context().close();
});

test('expired, revoked and unknown links show the same not-found page', async ({ browser, request }) => {
	await expect
		.poll(async () => (await request.get(`/api/shared/${world.links.expiring}`)).status())
		.toBe(404);
	const page = await stranger(browser);
	const shown: string[] = [];
	for (const token of [world.links.expiring, world.links.revoked, `tora_sh_${'x'.repeat(43)}`]) {
		await page.goto(`/s/${token}`);
		const notFound = page.getByTestId('shared-not-found');
		await expect(notFound).toBeVisible();
		shown.push((await notFound.innerText()).trim());
	}
	expect(new Set(shown).size).toBe(1);
	await page.context().close();
});

/** A page of another origin (its own port) that frames `src`. */
async function framingSite(src: string): Promise<{ server: Server; origin: string }> {
	const server = createServer((_req, res) => {
		res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
		res.end(
			`<!doctype html><title>A blog</title><h1>A blog post</h1><iframe src="${src}" width="900" height="700"></iframe>`
		);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('the embed is framed by another origin and shows no site chrome; other pages refuse framing', async ({
	browser,
	baseURL
}) => {
	const embedUrl = `${baseURL}/s/${world.links.run}?embed=1`;
	const { server, origin } = await framingSite(embedUrl);
	try {
		const page = await stranger(browser);
		const embedResponse = page.waitForResponse((response) => response.url() === embedUrl);
		await page.goto(origin);
		const headers = (await embedResponse).headers();
		expect(headers['content-security-policy']).toContain('frame-ancestors *');
		expect(headers['x-frame-options']).toBeUndefined();
		const frame = page.frameLocator('iframe');
		await expect(frame.getByTestId('shared-page')).toBeVisible();
		await expect(frame.locator('figure[data-metric="train/loss"] .chart-panel')).toBeVisible();
		await expect(frame.getByRole('link', { name: 'Open in Tora' })).toBeVisible();
		await expect(frame.getByRole('banner')).toHaveCount(0);
		await expect(frame.getByRole('contentinfo')).toHaveCount(0);

		const dashboard = await page.request.get(`${baseURL}/dashboard`);
		expect(dashboard.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
		expect(dashboard.headers()['x-frame-options']).toBe('DENY');
		await page.context().close();
	} finally {
		server.close();
	}
});
