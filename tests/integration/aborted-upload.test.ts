/**
 * A client that hangs up in the middle of an upload is the client's problem, not the database's:
 * a real `npm start` process (its output captured) gets log batches whose senders disconnect
 * halfway through the body, and must report them as cut-off requests — never as "database
 * unavailable", which would send an operator looking for a database outage that is not there —
 * and go on serving.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

let server: ServerProcess;
let token: string;
let experimentId: string;

beforeAll(async () => {
	server = await startServerProcess();
	const session = await post('/api/auth/local', { email: 'uploader@example.test' });
	token = session.data.access_token;
	const experiment = await post('/api/experiments', { name: 'aborted uploads' }, token);
	experimentId = experiment.data.id;
}, 120_000);
afterAll(() => server?.stop());

async function post(path: string, body: unknown, bearer?: string) {
	const response = await fetch(server.origin + path, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
		body: JSON.stringify(body)
	});
	const json = await response.json();
	if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(json)}`);
	return json;
}

/** Sends the head and part of a body over a raw socket, then closes the connection. */
function abortMidBody(path: string, declaredBytes: number, sentBody: string): Promise<void> {
	const { hostname, port } = new URL(server.origin);
	return new Promise((resolve, reject) => {
		const socket = connect(Number(port), hostname, () => {
			socket.write(
				[
					`POST ${path} HTTP/1.1`,
					`host: ${hostname}:${port}`,
					'content-type: application/json',
					`authorization: Bearer ${token}`,
					`content-length: ${declaredBytes}`,
					'',
					sentBody
				].join('\r\n')
			);
			// Long enough for the server to start on the request; then the client is gone.
			setTimeout(() => {
				socket.destroy();
				resolve();
			}, 200);
		});
		socket.on('error', reject);
	});
}

describe('an upload the client abandons', () => {
	it('is logged as a cut-off request, not as a database outage, and the server keeps serving', async () => {
		const entry = (step: number) =>
			JSON.stringify({ name: 'loss', msg_id: crypto.randomUUID(), value: 0.5, step, metadata: null });
		const partial = `{"logs":[${Array.from({ length: 50 }, (_, step) => entry(step)).join(',')}`;
		await abortMidBody(`/api/experiments/${experimentId}/logs/batch`, 1_000_000, partial);
		await abortMidBody('/api/experiments', 60_000, '{"name": "half a na');

		await server.waitFor(
			/closed the connection before sending the whole body[\s\S]*closed the connection/,
			15_000
		);
		expect(server.output()).not.toMatch(/database unavailable/i);
		expect(server.output()).not.toMatch(/unhandled server error|failed:/);

		const health = await fetch(`${server.origin}/api/health`);
		expect(health.status).toBe(200);
		// Nothing of the abandoned batch was stored.
		const experiment = await fetch(`${server.origin}/api/experiments/${experimentId}`, {
			headers: { authorization: `Bearer ${token}` }
		});
		expect((await experiment.json()).data.metrics).toEqual([]);
	});
});
