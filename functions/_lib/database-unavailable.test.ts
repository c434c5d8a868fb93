/**
 * Which errors count as "database unavailable" (a 503 and a log line an operator acts on): real
 * errors from postgres.js against unreachable, silent, resetting and closed servers, the real
 * database's own errors, and the real error of a client that hangs up mid-upload.
 */
import { createServer as createHttpServer, request } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, postgresOptions } from './db.ts';
import { IncompleteBodyError, readJson } from './http.ts';

const servers: { close(callback: () => void): void }[] = [];
const sockets = new Set<Socket>();
afterAll(async () => {
	for (const socket of sockets) socket.destroy();
	await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** A TCP server on a free port that treats every connection with `onConnection`. */
async function tcpServer(onConnection: (socket: Socket) => void): Promise<number> {
	const server = createServer((socket) => {
		sockets.add(socket);
		onConnection(socket);
	});
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return (server.address() as AddressInfo).port;
}

/** The test database, reached through a proxy that cuts the connection when a query is sent. */
async function cuttingProxy(how: 'reset' | 'close'): Promise<number> {
	const target = new URL(process.env.DATABASE_URL!);
	// The embedded database listens on a Unix socket (`?host=<directory>`), a server on TCP.
	const socketDir = target.searchParams.get('host');
	const port = Number(target.port || 5432);
	return tcpServer((client) => {
		const upstream = socketDir?.startsWith('/')
			? connect(join(socketDir, `.s.PGSQL.${port}`))
			: connect(port, target.hostname);
		for (const socket of [client, upstream]) socket.on('error', () => {});
		upstream.pipe(client);
		client.on('data', (chunk: Buffer) => {
			if (!chunk.includes(CUT_MARKER)) return void upstream.write(chunk);
			upstream.destroy();
			if (how === 'reset') client.resetAndDestroy();
			else client.end();
		});
	});
}

const CUT_MARKER = 'cut here';

function proxied(port: number): string {
	const url = new URL(process.env.DATABASE_URL!);
	url.searchParams.delete('host');
	url.hostname = '127.0.0.1';
	url.port = String(port);
	return url.toString();
}

/** The error postgres.js gives for one query (containing the proxy's marker) against `url`. */
async function queryError(url: string, options: Partial<postgres.Options<Record<string, never>>> = {}) {
	const sql = postgres(url, { ...postgresOptions(url, 1), connect_timeout: 1, ...options });
	try {
		await sql.unsafe(`select '${CUT_MARKER}'`);
		throw new Error('the query succeeded');
	} catch (error) {
		return error;
	} finally {
		await sql.end({ timeout: 1 }).catch(() => undefined);
	}
}

describe('isDatabaseUnavailable: the database connection failing', () => {
	it('a refused connection (ECONNREFUSED from connect)', async () => {
		const port = await tcpServer(() => {});
		await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
		const error = await queryError(`postgres://tora@127.0.0.1:${port}/tora`);
		expect(error).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
		expect(isDatabaseUnavailable(error)).toBe(true);
	});

	it('a Unix socket that is gone (ENOENT from connect: the embedded database stopped)', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'tora-gone-'));
		try {
			const error = await queryError(`postgres://tora@localhost/tora?host=${dir}`);
			expect(error).toMatchObject({ code: 'ENOENT', syscall: 'connect' });
			expect(isDatabaseUnavailable(error)).toBe(true);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('a server that never answers (CONNECT_TIMEOUT)', async () => {
		const port = await tcpServer(() => {});
		const error = await queryError(`postgres://tora@127.0.0.1:${port}/tora`);
		expect(error).toMatchObject({ code: 'CONNECT_TIMEOUT' });
		expect(isDatabaseUnavailable(error)).toBe(true);
	});

	it('a connection reset mid-query (ECONNRESET from read)', async () => {
		const port = await cuttingProxy('reset');
		const error = await queryError(proxied(port), { connect_timeout: 5 });
		expect(error).toMatchObject({ code: 'ECONNRESET', syscall: 'read' });
		expect(isDatabaseUnavailable(error)).toBe(true);
	});

	it('a connection closed mid-query (CONNECTION_CLOSED)', async () => {
		const port = await cuttingProxy('close');
		const error = await queryError(proxied(port), { connect_timeout: 5 });
		expect(error).toMatchObject({ code: 'CONNECTION_CLOSED' });
		expect(isDatabaseUnavailable(error)).toBe(true);
	});

	it('a pool that has been shut down (CONNECTION_ENDED)', async () => {
		const url = process.env.DATABASE_URL!;
		const sql = postgres(url, postgresOptions(url, 1));
		await sql.end();
		const error = await sql`select 1`.catch((caught: unknown) => caught);
		expect(error).toMatchObject({ code: 'CONNECTION_ENDED' });
		expect(isDatabaseUnavailable(error)).toBe(true);
	});

	it.each(['57P01', '57P02', '57P03', '53300', '08006', '08001'])(
		'the server refusing the session (SQLSTATE %s)',
		(code) => {
			const error = new postgres.PostgresError({ code, message: 'refused', severity: 'FATAL' } as never);
			expect(isDatabaseUnavailable(error)).toBe(true);
		}
	);
});

describe('isDatabaseUnavailable: everything else', () => {
	it("the database's answer to a wrong query (division by zero, syntax, unknown table)", async () => {
		const url = process.env.DATABASE_URL!;
		const sql = postgres(url, postgresOptions(url, 1));
		try {
			for (const query of ['select 1/0', 'selec 1', 'select * from no_such_table']) {
				const error = await sql.unsafe(query).catch((caught: unknown) => caught);
				expect(error).toBeInstanceOf(postgres.PostgresError);
				expect(isDatabaseUnavailable(error), query).toBe(false);
			}
		} finally {
			await sql.end();
		}
	});

	it('a client hanging up mid-upload (its request stream fails with ECONNRESET "aborted")', async () => {
		const { streamError, readError } = await abandonedUpload();
		expect(streamError).toMatchObject({ code: 'ECONNRESET' });
		expect(isDatabaseUnavailable(streamError)).toBe(false);
		// What a handler sees when it reads that body: a client error, not the stream's ECONNRESET.
		expect(readError).toBeInstanceOf(IncompleteBodyError);
		expect(readError).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
	});

	it('errors that only look like it: no code, a code from elsewhere, not an object', () => {
		const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
		expect(isDatabaseUnavailable(aborted)).toBe(false);
		expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'CONNECTION_CLOSED' }))).toBe(false);
		expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'ENOENT', syscall: 'open' }))).toBe(
			false
		);
		expect(isDatabaseUnavailable(new Error('plain'))).toBe(false);
		expect(isDatabaseUnavailable(null)).toBe(false);
		expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
	});
});

/**
 * A real HTTP upload whose client disconnects after part of the body: the error the server's
 * request stream emits, and what `readJson` makes of the same body.
 */
async function abandonedUpload(): Promise<{ streamError: unknown; readError: unknown }> {
	let streamError: unknown;
	const readError = new Promise<unknown>((resolve) => {
		const server = createHttpServer((req) => {
			sockets.add(req.socket);
			req.on('error', (error) => (streamError = error));
			const body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
			const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' };
			readJson(new Request('http://localhost/upload', init as RequestInit)).then(
				() => resolve(new Error('the body was read in full')),
				resolve
			);
		});
		servers.push(server);
		server.listen(0, '127.0.0.1', () => {
			const client = request({
				host: '127.0.0.1',
				port: (server.address() as AddressInfo).port,
				method: 'POST',
				path: '/upload',
				headers: { 'content-type': 'application/json', 'content-length': '1000' }
			});
			client.on('error', () => {});
			client.write('{"logs": [');
			setTimeout(() => client.destroy(), 100);
		});
	});
	return { readError: await readError, streamError };
}
