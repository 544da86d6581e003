// Runs an ONNX model in ONNX Runtime (onnxruntime-node) on inputs written by
// a test, split into batches of each given size, and writes the outputs:
//
//   node tests/export/ort_run.js MODEL.onnx DIR 1,7,64
//
// DIR/inputs.json: [{"name", "dtype": "float32|uint8|int32", "dims": [n, ...]}],
// each input's values in DIR/<name>.bin (raw, little-endian, row-major).
// Writes DIR/<output>.b<batch>.bin (raw float32, the n rows in order) for
// every output and batch size, and DIR/outputs.json listing them.
// Exit codes: 0 ok, 3 onnxruntime-node is not installed, 1 anything else.
'use strict';
const fs = require('fs');
const path = require('path');

let ort;
try {
  ort = require(path.join(__dirname, '..', '..', 'bench', 'peers', 'node_modules', 'onnxruntime-node'));
} catch (e) {
  console.error(`onnxruntime-node is not installed (${e.message.split('\n')[0]}); run: bash scripts/setup.sh`);
  process.exit(3);
}

const [modelPath, dir, batchList] = process.argv.slice(2);
if (!modelPath || !dir || !batchList) {
  console.error('usage: ort_run.js MODEL.onnx DIR BATCHES (e.g. 1,7,64)');
  process.exit(2);
}
const arrays = { float32: Float32Array, uint8: Uint8Array, int32: Int32Array };

(async () => {
  const inputs = JSON.parse(fs.readFileSync(path.join(dir, 'inputs.json'), 'utf8')).map((spec) => {
    const buf = fs.readFileSync(path.join(dir, spec.name + '.bin'));
    const Type = arrays[spec.dtype];
    const data = new Type(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    return { ...spec, data, rowSize: data.length / spec.dims[0] };
  });
  const n = inputs[0].dims[0];
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const written = [];
  for (const batch of batchList.split(',').map(Number)) {
    const parts = {};
    for (let start = 0; start < n; start += batch) {
      const len = Math.min(batch, n - start);
      const feeds = {};
      for (const x of inputs) {
        const slice = x.data.subarray(start * x.rowSize, (start + len) * x.rowSize);
        feeds[x.name] = new ort.Tensor(x.dtype, slice, [len, ...x.dims.slice(1)]);
      }
      const results = await session.run(feeds);
      for (const name of session.outputNames) {
        (parts[name] = parts[name] || []).push(Buffer.from(Float32Array.from(results[name].data).buffer));
      }
    }
    for (const [name, chunks] of Object.entries(parts)) {
      const file = `${name}.b${batch}.bin`;
      fs.writeFileSync(path.join(dir, file), Buffer.concat(chunks));
      written.push({ name, batch, file });
    }
  }
  fs.writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify({ ort: ort.env.versions.node, outputs: written }));
})().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
