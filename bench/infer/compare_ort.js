// storefuse-infer vs ONNX Runtime (onnxruntime-node) on the same model, the
// same random inputs' shapes, the same batch sizes and thread counts, in one
// run, configurations interleaved so both see the same machine load.
//
//   node bench/infer/compare_ort.js --bin build-infer/infer/storefuse-infer \
//        --model model.onnx [--batch 1,64] [--threads 1,2] [--warmup 20] [--repeats 200]
//
// Needs onnxruntime-node in bench/peers/node_modules:
//   (cd bench/peers && npm install --ignore-scripts onnxruntime-node)
'use strict';
const { execFileSync } = require('child_process');
const path = require('path');
const ort = require(path.join(__dirname, '..', 'peers', 'node_modules', 'onnxruntime-node'));

function option(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const bin = option('bin', 'build-infer/infer/storefuse-infer');
const model = option('model');
const batches = option('batch', '1,64').split(',').map(Number);
const threads = option('threads', '1,2').split(',').map(Number);
const warmup = Number(option('warmup', '20'));
const repeats = Number(option('repeats', '200'));
if (!model) {
  console.error('usage: compare_ort.js --model MODEL.onnx [--bin storefuse-infer] [--batch 1,64] [--threads 1,2]');
  process.exit(2);
}

function stats(ms, batch) {
  const total = ms.reduce((a, b) => a + b, 0);
  ms.sort((a, b) => a - b);
  return { min: ms[0], median: ms[Math.floor(ms.length / 2)],
           p99: ms[Math.min(ms.length - 1, Math.floor(0.99 * ms.length))],
           rate: batch * ms.length / (total / 1000) };
}

async function ortBench(batch, nthreads) {
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: nthreads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all' });
  const feeds = {};
  for (const name of session.inputNames) {
    const meta = session.inputMetadata.find((m) => m.name === name);
    const dims = meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : batch));
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => Math.random() * 2 - 1);
    feeds[name] = new ort.Tensor('float32', data, dims);
  }
  for (let i = 0; i < warmup; ++i) await session.run(feeds);
  const ms = [];
  for (let i = 0; i < repeats; ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await session.release();
  return stats(ms, batch);
}

function ourBench(batch, nthreads) {
  const out = execFileSync(bin, ['bench', '--model', model, '--batch', String(batch), '--threads', String(nthreads),
                                 '--warmup', String(warmup), '--repeats', String(repeats)]).toString();
  const row = out.trim().split('\n')[1].trim().split(/\s+/).map(Number);
  return { min: row[2], median: row[3], p99: row[4], rate: row[5] };
}

(async () => {
  const f = (x) => x.toFixed(3).padStart(9);
  console.log(`onnxruntime-node ${require(path.join(__dirname, '..', 'peers', 'node_modules', 'onnxruntime-node', 'package.json')).version}, ` +
              `warmup ${warmup}, repeats ${repeats}, model ${model}`);
  console.log('batch threads | storefuse min/median/p99 ms  samples/s | ORT min/median/p99 ms  samples/s | median ratio  rate ratio');
  for (const batch of batches) {
    for (const t of threads) {
      const ours = ourBench(batch, t);
      const peer = await ortBench(batch, t);
      console.log(`${String(batch).padStart(5)} ${String(t).padStart(7)} |${f(ours.min)}${f(ours.median)}${f(ours.p99)}` +
                  `${ours.rate.toFixed(1).padStart(11)} |${f(peer.min)}${f(peer.median)}${f(peer.p99)}` +
                  `${peer.rate.toFixed(1).padStart(11)} | ${(ours.median / peer.median).toFixed(2).padStart(12)}` +
                  `${(ours.rate / peer.rate).toFixed(2).padStart(12)}`);
    }
  }
})();
