/** Types for server/site-headers.mjs (plain JavaScript so svelte.config.js can import it). */
export declare const PAGE_HEADERS: Record<string, string>;
export declare const HSTS: string;
export declare const FRAMABLE_PAGES: RegExp;
export declare function inlineScriptHashesOf(html: string): string[];
export declare function inlineScriptHashes(buildDir: string): string[];
export declare function supabaseOrigin(supabaseUrl: string | undefined): string | undefined;
export declare function pageCsp(options: {
	supabaseUrl?: string;
	scriptHashes: string[];
	framable?: boolean;
}): string;
export declare function pageHeaders(options: {
	supabaseUrl?: string;
	scriptHashes: string[];
	hsts: boolean;
	framable?: boolean;
}): Record<string, string>;
export declare function writeHeadersFile(buildDir: string, env?: Record<string, string | undefined>): void;
