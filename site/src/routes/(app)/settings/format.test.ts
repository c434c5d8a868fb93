import { describe, expect, it } from 'vitest';
import { roleLabel } from './format';

describe('roleLabel', () => {
	it('capitalizes a role', () => {
		expect(roleLabel('editor')).toBe('Editor');
	});
});
