/** `tora login` / `tora logout`: store or remove the key, never echoing it. */
import * as config from './config.js';
import { Api, CliError } from './cli-api.js';
import { printable } from './cli-format.js';
import { Http } from './http.js';
import { loginPath, readLogin, removeLogin, writeLogin } from './login.js';
import type { WireMe } from './wire.js';

/** `https://tora.example` means its API, `https://tora.example/api`. */
export function apiUrl(url: string): string {
	const normalized = config.normalizeUrl(url);
	return new URL(normalized).pathname === '/' ? `${normalized}/api` : normalized;
}

/** Read a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
	const { stdin, stderr } = process;
	stderr.write(question);
	stdin.setRawMode(true);
	stdin.setEncoding('utf8');
	stdin.resume();
	return new Promise((resolve, reject) => {
		let value = '';
		const finish = () => {
			stdin.off('data', onData);
			stdin.setRawMode(false);
			stdin.pause();
			stderr.write('\n');
		};
		const onData = (chunk: string) => {
			for (const char of chunk) {
				if (char === '\r' || char === '\n') {
					finish();
					return resolve(value);
				}
				if (char === '\u0003' || char === '\u0004') {
					finish();
					return reject(new CliError('cancelled', 130));
				}
				value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char;
			}
		};
		stdin.on('data', onData);
	});
}

async function readStdin(): Promise<string> {
	let text = '';
	for await (const chunk of process.stdin) text += chunk;
	return text.split('\n')[0];
}

export async function login(options: { baseUrl?: string; apiKey?: string }): Promise<void> {
	const stored = readLogin();
	const baseUrl = apiUrl(
		options.baseUrl || process.env.TORA_BASE_URL || stored?.baseUrl || config.DEFAULT_BASE_URL
	);
	const key = (
		options.apiKey ??
		(process.stdin.isTTY
			? await promptHidden(`API key for ${baseUrl} (Settings → API keys; input hidden): `)
			: await readStdin())
	).trim();
	if (!key)
		throw new CliError('no API key given: pass --api-key, pipe it on stdin, or type it at the prompt', 2);
	const api = new Api(new Http({ baseUrl, apiKey: key }));
	const me = await api.call<WireMe>('GET', '/me');
	const path = writeLogin({ baseUrl, apiKey: key });
	console.log(
		`Logged in to ${baseUrl} as ${printable(me.user.email)}. Saved to ${path} (readable only by you).`
	);
	if (
		process.env.TORA_API_KEY ||
		(process.env.TORA_BASE_URL && apiUrl(process.env.TORA_BASE_URL) !== baseUrl)
	) {
		console.error('tora: note: TORA_API_KEY / TORA_BASE_URL are set and take precedence over this login.');
	}
}

export function logout(): void {
	console.log(removeLogin() ? `Removed ${loginPath()}.` : `Not logged in (no ${loginPath()}).`);
}
