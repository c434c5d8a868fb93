import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiReference, codeSegments, roleMatrix, roles } from './api-reference';

const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');

/** The rows of the first Markdown table whose header line is `header`. */
function tableRows(header: string): string[][] {
	const lines = readme.slice(readme.indexOf(header)).split('\n').slice(2);
	const rows: string[][] = [];
	for (const line of lines) {
		if (!line.startsWith('|')) break;
		rows.push(
			line
				.split(/(?<!\\)\|/)
				.slice(1, -1)
				.map((cell) => cell.trim().replaceAll('\\|', '|'))
		);
	}
	return rows;
}

describe('the docs API reference', () => {
	it('lists exactly the README endpoints, in order, with the same text', () => {
		const readmeRows = tableRows('| endpoint | who | body / query | success |');
		const ours = apiReference
			.flatMap((group) => group.endpoints)
			.map((e) => [`\`${e.method} ${e.path}\``, e.who, e.request, e.success]);
		expect(ours).toEqual(readmeRows);
	});

	it('groups each endpoint under the resource its path names', () => {
		const rules: [RegExp, string][] = [
			[/^\/api\/2\.0\//, 'MLflow compatibility'],
			[/^\/api\/(share-links|shared)\b|\/sharing$/, 'Share links'],
			[/\/artifacts?\b|^\/api\/artifact-/, 'Artifacts'],
			[/\/(logs|metrics|results|export|heartbeat|console)/, 'Logging, series and export'],
			[/^\/api\/series$/, 'Logging, series and export'],
			[/experiments|\/(views|keys)\b/, 'Experiments'],
			[/^\/api\/analysis\//, 'Experiments'],
			[/\/projects\b/, 'Projects'],
			[/invitations/, 'Invitations'],
			[/\/members/, 'Members'],
			[/workspaces/, 'Workspaces'],
			[/api-keys/, 'API keys']
		];
		const groupOf = (path: string) =>
			rules.find(([pattern]) => pattern.test(path))?.[1] ?? 'Service and account';
		for (const group of apiReference) {
			for (const endpoint of group.endpoints)
				expect([endpoint.path, groupOf(endpoint.path)]).toEqual([endpoint.path, group.title]);
		}
	});

	it('has the README role matrix', () => {
		const readmeRows = tableRows('| | viewer | editor | admin | owner |');
		const ours = roleMatrix.map((row) => [
			row.action,
			...roles.map((role) =>
				row.allowed.includes(role) ? `✓${row.notes?.[role] ? ` (${row.notes[role]})` : ''}` : ''
			)
		]);
		expect(ours).toEqual(readmeRows);
	});
});

describe('codeSegments', () => {
	it('marks text between backticks as code', () => {
		expect(codeSegments('201 `Invitation` (revoked)')).toEqual([
			{ code: false, text: '201 ' },
			{ code: true, text: 'Invitation' },
			{ code: false, text: ' (revoked)' }
		]);
		expect(codeSegments('`{id}`')).toEqual([{ code: true, text: '{id}' }]);
		expect(codeSegments('')).toEqual([]);
	});
});
