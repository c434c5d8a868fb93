import type { Handle } from '@sveltejs/kit';
import { EARLY_SCRIPT } from './routes/(app)/dashboard/first-page';

/**
 * Runs when the pages are prerendered (the site is static). The dashboard's inline script goes
 * first in its head, right after the charset: the request it sends is then queued before the
 * page's stylesheet and modules, not after them (a browser opens only six connections to a
 * server speaking HTTP/1.1, as the single server does).
 */
export const handle: Handle = ({ event, resolve }) =>
	resolve(event, {
		transformPageChunk:
			event.route.id === '/(app)/dashboard'
				? ({ html }) =>
						html.replace(/<meta charset="utf-8" \/>/, (charset) => `${charset}\n\t\t${EARLY_SCRIPT}`)
				: undefined
	});
