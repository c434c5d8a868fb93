import { getConfig } from './config.ts';

/**
 * The site's public origin for links we hand out (an experiment's page). `TORA_PUBLIC_URL` wins
 * when a proxy in front rewrites the host; otherwise the request's own origin, which behind
 * Netlify is the site's public URL.
 */
export function publicOrigin(req: Request): string {
	return (getConfig().publicUrl ?? new URL(req.url).origin).replace(/\/+$/, '');
}
