import { describe, expect, it } from 'vitest';
import { configuredHostnames, foreignHostMessage, hostnameOf, isHostAllowed } from './host-allowlist.ts';

const none = new Set<string>();

describe('hostnameOf', () => {
	it('takes the name of a plain Host header, lower-cased, without port or final dot', () => {
		expect(hostnameOf('LocalHost:8888')).toBe('localhost');
		expect(hostnameOf('localhost.')).toBe('localhost');
		expect(hostnameOf('[::1]:8888')).toBe('[::1]');
		expect(hostnameOf('tora_server:80')).toBe('tora_server');
	});

	it.each([
		'',
		':8888',
		'evil.example@localhost',
		'localhost/x',
		'local host',
		'localhost:8888:1',
		'[::1',
		'a\tb'
	])('refuses %j', (header) => {
		expect(hostnameOf(header)).toBeUndefined();
	});
});

describe('isHostAllowed', () => {
	it.each([
		'localhost',
		'localhost:8888',
		'LOCALHOST:8888',
		'localhost.:8888',
		'app.localhost:5173',
		'127.0.0.1',
		'127.0.0.1:8888',
		'127.1.2.3:80',
		'[::1]',
		'[::1]:8888',
		'192.168.1.20:8888',
		'[fe80::1]:8888'
	])('allows %j (loopback names and IP literals, any port)', (host) => {
		expect(isHostAllowed(host, none)).toBe(true);
	});

	it.each([
		'evil.example',
		'evil.example:8888',
		'localhost.evil.example',
		'127.0.0.1.nip.io:8888',
		'2130706433',
		'999.0.0.1',
		'evil.example@localhost',
		'localhost evil',
		''
	])('refuses %j (a name this install was not told about)', (host) => {
		expect(isHostAllowed(host, none)).toBe(false);
	});

	it('allows the configured names, with any port', () => {
		const configured = configuredHostnames(
			'https://tora.example.com/',
			'tora.lan, box.local:9000 ,http://other.example'
		);
		expect([...configured].sort()).toEqual(['box.local', 'other.example', 'tora.example.com', 'tora.lan']);
		for (const host of ['tora.example.com', 'TORA.LAN:8888', 'box.local', 'other.example:1']) {
			expect(isHostAllowed(host, configured)).toBe(true);
		}
		expect(isHostAllowed('sub.tora.lan', configured)).toBe(false);
	});

	it('lets a request without any Host through (no browser sends one)', () => {
		expect(isHostAllowed(undefined, none)).toBe(true);
	});
});

describe('foreignHostMessage', () => {
	it('names the host and what to set', () => {
		const message = foreignHostMessage('evil.example:8888');
		expect(message).toContain('"evil.example:8888"');
		expect(message).toContain('TORA_ALLOWED_HOSTS');
		expect(message).toContain('TORA_PUBLIC_URL');
	});
});
