// The peer for `storefuse-infer serve`: ONNX Runtime (onnxruntime-node) behind
// Node's own http server, answering the Open Inference Protocol v2 for one
// model, in JSON and with the binary-data extension
// (Triton's docs/protocol/extension_binary_data.md). No framework: what it
// costs is Node's HTTP stack, JSON.parse/stringify and ORT's session.run.
//
//   node bench/serve/ort_server.js --model M.onnx --port P [--host 127.0.0.1]
//        [--threads 1] [--name NAME]
//
// --threads: ORT intraOpNumThreads (inter-op 1, sequential execution).
// --name:    the model's name in the routes (default: the file name less .onnx).
// Prints `listening on HOST:PORT` once the session has run one warm-up
// inference and the socket accepts; stops on SIGTERM or SIGINT.
//
// Routes: GET /v2/health/ready, /v2/health/live, /v2, /v2/models/NAME,
// /v2/models/NAME/ready; POST /v2/models/NAME[/versions/1]/infer.
// Errors are {"error": "..."}: 400 for a bad request, 404 for an unknown
// route or model, 405 for a wrong method, 413 for a body past 64 MiB.
// Needs onnxruntime-node in bench/peers/node_modules:
//   (cd bench/peers && npm ci --ignore-scripts)
'use strict';
const http = require('http');
const path = require('path');
const ort = require(path.join(__dirname, '..', 'peers', 'node_modules', 'onnxruntime-node'));

function option(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const modelPath = option('model');
const port = Number(option('port', '8000'));
const host = option('host', '127.0.0.1');
const threads = Number(option('threads', '1'));
const modelName = option('name', modelPath ? path.basename(modelPath).replace(/\.onnx$/, '') : '');
if (!modelPath || !Number.isInteger(port) || !(threads >= 1)) {
  console.error('usage: ort_server.js --model MODEL.onnx --port PORT [--host 127.0.0.1] [--threads 1] [--name NAME]');
  process.exit(2);
}
const maxBodyBytes = 64 << 20;

// v2 datatype -> ORT tensor type and typed array.
const dtypes = {
  FP32: { ort: 'float32', array: Float32Array },
  FP64: { ort: 'float64', array: Float64Array },
  INT8: { ort: 'int8', array: Int8Array },
  INT16: { ort: 'int16', array: Int16Array },
  INT32: { ort: 'int32', array: Int32Array },
  INT64: { ort: 'int64', array: BigInt64Array },
  UINT8: { ort: 'uint8', array: Uint8Array },
  UINT16: { ort: 'uint16', array: Uint16Array },
  UINT32: { ort: 'uint32', array: Uint32Array },
  UINT64: { ort: 'uint64', array: BigUint64Array },
  BOOL: { ort: 'bool', array: Uint8Array },
};
const v2Of = Object.fromEntries(Object.entries(dtypes).map(([v2, d]) => [d.ort, v2]));

class RequestError extends Error {
  constructor(message, status = 400) {
    super(message);
    this.status = status;
  }
}
const bad = (message) => { throw new RequestError(message); };

// One input of the request -> an ort.Tensor, from its JSON data or from its
// slice of the binary part.
function tensorOf(input, meta, binary) {
  const { name, shape, datatype } = input;
  if (typeof name !== 'string') bad('an input has no name');
  if (!meta) bad(`model '${modelName}' has no input '${name}'`);
  const d = dtypes[datatype];
  if (!d) bad(`input '${name}': datatype '${datatype}' is not supported`);
  if (d.ort !== meta.type) bad(`input '${name}': datatype ${datatype}, the model expects ${v2Of[meta.type] || meta.type}`);
  if (!Array.isArray(shape) || !shape.every((x) => Number.isInteger(x) && x >= 0)) bad(`input '${name}': bad shape`);
  if (shape.length !== meta.shape.length) bad(`input '${name}': rank ${shape.length}, the model expects ${meta.shape.length}`);
  meta.shape.forEach((dim, i) => {
    if (typeof dim === 'number' && dim >= 0 && dim !== shape[i])
      bad(`input '${name}': dimension ${i} is ${shape[i]}, the model expects ${dim}`);
  });
  const count = shape.reduce((a, b) => a * b, 1);
  const size = input.parameters && input.parameters.binary_data_size;
  if (size !== undefined) {
    if (input.data !== undefined) bad(`input '${name}' has both data and binary_data_size`);
    const nbytes = count * d.array.BYTES_PER_ELEMENT;
    if (size !== nbytes) bad(`input '${name}': binary_data_size is ${size}, its shape and datatype need ${nbytes}`);
    if (binary.at + nbytes > binary.bytes.length) bad(`input '${name}': the body ends before its binary data`);
    // A copy: the body's bytes need not be aligned for the typed array.
    const bytes = Uint8Array.prototype.slice.call(binary.bytes, binary.at, binary.at + nbytes);
    binary.at += nbytes;
    return new ort.Tensor(d.ort, new d.array(bytes.buffer, 0, count), shape);
  }
  let data = input.data;
  if (!Array.isArray(data)) bad(`input '${name}' has no data`);
  if (data.some(Array.isArray)) data = data.flat(Infinity);
  if (data.length !== count) bad(`input '${name}': ${data.length} values, its shape holds ${count}`);
  const isValue = datatype === 'BOOL' ? (v) => typeof v === 'boolean' : (v) => typeof v === 'number';
  if (!data.every(isValue)) bad(`input '${name}': a value is not a ${datatype === 'BOOL' ? 'boolean' : 'number'}`);
  const values = d.array === BigInt64Array || d.array === BigUint64Array
    ? d.array.from(data, (v) => (Number.isInteger(v) ? BigInt(v) : bad(`input '${name}': ${v} is not an integer`)))
    : d.array.from(data, Number);
  return new ort.Tensor(d.ort, values, shape);
}

function parseRequest(body, headerLength) {
  let jsonLength = body.length;
  if (headerLength !== undefined) {
    jsonLength = Number(headerLength);
    if (!Number.isInteger(jsonLength) || jsonLength < 0 || jsonLength > body.length)
      bad(`Inference-Header-Content-Length is ${headerLength} but the body has ${body.length} bytes`);
  }
  let request;
  try {
    request = JSON.parse(body.toString('utf8', 0, jsonLength));
  } catch (e) {
    bad(`bad JSON: ${e.message}`);
  }
  if (!request || typeof request !== 'object' || !Array.isArray(request.inputs)) bad('the request has no "inputs" array');
  const binary = { bytes: body, at: jsonLength };
  const feeds = {};
  for (const input of request.inputs) {
    const meta = session.inputMetadata.find((m) => m.name === input.name);
    if (feeds[input.name]) bad(`input '${input.name}' appears twice`);
    feeds[input.name] = tensorOf(input, meta, binary);
  }
  if (binary.at !== body.length) bad(`the body has ${body.length - binary.at} bytes after the inputs' binary data`);
  for (const name of session.inputNames) if (!feeds[name]) bad(`input '${name}' is missing`);
  const binaryAll = !!(request.parameters && request.parameters.binary_data_output);
  let outputs = session.outputNames.map((name) => ({ name, binary: binaryAll }));
  if (request.outputs !== undefined) {
    if (!Array.isArray(request.outputs)) bad('"outputs" is not an array');
    outputs = request.outputs.map((o) => {
      if (!o || !session.outputNames.includes(o.name)) bad(`model '${modelName}' has no output '${o && o.name}'`);
      const b = o.parameters && o.parameters.binary_data;
      return { name: o.name, binary: b === undefined ? binaryAll : !!b };
    });
  }
  return { id: request.id, feeds, outputs };
}

function encodeResponse(id, outputs, results) {
  const parts = [];
  const json = { model_name: modelName, model_version: '1' };
  if (id !== undefined) json.id = id;
  json.outputs = outputs.map(({ name, binary }) => {
    const t = results[name];
    const o = { name, shape: t.dims, datatype: v2Of[t.type] || t.type };
    if (binary) {
      const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      o.parameters = { binary_data_size: bytes.length };
      parts.push(bytes);
    } else {
      o.data = typeof t.data[0] === 'bigint' ? Array.from(t.data, Number) : Array.from(t.data);
    }
    return o;
  });
  const header = Buffer.from(JSON.stringify(json));
  if (parts.length === 0) return { body: header, headers: { 'Content-Type': 'application/json' } };
  return { body: Buffer.concat([header, ...parts]),
           headers: { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': header.length } };
}

function reply(res, status, body, headers = { 'Content-Type': 'application/json' }) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'Content-Length': bytes.length });
  res.end(bytes);
}
const replyError = (res, status, message) => reply(res, status, JSON.stringify({ error: message }));

async function infer(req, res, body) {
  let request;
  try {
    request = parseRequest(body, req.headers['inference-header-content-length']);
  } catch (e) {
    return replyError(res, e.status || 400, e.message);
  }
  let results;
  try {
    results = await session.run(request.feeds, request.outputs.map((o) => o.name));
  } catch (e) {
    return replyError(res, 400, `inference failed: ${e.message}`);
  }
  const { body: out, headers } = encodeResponse(request.id, request.outputs, results);
  reply(res, 200, out, headers);
}

function metadata() {
  const tensor = (m) => ({ name: m.name, datatype: v2Of[m.type] || m.type,
                           shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) });
  return JSON.stringify({ name: modelName, versions: ['1'], platform: 'onnxruntime_onnx',
                          inputs: session.inputMetadata.map(tensor), outputs: session.outputMetadata.map(tensor) });
}

function route(req, res, body) {
  const url = req.url.split('?')[0];
  const get = req.method === 'GET' || req.method === 'HEAD';
  if (url === '/v2/health/ready' || url === '/v2/health/live') return get ? reply(res, 200, '') : replyError(res, 405, 'use GET');
  if (url === '/v2') {
    return get ? reply(res, 200, JSON.stringify({ name: 'onnxruntime-node', version: ort.env.versions.common, extensions: ['binary_tensor_data'] }))
               : replyError(res, 405, 'use GET');
  }
  const m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(url);
  if (!m) return replyError(res, 404, `no route ${req.method} ${url}`);
  const name = decodeURIComponent(m[1]);
  if (name !== modelName || (m[2] !== undefined && m[2] !== '1'))
    return replyError(res, 404, `unknown model '${name}'${m[2] !== undefined ? ` version ${m[2]}` : ''}`);
  if (m[3] === '/infer') return req.method === 'POST' ? infer(req, res, body) : replyError(res, 405, 'use POST');
  if (!get) return replyError(res, 405, 'use GET');
  return m[3] === '/ready' ? reply(res, 200, '') : reply(res, 200, metadata());
}

let session;
const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > maxBodyBytes) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooLarge) {
      res.setHeader('Connection', 'close');
      return replyError(res, 413, `the body is past ${maxBodyBytes} bytes`);
    }
    Promise.resolve(route(req, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)))
      .catch((e) => { if (!res.headersSent) replyError(res, 500, e.message); });
  });
});
server.keepAliveTimeout = 60000;
server.headersTimeout = 65000;
server.requestTimeout = 30000;

function stop() {
  server.close();
  server.closeAllConnections();
  Promise.resolve(session && session.release()).finally(() => process.exit(0));
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

(async () => {
  session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const warmup = {};
  for (const m of session.inputMetadata) {
    const dims = m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const d = dtypes[v2Of[m.type]];
    if (d) warmup[m.name] = new ort.Tensor(m.type, new d.array(dims.reduce((a, b) => a * b, 1)), dims);
  }
  await session.run(warmup);
  server.listen(port, host, () => console.log(`listening on ${host}:${server.address().port}`));
})().catch((e) => {
  console.error(`ort_server.js: ${e.message}`);
  process.exit(1);
});
