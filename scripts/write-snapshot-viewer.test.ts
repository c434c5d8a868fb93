import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { BUNDLE_FILE, generateViewerBundle } from './write-snapshot-viewer.ts';

it('the committed snapshot viewer bundle matches its sources (else: npx tsx scripts/write-snapshot-viewer.ts)', async () => {
	expect(readFileSync(BUNDLE_FILE, 'utf8') === (await generateViewerBundle())).toBe(true);
});
