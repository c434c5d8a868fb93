/**
 * What a captured context must never carry to the server's readers: credentials in a git remote,
 * and environment values that look like secrets. The SDKs apply the same rules before sending
 * (sdk/python/tora/_context.py and the TypeScript SDK's context capture); the server applies them again, so an old
 * or careless client cannot make a token readable to every viewer of a workspace.
 */

export const REDACTED = '[redacted]';

/**
 * `https://user:token@host/repo` → `https://host/repo`; scp-like remotes (`git@host:repo`) keep
 * their user, which is not a secret. Anything that is not a URL is returned as it is.
 */
export function stripCredentials(remote: string): string {
	const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/@]*@)(.*)$/i.exec(remote);
	return match ? match[1] + match[3] : remote;
}

/** Names whose values are secrets whatever they look like. */
const SECRET_NAME =
	/(secret|token|passw|pwd|api[_-]?key|private[_-]?key|access[_-]?key|credential|auth|session|cookie|signature|dsn)/i;

/** Values that are secrets whatever their name: known token shapes, and URLs with a password. */
const SECRET_VALUE = [
	/tora_sk_[A-Za-z0-9_-]+/,
	/\bgh[pousr]_[A-Za-z0-9]{20,}/,
	/\bgithub_pat_[A-Za-z0-9_]{20,}/,
	/\bsk-[A-Za-z0-9_-]{20,}/,
	/\bxox[abprs]-[A-Za-z0-9-]{10,}/,
	/\bAKIA[0-9A-Z]{16}\b/,
	/\bhf_[A-Za-z0-9]{20,}/,
	/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./,
	/[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i
];

export function looksSecret(name: string, value: string): boolean {
	return SECRET_NAME.test(name) || SECRET_VALUE.some((pattern) => pattern.test(value));
}

/** fromEntries defines own properties, so a variable named `__proto__` stays a variable. */
export function redactEnvironment(env: Record<string, string>): Record<string, string> {
	return Object.fromEntries(
		Object.entries(env).map(([name, value]) => [name, looksSecret(name, value) ? REDACTED : value])
	);
}
