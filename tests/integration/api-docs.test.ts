import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionsDir, repoRoot } from '../../server/paths.ts';
import { loadRoutes } from '../../server/routes.ts';

/** The README's endpoint table and the functions' own configs must name the same routes. */
describe('README API reference', () => {
	it('documents exactly the routes the functions declare', async () => {
		const routes = await loadRoutes(functionsDir);
		const declared = routes
			.flatMap((route) => route.methods.map((method) => `${method} ${route.path}`))
			.sort();
		const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
		const table = readme.slice(
			readme.indexOf('| endpoint | who |'),
			readme.indexOf('Not a member of the workspace concerned')
		);
		const documented = [...table.matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) (\/api\/[^`\s]*)`/gm)]
			.map((match) => `${match[1]} ${match[2]}`)
			.sort();
		expect(documented).toEqual(declared);
	});
});
