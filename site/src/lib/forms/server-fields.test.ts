import { describe, expect, it } from 'vitest';
import { fieldErrors } from './server-fields';

describe('fieldErrors', () => {
	it('names list entries by their text, not their position', () => {
		const tags = ['a', 'b', 'c', 'd', 'x'.repeat(60)];
		expect(
			fieldErrors(
				{
					name: ['must not be empty'],
					'tags.4': ['must be at most 50 characters'],
					'hyperparams.1.key': ['duplicate key "lr"']
				},
				{ tags, hyperparams: [{ key: 'lr' }, { key: 'lr' }] }
			)
		).toEqual({
			name: 'must not be empty',
			tags: `tag "${'x'.repeat(20)}…${'x'.repeat(19)}": must be at most 50 characters`,
			hyperparams: 'hyperparameter "lr": duplicate key "lr"'
		});
	});

	it('keeps a message whose entry was not sent as it is', () => {
		expect(fieldErrors({ 'tags.9': ['bad'], tags: ['must have at most 50 tags'] }, { tags: ['a'] })).toEqual({
			tags: 'bad; must have at most 50 tags'
		});
	});
});
