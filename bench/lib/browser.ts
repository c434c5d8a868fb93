/**
 * Debian's Chromium through playwright-core, signed in the way the site itself stores a local-mode
 * session (localStorage `tora.session`), for the page benchmarks (P5, P6).
 */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-dev-shm-usage'
];

export function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: CHROMIUM_ARGS
	});
}

export interface BrowserSession {
	accessToken: string;
	/** What the site keeps in localStorage under `tora.session`. */
	stored: { mode: 'local'; accessToken: string; expiresAt: string; user: { id: string; email: string } };
}

export async function localSession(baseUrl: string, email: string): Promise<BrowserSession> {
	const response = await fetch(`${baseUrl}/api/auth/local`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email })
	});
	if (!response.ok) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
	const { data } = (await response.json()) as {
		data: { access_token: string; expires_at: string; user: { id: string; email: string } };
	};
	return {
		accessToken: data.access_token,
		stored: { mode: 'local', accessToken: data.access_token, expiresAt: data.expires_at, user: data.user }
	};
}

/** A fresh context (empty HTTP cache) whose pages start signed in. */
export async function signedInContext(browser: Browser, session: BrowserSession): Promise<BrowserContext> {
	const context = await browser.newContext();
	await context.addInitScript(
		(stored) => localStorage.setItem('tora.session', JSON.stringify(stored)),
		session.stored
	);
	return context;
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	if (sorted.length === 0) return Number.NaN;
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
