#!/usr/bin/env node
/**
 * `npm run screenshots`: fills a fresh embedded database with a few realistic runs and saves
 * screenshots of the landing, dashboard, experiment and compare pages to docs/ (shown in the
 * README). Needs a built site (`npm run build`) and Debian's Chromium.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const port = 8971;
const origin = `http://127.0.0.1:${port}`;
const server = spawn('node', ['--import', 'tsx', 'server/start.ts'], {
	env: {
		...process.env,
		PORT: String(port),
		TORA_AUTH: 'local',
		TORA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tora-shots-'))
	},
	stdio: 'inherit',
	detached: true
});
const stop = () => {
	try {
		process.kill(-server.pid, 'SIGTERM');
	} catch {
		// already stopped
	}
};
process.on('exit', stop);

async function api(method, path, token, body) {
	const response = await fetch(origin + path, {
		method,
		headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
	return (await response.json()).data;
}

for (let i = 0; ; i++) {
	if (
		await fetch(`${origin}/api/health`).then(
			(r) => r.ok,
			() => false
		)
	)
		break;
	if (i > 120) throw new Error('server did not start');
	await new Promise((resolve) => setTimeout(resolve, 500));
}

const email = 'ada@example.test';
const session = await (
	await fetch(`${origin}/api/auth/local`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email })
	})
).json();
const token = session.data.access_token;
const team = await api('POST', '/api/workspaces', token, {
	name: 'Vision team',
	description: 'ResNet sweeps'
});

const runs = [
	{ name: 'resnet50-lr3e-4', lr: 3e-4, wd: 0.05, status: 'finished' },
	{ name: 'resnet50-lr1e-3', lr: 1e-3, wd: 0.05, status: 'finished' },
	{ name: 'resnet50-lr3e-3', lr: 3e-3, wd: 0.1, status: 'failed' },
	{ name: 'resnet50-cosine', lr: 1e-3, wd: 0.1, status: 'running' }
];
const ids = [];
for (const [index, run] of runs.entries()) {
	const experiment = await api('POST', '/api/experiments', token, {
		name: run.name,
		workspaceId: team.id,
		description: 'ImageNet-1k, 90 epochs, mixed precision.',
		tags: ['resnet', 'imagenet', index === 3 ? 'cosine' : 'step-lr'],
		hyperparams: [
			{ key: 'lr', value: run.lr },
			{ key: 'weight_decay', value: run.wd },
			{ key: 'batch_size', value: 256 },
			{ key: 'optimizer', value: 'adamw' },
			{ key: 'amp', value: true }
		]
	});
	ids.push(experiment.id);
	const noise = (step) => (Math.sin(step * 12.9898 + index) * 43758.5453) % 1;
	for (let start = 0; start < 30_000; start += 5_000) {
		const logs = [];
		for (let step = start; step < start + 5_000; step++) {
			const decay = Math.exp(-step / (6000 + index * 1500));
			logs.push({
				name: 'train/loss',
				msg_id: randomUUID(),
				value: 0.4 + 2.2 * decay + 0.08 * noise(step),
				step
			});
			if (step % 10 === 0) {
				logs.push({
					name: 'val/loss',
					msg_id: randomUUID(),
					value: 0.55 + 2 * decay + 0.03 * noise(step + 1),
					step
				});
				logs.push({
					name: 'val/accuracy',
					msg_id: randomUUID(),
					value: 0.78 - 0.6 * decay - index * 0.01,
					step
				});
			}
		}
		await api('POST', `/api/experiments/${experiment.id}/logs/batch`, token, { logs });
	}
	await api('POST', `/api/experiments/${experiment.id}/logs/batch`, token, {
		logs: [
			{
				name: 'top1',
				msg_id: randomUUID(),
				value: 0.781 - index * 0.012,
				step: null,
				metadata: { type: 'result' }
			},
			{
				name: 'top5',
				msg_id: randomUUID(),
				value: 0.938 - index * 0.006,
				step: null,
				metadata: { type: 'result' }
			}
		]
	});
	if (run.status !== 'running')
		await api('PATCH', `/api/experiments/${experiment.id}`, token, { status: run.status });
}

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: [
		'--headless',
		'--no-sandbox',
		'--disable-gpu',
		'--disable-background-networking',
		'--disable-dev-shm-usage'
	]
});
const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
await page.goto(`${origin}/`);
// The landing's screenshot is a lazy image: wait until it has loaded and decoded.
await page.waitForFunction(() =>
	[...document.images].every((image) => image.complete && image.naturalWidth > 0)
);
await page.screenshot({ path: 'docs/landing.png' });
await page.goto(`${origin}/signin`);
await page.getByLabel('Email').fill(email);
await page.getByRole('button', { name: 'Sign in', exact: true }).click();
await page.waitForURL(/dashboard/);
await page.goto(`${origin}/dashboard?ws=${team.id}`);
await page.getByText('resnet50-cosine').first().waitFor();
await page.screenshot({ path: 'docs/dashboard.png' });
await page.setViewportSize({ width: 1280, height: 1500 });
await page.goto(`${origin}/experiments/${ids[1]}`);
await page.locator('canvas').nth(2).waitFor();
await page.waitForTimeout(500);
await page.screenshot({ path: 'docs/experiment.png' });
await page.setViewportSize({ width: 1280, height: 1100 });
await page.goto(`${origin}/compare?ids=${ids.join(',')}`);
await page.locator('canvas').first().waitFor();
await page.waitForTimeout(800);
await page.screenshot({ path: 'docs/compare.png' });
await browser.close();
console.log('saved docs/landing.png, docs/dashboard.png, docs/experiment.png, docs/compare.png');
stop();
process.exit(0);
