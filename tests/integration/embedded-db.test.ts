/**
 * The embedded database is reachable by this server only: a Unix socket in a private directory,
 * a password that changes with every start, owner-only files, TCP for tools only when asked for;
 * and a client sending broken messages loses its own connection, never the database.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresOptions } from '../../functions/_lib/db.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../server/embedded-db.ts';
import { startEmbeddedDatabaseProcess } from '../support/embedded-db-process.ts';
import type { Started } from '../support/processes.ts';
import {
	describe as describeMessage,
	errorFields,
	message,
	messageWithLength,
	passwordMessage,
	queryMessage,
	startup,
	WireClient
} from '../support/wire-client.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

function pool(url: string) {
	return postgres(url, { ...postgresOptions(url, 1), prepare: false });
}

function withPassword(url: string, password: string): string {
	const changed = new URL(url);
	changed.password = password;
	return changed.toString();
}

/** Every file and directory under `dir`, with its permission bits. */
function modesUnder(dir: string): { path: string; mode: number }[] {
	return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((entry) => ({
		path: entry,
		mode: mode(join(dir, entry))
	}));
}

describe('who may connect', () => {
	let database: EmbeddedDatabase;
	beforeAll(async () => {
		database = await startEmbeddedDatabase({ tcpPort: 0 });
	});
	afterAll(() => database.stop());

	it('refuses a connection without the password, or with a wrong one', async () => {
		for (const password of ['', 'postgres', `${new URL(database.url).password}x`]) {
			const intruder = pool(withPassword(database.url, password));
			const error = await intruder`select 1`.catch((e) => e);
			await intruder.end({ timeout: 0 });
			expect(error.code, `password "${password}"`).toBe('28P01');
		}
		const good = pool(database.url);
		expect((await good`select 1 as one`)[0].one).toBe(1);
		await good.end();
	});

	it('runs nothing for a client that skips authentication', async () => {
		const client = await WireClient.connect(database.url);
		client.send(
			startup({ user: 'tora', database: 'postgres' }),
			queryMessage('create table intruder (i int)')
		);
		const answers = [await client.next(), await client.next(), await client.next()];
		expect(answers.map(describeMessage).join(' ')).toMatch(/^R E\(08P01: .*\) \(closed\)$/);
		const good = pool(database.url);
		expect((await good`select to_regclass('intruder') as found`)[0].found).toBeNull();
		await good.end();
	});

	it('tells a client asking for protocol 3.2 that it speaks 3.0, then serves it', async () => {
		const client = await WireClient.connect(database.url);
		try {
			client.send(startup({ user: 'tora', database: 'postgres', '_pq_.wish': 'x' }, 0x00030002));
			const negotiation = await client.next();
			expect(negotiation?.type).toBe('v');
			expect(negotiation!.body.readInt32BE(0)).toBe(0); // newest minor version: 3.0
			expect(negotiation!.body.toString('utf8', 8)).toBe('_pq_.wish\0');
			expect((await client.next())?.type).toBe('R');
			client.send(passwordMessage(new URL(database.url).password));
			await client.until('Z');
			expect((await client.query('select 1 + 1')).rows).toEqual([['2']]);
		} finally {
			client.close();
		}
	});

	it('listens on a Unix socket in a 0700 directory; TCP (127.0.0.1, same password) only when asked', async () => {
		const url = new URL(database.url);
		const socketDir = url.searchParams.get('host')!;
		expect(socketDir).toMatch(/^\//);
		expect(url.port).toBe('');
		expect(mode(socketDir)).toBe(0o700);
		expect(mode(join(socketDir, '.s.PGSQL.5432'))).toBe(0o600);

		const tools = new URL(database.toolsUrl);
		expect(tools.hostname).toBe('127.0.0.1');
		expect(tools.password).toBe(url.password);
		const overTcp = pool(database.toolsUrl);
		expect((await overTcp`select 2 as two`)[0].two).toBe(2);
		await overTcp.end();
		const wrong = pool(withPassword(database.toolsUrl, 'guess'));
		expect((await wrong`select 1`.catch((e) => e)).code).toBe('28P01');
		await wrong.end({ timeout: 0 });

		const plain = await startEmbeddedDatabase();
		try {
			expect(plain.toolsUrl).toBe(plain.url);
			expect(new URL(plain.url).password).not.toBe(url.password); // new for every start
		} finally {
			await plain.stop();
		}
	});
});

describe('the data directory', () => {
	const parent = mkdtempSync(join(tmpdir(), 'tora-embedded-'));
	afterAll(() => rmSync(parent, { recursive: true, force: true }));

	it('is created 0700 with owner-only files, and the URL for tools in a 0600 file', async () => {
		const dataDir = join(parent, 'fresh');
		const lines: string[] = [];
		const database = await startEmbeddedDatabase({ dataDir, log: (line) => lines.push(line) });
		try {
			const sql = pool(database.url);
			await sql`create table kept (i int)`;
			await sql.end();
			expect(mode(dataDir)).toBe(0o700);
			expect(modesUnder(dataDir).filter((entry) => entry.mode & 0o077)).toEqual([]);
			expect(readFileSync(database.toolsUrlFile!, 'utf8').trim()).toBe(database.toolsUrl);
			expect(mode(database.toolsUrlFile!)).toBe(0o600);
			expect(lines).toEqual([]); // nothing was loose, so nothing to report
		} finally {
			await database.stop();
		}
	});

	it('tightens an existing directory readable by others, saying so once, never showing the password', async () => {
		const dataDir = join(parent, 'loose');
		mkdirSync(join(dataDir, 'inner'), { recursive: true, mode: 0o755 });
		writeFileSync(join(dataDir, 'inner', 'notes.txt'), 'x', { mode: 0o644 });
		const lines: string[] = [];
		const database = await startEmbeddedDatabase({ dataDir, log: (line) => lines.push(line) });
		try {
			expect(mode(dataDir)).toBe(0o700);
			expect(mode(join(dataDir, 'inner'))).toBe(0o700);
			expect(mode(join(dataDir, 'inner', 'notes.txt'))).toBe(0o600);
			expect(modesUnder(dataDir).filter((entry) => entry.mode & 0o077)).toEqual([]);
			expect(lines).toHaveLength(1);
			expect(lines[0]).toMatch(/open to other users: 3 entries made owner-only/);
			expect(lines.join('\n')).not.toContain(new URL(database.url).password);
		} finally {
			await database.stop();
		}
	});
});

describe('broken messages', () => {
	let child: { url: string; process: Started };
	let healthy: postgres.Sql;
	beforeAll(async () => {
		child = await startEmbeddedDatabaseProcess();
		healthy = pool(child.url);
		await healthy`select 1`;
	}, 90_000);
	afterAll(async () => {
		await healthy?.end({ timeout: 0 });
		await child?.process.stop();
	});

	/** Sends `bytes` (after authenticating when asked); returns what came back until the close. */
	async function answerTo(bytes: Buffer, authenticated: boolean): Promise<string[]> {
		const client = authenticated ? await WireClient.ready(child.url) : await WireClient.connect(child.url);
		client.socket.write(bytes);
		const answers: string[] = [];
		for (let answer = await client.next(); answer; answer = await client.next()) {
			answers.push(answer.type === 'E' ? `E ${errorFields(answer).S} ${errorFields(answer).C}` : answer.type);
		}
		return answers;
	}

	const cases: [string, Buffer, boolean][] = [
		['a message with length -1', messageWithLength('Q', -1), true],
		['a message with a huge length', messageWithLength('Q', 0x7fffffff, Buffer.from('select 1')), true],
		['a message with a length below 4', messageWithLength('S', 3), true],
		['a Sync over Postgres’s 10,000-byte limit', message('S', Buffer.alloc(20_000)), true],
		['an unknown message type', message('z', Buffer.alloc(3)), true],
		['a password message after authentication', passwordMessage('again'), true],
		['a startup packet with length -1', Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 3, 0, 0]), false],
		['a startup packet of 1 GiB', Buffer.from([0x40, 0, 0, 0, 0, 3, 0, 0]), false],
		[
			'a password message with a huge length',
			Buffer.concat([startup({ user: 'x' }), messageWithLength('p', 0x7ffffff0)]),
			false
		]
	];
	for (const [what, bytes, authenticated] of cases) {
		it(`${what} closes that connection only; the database answers the others at once`, async () => {
			const answers = await answerTo(bytes, authenticated);
			expect(answers.at(-1)).toBe('E FATAL 08P01');
			expect(child.process.child.exitCode).toBeNull();
			// Were the process spinning on the bad message, this would never answer.
			expect((await healthy`select 6 * 7 as answer`)[0].answer).toBe(42);
		});
	}
});
