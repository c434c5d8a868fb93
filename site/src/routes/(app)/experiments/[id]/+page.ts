// One page per experiment id cannot be prerendered, but the page's shell can: the header and the
// loading skeleton, which is all the page shows before its data arrives in the browser. It is
// built once, as `experiments/shell.html`, and served for every `/experiments/<id>` (netlify.toml,
// server/static-files.ts); SvelteKit takes the id from the URL when it hydrates.
import type { EntryGenerator } from './$types';

export const entries: EntryGenerator = () => [{ id: 'shell' }];
