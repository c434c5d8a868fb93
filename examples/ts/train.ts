/**
 * A training loop with a synthetic loss (no ML framework), logging to Tora.
 *
 *   export TORA_BASE_URL=http://localhost:8888/api   # <origin>/api of your Tora server
 *   export TORA_API_KEY=tora_sk_...                   # Settings → API keys (or run `npx tora login`)
 *   npx tsx examples/ts/train.ts --epochs 20
 *
 * Logging never waits for the network: if the server goes away, points queue up and are retried;
 * what cannot be delivered is saved to ~/.tora/spool and uploaded by `npx tora sync`. The run is
 * marked `finished` when the script ends, or `failed` if it throws.
 */
import { parseArgs } from 'node:util';
// In your own project: import { Tora } from '@tora/sdk';
import { Tora } from '../../sdk/ts/src/index.js';

const { values } = parseArgs({
	options: {
		epochs: { type: 'string', default: '10' },
		'steps-per-epoch': { type: 'string', default: '100' },
		lr: { type: 'string', default: '0.003' },
		'batch-size': { type: 'string', default: '64' },
		seed: { type: 'string', default: '0' },
		name: { type: 'string', default: 'synthetic regression (ts)' }
	}
});
const epochs = Number(values.epochs);
const stepsPerEpoch = Number(values['steps-per-epoch']);
const lr = Number(values.lr);
const batchSize = Number(values['batch-size']);
const seed = Number(values.seed);

/** A small seeded generator (mulberry32), so a run can be repeated exactly. */
function random(state: number): () => number {
	return () => {
		state = (state + 0x6d2b79f5) | 0;
		let t = Math.imul(state ^ (state >>> 15), 1 | state);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
const rand = random(seed);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

const run = await Tora.create({
	name: values.name,
	description: 'Example: a synthetic loss curve with noise, logged from examples/ts/train.ts',
	hyperparams: { lr, batch_size: batchSize, epochs, optimizer: 'sgd', seed },
	tags: ['example', 'synthetic', 'typescript']
});
console.log(`Logging to ${run.url}`);

// Fit y = 3x - 1 with SGD on noisy samples: a real (if tiny) optimisation, so the curves look like
// training curves.
let w = rand() * 2 - 1;
let b = rand() * 2 - 1;
let step = 0;
for (let epoch = 0; epoch < epochs; epoch++) {
	let epochLoss = 0;
	for (let i = 0; i < stepsPerEpoch; i++, step++) {
		let gradW = 0;
		let gradB = 0;
		let loss = 0;
		for (let n = 0; n < batchSize; n++) {
			const x = rand() * 2 - 1;
			const error = w * x + b - (3 * x - 1 + 0.1 * gaussian());
			loss += (error * error) / batchSize;
			gradW += (2 * error * x) / batchSize;
			gradB += (2 * error) / batchSize;
		}
		w -= lr * 10 * gradW;
		b -= lr * 10 * gradB;
		epochLoss += loss / stepsPerEpoch;
		run.metric('train/loss', loss, step);
	}
	const validation = (w - 3) ** 2 / 3 + (b + 1) ** 2;
	run.metric('val/loss', validation, step);
	run.metric('train/epoch_loss', epochLoss, step, { epoch });
	console.log(`epoch ${epoch + 1}/${epochs}: train ${epochLoss.toFixed(4)}, val ${validation.toFixed(4)}`);
}
run.result('final/w', w);
run.result('final/b', b);
run.result('final/val_loss', (w - 3) ** 2 / 3 + (b + 1) ** 2);
// Optional: the process's exit would do the same (flush, then mark the run finished).
const summary = await run.finish();
console.log(`Done: ${summary.sent} entries sent, run ${summary.status}.`);
