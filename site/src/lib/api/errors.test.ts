import { describe, expect, it } from 'vitest';
import { ApiError, errorMessage, fieldMessage } from './errors';

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

	it('leaves the fields out for forms that show them beside their inputs', () => {
		const error = new ApiError(400, 'VALIDATION_ERROR', 'Invalid request body', {
			name: ['must not be empty']
		});
		expect(errorMessage(error, { fields: false })).toBe('Invalid request body');
	});

	it('takes the caller’s fallback for an error without a message', () => {
		expect(errorMessage(new Error(''), { fallback: 'Could not load the experiments.' })).toBe(
			'Could not load the experiments.'
		);
		expect(errorMessage(null, { fallback: 'Zoom failed.' })).toBe('Zoom failed.');
	});
});

describe('fieldMessage', () => {
	const fields = {
		tags: ['must be a list'],
		'tags.3': ['must be at most 50 characters'],
		name: ['too long']
	};

	it('joins the messages of a field and of the paths under it', () => {
		expect(fieldMessage(fields, 'tags')).toBe('must be a list; must be at most 50 characters');
		expect(fieldMessage(fields, 'name')).toBe('too long');
	});

	it('is undefined for a field without messages, including one that only shares a prefix', () => {
		expect(fieldMessage(fields, 'description')).toBeUndefined();
		expect(fieldMessage({ tagsets: ['x'] }, 'tags')).toBeUndefined();
	});
});
