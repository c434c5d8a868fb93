import { describe, expect, it } from 'vitest';
import { isSafeImageUrl, isSafeLinkUrl, renderMarkdown } from './markdown';

/** Tags and attributes that can run script, or load or navigate somewhere unchecked (escaped text is not a tag). */
function executable(html: string): string[] {
	const found: string[] = [];
	for (const [tag, name] of html.matchAll(/<([a-z0-9-]+)[^>]*>/gi)) {
		if (/^(script|iframe|object|embed|style|svg|math|form|input|base|meta|link)$/i.test(name))
			found.push(name);
		for (const [attr] of tag.matchAll(/\son[a-z]+\s*=/gi)) found.push(attr.trim());
		for (const [, url] of tag.matchAll(/(?:href|src)="([^"]*)"/gi)) {
			if (/^\s*(javascript|vbscript|data):/i.test(url)) found.push(url);
		}
	}
	return found;
}

describe('renderMarkdown', () => {
	it('renders ordinary markdown', () => {
		const html = renderMarkdown('# Title\n\n- **a**\n- `b`\n\n| x | y |\n|---|---|\n| 1 | 2 |');
		expect(html).toContain('<h1>Title</h1>');
		expect(html).toContain('<strong>a</strong>');
		expect(html).toContain('<code>b</code>');
		expect(html).toContain('<table>');
	});

	it('shows raw HTML as text', () => {
		const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>');
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
		expect(executable(html)).toEqual([]);
	});

	it('leaves javascript:, vbscript: and data: links as inert text', () => {
		for (const source of [
			'[x](javascript:alert(1))',
			'[x](JaVaScRiPt:alert(1))',
			'[x](  javascript:alert(1))',
			'[x](java&#x73;cript:alert(1))',
			'[x](vbscript:msgbox(1))',
			'[x](data:text/html;base64,PHNjcmlwdD4=)',
			'<javascript:alert(1)>',
			'[x][r]\n\n[r]: javascript:alert(1)'
		]) {
			const html = renderMarkdown(source);
			expect(html, source).not.toContain('<a');
			expect(executable(html), source).toEqual([]);
		}
	});

	it('opens links in a new tab without handing over the opener or the referrer', () => {
		expect(renderMarkdown('[docs](https://example.com/a)')).toContain(
			'<a href="https://example.com/a" target="_blank" rel="noopener noreferrer">docs</a>'
		);
		expect(renderMarkdown('[run](/experiments/1)')).toContain('href="/experiments/1"');
		expect(renderMarkdown('[me](mailto:a@b.co)')).toContain('href="mailto:a@b.co"');
	});

	it('links bare addresses and autolinks, safely', () => {
		const html = renderMarkdown('see https://example.com/x and <https://example.org>');
		expect(html).toContain('href="https://example.com/x"');
		expect(html).toContain('href="https://example.org"');
		expect(html.match(/rel="noopener noreferrer"/g)).toHaveLength(2);
	});

	it('keeps nested brackets from smuggling in a bad link', () => {
		for (const source of [
			'[[x](javascript:alert(1))](https://example.com)',
			'[a [b] c](javascript:alert(1))',
			'[x](https://example.com "t")(javascript:alert(1))',
			'![[x](javascript:alert(1))](https://example.com/i.png)'
		]) {
			expect(executable(renderMarkdown(source)), source).toEqual([]);
		}
	});

	it('loads images only over https or from the site', () => {
		expect(renderMarkdown('![plot](https://example.com/p.png)')).toContain(
			'<img src="https://example.com/p.png"'
		);
		expect(renderMarkdown('![plot](/files/p.png)')).toContain('<img src="/files/p.png"');
		for (const source of [
			'![plot](http://example.com/p.png)',
			'![plot](data:image/png;base64,AAAA)',
			'![plot](//evil.example/p.png)',
			'![plot](javascript:alert(1))'
		]) {
			const html = renderMarkdown(source);
			expect(html, source).not.toContain('<img');
			expect(html, source).toContain('plot');
		}
	});
});

describe('url checks', () => {
	it('accepts the listed schemes and relative addresses only', () => {
		expect(isSafeLinkUrl('https://a')).toBe(true);
		expect(isSafeLinkUrl('#section')).toBe(true);
		expect(isSafeLinkUrl('java\nscript:alert(1)')).toBe(false);
		expect(isSafeLinkUrl('file:///etc/passwd')).toBe(false);
		expect(isSafeImageUrl('https://a/p.png')).toBe(true);
		expect(isSafeImageUrl('http://a/p.png')).toBe(false);
	});
});
