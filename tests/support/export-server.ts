/**
 * For the CSV export tests over real HTTP: a real server process (its own embedded database, or
 * the run's PostgreSQL database), a user with an API key made through the API, metric points
 * logged through the batch endpoint, and what the PostgreSQL server says about the process's
 * database connections.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { onPostgresServer, startServerProcess, type ServerProcess } from './server-process.ts';

export interface ExportServer extends ServerProcess {
	/** Its `application_name` on the PostgreSQL server (PGAPPNAME), to find its connections. */
	appName: string;
	/** Its data directory: a server started on the same one sees the same embedded database. */
	dataDir: string;
}

export async function startExportServer(
	options: { dataDir?: string; env?: Record<string, string> } = {}
): Promise<ExportServer> {
	const appName = `tora-export-${randomUUID().slice(0, 8)}`;
	const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tora-export-'));
	const server = await startServerProcess({ PGAPPNAME: appName, TORA_DATA_DIR: dataDir, ...options.env });
	return { ...server, appName, dataDir };
}

export interface Account {
	key: string;
	headers: Record<string, string>;
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify(body)
	});
	const text = await response.text();
	if (response.status >= 300) throw new Error(`POST ${url}: ${response.status} ${text}`);
	return JSON.parse(text).data;
}

/** A new user (local sign-in) and an API key of theirs. */
export async function newAccount(origin: string): Promise<Account> {
	const email = `export-${randomUUID().slice(0, 8)}@example.test`;
	const session = await postJson(`${origin}/api/auth/local`, { email });
	const { key } = await postJson(
		`${origin}/api/api-keys`,
		{ name: 'export tests' },
		{ authorization: `Bearer ${session.access_token}` }
	);
	return { key, headers: { 'x-api-key': key } };
}

export async function newExperiment(origin: string, account: Account, name: string): Promise<string> {
	const { id } = await postJson(`${origin}/api/experiments`, { name }, account.headers);
	return id;
}

/** The value logged for `metric` at `step`: negative and fractional ones included. */
export const valueAt = (metric: number, step: number) => Math.sin(step / 97 + metric) * 10 ** (metric - 1);

/** `metrics` series of `steps` points each, through the batch endpoint (10,000 entries a batch). */
export async function logPoints(
	origin: string,
	account: Account,
	experimentId: string,
	{ metrics, steps }: { metrics: number; steps: number }
): Promise<void> {
	const entries = function* () {
		for (let step = 0; step < steps; step++)
			for (let metric = 0; metric < metrics; metric++)
				yield { name: `m${metric}`, msg_id: randomUUID(), value: valueAt(metric, step), step };
	};
	let batch: unknown[] = [];
	const send = async () => {
		await postJson(`${origin}/api/experiments/${experimentId}/logs/batch`, { logs: batch }, account.headers);
		batch = [];
	};
	for (const entry of entries()) {
		batch.push(entry);
		if (batch.length === 10_000) await send();
	}
	if (batch.length > 0) await send();
}

export const exportUrl = (origin: string, experimentId: string, format: 'long' | 'wide') =>
	`${origin}/api/experiments/${experimentId}/export.csv?format=${format}`;

/** Downloads a whole export; rejects if the transfer breaks off. */
export async function download(
	origin: string,
	account: Account,
	experimentId: string,
	format: 'long' | 'wide'
): Promise<{ status: number; bytes: number; lines: number }> {
	const response = await fetch(exportUrl(origin, experimentId, format), { headers: account.headers });
	let bytes = 0;
	let lines = 0;
	for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
		bytes += chunk.byteLength;
		for (const byte of chunk) if (byte === 10) lines++;
	}
	return { status: response.status, bytes, lines };
}

/**
 * The server process's connections that are doing something (running a query, or inside a
 * transaction), from pg_stat_activity. Only meaningful on a PostgreSQL server.
 */
export async function busyConnections(appName: string): Promise<string[]> {
	const sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
	try {
		const rows = await sql<{ state: string; wait_event: string | null; query: string }[]>`
			select state, wait_event, left(query, 60) as query from pg_stat_activity
			where datname = current_database() and application_name = ${appName} and state <> 'idle'`;
		return rows.map((r) => `${r.state} (${r.wait_event ?? '-'}): ${r.query}`);
	} finally {
		await sql.end();
	}
}

/**
 * Waits until the server process holds no busy connection, up to `withinMs`; the last list seen
 * (empty when it got there). On the embedded database there is no such view across connections:
 * an empty list, and the callers check what a held connection would break instead.
 */
export async function settledConnections(server: ExportServer, withinMs = 3_000): Promise<string[]> {
	if (!onPostgresServer()) return [];
	const deadline = Date.now() + withinMs;
	for (;;) {
		const busy = await busyConnections(server.appName);
		if (busy.length === 0 || Date.now() > deadline) return busy;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}
