/**
 * Notes are markdown written by anyone who can edit a run and read by everyone who can see it, so
 * the HTML made here must never run code: raw HTML is escaped (`html: false`), and a link or image
 * whose address is not on the short list below is left as the text it was written as.
 */
import MarkdownIt from 'markdown-it';

const SCHEME = /^([a-z][a-z0-9+.-]*):/;

/** The address as a browser reads its scheme: without the spaces and control characters it ignores. */
function normalized(url: string): string {
	// eslint-disable-next-line no-control-regex -- control characters are exactly what is stripped
	return url.replace(/[\u0000-\u0020\u007f]/g, '').toLowerCase();
}

/** http(s), mailto, and addresses without a scheme (relative to the page). */
export function isSafeLinkUrl(url: string): boolean {
	const scheme = SCHEME.exec(normalized(url))?.[1];
	return scheme === undefined || scheme === 'http' || scheme === 'https' || scheme === 'mailto';
}

/** https, and addresses relative to the site: an image loads by itself, so no plain http and no other host's `//`. */
export function isSafeImageUrl(url: string): boolean {
	const clean = normalized(url);
	const scheme = SCHEME.exec(clean)?.[1];
	if (scheme === undefined) return !clean.startsWith('//') && !clean.startsWith('\\\\');
	return scheme === 'https';
}

function createRenderer() {
	const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
	// markdown-it calls this for links, autolinks, linkified text and images; a refused address
	// leaves the source text as it was, which the renderer escapes.
	md.validateLink = isSafeLinkUrl;

	const renderToken = md.renderer.renderToken.bind(md.renderer);
	md.renderer.rules.link_open = (tokens, index, options) => {
		const token = tokens[index];
		token.attrSet('target', '_blank');
		token.attrSet('rel', 'noopener noreferrer');
		return renderToken(tokens, index, options);
	};

	const renderImage = md.renderer.rules.image!;
	md.renderer.rules.image = (tokens, index, options, env, self) => {
		const token = tokens[index];
		if (!isSafeImageUrl(String(token.attrGet('src') ?? ''))) {
			// Only the alt text, escaped: a mixed-content or data: image is not fetched.
			return md.utils.escapeHtml(self.renderInlineAsText(token.children ?? [], options, env));
		}
		token.attrSet('loading', 'lazy');
		token.attrSet('referrerpolicy', 'no-referrer');
		return renderImage(tokens, index, options, env, self);
	};
	return md;
}

let renderer: ReturnType<typeof createRenderer> | undefined;

/** Notes as HTML that is safe to put into the page. */
export function renderMarkdown(source: string): string {
	renderer ??= createRenderer();
	return renderer.render(source);
}
