#!/usr/bin/python3
"""storefuse-infer serve, started on a free loopback port and spoken to by
real HTTP clients (Python's http.client and curl).

  serve_test.py CASE STOREFUSE_INFER SEED_DIR [STOREFUSE]

CASE: protocol, binary, predict_parity, batching, bad_inputs, limits,
repository, sigterm, tls, queue_wait, client_example. predict_parity needs
STOREFUSE (the toolkit, for datagen) and h5py. The A/B cases are in
ab_test.py, the raw-media ones in visits_test.py; both use this file's
helpers. Every server is stopped at exit."""
import http.client
import json
import math
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

CASE, INFER, SEED = sys.argv[1], sys.argv[2], sys.argv[3]
STOREFUSE = sys.argv[4] if len(sys.argv) > 4 else None
MODEL = os.path.join(SEED, "model.onnx")
WORK = tempfile.mkdtemp(prefix="storefuse-serve-")
SERVERS = []
INPUTS = (("visual", 2048), ("audio", 130), ("text", 768), ("sensor", 10))


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


class Server:
    def __init__(self, *args, model=True):
        grace = [] if "--grace-period" in args else ["--grace-period", "0.3"]
        cmd = [INFER, "serve", "--port", "0"] + grace + (["--model", MODEL, "--name", "seed"] if model else []) + list(args)
        self.err = open(os.path.join(WORK, f"server{len(SERVERS)}.err"), "w+")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err, text=True)
        SERVERS.append(self)
        deadline = time.time() + 30
        self.port = None
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("listening on "):
                self.port = int(line.rsplit(":", 1)[1])
                break
        check(self.port, f"the server did not start: {self.stderr()}")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def stderr(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def conn(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def call(self, method, path, body=None, headers=None, conn=None):
        c = conn or self.conn()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, dict(r.getheaders()), data

    def json(self, method, path, body=None, headers=None):
        status, h, data = self.call(method, path, body, headers)
        return status, json.loads(data) if data else None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout)
        if code != 0:
            print(f"the server exited {code}; its stderr ends:\n{self.stderr()[-800:]}")
        return code


def rows_of(seed, rows=1):
    r = random.Random(seed)
    return {name: [[r.uniform(-1, 1) for _ in range(k)] for _ in range(rows)] for name, k in INPUTS}


def json_request(values, rid="r", outputs=None, parameters=None):
    body = {"id": rid, "inputs": [{"name": n, "shape": [len(v), len(v[0])], "datatype": "FP32",
                                   "data": [x for row in v for x in row]} for n, v in values.items()]}
    if outputs is not None:
        body["outputs"] = outputs
    if parameters:
        body["parameters"] = parameters
    return json.dumps(body).encode()


def binary_request(values, binary_outputs=False, parameters=None, outputs=None):
    """A request with binary input tensors (cheap to send many of); outputs
    binary when binary_outputs, else JSON; `outputs` selects them by name."""
    head = {"inputs": [], "parameters": dict(parameters or {}, binary_data_output=binary_outputs)}
    if outputs:
        head["outputs"] = [{"name": o} for o in outputs]
    tail = b""
    for n, v in values.items():
        raw = struct.pack(f"<{len(v) * len(v[0])}f", *[x for row in v for x in row])
        head["inputs"].append({"name": n, "shape": [len(v), len(v[0])], "datatype": "FP32", "parameters": {"binary_data_size": len(raw)}})
        tail += raw
    h = json.dumps(head).encode()
    return h + tail, {"Inference-Header-Content-Length": str(len(h)), "Content-Type": "application/octet-stream"}


def outputs_of(answer):
    return {o["name"]: o["data"] for o in answer["outputs"]}


def decode_binary(headers, data):
    n = int(headers["Inference-Header-Content-Length"])
    head = json.loads(data[:n])
    at, out = n, {}
    for o in head["outputs"]:
        size = o["parameters"]["binary_data_size"]
        out[o["name"]] = list(struct.unpack(f"<{size // 4}f", data[at:at + size]))
        at += size
    check(at == len(data), "binary outputs do not add up to the body")
    return head, out


def infer_path(model="seed"):
    return f"/v2/models/{model}/infer"


def case_protocol():
    s = Server()
    check(s.json("GET", "/v2/health/live") == (200, {"live": True}), "live")
    check(s.json("GET", "/v2/health/ready") == (200, {"ready": True}), "ready")
    st, meta = s.json("GET", "/v2")
    check(st == 200 and meta["name"] == "storefuse-infer" and "binary_tensor_data" in meta["extensions"], f"server metadata {meta}")
    st, meta = s.json("GET", "/v2/models/seed")
    check(st == 200 and meta["versions"] == ["1"] and [i["name"] for i in meta["inputs"]] == [n for n, _ in INPUTS], f"model metadata {meta}")
    check(meta["inputs"][0]["shape"] == [-1, 2048] and meta["inputs"][0]["datatype"] == "FP32", "input shape")
    check(s.json("GET", "/v2/models/seed/versions/1")[0] == 200, "version metadata")
    check(s.json("GET", "/v2/models/seed/ready") == (200, {"name": "seed", "ready": True}), "model ready")
    check(s.json("GET", "/v2/models/seed/versions/2/ready")[0] == 404, "unknown version ready")
    check(s.json("GET", "/v2/models/nope")[0] == 404, "unknown model")
    check(s.json("GET", "/v3/x")[0] == 404, "unknown path")
    # Keep-alive: many requests over one connection.
    c = s.conn()
    body = json_request(rows_of(1), rid="keep")
    answers = [s.call("POST", infer_path(), body, conn=c) for _ in range(5)]
    check(all(a[0] == 200 for a in answers), "keep-alive requests")
    check(len({a[2] for a in answers}) == 1, "the same request gave different answers")
    ans = json.loads(answers[0][2])
    check(ans["model_name"] == "seed" and ans["model_version"] == "1" and ans["id"] == "keep", f"response head {ans}")
    check([o["name"] for o in ans["outputs"]] == ["behavior_logits", "dwell_s", "engagement"], "outputs")
    check(ans["outputs"][0]["shape"] == [1, 10] and len(ans["outputs"][0]["data"]) == 10, "logits shape")
    check("X-Request-Id" in answers[0][1], "no request id")
    # outputs selects.
    st, sel = s.json("POST", infer_path(), json_request(rows_of(1), outputs=[{"name": "dwell_s"}]))
    check(st == 200 and [o["name"] for o in sel["outputs"]] == ["dwell_s"], f"outputs selection {sel}")
    check(sel["outputs"][0]["data"] == ans["outputs"][1]["data"], "a selected output differs")
    # Nested data arrays are read in row-major order as flat ones.
    nested = {"inputs": [{"name": n, "shape": [1, k], "datatype": "FP32", "data": [v[0]]} for (n, k), v in zip(INPUTS, rows_of(1).values())]}
    st, nans = s.json("POST", infer_path(), json.dumps(nested).encode())
    check(st == 200 and outputs_of(nans) == outputs_of(ans), "nested data")
    # curl, a second client.
    path = os.path.join(WORK, "req.json")
    open(path, "wb").write(body)
    out = subprocess.run(["curl", "-s", "-f", "-H", "Content-Type: application/json", "--data-binary", "@" + path,
                          f"http://127.0.0.1:{s.port}{infer_path()}"], capture_output=True, check=True).stdout
    check(outputs_of(json.loads(out)) == outputs_of(ans), "curl's answer differs")
    st, _, metrics = s.call("GET", "/metrics")
    text = metrics.decode()
    check(st == 200 and 'nv_inference_request_success{model="seed",version="1"} 8' in text, "success counter")
    check('nv_inference_batch_size_bucket{model="seed",version="1",le="+Inf"} 8' in text, "batch histogram")
    check("# TYPE nv_inference_queue_duration_seconds histogram" in text, "queue histogram")
    check(s.stop() == 0, "exit status after SIGTERM")


def case_binary():
    s = Server()
    values = rows_of(7, rows=3)
    st, ans = s.json("POST", infer_path(), json_request(values))
    check(st == 200, "json")
    body, headers = binary_request(values)
    st, h, data = s.call("POST", infer_path(), body, headers)
    check(st == 200 and outputs_of(json.loads(data)) == outputs_of(ans), "binary inputs, JSON outputs")
    body, headers = binary_request(values, binary_outputs=True)
    st, h, data = s.call("POST", infer_path(), body, headers)
    check(st == 200 and h.get("Content-Type") == "application/octet-stream", f"binary outputs {st} {h}")
    head, out = decode_binary(h, data)
    want = outputs_of(ans)
    for name in want:
        check(all(struct.pack("<f", a) == struct.pack("<f", b) for a, b in zip(out[name], want[name])),
              f"{name}: binary and JSON outputs differ")
    # Per-output binary_data.
    body = json_request(values, outputs=[{"name": "engagement", "parameters": {"binary_data": True}}])
    st, h, data = s.call("POST", infer_path(), body)
    head, out = decode_binary(h, data)
    check(st == 200 and list(out) == ["engagement"], "one binary output")
    check(s.stop() == 0, "exit status")


def case_predict_parity():
    check(STOREFUSE, "predict_parity needs the storefuse toolkit")
    import h5py
    data = os.path.join(WORK, "data")
    subprocess.run([STOREFUSE, "datagen", "--config", os.path.join(os.path.dirname(__file__), "../../configs/data/retailsim.yaml"),
                    "--out", data, "--set", "retailsim.splits.train=16", "--set", "retailsim.splits.val=8",
                    "--set", "retailsim.splits.test=40"], check=True, capture_output=True)
    preds = os.path.join(WORK, "preds.csv")
    subprocess.run([INFER, "predict", "--model", MODEL, "--data", os.path.join(data, "test.h5"), "--out", preds, "--batch", "1"],
                   check=True, capture_output=True)
    import csv
    want = list(csv.DictReader(open(preds)))
    f = h5py.File(os.path.join(data, "test.h5"), "r")
    s = Server()
    worst, where = 0.0, ""
    for i, row in enumerate(want):
        values = {n: [f["inputs/" + n][i].astype(float).tolist()] for n, _ in INPUTS}
        st, ans = s.json("POST", infer_path(), json_request(values))
        check(st == 200, f"row {i}: {st} {ans}")
        out = outputs_of(ans)
        logits = out["behavior_logits"]
        top = max(logits)
        e = [math.exp(x - top) for x in logits]
        probs = [x / sum(e) for x in e]
        cols = [c for c in row if c.startswith("p_")]
        check(len(cols) == 10, f"predict's probability columns: {list(row)}")
        pairs = [(c, float(row[c]), p) for c, p in zip(cols, probs)]
        pairs += [(c, float(row[c]), out[c][0]) for c in ("dwell_s", "engagement")]
        for c, a, b in pairs:
            if abs(a - b) > worst:
                worst, where = abs(a - b), f"row {i} {c}: predict {a}, serve {b}"
    print(f"{len(want)} rows: largest |serve - predict| = {worst:.3g} ({where})")
    check(worst <= 1e-6, "serve differs from predict by more than 1e-6")
    check(s.stop() == 0, "exit status")


def case_batching():
    s = Server("--max-batch", "8", "--max-queue-delay-us", "5000", "--workers", "1")
    bodies = [json_request(rows_of(100 + i), rid=str(i)) for i in range(24)]
    alone = [outputs_of(s.json("POST", infer_path(), b)[1]) for b in bodies]
    together = [None] * len(bodies)

    def go(i):
        together[i] = s.json("POST", infer_path(), bodies[i])

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(bodies))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    check(all(t[0] == 200 for t in together), "a batched request failed")
    worst, identical = 0.0, 0
    for a, (st, ans) in zip(alone, together):
        b = outputs_of(ans)
        identical += a == b
        for name in a:
            worst = max(worst, max(abs(x - y) / max(1.0, abs(x)) for x, y in zip(a[name], b[name])))
    text = s.call("GET", "/metrics")[2].decode()
    runs = int(text.split('nv_inference_exec_count{model="seed",version="1"} ')[1].split()[0])
    print(f"24 concurrent requests in {runs - 24} runs; {identical} of 24 bit-identical to alone; largest difference {worst:.3g}")
    check(runs - 24 < 24, "no request was batched")
    # float32 weights: within float rounding, not bit-identical (docs/serving.md).
    check(worst <= 1e-5, "batched answers differ from alone by more than 1e-5")
    # A request with more rows than the maximum batch is refused.
    st, ans = s.json("POST", infer_path(), json_request(rows_of(1, rows=9)))
    check(st == 400 and "maximum batch" in ans["error"], f"9 rows: {st} {ans}")
    check(s.stop() == 0, "exit status")


def case_bad_inputs():
    s = Server("--max-body-mb", "1")
    good = json.loads(json_request(rows_of(3)))

    def variant(f):
        b = json.loads(json.dumps(good))
        f(b)
        return json.dumps(b).encode()

    cases = [
        ("malformed JSON", b'{"inputs": [', 400, "JSON"),
        ("not an object", b"[1, 2]", 400, "expected '{'"),
        ("no inputs", b'{"id": "x"}', 400, "no inputs"),
        ("missing input", variant(lambda b: b["inputs"].pop()), 400, "sensor"),
        ("unknown input", variant(lambda b: b["inputs"].append({"name": "x", "shape": [1], "datatype": "FP32", "data": [1]})), 400, "no input 'x'"),
        ("wrong shape", variant(lambda b: b["inputs"][3].update(shape=[1, 5, 2])), 400, "shape"),
        ("count mismatch", variant(lambda b: b["inputs"][3].update(data=[1.0] * 9)), 400, "has 9 values"),
        ("wrong dtype", variant(lambda b: b["inputs"][3].update(datatype="INT32", data=[1] * 10)), 400, "int32"),
        ("unknown dtype", variant(lambda b: b["inputs"][3].update(datatype="FP64")), 400, "FP64"),
        ("string in data", variant(lambda b: b["inputs"][3].update(data=["a"] * 10)), 400, "not a number"),
        ("huge number", variant(lambda b: b["inputs"][3]["data"].__setitem__(0, 1e39)), 400, "FP32 range"),
        ("unknown output", variant(lambda b: b.update(outputs=[{"name": "nope"}])), 400, "no output 'nope'"),
        ("duplicate input", variant(lambda b: b["inputs"].append(b["inputs"][0])), 400, "twice"),
        ("rows differ", variant(lambda b: b["inputs"][3].update(shape=[2, 10], data=[0.5] * 20)), 400, "rows"),
        ("negative dim", variant(lambda b: b["inputs"][3].update(shape=[-1, 10])), 400, "negative"),
        ("deep JSON", b'{"x":' + b"[" * 100 + b"]" * 100 + b',"inputs":[]}', 400, "deeper"),
    ]
    for name, body, status, words in cases:
        st, _, data = s.call("POST", infer_path(), body)
        msg = json.loads(data).get("error", "")
        check(st == status and words in msg, f"{name}: {st} {msg!r}, wanted {status} with {words!r}")
    # A NaN through the binary extension (JSON has none).
    values = rows_of(3)
    values["sensor"][0][4] = float("nan")
    body, headers = binary_request(values)
    st, _, data = s.call("POST", infer_path(), body, headers)
    check(st == 400 and "NaN" in json.loads(data)["error"], f"NaN: {st} {data[:200]}")
    # Binary sizes that do not add up.
    body, headers = binary_request(rows_of(3))
    st, _, data = s.call("POST", infer_path(), body[:-4], headers)
    check(st == 400, f"short binary: {st}")
    headers["Inference-Header-Content-Length"] = str(10 ** 9)
    check(s.call("POST", infer_path(), body, headers)[0] == 400, "header length past the body")
    # Oversized body: 413, and the server goes on.
    # (Refused from its Content-Length, before the body is sent.)
    answer = raw_request(s.port, b"POST /v2/models/seed/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n{")
    check(answer.startswith(b"HTTP/1.1 413") and b"limit of 1048576 bytes" in answer, f"2 MB body under a 1 MB limit: {answer[:80]}")
    check(s.call("GET", "/v2/models/unknown/ready")[0] == 404, "unknown model ready")
    check(s.json("POST", infer_path("unknown"), json_request(rows_of(1)))[0] == 404, "infer on an unknown model")
    check(s.call("DELETE", "/v2/models/seed")[0] == 405, "wrong method")
    check(s.json("POST", infer_path(), json_request(rows_of(3)))[0] == 200, "the server stopped answering")
    text = s.call("GET", "/metrics")[2].decode()
    check('nv_inference_request_failure{model="seed",version="1"}' in text, "failure counter")
    check(s.stop() == 0, "exit status")


def raw_request(port, data, timeout=10):
    import socket
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.sendall(data)
    out = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    sock.close()
    return out


def case_limits():
    s = Server("--max-connections", "4", "--queue", "2", "--workers", "1", "--read-timeout-s", "1", "--idle-timeout-s", "1")
    big_header = b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (32 << 10) + b"\r\n\r\n"
    check(raw_request(s.port, big_header).startswith(b"HTTP/1.1 431"), "a 32 KB header")
    check(b" 400 " in raw_request(s.port, b"NOT HTTP\r\n\r\n").split(b"\r\n")[0], "garbage request line")
    # A request that stops halfway is dropped after the read timeout.
    t = time.time()
    raw_request(s.port, b"POST /v2/models/seed/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", timeout=5)
    check(time.time() - t < 4, "a stalled request was not timed out")
    # Queue of 2 and one worker: a burst gets 503 with Retry-After, not a crash.
    body = json_request(rows_of(1, rows=16))
    statuses, retry = [], []

    def go():
        try:
            st, h, _ = s.call("POST", infer_path(), body)
            statuses.append(st)
            if st == 503:
                retry.append(h.get("Retry-After"))
        except Exception as e:  # refused at the connection limit
            statuses.append(str(e))

    threads = [threading.Thread(target=go) for _ in range(12)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print("burst of 12:", sorted(map(str, statuses)))
    check(statuses.count(200) >= 1 and 503 in statuses, f"burst: {statuses}")
    check(all(r == "1" for r in retry), "503 without Retry-After")
    check(s.json("GET", "/v2/health/live")[0] == 200, "the server stopped answering")
    check(s.stop() == 0, "exit status")
    # Connections past the limit: 503 and close. A server of its own, whose
    # read timeout (30 s) cannot free the 4 held connections however slowly
    # a loaded machine runs this.
    s = Server("--max-connections", "4")
    socks = []
    import socket
    for _ in range(4):
        socks.append(socket.create_connection(("127.0.0.1", s.port)))
    deadline = time.time() + 10
    while time.time() < deadline:  # until the server has accepted all 4
        refused = raw_request(s.port, b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        if refused.startswith(b"HTTP/1.1 503"):
            break
        time.sleep(0.1)
    check(refused.startswith(b"HTTP/1.1 503"), f"past the connection limit: {refused[:60]}")
    for k in socks:
        k.close()
    deadline = time.time() + 10
    while time.time() < deadline and not raw_request(s.port, b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").startswith(b"HTTP/1.1 200"):
        time.sleep(0.1)  # the closed connections leave the count
    check(s.json("GET", "/v2/health/live")[0] == 200, "the server stopped answering")
    check(s.stop() == 0, "exit status")


def make_repository(versions):
    repo = os.path.join(WORK, "repo")
    for v in versions:
        os.makedirs(os.path.join(repo, "seed", str(v)), exist_ok=True)
        shutil.copy(os.path.join(SEED, "model.onnx" if v % 2 else "model_fp16.onnx"), os.path.join(repo, "seed", str(v), "model.onnx"))
    return repo


def case_repository():
    repo = make_repository([1, 2])
    token = os.path.join(WORK, "token")
    open(token, "w").write("s3cret\n")
    s = Server("--repository", repo, "--token-file", token, model=False)
    st, meta = s.json("GET", "/v2/models/seed")
    check(st == 200 and meta["versions"] == ["1", "2"], f"versions {meta}")
    body = json_request(rows_of(5))
    v1 = s.json("POST", "/v2/models/seed/versions/1/infer", body)[1]
    v2 = s.json("POST", "/v2/models/seed/infer", body)[1]
    check(v1["model_version"] == "1" and v2["model_version"] == "2", "latest version by default")
    check(outputs_of(v1) != outputs_of(v2), "fp32 and fp16 versions gave the same bits")
    auth = {"Authorization": "Bearer s3cret"}
    check(s.call("POST", "/v2/repository/index")[0] == 401, "index without the token")
    st, index = s.json("POST", "/v2/repository/index", b"{}", auth)
    check(st == 200 and {(e["name"], e["version"]) for e in index} == {("seed", "1"), ("seed", "2")}, f"index {index}")
    check(s.call("POST", "/v2/repository/models/seed/unload", b"", auth)[0] == 200, "unload")
    check(s.json("POST", infer_path(), body)[0] == 404, "infer after unload")
    check(s.json("GET", "/v2/health/ready")[0] == 503, "ready with no model")
    check(s.call("POST", "/v2/repository/models/seed/load", b"", auth)[0] == 200, "load")
    check(s.json("POST", infer_path(), body)[0] == 200, "infer after load")
    st, err = s.json("POST", "/v2/repository/models/nope/load", b"", auth)
    check(st == 404 and "nope" in err["error"], f"load of a missing model: {st} {err}")
    # Reloads and a SIGHUP under load: no request fails.
    stop, results = threading.Event(), []

    def load():
        c = s.conn()
        while not stop.is_set():
            try:
                results.append(s.call("POST", infer_path(), body, conn=c)[0])
            except Exception as e:
                results.append(str(e))
                c = s.conn()

    threads = [threading.Thread(target=load) for _ in range(3)]
    [t.start() for t in threads]
    os.makedirs(os.path.join(repo, "seed", "3"))
    shutil.copy(MODEL, os.path.join(repo, "seed", "3", "model.onnx"))
    for _ in range(3):
        check(s.call("POST", "/v2/repository/models/seed/load", b"", auth)[0] == 200, "reload")
        time.sleep(0.2)
    s.proc.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    stop.set()
    [t.join() for t in threads]
    failed = [r for r in results if r != 200]
    print(f"{len(results)} requests during 3 reloads and a SIGHUP, {len(failed)} failed")
    check(not failed, f"requests failed during reloads: {failed[:5]}")
    check(s.json("POST", infer_path(), body)[1]["model_version"] == "3", "the new version does not serve")
    check("reloaded" in s.stderr(), "SIGHUP did not reload")
    check(s.stop() == 0, "exit status")


def case_queue_wait():
    """--max-queue-wait-ms: with one worker and a 1 µs budget, a request
    that finds others queued is refused (503 + Retry-After) instead of
    waiting; one that finds the queue empty is served; no other status."""
    s = Server("--workers", "1", "--max-queue-wait-ms", "0.001")
    # Binary bodies of 64 rows: cheap to read, long to compute, so requests queue.
    body, headers = binary_request(rows_of(3, rows=64))
    check(s.call("POST", infer_path(), body, headers)[0] == 200, "a request on an idle server")  # the compute time is known now
    statuses, retry = [], []
    start = threading.Barrier(32)

    def send():
        start.wait()
        st, h, _ = s.call("POST", infer_path(), body, headers)
        statuses.append(st)
        if st == 503:
            retry.append(h.get("Retry-After"))

    threads = [threading.Thread(target=send) for _ in range(32)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    counts = {st: statuses.count(st) for st in set(statuses)}
    text = s.call("GET", "/metrics")[2].decode()
    rejected = metric(text, "storefuse_inference_request_rejected", model="seed", version="1")
    print(f"32 concurrent requests, 1 worker, 1 µs queue budget: {counts}; rejected counter {rejected}")
    check(set(counts) <= {200, 503} and counts.get(200, 0) >= 1 and counts.get(503, 0) >= 1, f"statuses {counts}")
    check(all(r == "1" for r in retry) and rejected == counts[503], "Retry-After or the rejected counter")
    check(s.call("POST", infer_path(), body, headers)[0] == 200, "the server stopped answering")
    check(s.stop() == 0, "exit status")


def case_tls():
    """--tls-cert/--tls-key: HTTPS with a self-signed certificate (openssl
    req), checked by Python's ssl and by curl; a plain-HTTP client and a
    failed handshake leave the server serving; bad certificate files stop
    it at start with exit 2."""
    import ssl
    cert, key, other = (os.path.join(WORK, n) for n in ("cert.pem", "key.pem", "other.pem"))
    for c, k in ((cert, key), (os.path.join(WORK, "cert2.pem"), other)):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", k, "-out", c, "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    s = Server("--tls-cert", cert, "--tls-key", key)
    trusted = ssl.create_default_context(cafile=cert)
    body = json_request(rows_of(1))

    def https(context, path="/v2/health/ready", method="GET", data=None):
        c = http.client.HTTPSConnection("127.0.0.1", s.port, timeout=30, context=context)
        c.request(method, path, body=data)
        r = c.getresponse()
        return r.status, r.read(), c

    st, data, c = https(trusted, infer_path(), "POST", body)
    check(st == 200 and "outputs" in json.loads(data), f"HTTPS infer: {st} {data[:200]}")
    check(c.sock.version() in ("TLSv1.2", "TLSv1.3"), f"protocol {c.sock.version()}")
    # Keep-alive over TLS: a second request on the same connection.
    c.request("POST", infer_path(), body=body)
    r = c.getresponse()
    check(r.status == 200 and r.read(), "a second request on the TLS connection")
    print(f"HTTPS: {c.sock.version()}, {c.sock.cipher()[0]}; keep-alive answered")
    # An untrusted client refuses the certificate; the server keeps serving.
    try:
        https(ssl.create_default_context())
        fail("a client without the certificate accepted it")
    except ssl.SSLError as e:
        print(f"a client that does not trust the certificate: {type(e).__name__} ({e.reason})")
    # Plain HTTP on the TLS port: no answer (the handshake fails), the connection closes, the server keeps serving.
    try:
        st, _, _ = s.call("GET", "/v2/health/live")
        check(st != 200, "plain HTTP was answered on the TLS port")
    except (http.client.HTTPException, ConnectionError, OSError) as e:
        print(f"plain HTTP on the TLS port: {type(e).__name__}")
    r = subprocess.run(["curl", "-sS", "--cacert", cert, f"https://127.0.0.1:{s.port}/v2/models/seed"], capture_output=True, text=True)
    check(r.returncode == 0 and json.loads(r.stdout)["name"] == "seed", f"curl over HTTPS: {r.returncode} {r.stdout} {r.stderr}")
    check(https(trusted)[0] == 200, "the server stopped answering")
    check(s.stop() == 0, "exit status")
    # Refused at start, naming the file.
    for args, words in ((["--tls-cert", cert], "both a certificate and its key"),
                        (["--tls-cert", os.path.join(WORK, "none.pem"), "--tls-key", key], "cannot read the TLS certificate"),
                        (["--tls-cert", key, "--tls-key", key], "certificate"),
                        (["--tls-cert", cert, "--tls-key", other], "key values mismatch")):
        r = subprocess.run([INFER, "serve", "--model", MODEL, "--port", "0"] + args, capture_output=True, text=True, timeout=60)
        print(f"{' '.join(os.path.basename(a) for a in args)}: exit {r.returncode}: {r.stderr.strip().splitlines()[0]}")
        check(r.returncode == 2 and words in r.stderr, f"{args}: {r.returncode} {r.stderr}")


def case_sigterm():
    s = Server("--grace-period", "1.0", "--workers", "1")
    body = json_request(rows_of(9, rows=8))
    stop, results = threading.Event(), []

    def load():
        c = s.conn()
        while not stop.is_set():
            try:
                results.append(s.call("POST", infer_path(), body, conn=c)[0])
            except (ConnectionError, http.client.HTTPException, OSError) as e:
                if not stop.is_set() and s.proc.poll() is None and "refused" not in str(e):
                    results.append(str(e))
                c = s.conn()
                time.sleep(0.01)

    threads = [threading.Thread(target=load) for _ in range(3)]
    [t.start() for t in threads]
    time.sleep(0.5)
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    st = s.json("GET", "/v2/health/ready")[0]
    check(st == 503, f"readiness during the grace period: {st}")
    served_in_grace = len(results)
    code = s.proc.wait(30)
    stop.set()
    [t.join() for t in threads]
    failed = [r for r in results if r != 200]
    print(f"{len(results)} requests, {len(failed)} failed; exit {code}")
    check(code == 0, f"exit status {code}: {s.stderr()}")
    check(not failed, f"failed across SIGTERM: {failed[:5]}")
    check(len(results) > served_in_grace, "nothing was served during the grace period")


def case_client_example():
    s = Server()
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../docs/examples/serve/client.py")
    out = subprocess.run([sys.executable, example, "--port", str(s.port), "--model", "seed", "--rows", "3"],
                         capture_output=True, text=True, check=True).stdout
    print(out)
    check("model seed version 1" in out and "behavior_logits [3, 10]" in out and "dwell_s [3, 1]" in out, "the example's output")
    check(s.stop() == 0, "exit status")


# --- Live A/B and the prediction log -------------------------------------

def metric(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(name + "{" + want + "}") or (not labels and line.startswith(name + " ")):
            return float(line.rsplit(" ", 1)[1])
    return None


def read_jsonl(path):
    rows = []
    with open(path) as f:
        for i, line in enumerate(f):
            check(line.endswith("\n"), f"{path}:{i + 1} is not a complete line")
            rows.append(json.loads(line))
    return rows


def main(cases):
    """Runs case CASE of `cases` (a module's globals), then stops every server."""
    try:
        cases["case_" + CASE]()
        print("ok")
    finally:
        for srv in SERVERS:
            if srv.proc.poll() is None:
                srv.proc.kill()
                srv.proc.wait()
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main(globals())
