/**
 * Names and other one-line labels refuse control characters (C0, DEL, C1), line separators and
 * bidi overrides; descriptions and hyperparameter values keep tabs and line breaks but no other
 * controls. Each refusal is a 400 whose `fields` names the field and whose message names the
 * character; nothing is stored.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, expectEnvelope, signIn } from '../support/api.ts';

const ESCAPES = {
	title: '\u001b]0;pwned\u0007',
	clipboard: '\u001b]52;c;cm0gLXJmIH4=\u0007',
	link: '\u001b]8;;http://evil.example\u001b\\click\u001b]8;;\u001b\\',
	csi8bit: 'red\u009b31m',
	del: 'x\u007f',
	lineSeparator: 'two\u2028lines',
	rtlOverride: 'txt.\u202eexe',
	isolate: 'a\u2066b'
};

type Case = [label: string, method: string, path: (ids: Ids) => string, body: unknown, field: string];

interface Ids {
	workspaceId: string;
	experimentId: string;
}

const labelCases: Case[] = Object.entries(ESCAPES).flatMap(([kind, bad]): Case[] => [
	[`experiment name (${kind})`, 'POST', () => '/api/experiments', { name: `run ${bad}` }, 'name'],
	[
		`renamed experiment (${kind})`,
		'PATCH',
		(ids) => `/api/experiments/${ids.experimentId}`,
		{ name: bad },
		'name'
	],
	[`tag (${kind})`, 'POST', () => '/api/experiments', { name: 'run', tags: ['ok', bad] }, 'tags.1'],
	[
		`hyperparameter key (${kind})`,
		'POST',
		() => '/api/experiments',
		{ name: 'run', hyperparams: [{ key: `lr${bad}`, value: 1 }] },
		'hyperparams.0.key'
	],
	[`workspace name (${kind})`, 'POST', () => '/api/workspaces', { name: `team ${bad}` }, 'name'],
	[
		`renamed workspace (${kind})`,
		'PATCH',
		(ids) => `/api/workspaces/${ids.workspaceId}`,
		{ name: bad },
		'name'
	],
	[`API key name (${kind})`, 'POST', () => '/api/api-keys', { name: `key ${bad}` }, 'name']
]);

/** Terminal escapes are refused in free text too; line separators and bidi marks are prose there. */
const textCases: Case[] = [
	ESCAPES.title,
	ESCAPES.clipboard,
	ESCAPES.link,
	ESCAPES.csi8bit,
	ESCAPES.del,
	'a\rb',
	'a\u000bb'
].flatMap((bad): Case[] => [
	[
		`experiment description ${JSON.stringify(bad)}`,
		'POST',
		() => '/api/experiments',
		{ name: 'run', description: bad },
		'description'
	],
	[
		`hyperparameter value ${JSON.stringify(bad)}`,
		'POST',
		() => '/api/experiments',
		{ name: 'run', hyperparams: [{ key: 'k', value: bad }] },
		'hyperparams.0.value'
	],
	[
		`workspace description ${JSON.stringify(bad)}`,
		'POST',
		() => '/api/workspaces',
		{ name: 'team', description: bad },
		'description'
	]
]);

let token: string;
let ids: Ids;

beforeAll(async () => {
	({ token } = await signIn());
	const workspace = await api('POST', '/api/workspaces', { token, body: { name: 'labels' } });
	const experiment = await api('POST', '/api/experiments', {
		token,
		body: { name: 'labels run', workspaceId: workspace.body.data.id }
	});
	ids = { workspaceId: workspace.body.data.id, experimentId: experiment.body.data.id };
});

describe('control characters in labels and text', () => {
	it.each([...labelCases, ...textCases])(
		'refuses %s with a 400 naming the field',
		async (_label, method, path, body, field) => {
			const result = await api(method, path(ids), { token, body });
			expectEnvelope(result, 400, 'VALIDATION_ERROR');
			const messages = result.body.error!.fields?.[field];
			expect(messages, JSON.stringify(result.body)).toBeDefined();
			expect(messages!.join(' ')).toMatch(/control characters.*\(found U\+[0-9A-F]{4}\)/);
			// Nothing was stored under the refused names.
			const experiment = await api('GET', `/api/experiments/${ids.experimentId}`, { token });
			expect(experiment.body.data.name).toBe('labels run');
			const workspace = await api('GET', `/api/workspaces/${ids.workspaceId}`, { token });
			expect(workspace.body.data.name).toBe('labels');
		}
	);

	it('keeps ordinary text: emoji, right-to-left names with marks, tabs and line breaks in prose', async () => {
		const created = await api('POST', '/api/experiments', {
			token,
			body: {
				name: 'ניסוי\u200f 🚀 run',
				description: 'line one\r\nline two\n\tindented \u2028 \u202e',
				tags: ['ﺗﺠﺮﺑﺔ', 'a\u00a0b'],
				hyperparams: [{ key: 'notes', value: 'multi\nline\tvalue' }],
				workspaceId: ids.workspaceId
			}
		});
		expect(created.status, JSON.stringify(created.body)).toBe(201);
		expect(created.body.data.description).toBe('line one\r\nline two\n\tindented \u2028 \u202e');
		const workspace = await api('POST', '/api/workspaces', {
			token,
			body: { name: 'Équipe 🧪', description: 'two\nlines\tand a tab' }
		});
		expect(workspace.status, JSON.stringify(workspace.body)).toBe(201);
		const key = await api('POST', '/api/api-keys', { token, body: { name: 'laptop 💻' } });
		expect(key.status, JSON.stringify(key.body)).toBe(201);
	});
});
