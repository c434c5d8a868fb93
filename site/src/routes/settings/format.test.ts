import { describe, expect, it } from 'vitest';
import { errorMessage, formatDate, roleLabel } from './format';

class FakeApiError extends Error {
	constructor(
		message: string,
		readonly fields?: Record<string, string[]>
	) {
		super(message);
	}
}

describe('errorMessage', () => {
	it('uses the message of an error without fields', () => {
		expect(errorMessage(new FakeApiError('Only an owner can invite an admin.'))).toBe(
			'Only an owner can invite an admin.'
		);
	});

	it('appends field messages, naming the field unless it is the whole body', () => {
		const error = new FakeApiError('Invalid request body', {
			email: ['must be an email address'],
			_: ['unrecognized key: "x"']
		});
		expect(errorMessage(error)).toBe(
			'Invalid request body: email must be an email address; unrecognized key: "x".'
		);
	});

	it('has a fallback for things that are not errors', () => {
		expect(errorMessage('boom')).toBe('Something went wrong.');
	});
});

describe('formatDate', () => {
	it('formats API timestamps and shows a dash for never', () => {
		// Newer ICU data puts a narrow no-break space before AM.
		expect(
			formatDate('2026-03-04T05:06:07.000Z', { locale: 'en-US', timeZone: 'UTC' }).replace(/\s/g, ' ')
		).toBe('Mar 4, 2026, 5:06 AM');
		expect(formatDate(null)).toBe('—');
	});

	it('leaves unparseable values as they are', () => {
		expect(formatDate('yesterday')).toBe('yesterday');
	});
});

describe('roleLabel', () => {
	it('capitalizes a role', () => {
		expect(roleLabel('editor')).toBe('Editor');
	});
});
