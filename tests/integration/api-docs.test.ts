import type { Config } from '@netlify/functions';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { endpoint, method, type EndpointDeclaration } from '../../functions/_lib/endpoint.ts';
import { describeEndpoints } from '../../scripts/api-reference/describe.ts';
import { README_END, README_START, renderReadmeTable } from '../../scripts/api-reference/render.ts';
import {
	generateApiReference,
	loadDeclarations,
	README_FILE,
	SITE_MODULE_FILE,
	staleFiles
} from '../../scripts/write-api-reference.ts';
import { functionsDir, repoRoot } from '../../server/paths.ts';
import { loadRoutes } from '../../server/routes.ts';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The README's endpoint table and the functions' own configs must name the same routes. */
describe('README API reference', () => {
	it('documents exactly the routes the functions declare', async () => {
		const routes = await loadRoutes(functionsDir);
		const declared = routes
			.flatMap((route) => route.methods.map((method) => `${method} ${route.path}`))
			.sort();
		const table = readme.slice(readme.indexOf(README_START), readme.indexOf(README_END));
		const documented = [...table.matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) (\/api\/[^`\s]*)`/gm)]
			.map((match) => `${match[1]} ${match[2]}`)
			.sort();
		expect(documented).toEqual(declared);
	});

	it('is, in README.md and on the docs page, what the generator makes of the functions', async () => {
		const generated = await generateApiReference(await loadDeclarations(), readme);
		expect([...generated.keys()]).toEqual([README_FILE, SITE_MODULE_FILE]);
		expect(staleFiles(generated)).toEqual([]);
	});
});

// Small declarations of the real `endpoint()` kind; their handlers are never called.
const unused = async () => new Response(null);
const declare = (config: Config, group: string, methods: Parameters<typeof endpoint>[2]) =>
	endpoint(config, group, methods).declaration;

const Params = z.object({ id: z.uuid() });

function fakeDeclarations(notesPath: `/${string}` = '/api/notes/:id'): EndpointDeclaration[] {
	return [
		declare({ path: notesPath, method: ['DELETE', 'GET', 'PATCH'] }, 'Experiments', {
			DELETE: method({
				access: { experiment: 'editor', session: 'required' },
				params: Params,
				docs: { success: '200 `{id}`' },
				handle: unused
			}),
			PATCH: method({
				access: { workspace: 'admin' },
				params: Params,
				body: z.strictObject({
					title: z.string(),
					pinned: z.boolean().default(false),
					tags: z.array(z.string()).nullish()
				}),
				docs: { success: '200 `Note`' },
				handle: unused
			}),
			GET: method({
				access: { experiment: 'viewer' },
				params: Params,
				query: z.object({ format: z.enum(['a', 'b']).default('a'), limit: z.coerce.number().optional() }),
				docs: { success: '200 `Note` or `a|b`' },
				handle: unused
			})
		}),
		declare({ path: '/api/ping', method: ['GET'] }, 'Service and account', {
			GET: method({ access: 'anyone', docs: { success: '200 `{}`' }, handle: unused })
		}),
		declare({ path: '/api/notes', method: ['POST'] }, 'Experiments', {
			POST: method({
				access: 'signed-in',
				body: z.object({ id: z.uuid().transform((id) => id.toLowerCase()) }),
				docs: { who: 'editor of the workspace', request: '`Note`', success: '201 `Note`' },
				handle: unused
			})
		}),
		declare({ path: '/api/keys', method: ['GET'] }, 'API keys', {
			GET: method({ access: 'session', docs: { success: '200 `[Key]`' }, handle: unused })
		})
	];
}

describe('the API reference generator', () => {
	it('derives who and the request from the declarations, unless the docs say otherwise', () => {
		expect(describeEndpoints(fakeDeclarations())).toEqual([
			{
				title: 'Service and account',
				endpoints: [{ method: 'GET', path: '/api/ping', who: 'anyone', request: '', success: '200 `{}`' }]
			},
			{
				title: 'API keys',
				endpoints: [{ method: 'GET', path: '/api/keys', who: 'session', request: '', success: '200 `[Key]`' }]
			},
			{
				title: 'Experiments',
				endpoints: [
					{
						method: 'POST',
						path: '/api/notes',
						who: 'editor of the workspace',
						request: '`Note`',
						success: '201 `Note`'
					},
					{
						method: 'GET',
						path: '/api/notes/:id',
						who: 'viewer',
						request: '`?format&limit`',
						success: '200 `Note` or `a|b`'
					},
					{
						method: 'PATCH',
						path: '/api/notes/:id',
						who: 'admin',
						request: '`{title, pinned?, tags?}`',
						success: '200 `Note`'
					},
					{
						method: 'DELETE',
						path: '/api/notes/:id',
						who: 'editor, session',
						request: '',
						success: '200 `{id}`'
					}
				]
			}
		]);
	});

	it('writes the README rows in the same order, escaping pipes and leaving empty cells blank', () => {
		expect(renderReadmeTable(describeEndpoints(fakeDeclarations())).split('\n')).toEqual([
			'| endpoint | who | body / query | success |',
			'| --- | --- | --- | --- |',
			'| `GET /api/ping` | anyone | | 200 `{}` |',
			'| `GET /api/keys` | session | | 200 `[Key]` |',
			'| `POST /api/notes` | editor of the workspace | `Note` | 201 `Note` |',
			'| `GET /api/notes/:id` | viewer | `?format&limit` | 200 `Note` or `a\\|b` |',
			'| `PATCH /api/notes/:id` | admin | `{title, pinned?, tags?}` | 200 `Note` |',
			'| `DELETE /api/notes/:id` | editor, session | | 200 `{id}` |'
		]);
	});

	it('shows a changed route in both the README and the docs page, and only between the markers', async () => {
		const fakeReadme = `# Title\n\nBefore.\n\n${README_START}\nold table\n${README_END}\n\nAfter.\n`;
		const before = await generateApiReference(fakeDeclarations(), fakeReadme);
		const after = await generateApiReference(fakeDeclarations('/api/memos/:id'), fakeReadme);
		const readmeAfter = after.get(README_FILE)!;
		expect(readmeAfter.startsWith(`# Title\n\nBefore.\n\n${README_START}\n\n| endpoint |`)).toBe(true);
		expect(readmeAfter.endsWith(`|\n\n${README_END}\n\nAfter.\n`)).toBe(true);
		expect(readmeAfter).not.toContain('old table');
		for (const file of [README_FILE, SITE_MODULE_FILE]) {
			expect(before.get(file)).toContain('/api/notes/:id');
			expect(after.get(file)).not.toContain('/api/notes/:id');
			expect(after.get(file)).toContain('/api/memos/:id');
		}
	});

	it('refuses a group the docs page does not have, and a README without the markers', async () => {
		const stray = declare({ path: '/api/stray', method: ['GET'] }, 'Misc', {
			GET: method({ access: 'anyone', docs: { success: '200' }, handle: unused })
		});
		expect(() => describeEndpoints([stray])).toThrow('/api/stray: unknown docs group "Misc"');
		await expect(generateApiReference(fakeDeclarations(), '# no table here\n')).rejects.toThrow(README_START);
	});
});
