/**
 * Writes the API reference from the functions' endpoint declarations (functions/_lib/endpoint.ts):
 * the README's endpoint table (between its api-table markers) and the docs page's data
 * (site/src/routes/docs/api-endpoints.generated.ts). A route, method, access rule or docs text
 * changed in a function shows up in both.
 *
 *   npx tsx scripts/write-api-reference.ts          regenerate
 *   npx tsx scripts/write-api-reference.ts --check  exit 1 if either file is stale (npm run check)
 */
import { readdir } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import type { EndpointDeclaration } from '../functions/_lib/endpoint.ts';
import { functionsDir, repoRoot } from '../server/paths.ts';
import { describeEndpoints } from './api-reference/describe.ts';
import {
	REGENERATE,
	renderReadmeTable,
	renderSiteModule,
	replaceReadmeTable
} from './api-reference/render.ts';

export const README_FILE = resolve(repoRoot, 'README.md');
export const SITE_MODULE_FILE = resolve(repoRoot, 'site/src/routes/docs/api-endpoints.generated.ts');

/** Every function's declaration; refuses (naming them) functions not built with `endpoint()`. */
export async function loadDeclarations(dir = functionsDir): Promise<EndpointDeclaration[]> {
	const files = (await readdir(dir)).filter((file) => file.endsWith('.mts')).sort();
	const declarations: EndpointDeclaration[] = [];
	const unconverted: string[] = [];
	for (const file of files) {
		const mod = (await import(pathToFileURL(join(dir, file)).href)) as {
			default?: { declaration?: EndpointDeclaration };
		};
		if (mod.default?.declaration) declarations.push(mod.default.declaration);
		else unconverted.push(`functions/${file}`);
	}
	if (unconverted.length > 0) {
		throw new Error(
			`These functions have no endpoint declaration (\`export default endpoint(config, ...)\`), so the API reference cannot be generated: ${unconverted.join(', ')}`
		);
	}
	return declarations;
}

/** The generated files' contents: file path → text. */
export async function generateApiReference(
	declarations: EndpointDeclaration[],
	readme: string
): Promise<Map<string, string>> {
	const groups = describeEndpoints(declarations);
	const config = (await prettier.resolveConfig(SITE_MODULE_FILE)) ?? {};
	const siteModule = await prettier.format(renderSiteModule(groups), {
		...config,
		filepath: SITE_MODULE_FILE
	});
	return new Map([
		[README_FILE, replaceReadmeTable(readme, renderReadmeTable(groups))],
		[SITE_MODULE_FILE, siteModule]
	]);
}

/** The generated files whose checked-in text differs from `generated`. */
export function staleFiles(generated: Map<string, string>): string[] {
	return [...generated]
		.filter(([file, text]) => {
			try {
				return readFileSync(file, 'utf8') !== text;
			} catch {
				return true;
			}
		})
		.map(([file]) => relative(repoRoot, file));
}

async function main(): Promise<void> {
	let generated: Map<string, string>;
	try {
		generated = await generateApiReference(await loadDeclarations(), readFileSync(README_FILE, 'utf8'));
	} catch (error) {
		// A declaration the reference cannot describe: the message names it; a stack would not help.
		console.error((error as Error).message);
		process.exitCode = 1;
		return;
	}
	if (!process.argv.includes('--check')) {
		for (const [file, text] of generated) writeFileSync(file, text);
		console.log(`wrote ${[...generated.keys()].map((file) => relative(repoRoot, file)).join(', ')}`);
		return;
	}
	const stale = staleFiles(generated);
	if (stale.length > 0) {
		console.error(
			`The API reference is stale in ${stale.join(' and ')}: it does not match the functions' endpoint declarations. Run \`${REGENERATE}\` and commit the result.`
		);
		process.exitCode = 1;
	}
}

// Run as a command; imported (by its test), only the functions above.
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
