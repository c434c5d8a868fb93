/**
 * `zod` as the site sees it (site/vite.config.ts aliases the bare import here). zod compiles fast
 * parsers with `new Function`, probing for it when the first object schema is built; our pages'
 * Content-Security-Policy forbids eval, so the probe itself would be reported as a violation.
 * This module runs before any module that imports `zod` (ES modules evaluate a dependency before
 * its importer), so jitless is set before any schema exists. The functions keep the fast path.
 */
import * as z from 'zod/v4';

z.config({ jitless: true });

export * from 'zod/v4';
