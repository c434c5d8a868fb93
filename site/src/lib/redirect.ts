const DEFAULT_AFTER_SIGN_IN = '/dashboard';

/** The sign-in page URL that comes back to `path` afterwards. */
export function signInPath(path: string): string {
	return `/signin?next=${encodeURIComponent(path)}`;
}

/**
 * Where to go after signing in. Only same-origin paths are honoured, so a crafted `?next=` link
 * cannot bounce a freshly signed-in user to another site.
 */
export function safeNext(next: string | null, origin: string): string {
	// `//host` and `/\host` are protocol-relative URLs in browsers, not paths.
	if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
		return DEFAULT_AFTER_SIGN_IN;
	}
	const url = new URL(next, origin);
	return url.origin === origin ? url.pathname + url.search + url.hash : DEFAULT_AFTER_SIGN_IN;
}
