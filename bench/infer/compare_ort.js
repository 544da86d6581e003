// storefuse-infer vs ONNX Runtime (onnxruntime-node) on the same shapes, the
// same batch sizes and thread counts, in one run: configurations interleaved
// and the whole sweep repeated --rounds times, so both runtimes see the same
// machine load; ratios are per round, then their median. The load average
// is printed beside every round (the machine may be shared).
//
//   node bench/infer/compare_ort.js --bin build-infer/infer/storefuse-infer \
//        --model model.onnx [--peer-model model.onnx] [--batch 1,64] [--threads 1,2] \
//        [--warmup 20] [--repeats 200] [--rounds 3]
//
// --peer-model: the model ONNX Runtime runs (default: --model), e.g. the
// fp32 model while storefuse-infer runs its int8 export.
// Needs onnxruntime-node in bench/peers/node_modules:
//   (cd bench/peers && npm ci --ignore-scripts)
'use strict';
const { execFileSync } = require('child_process');
const os = require('os');
const path = require('path');
const ort = require(path.join(__dirname, '..', 'peers', 'node_modules', 'onnxruntime-node'));

function option(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const bin = option('bin', 'build-infer/infer/storefuse-infer');
const model = option('model');
const peerModel = option('peer-model', model);
const batches = option('batch', '1,64').split(',').map(Number);
const threads = option('threads', '1,2').split(',').map(Number);
const warmup = Number(option('warmup', '20'));
const repeats = Number(option('repeats', '200'));
const rounds = Number(option('rounds', '3'));
if (!model) {
  console.error('usage: compare_ort.js --model MODEL.onnx [--peer-model MODEL.onnx] [--bin storefuse-infer] ' +
                '[--batch 1,64] [--threads 1,2] [--rounds 3]');
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
  const session = await ort.InferenceSession.create(peerModel, {
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
  const row = out.split('\n').find((line) => /^\s*\d+\s+\d+\s/.test(line)).trim().split(/\s+/).map(Number);
  return { min: row[2], median: row[3], p99: row[4], rate: row[5] };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const f = (x) => x.toFixed(3).padStart(9);
  const version = require(path.join(__dirname, '..', 'peers', 'node_modules', 'onnxruntime-node', 'package.json')).version;
  console.log(`onnxruntime-node ${version}, warmup ${warmup}, repeats ${repeats}, rounds ${rounds}, ` +
              `${os.cpus().length} CPUs\n  storefuse-infer runs ${model}\n  ONNX Runtime runs   ${peerModel}`);
  console.log('round batch threads load1 | storefuse min/median/p99 ms  samples/s | ORT min/median/p99 ms  samples/s ' +
              '| median ratio  min ratio  rate ratio');
  const ratios = {};
  for (let round = 1; round <= rounds; ++round) {
    for (const batch of batches) {
      for (const t of threads) {
        const ours = ourBench(batch, t);
        const peer = await ortBench(batch, t);
        const key = `${batch} ${t}`;
        const r = { median: ours.median / peer.median, min: ours.min / peer.min, rate: ours.rate / peer.rate };
        (ratios[key] = ratios[key] || []).push(r);
        console.log(`${String(round).padStart(5)} ${String(batch).padStart(5)} ${String(t).padStart(7)} ` +
                    `${os.loadavg()[0].toFixed(1).padStart(5)} |${f(ours.min)}${f(ours.median)}${f(ours.p99)}` +
                    `${ours.rate.toFixed(1).padStart(11)} |${f(peer.min)}${f(peer.median)}${f(peer.p99)}` +
                    `${peer.rate.toFixed(1).padStart(11)} | ${r.median.toFixed(2).padStart(12)}` +
                    `${r.min.toFixed(2).padStart(11)}${r.rate.toFixed(2).padStart(12)}`);
      }
    }
  }
  console.log('median over rounds (storefuse / ORT): batch threads | median-latency ratio  min-latency ratio  ' +
              'throughput ratio');
  for (const [key, rs] of Object.entries(ratios)) {
    const [batch, t] = key.split(' ');
    console.log(`${batch.padStart(5)} ${t.padStart(7)} | ${median(rs.map((r) => r.median)).toFixed(2).padStart(20)}` +
                `${median(rs.map((r) => r.min)).toFixed(2).padStart(19)}${median(rs.map((r) => r.rate)).toFixed(2).padStart(18)}`);
  }
})();
