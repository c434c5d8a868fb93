/**
 * The API names a rejected list entry by its position (`tags.4`, `hyperparams.2.key`): a form
 * shows it on the field it belongs to, naming the entry by its text instead.
 */
import { quote } from './rules';

export interface SentLists {
	tags?: readonly string[];
	hyperparams?: readonly { key: string }[];
}

/** Messages by form field (`name`, `tags`, `hyperparams`, …), each naming the value it is about. */
export function fieldErrors(fields: Record<string, string[]>, sent: SentLists = {}): Record<string, string> {
	const byField: Record<string, string[]> = {};
	for (const [path, messages] of Object.entries(fields)) {
		const [field, position] = path.split('.');
		const index = position === undefined ? NaN : Number(position);
		let subject = '';
		if (field === 'tags' && sent.tags && Number.isInteger(index) && index < sent.tags.length) {
			subject = `tag ${quote(sent.tags[index])}: `;
		} else if (
			field === 'hyperparams' &&
			sent.hyperparams &&
			Number.isInteger(index) &&
			index < sent.hyperparams.length
		) {
			subject = `hyperparameter ${quote(sent.hyperparams[index].key)}: `;
		}
		(byField[field] ??= []).push(...messages.map((message) => subject + message));
	}
	return Object.fromEntries(Object.entries(byField).map(([field, messages]) => [field, messages.join('; ')]));
}
