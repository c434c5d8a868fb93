/** The docs page's code samples, kept apart from the markup so they read as plain files. */

export const envSetup = `# This Tora's address followed by /api (the SDKs call it the base URL).
export TORA_BASE_URL="https://tora.example.com/api"
# A key you created in Settings → API keys.
export TORA_API_KEY="tora_sk_..."`;

export const pythonInstall = `# The published open-source SDK works with Tora as is:
pip install tora

# Or, from a Tora checkout (coming soon):
pip install --no-build-isolation ./sdk/python`;

export const python = `import tora  # reads TORA_BASE_URL and TORA_API_KEY when imported

tora.setup("run", hyperparams={"lr": 3e-4, "batch_size": 64}, tags=["baseline"])

for step in range(1, 101):
    loss = train_one_epoch()
    tora.tmetric("loss", loss, step=step)

tora.tresult("acc", 0.9)  # a final value
tora.shutdown()  # sends what is buffered; also runs at exit`;

export const typescriptInstall = `# From a Tora checkout (the package is not on the npm registry yet):
cd sdk/ts && npm run build && npm pack
npm install /path/to/tora-sdk-0.1.0.tgz   # in your project`;

export const typescript = `import { Tora } from '@tora/sdk'; // reads TORA_BASE_URL and TORA_API_KEY

const run = await Tora.create({
  name: 'run',
  hyperparams: { lr: 3e-4, batch_size: 64 },
  tags: ['baseline']
});

for (let step = 1; step <= 100; step++) {
  const loss = await trainOneEpoch();
  run.metric('loss', loss, step); // queued and sent in the background
}

run.result('acc', 0.9); // a final value
await run.finish(); // sends what is queued and marks the run finished; also runs at exit`;

export const typescriptCli = `npx tora login --base-url https://tora.example.com   # asks for the key
npx tora experiments list
npx tora export <experiment id> --format wide > run.csv`;

export const curlCreate = `ORIGIN="https://tora.example.com"   # this site's address

curl -H "x-api-key: $TORA_API_KEY" -H 'content-type: application/json' \\
  -d '{"name":"run"}' $ORIGIN/api/experiments
# → {"status":201,"data":{"id":"<experiment id>","url":"...",...}}`;

export const curlLog = `EXPERIMENT="<experiment id>"

curl -H "x-api-key: $TORA_API_KEY" -H 'content-type: application/json' \\
  -d '{"logs": [
        {"name": "loss", "msg_id": "0b6c1f4e-7d2a-4c55-9f0e-2a1b3c4d5e01", "value": 0.52, "step": 1, "metadata": null},
        {"name": "loss", "msg_id": "0b6c1f4e-7d2a-4c55-9f0e-2a1b3c4d5e02", "value": 0.31, "step": 2, "metadata": null},
        {"name": "acc",  "msg_id": "0b6c1f4e-7d2a-4c55-9f0e-2a1b3c4d5e03", "value": 0.9, "step": null, "metadata": {"type": "result"}}
      ]}' \\
  $ORIGIN/api/experiments/$EXPERIMENT/logs/batch
# → {"status":201,"data":{"received":3,"stored":3,"duplicates":0}}`;

export const curlRead = `# Series (raw points, or buckets for long series), then final results:
curl -H "x-api-key: $TORA_API_KEY" "$ORIGIN/api/experiments/$EXPERIMENT/metrics?names=loss"
curl -H "x-api-key: $TORA_API_KEY" $ORIGIN/api/experiments/$EXPERIMENT/results

# Everything as CSV, one row per point:
curl -H "x-api-key: $TORA_API_KEY" -o run.csv "$ORIGIN/api/experiments/$EXPERIMENT/export.csv?format=long"`;

export const envelope = `{ "status": 201, "data": { ... } }
{ "status": 400, "error": { "code": "VALIDATION_ERROR", "message": "Invalid request body",
                            "fields": { "logs.3.value": ["must be finite"] } } }`;
