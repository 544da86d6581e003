#!/usr/bin/python3
"""Live A/B through storefuse-infer serve: routing files, sticky assignment
by the traffic split of `storefuse abtest`, shadow traffic, the prediction
log, outcomes, and `abtest analyse` of a served experiment. Real servers on
free loopback ports, as in serve_test.py, whose helpers these cases use.

  ab_test.py CASE STOREFUSE_INFER SEED_DIR [STOREFUSE]

CASE: ab_assignment, ab_sticky, ab_shadow, prediction_log, ab_analyse,
outcomes, routing_errors. ab_analyse and outcomes need STOREFUSE (abtest
simulate and analyse)."""
import json
import os
import random
import subprocess
import threading
import time

import serve_test as base
from serve_test import (INFER, INPUTS, STOREFUSE, WORK, Server, binary_request, check, infer_path, json_request, make_repository,
                        metric, outputs_of, read_jsonl, rows_of)

MASK64 = (1 << 64) - 1
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../fixtures/stats")


def assignment_unit(experiment, customer):
    """The traffic split, re-implemented: FNV-1a 64 of experiment + 0x1f +
    customer, SplitMix64's finaliser, the top 53 bits as u in [0, 1)."""
    h = 0xCBF29CE484222325
    for byte in experiment.encode() + b"\x1f" + customer.encode():
        h = ((h ^ byte) * 0x100000001B3) & MASK64
    z = h
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    z ^= z >> 31
    return (z >> 11) / float(1 << 53)


def check_split_against_golden():
    """The Python split equals the C++ golden values tests/abtest checks."""
    cases = json.load(open(os.path.join(FIXTURES, "traffic_split.json")))
    for c in cases:
        check(assignment_unit(c["experiment"], c["customer"]) == c["unit"], f"python split differs from the golden value {c}")
    return len(cases)


def to_yaml(value, indent=0):
    """Block-style YAML of dicts, lists and scalars, as a user writes a routing file."""
    pad = " " * indent
    if isinstance(value, dict):
        out = ""
        for k, v in value.items():
            out += f"{pad}{k}:" + (("\n" + to_yaml(v, indent + 2)) if isinstance(v, (dict, list)) and v else f" {json.dumps(v)}\n")
        return out
    out = ""
    for v in value:
        body = to_yaml(v, indent + 2) if isinstance(v, (dict, list)) else f"{pad}  {json.dumps(v)}\n"
        out += f"{pad}- " + body[indent + 2:]
    return out


def write_routing(config, name="routing.yaml"):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(config if isinstance(config, str) else to_yaml(config))
    return path


def ab_routing(weight_b, experiment="seed-ab-1", shadow=False, **extra):
    route = {"experiment": experiment, "variants": [{"name": "A", "version": "1", "weight": round(1 - weight_b, 12)},
                                                     {"name": "B", "version": "2", "weight": weight_b}]}
    route.update(extra)
    if shadow:
        route["shadow"] = {"variant": "B"}
    return {"models": {"seed": route}}


def case_ab_assignment():
    golden = check_split_against_golden()
    repo = make_repository([1, 2])
    s = Server("--repository", repo, "--routing", write_routing(ab_routing(0.3)), "--workers", "2", "--max-batch", "8",
               "--max-queue-delay-us", "500", "--queue", "256", model=False)
    n, conns = 10000, 8
    zero = {name: [[0.0] * k] for name, k in INPUTS}
    got = {}
    errors = []

    def go(k):
        c = s.conn()
        for i in range(k, n, conns):
            cid = f"c{i:05d}"
            body, headers = binary_request(zero, parameters={"customer_id": cid}, outputs=["dwell_s"])
            try:
                st, _, data = s.call("POST", infer_path(), body, headers, conn=c)
                a = json.loads(data)
                got[cid] = (st, a.get("parameters", {}).get("variant"), a.get("model_version"))
            except Exception as e:
                errors.append(f"{cid}: {e}")
                c = s.conn()

    t = time.time()
    threads = [threading.Thread(target=go, args=(k,)) for k in range(conns)]
    [x.start() for x in threads]
    [x.join() for x in threads]
    took = time.time() - t
    check(not errors, f"requests failed: {errors[:5]}")
    agree, b = 0, 0
    for i in range(n):
        cid = f"c{i:05d}"
        want = "B" if assignment_unit("seed-ab-1", cid) < 0.3 else "A"
        st, variant, version = got[cid]
        agree += st == 200 and variant == want and version == ("2" if want == "B" else "1")
        b += variant == "B"
    print(f"python split = {golden} C++ golden values; {n} customers over {conns} connections in {took:.1f} s: "
          f"{agree} of {n} agree with the split (variant and version), {b} in B ({b / n:.1%}, weight 30%)")
    check(agree == n, f"{n - agree} customers were routed otherwise than the traffic split says")
    check(took < 60, f"{n} requests took {took:.1f} s")
    text = s.call("GET", "/metrics")[2].decode()
    check(metric(text, "nv_inference_request_success", model="seed", version="2", variant="B") == b, "B's success counter")
    check(metric(text, "nv_inference_request_success", model="seed", version="1", variant="A") == n - b, "A's success counter")
    check(s.stop() == 0, "exit status")


def case_ab_sticky():
    repo = make_repository([1, 2])
    s = Server("--repository", repo, "--routing", write_routing(ab_routing(0.5, unit_header="X-Customer-Id")), model=False)
    body = json_request(rows_of(2))

    def ask(parameters=None, headers=None, path=infer_path()):
        st, a = s.json("POST", path, json.dumps(dict(json.loads(body), parameters=parameters or {})).encode(), headers)
        check(st == 200, f"{st} {a}")
        return a.get("parameters", {}).get("variant"), a["model_version"], a.get("parameters", {}).get("experiment")

    # Customers on both sides of the split, each asked five times.
    ids = [f"s{i}" for i in range(40)]
    for cid in ids:
        want = "B" if assignment_unit("seed-ab-1", cid) < 0.5 else "A"
        seen = {ask({"customer_id": cid}) for _ in range(5)}
        check(seen == {(want, "2" if want == "B" else "1", "seed-ab-1")}, f"{cid}: {seen}, wanted {want} every time")
    sides = {"B" if assignment_unit("seed-ab-1", c) < 0.5 else "A" for c in ids}
    check(sides == {"A", "B"}, "the ids do not cover both variants")
    # The header when the parameter is absent; the parameter wins over it.
    b_id = next(c for c in ids if assignment_unit("seed-ab-1", c) < 0.5)
    a_id = next(c for c in ids if assignment_unit("seed-ab-1", c) >= 0.5)
    check(ask(headers={"X-Customer-Id": b_id})[0] == "B", "header fallback")
    check(ask({"customer_id": a_id}, {"X-Customer-Id": b_id})[0] == "A", "the parameter did not take precedence")
    # A number is the unit as its text.
    num = next(i for i in range(1000) if assignment_unit("seed-ab-1", str(i)) < 0.5)
    check(ask({"customer_id": num})[0] == "B", "a numeric customer_id")
    # No unit: the first variant.
    check(ask()[:2] == ("A", "1"), "a request without a unit")
    # A versioned path bypasses routing.
    v, version, _ = ask({"customer_id": a_id}, path="/v2/models/seed/versions/2/infer")
    check(v is None and version == "2", f"versioned path: variant {v}, version {version}")
    text = s.call("GET", "/metrics")[2].decode()
    print("metrics:", [l for l in text.splitlines() if l.startswith("nv_inference_request_success")])
    check(metric(text, "nv_inference_request_success", model="seed", version="1", variant="A") is not None, "variant label")
    check(s.stop() == 0, "exit status")


def case_ab_shadow():
    repo = make_repository([1, 2])
    log = os.path.join(WORK, "log.jsonl")
    s = Server("--repository", repo, "--routing", write_routing(ab_routing(0.0, shadow=True)), "--prediction-log", log,
               "--workers", "1", "--queue", "4", model=False)
    body = json_request(rows_of(4))
    ids = [f"x{i}" for i in range(20)]
    for cid in ids:
        st, a = s.json("POST", infer_path(), json.dumps(dict(json.loads(body), parameters={"customer_id": cid})).encode(),
                       {"X-Request-Id": "q-" + cid})
        check(st == 200 and a["model_version"] == "1" and a["parameters"]["variant"] == "A", f"{cid}: {st} {a}")
        time.sleep(0.01)  # B idle: no shadow is shed
    # B's queue kept full by direct requests to version 2: the shadow copies are shed.
    big, big_headers = binary_request(rows_of(5, rows=256))
    stop = threading.Event()

    def flood():
        c = s.conn()
        while not stop.is_set():
            try:
                s.call("POST", "/v2/models/seed/versions/2/infer", big, big_headers, conn=c)
            except Exception:
                c = s.conn()

    floods = [threading.Thread(target=flood) for _ in range(8)]
    [t.start() for t in floods]
    time.sleep(0.3)
    routed = 0
    for i in range(30):
        st, _ = s.json("POST", infer_path(), json.dumps(dict(json.loads(body), parameters={"customer_id": f"y{i}"})).encode())
        routed += st == 200
    stop.set()
    [t.join() for t in floods]
    time.sleep(0.5)
    text = s.call("GET", "/metrics")[2].decode()
    shed = metric(text, "storefuse_inference_shadow_shed", model="seed", version="2", variant="B")
    answered = metric(text, "storefuse_inference_shadow_success", model="seed", version="2", variant="B")
    check(s.stop() == 0, "exit status")
    rows = read_jsonl(log)
    shadow = [r for r in rows if r["shadow"]]
    primary = [r for r in rows if not r["shadow"] and r["experiment"]]
    print(f"{len(ids)} requests with B idle, {routed} with B's queue full: {answered:.0f} shadow answers logged, "
          f"{shed:.0f} shed; log: {len(primary)} primary rows, {len(shadow)} shadow rows")
    check(all(r["variant"] == "shadow:B" and r["model_version"] == "2" for r in shadow), "shadow rows' variant and version")
    first = {r["request_id"] for r in shadow if r["request_id"].startswith("q-")}
    check(first == {"q-" + c for c in ids}, f"shadow copies with B idle: {len(first)} of {len(ids)}")
    check(len(shadow) == answered, f"{len(shadow)} shadow rows, {answered} shadow answers counted")
    check(shed and shed > 0, "no shadow copy was shed while B's queue was full")
    check(answered + shed == len(ids) + routed, "every routed answer was either shadowed or shed")
    check(all(r["variant"] == "A" and r["model_version"] == "1" for r in primary), "primary rows")


def case_prediction_log():
    repo = make_repository([1, 2])
    routing = write_routing(ab_routing(0.5))
    body = json_request(rows_of(3, rows=2))
    for ext in ("jsonl", "csv"):
        log = os.path.join(WORK, f"pred.{ext}")
        max_mb = 0.01
        s = Server("--repository", repo, "--routing", routing, "--prediction-log", log, "--prediction-log-max-mb", str(max_mb),
                   "--prediction-log-keep", "2", model=False)
        n = 30
        for i in range(n):
            params = {"customer_id": f"p{i}"}
            if i % 2:
                params["outcome"] = i % 3
            check(s.json("POST", infer_path(), json.dumps(dict(json.loads(body), parameters=params)).encode())[0] == 200, "infer")
        check(s.stop() == 0, "exit status")
        files = [f for f in (log + ".3", log + ".2", log + ".1", log) if os.path.exists(f)]  # oldest first
        check(log + ".1" in files and log + ".3" not in files, f"rotation: {files}")
        rows = []
        for f in files:
            size = os.path.getsize(f)
            check(size <= max_mb * (1 << 20) + 2048, f"{f}: {size} bytes past the rotation size")
            if ext == "jsonl":
                part = read_jsonl(f)
            else:
                import csv
                text = open(f).read()
                check(text.endswith("\n") and text.startswith("time,request_id,"), f"{f}: no header or an incomplete line")
                part = list(csv.DictReader(text.splitlines()))
            check(part, f"{f} is empty")
            rows += part
        keys = {"time", "request_id", "model", "model_version", "customer_id", "experiment", "variant", "shadow", "latency_ms", "row",
                "dwell_s", "engagement", "p_class_0"}
        check(all(keys <= set(r) for r in rows), f"a row lacks columns: {sorted(keys - set(rows[0]))}")
        with_outcome = [r for r in rows if r.get("outcome") not in (None, "")]
        print(f"{ext}: {len(files)} files {[os.path.getsize(f) for f in files]} bytes, {len(rows)} complete rows, "
              f"{len(with_outcome)} with an outcome")
        # The oldest rows were rotated away (keep 2); the newest are all there.
        check(len(rows) <= 2 * n and len(rows) > n, f"{len(rows)} rows of {2 * n}")
        ids = [int(r["customer_id"][1:]) for r in rows]
        check(ids == sorted(ids) and ids[-1] == n - 1, "rows out of order or the newest missing")
        for r in rows:
            want = "B" if assignment_unit("seed-ab-1", r["customer_id"]) < 0.5 else "A"
            check(r["variant"] == want and str(r["model_version"]) == ("2" if want == "B" else "1"), f"row {r}")
            i = int(r["customer_id"][1:])
            check((r.get("outcome") not in (None, "")) == bool(i % 2), f"outcome where none was sent: {r}")
            if i % 2:
                check(float(r["outcome"]) == i % 3, f"outcome {r['outcome']}, sent {i % 3}")
    # A queue of one entry and bursts that one batch answers at once: the
    # worker appends a batch's entries back to back, faster than the writer
    # formats one, so entries are dropped and counted. The clients are
    # released together and the batch waits up to 1 s to fill, so that the
    # batches are full however slowly a loaded machine starts the threads;
    # when a loaded machine still spread one burst over several batches that
    # the writer kept up with, the burst is sent again (three at most).
    log = os.path.join(WORK, "burst.jsonl")
    s = Server("--prediction-log", log, "--prediction-log-queue", "1", "--workers", "1", "--max-batch", "64",
               "--max-queue-delay-us", "1000000")
    burst, statuses = 64, []
    one = json_request(rows_of(1))  # one row each: the 64 requests fit one batch of 64 rows

    def send(start):
        start.wait()
        statuses.append(s.json("POST", infer_path(), one)[0])

    for bursts in range(1, 4):
        start = threading.Barrier(burst)
        threads = [threading.Thread(target=send, args=(start,)) for _ in range(burst)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        time.sleep(0.5)
        text = s.call("GET", "/metrics")[2].decode()
        written = metric(text, "storefuse_prediction_log_written_total")
        dropped = metric(text, "storefuse_prediction_log_dropped_total")
        print(f"{bursts} bursts of {burst} with a queue of 1: {written:.0f} written, {dropped:.0f} dropped")
        if dropped > 0:
            break
    check(s.stop() == 0, "exit status")
    lines = len(read_jsonl(log))
    print(f"{lines} lines in the file")
    check(statuses.count(200) == burst * bursts, "a request failed: " + str([x for x in statuses if x != 200]))
    check(dropped > 0, f"nothing was dropped in {bursts} bursts")
    check(written + dropped == burst * bursts and lines == written, "written + dropped != answers")


def case_ab_analyse():
    """An experiment simulated offline by `storefuse abtest simulate` and the
    same experiment served live: analyse of the server's prediction log gives
    the same customers per variant, the same means and the same verdict.
    The replay client knows the labels: a first pass (no log) gives each
    sample's answer, a second pass sends every sample again with the outcome
    of that answer (1 if the predicted class is the label) as the request
    parameter `outcome`, which the log carries."""
    check(STOREFUSE, "ab_analyse needs the storefuse toolkit")
    import csv
    repo = make_repository([1, 2])
    exp, split_b, n, customers = "serve-ab", 0.5, 600, 300
    rng = random.Random(5)
    samples = [rows_of(1000 + i) for i in range(n)]
    cust = [f"k{rng.randrange(customers):04d}" for _ in range(n)]
    routing = write_routing(ab_routing(split_b, experiment=exp))

    def answer(s, c, i, path, params=None):
        body, headers = binary_request(samples[i], parameters=params)
        st, _, data = s.call("POST", path, body, headers, conn=c)
        check(st == 200, f"sample {i}: {st} {data[:200]}")
        return json.loads(data)

    def top(logits):
        return max(range(len(logits)), key=lambda k: logits[k])

    s = Server("--repository", repo, "--routing", routing, model=False)
    c = s.conn()
    # Both versions' predictions of every sample (versioned paths bypass routing), for simulate.
    preds = {v: [outputs_of(answer(s, c, i, f"/v2/models/seed/versions/{v}/infer")) for i in range(n)] for v in ("1", "2")}
    labels = [top(preds["1"][i]["behavior_logits"]) if rng.random() < 0.6 else rng.randrange(10) for i in range(n)]
    first = [answer(s, c, i, infer_path(), {"customer_id": cust[i]}) for i in range(n)]
    check(s.stop() == 0, "exit status")
    for v, name in (("1", "a"), ("2", "b")):
        with open(os.path.join(WORK, f"pred_{name}.csv"), "w") as f:
            f.write("sample_id," + ",".join(f"logit_class_{k}" for k in range(10)) + ",dwell_s,engagement\n")
            for i, p in enumerate(preds[v]):
                f.write(f"s{i}," + ",".join(repr(x) for x in p["behavior_logits"]) + f",{p['dwell_s'][0]!r},{p['engagement'][0]!r}\n")
    with open(os.path.join(WORK, "labels.csv"), "w") as f:
        f.write("sample_id,behavior,dwell_s,engagement,customer_id\n")
        for i in range(n):
            f.write(f"s{i},class_{labels[i]},1.0,0.5,{cust[i]}\n")
    sets = ["--set", f"abtest.online.experiment_id={exp}", "--set", f"abtest.online.split_b={split_b}", "--set", "abtest.online.look_every=50"]
    sim = subprocess.run([STOREFUSE, "abtest", "simulate", "--a", os.path.join(WORK, "pred_a.csv"), "--b", os.path.join(WORK, "pred_b.csv"),
                          "--data", os.path.join(WORK, "labels.csv"), "--out", os.path.join(WORK, "sim")] + sets,
                         capture_output=True, text=True)
    check(sim.returncode == 0, f"simulate: {sim.stdout} {sim.stderr}")

    log = os.path.join(WORK, "live.jsonl")
    s = Server("--repository", repo, "--routing", routing, "--prediction-log", log, model=False)
    c = s.conn()
    for i in range(n):
        outcome = int(top(outputs_of(first[i])["behavior_logits"]) == labels[i])
        a = answer(s, c, i, infer_path(), {"customer_id": cust[i], "outcome": outcome})
        check(a["parameters"] == first[i]["parameters"] and outputs_of(a) == outputs_of(first[i]), f"sample {i}: the answer changed")
    text = s.call("GET", "/metrics")[2].decode()
    counts = {v: metric(text, "nv_inference_request_success", model="seed", version=ver, variant=v) for v, ver in (("A", "1"), ("B", "2"))}
    check(s.stop() == 0, "exit status")

    sim_variant = {r["customer_id"]: r["variant"] for r in csv.DictReader(open(os.path.join(WORK, "sim", "log.csv")))}
    agree = sum(sim_variant[cust[i]] == first[i]["parameters"]["variant"] for i in range(n))
    an = subprocess.run([STOREFUSE, "abtest", "analyse", "--log", log, "--out", os.path.join(WORK, "an")] + sets,
                        capture_output=True, text=True)
    check(an.returncode == 0, f"analyse: {an.stdout} {an.stderr}")
    rs, ra = (json.load(open(os.path.join(WORK, d, "report.json"))) for d in ("sim", "an"))
    rows = read_jsonl(log)
    events = {v: sum(r["variant"] == v for r in rows) for v in "AB"}
    print(f"{n} samples of {len(sim_variant)} customers: simulate and serve agree on the variant of {agree}; "
          f"server answered A {counts['A']:.0f}, B {counts['B']:.0f}; log events A {events['A']}, B {events['B']}")
    print(f"simulate: {rs['verdict']} customers {rs['online']['customers']}, means {rs['online'].get('mean')}; "
          f"analyse of the served log: {ra['verdict']} customers {ra['online']['customers']}, means {ra['online'].get('mean')}")
    check(agree == n, "simulate and serve assign differently")
    check(events == {"A": counts["A"], "B": counts["B"]}, "the log's events per variant differ from the server's counts")
    check(ra["online"]["customers"] == rs["online"]["customers"], "customers per variant differ")
    check(ra["verdict"] == rs["verdict"], "the verdicts differ")
    # The same customers' outcomes, summed in the order each log lists them
    # (the served log's times have millisecond ties): equal to rounding.
    ma, ms_ = ra["online"].get("mean"), rs["online"].get("mean")
    check(ma.keys() == ms_.keys() and all(abs(ma[k] - ms_[k]) <= 1e-12 for k in ma), f"the means differ: {ma} {ms_}")


def case_outcomes():
    """POST /v1/outcomes: outcomes arriving after the answers are logged with
    the customer's variant; analyse reads the log, skipping the answers
    without an outcome and the shadow rows; a bad request logs nothing."""
    check(STOREFUSE, "outcomes needs the storefuse toolkit (abtest analyse)")
    repo = make_repository([1, 2])
    log = os.path.join(WORK, "live.jsonl")
    exp, n = "outcomes-ab", 120
    s = Server("--repository", repo, "--routing", write_routing(ab_routing(0.5, experiment=exp, shadow=True)),
               "--prediction-log", log, model=False)
    c = s.conn()
    customers = [f"u{i:03d}" for i in range(n)]
    variant = {}
    for i, cid in enumerate(customers):
        body, headers = binary_request(rows_of(i), parameters={"customer_id": cid}, outputs=["dwell_s"])
        st, _, data = s.call("POST", infer_path(), body, headers, conn=c)
        check(st == 200, f"infer {i}: {st} {data[:200]}")
        variant[cid] = json.loads(data)["parameters"]["variant"]
    # B's customers do better: 4 in 5 against 1 in 5.
    outcome = {cid: int((i % 5 < 4) if variant[cid] == "B" else (i % 5 == 0)) for i, cid in enumerate(customers)}
    batch = [{"customer_id": cid, "outcome": outcome[cid], "request_id": f"r{i}"} for i, cid in enumerate(customers)]
    st, ans = s.json("POST", "/v1/outcomes", json.dumps({"model": "seed", "outcomes": batch}).encode())
    check(st == 200 and ans == {"logged": n, "dropped": 0}, f"outcomes: {st} {ans}")
    bad = [({"model": "seed", "outcomes": batch[:3] + [{"customer_id": "x", "outcome": "yes"}]}, "'outcome' is not a finite number"),
           ({"model": "seed", "outcomes": [{"customer_id": "x", "outcome": 1, "extra": 2}]}, "unknown field 'extra'"),
           ({"model": "nope", "outcomes": []}, "is in no experiment"),
           ({"model": "seed", "outcomes": [{"outcome": 1}]}, "'customer_id' is missing"),
           ({"model": "seed", "outcomes": [{"customer_id": "x", "outcome": 1}] * 10001}, "over the limit")]
    for body, words in bad:
        st, ans = s.json("POST", "/v1/outcomes", json.dumps(body).encode())
        check(st == 400 and words in ans["error"], f"{words}: {st} {ans}")
    check(s.call("GET", "/v1/outcomes")[0] == 405, "GET /v1/outcomes")
    code = s.stop()
    check(code == 0, f"exit status {code}: {s.stderr()[-600:]}")
    rows = read_jsonl(log)
    events = [r for r in rows if "outcome" in r]
    shadows = [r for r in rows if r.get("shadow")]
    check(len(events) == n and len(rows) == len(events) + n + len(shadows), f"{len(rows)} rows, {len(events)} outcomes")
    for r in events:
        check(r["variant"] == variant[r["customer_id"]] and r["experiment"] == exp and r["outcome"] == outcome[r["customer_id"]],
              f"outcome row {r}")
        check(str(r["model_version"]) == ("2" if r["variant"] == "B" else "1"), f"version of {r}")
    sets = ["--set", f"abtest.online.experiment_id={exp}", "--set", "abtest.online.split_b=0.5"]
    an = subprocess.run([STOREFUSE, "abtest", "analyse", "--log", log, "--out", os.path.join(WORK, "an")] + sets,
                        capture_output=True, text=True)
    check(an.returncode == 0, f"analyse: {an.stdout} {an.stderr}")
    report = json.load(open(os.path.join(WORK, "an", "report.json")))
    online = report["online"]
    print(f"{len(rows)} log rows ({n} answers, {len(shadows)} shadow, {len(events)} outcomes): analyse {report['verdict']}, "
          f"customers {online['customers']}, means {online.get('mean')}")
    check(sum(online["customers"].values()) == n, "analyse did not count each customer once")
    check(online["mean"]["b"] > online["mean"]["a"], "B's better outcomes are not seen")
    # Without a prediction log the endpoint refuses, saying why.
    s = Server("--repository", repo, "--routing", write_routing(ab_routing(0.5)), model=False)
    st, ans = s.json("POST", "/v1/outcomes", json.dumps({"outcomes": []}).encode())
    check(st == 400 and "no prediction log" in ans["error"], f"no log: {st} {ans}")
    code = s.stop()
    check(code == 0, f"exit status {code}: {s.stderr()[-600:]}")


def case_routing_errors():
    repo = make_repository([1, 2])
    good = ab_routing(0.1)
    cases = [
        ("unknown key", dict(good, extra=1), "unknown key 'extra'", ":"),
        ("unknown variant key", {"models": {"seed": dict(good["models"]["seed"], variants=[
            {"name": "A", "version": "1", "weight": 0.9}, {"name": "B", "version": "2", "wieght": 0.1}])}}, "unknown key 'models.seed.variants[1].wieght'",
         ":"),
        ("weights", {"models": {"seed": dict(good["models"]["seed"], variants=[
            {"name": "A", "version": "1", "weight": 0.9}, {"name": "B", "version": "2", "weight": 0.2}])}}, "sum to 1.1", "models.seed.variants"),
        ("weight range", {"models": {"seed": dict(good["models"]["seed"], variants=[
            {"name": "A", "version": "1", "weight": 1.5}, {"name": "B", "version": "2", "weight": -0.5}])}}, "expects a number in",
         "models.seed.variants[0].weight"),
        ("weight type", {"models": {"seed": dict(good["models"]["seed"], variants=[
            {"name": "A", "version": "1", "weight": "most"}, {"name": "B", "version": "2", "weight": 0.1}])}}, "expects a number",
         "models.seed.variants[0].weight"),
        ("missing version", {"models": {"seed": dict(good["models"]["seed"], variants=[
            {"name": "A", "version": "1", "weight": 0.9}, {"name": "B", "version": "7", "weight": 0.1}])}}, "version 7",
         "models.seed.variants[1].version"),
        ("empty experiment", {"models": {"seed": dict(good["models"]["seed"], experiment="")}}, "is empty", "models.seed.experiment"),
        ("missing experiment", {"models": {"seed": {k: v for k, v in good["models"]["seed"].items() if k != "experiment"}}},
         "missing key 'models.seed.experiment'", ":"),
        ("shadow names no variant", {"models": {"seed": dict(good["models"]["seed"], shadow={"variant": "C"})}}, "names no variant",
         "models.seed.shadow.variant"),
        ("not YAML", "models: [", "invalid YAML", ":"),
        ("alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
         "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n", "aliases", ""),
    ]
    for name, config, words, key in cases:
        path = write_routing(config, f"bad_{name.replace(' ', '_')}.yaml")
        r = subprocess.run([INFER, "serve", "--repository", repo, "--routing", path, "--port", "0"], capture_output=True, text=True, timeout=60)
        first = r.stderr.strip().splitlines()[:2]
        print(f"{name}: exit {r.returncode}: {' / '.join(first)}")
        check(r.returncode == 2, f"{name}: exit {r.returncode}, wanted 2 (a config error)")
        check(words in r.stderr and path in r.stderr and key in r.stderr, f"{name}: {r.stderr!r} lacks {words!r}, {key!r} or the file")
    r = subprocess.run([INFER, "serve", "--repository", repo, "--routing", os.path.join(WORK, "none.yaml"), "--port", "0"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and "not found" in r.stderr and "none.yaml" in r.stderr, f"missing file: {r.returncode} {r.stderr}")


if __name__ == "__main__":
    base.main(globals())
