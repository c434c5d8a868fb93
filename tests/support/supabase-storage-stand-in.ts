/**
 * A stand-in for Supabase Storage's REST endpoints that functions/_lib/storage/supabase.ts calls
 * (Supabase Storage needs Docker; it cannot run here). It stands in for the external service only,
 * keeping objects in memory: signed upload URLs (`POST /object/upload/sign/...`, then `PUT` with the
 * token), signed download URLs (`POST /object/sign/...`, then `GET` with the token and
 * `download=`), authenticated reads and uploads with the service key, and removal by names.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StorageStandIn {
	url: string;
	objects: Map<string, { bytes: Buffer; contentType: string }>;
	close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

export async function startStorageStandIn(serviceKey: string): Promise<StorageStandIn> {
	const objects = new Map<string, { bytes: Buffer; contentType: string }>();
	const uploadTokens = new Map<string, string>();
	const downloadTokens = new Map<string, string>();
	const server: Server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://stand-in');
		const path = decodeURIComponent(url.pathname.replace(/^\/storage\/v1\//, ''));
		const send = (status: number, json: unknown) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(json));
		};
		const authorized = req.headers.authorization === `Bearer ${serviceKey}`;
		let match: RegExpExecArray | null;
		if ((match = /^object\/upload\/sign\/(.+)$/.exec(path))) {
			const name = match[1];
			if (req.method === 'POST') {
				if (!authorized) return send(403, { error: 'unauthorized' });
				const token = randomBytes(16).toString('hex');
				uploadTokens.set(token, name);
				return send(200, { url: `/object/upload/sign/${name}?token=${token}`, token });
			}
			if (req.method === 'PUT') {
				const token = url.searchParams.get('token') ?? '';
				if (uploadTokens.get(token) !== name) return send(400, { error: 'invalid signature' });
				uploadTokens.delete(token);
				objects.set(name, { bytes: await body(req), contentType: String(req.headers['content-type']) });
				return send(200, { Key: name });
			}
		}
		if ((match = /^object\/sign\/(.+)$/.exec(path))) {
			const name = match[1];
			if (req.method === 'POST') {
				if (!authorized) return send(403, { error: 'unauthorized' });
				const token = randomBytes(16).toString('hex');
				downloadTokens.set(token, name);
				return send(200, { signedURL: `/object/sign/${name}?token=${token}` });
			}
			const object = objects.get(name);
			if (downloadTokens.get(url.searchParams.get('token') ?? '') !== name || !object) {
				return send(400, { error: 'not found' });
			}
			const download = url.searchParams.get('download');
			res.writeHead(200, {
				'content-type': object.contentType,
				...(download !== null ? { 'content-disposition': `attachment; filename="${download}"` } : {})
			});
			return res.end(object.bytes);
		}
		if (!authorized) return send(403, { error: 'unauthorized' });
		if ((match = /^object\/authenticated\/(.+)$/.exec(path)) && req.method === 'GET') {
			const object = objects.get(match[1]);
			if (!object) return send(400, { statusCode: '404', error: 'not_found' });
			res.writeHead(200, { 'content-type': object.contentType });
			return res.end(object.bytes);
		}
		if ((match = /^object\/([^/]+)$/.exec(path)) && req.method === 'DELETE') {
			const { prefixes } = JSON.parse((await body(req)).toString()) as { prefixes: string[] };
			for (const key of prefixes) objects.delete(`${match[1]}/${key}`);
			return send(
				200,
				prefixes.map((name) => ({ name }))
			);
		}
		if ((match = /^object\/(.+)$/.exec(path)) && req.method === 'POST') {
			objects.set(match[1], { bytes: await body(req), contentType: String(req.headers['content-type']) });
			return send(200, { Key: match[1] });
		}
		send(404, { error: 'no such endpoint in the stand-in' });
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		objects,
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
}
