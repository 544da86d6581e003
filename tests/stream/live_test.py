#!/usr/bin/python3
"""storefuse-infer stream against a real broker (Debian's mosquitto, started
here on a free loopback port), fed by storefuse-infer replay and by an
independent client (mosquitto_pub / mosquitto_sub), over MQTT and the Unix
socket.

  live_test.py CASE STOREFUSE_INFER SEED_DIR STOREFUSE

CASE: replay_parity, malformed, broker_restart, takeover, video_source. STOREFUSE (the
toolkit) generates RetailSim media (datagen --emit-media); the seed network
gets the data's feature spec with tests/fixtures/with_feature_spec.py.
Every process started here is stopped at exit."""
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CASE, INFER, SEED, STOREFUSE = sys.argv[1:5]
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = tempfile.mkdtemp(prefix="storefuse-stream-")
PROCS = []


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, log):
    p = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    PROCS.append(p)
    return p


def broker(port):
    conf = os.path.join(WORK, f"mosquitto-{port}.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    p = start(["mosquitto", "-c", conf], os.path.join(WORK, f"mosquitto-{port}.log"))
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return p
        except OSError:
            time.sleep(0.05)
    fail("the broker did not start")


def make_media(test=6):
    """RetailSim media of `test` visits and the seed model with their feature spec."""
    data, media = os.path.join(WORK, "data"), os.path.join(WORK, "media")
    subprocess.run([STOREFUSE, "datagen", "--config", os.path.join(HERE, "../../configs/data/retailsim.yaml"),
                    "--out", data, "--emit-media", media, "--set", "retailsim.splits.train=16",
                    "--set", "retailsim.splits.val=4", "--set", f"retailsim.splits.test={test}"],
                   check=True, capture_output=True)
    info = os.path.join(WORK, "info.json")
    with open(info, "w") as f:
        subprocess.run([STOREFUSE, "dataset", "info", os.path.join(data, "train.h5"), "--json"], check=True, stdout=f)
    model = os.path.join(WORK, "model.onnx")
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "../fixtures/with_feature_spec.py"),
                    os.path.join(SEED, "model.onnx"), info, model], check=True)
    return model, os.path.join(media, "test", "manifest.csv")


def config(name, model, mqtt_port=None, sock=None, metrics_port=None, extra="", inputs=""):
    out = os.path.join(WORK, name)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(WORK, name + ".yaml")
    with open(path, "w") as f:
        f.write(f"model: {model}\ninputs:\n")
        if mqtt_port:
            f.write(f"  mqtt: {{host: 127.0.0.1, port: {mqtt_port}, client_id: {name}}}\n")
        if sock:
            f.write(f"  socket: {sock}\n")
        f.write(inputs)
        f.write(f"outputs: {{predictions: {out}/predictions.jsonl, events: {out}/events.jsonl, late: {out}/late.jsonl}}\n")
        if metrics_port:
            f.write(f"metrics: {{port: {metrics_port}}}\n")
        f.write(extra)
    return path, out


def stream(cfg, name, sets=()):
    cmd = [INFER, "stream", "--config", cfg]
    for s in sets:
        cmd += ["--set", s]
    p = start(cmd, os.path.join(WORK, name + ".log"))
    for _ in range(300):
        if "streaming with" in open(os.path.join(WORK, name + ".log")).read():
            return p
        if p.poll() is not None:
            fail(f"stream {name} exited {p.returncode}: " + open(os.path.join(WORK, name + ".log")).read())
        time.sleep(0.05)
    fail("the stream processor did not start")


def stop(p, name, code=0):
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        fail(f"{name} did not stop within 60 s of SIGTERM")
    log = open(os.path.join(WORK, name + ".log")).read()
    check(rc == code, f"{name} exited {rc}, not {code}: {log}")
    return log


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            values[key] = float(value)
    return values


def read_jsonl(path):
    return [json.loads(l) for l in open(path)] if os.path.exists(path) else []


def replay(cfg, manifest, *args):
    windows = os.path.join(WORK, "windows.csv")
    subprocess.run([INFER, "replay", "--config", cfg, "--manifest", manifest, "--windows", windows, *args],
                   check=True, capture_output=True, timeout=300)
    return list(csv.DictReader(open(windows)))


def reference(model, manifest):
    out = os.path.join(WORK, "reference.jsonl")
    subprocess.run([INFER, "predict", "--model", model, "--media", manifest, "--out", out, "--batch", "1"],
                   check=True, capture_output=True)
    return {str(r["sample_id"]): r for r in read_jsonl(out)}


def difference(p, r):
    d = [abs(p["probabilities"][k[2:]] - r[k]) for k in r if k.startswith("p_")]
    return max(d + [abs(p["dwell_s"] - r["dwell_s"]), abs(p["engagement"] - r["engagement"])])


def case_replay_parity():
    """Visits replayed as live streams (frames and audio on the socket, POS and
    sensors over MQTT) give the windows predict --media gives the files."""
    model, manifest = make_media()
    port, mport = free_port(), free_port()
    broker(port)
    sock = os.path.join(WORK, "stream.sock")
    cfg, out = config("parity", model, port, sock, mport, "batch: {max_batch: 1}\n")
    events_seen = os.path.join(WORK, "sub.jsonl")
    sub = start(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", "storefuse/+/+/events", "-q", "1"], events_seen)
    p = stream(cfg, "parity")
    windows = replay(cfg, manifest, "--streams", "2", "--speed", "40")
    stop(p, "parity")
    time.sleep(0.5)
    sub.terminate()
    ref = reference(model, manifest)
    preds = {(q["stream"], q["window_end"]): q for q in read_jsonl(os.path.join(out, "predictions.jsonl"))}
    worst = 0.0
    for w in windows:
        q = preds.get((w["stream"], float(w["window_end"])))
        check(q is not None, f"no prediction for visit {w['visit']} (window {w['window_end']} of {w['stream']})")
        check(q["visit"] == w["visit"], f"window of visit {w['visit']} names visit {q['visit']}")
        check(all(q["modalities"].values()), f"visit {w['visit']}: a modality is missing: {q['modalities']}")
        worst = max(worst, difference(q, ref[w["visit"]]))
    print(f"{len(windows)} visits: largest |stream - predict --media| = {worst:.3g}")
    check(worst <= 1e-6, "the stream's windows differ from predict --media")
    events = read_jsonl(os.path.join(out, "events.jsonl"))
    ids = [e["event_id"] for e in events]
    check(len(ids) == len(set(ids)), "an event id repeats within one process")
    published = {json.loads(l)["event_id"] for l in open(events_seen) if l.strip()}
    check(published == set(ids), f"mosquitto_sub saw {len(published)} events, the JSONL file has {len(ids)}")
    print(f"{len(events)} events, each published once to MQTT and seen by mosquitto_sub")


def case_malformed():
    """Bad messages on MQTT and on the socket are counted by reason; the
    process keeps going and a good stream after them still predicts."""
    model, manifest = make_media(2)
    port, mport = free_port(), free_port()
    broker(port)
    sock = os.path.join(WORK, "bad.sock")
    cfg, out = config("bad", model, port, sock, mport)
    p = stream(cfg, "bad")
    now = time.time()
    bad = [("storefuse/s/c/pos", "not json"), ("storefuse/s/c/pos", '{"line": "x"}'),
           ("storefuse/s/c/pos", '{"ts": "soon", "line": "x"}'),            ("storefuse/s/c/pos", f'{{"ts": {now + 3600}, "line": "x"}}'),
           ("storefuse/s/c/pos", f'{{"ts": {now - 10 * 86400}, "line": "x"}}'),
           ("storefuse/s/c/sensor", f'{{"ts": {now}, "values": [1, 2]}}'),
           ("storefuse/s/c/frame", f'{{"ts": {now}}}\nnot an image'),
           ("storefuse/s/c/audio", f'{{"ts": {now}, "rate": 16000}}\nabc'),
           ("storefuse/s/c/pos", "[" * 100 + "]" * 100)]
    for topic, payload in bad:
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-t", topic, "-m", payload, "-q", "1"], check=True)
    with socket.socket(socket.AF_UNIX) as s:  # a good message, a bad one, then broken framing
        s.connect(sock)
        good = json.dumps({"ts": now, "line": "SALE"}).encode()
        s.sendall(b"storefuse/s/c/pos %d\n" % len(good) + good)
        s.sendall(b"storefuse/s/c/pos 3\nabc")
        s.sendall(b"storefuse/s/weather 2\n{}")  # MQTT delivers only the four kinds; the socket takes any topic
        s.sendall(b"no length here\n")
        time.sleep(0.3)
    deadline = time.time() + 10
    while time.time() < deadline:
        m = metrics(mport)
        refused = sum(v for k, v in m.items() if k.startswith("storefuse_stream_malformed_total"))
        if refused >= len(bad) + 3:
            break
        time.sleep(0.1)
    reasons = {k: v for k, v in m.items() if k.startswith("storefuse_stream_malformed_total")}
    print("refused:", reasons)
    check(refused == len(bad) + 3, f"{refused} messages refused, not {len(bad) + 3}")
    for reason in ("json", "timestamp", "topic", "undecodable_frame", "fields", "socket_framing"):
        check(any(f'reason="{reason}"' in k for k in reasons), f"no message counted as {reason}")
    check(p.poll() is None, "the process died")
    replay(cfg, manifest, "--streams", "1", "--speed", "40")  # a good stream still predicts
    log = stop(p, "bad")
    check("refused a message from mqtt" in log and "refused a message from socket" in log, "the log names the inputs: " + log)
    check(len(read_jsonl(os.path.join(out, "predictions.jsonl"))) > 0, "no prediction after the bad messages")


def case_broker_restart():
    """The broker goes away mid-stream and comes back on the same port: the
    processor reconnects, keeps its windows, and the events of the outage
    reach MQTT after it (the outbox)."""
    model, manifest = make_media(4)
    port, mport = free_port(), free_port()
    b = broker(port)
    sock = os.path.join(WORK, "restart.sock")
    cfg, out = config("restart", model, port, sock, mport)
    p = stream(cfg, "restart")
    b.terminate()
    b.wait()
    # The visits arrive on the socket alone while the broker is down.
    with open(cfg) as f:
        text = f.read()
    socket_only = os.path.join(WORK, "socket-only.yaml")
    with open(socket_only, "w") as f:
        f.write(text.replace(f"  mqtt: {{host: 127.0.0.1, port: {port}, client_id: restart}}\n", ""))
    windows = replay(socket_only, manifest, "--streams", "1", "--speed", "40")
    time.sleep(1.0)
    m = metrics(mport)
    check(m["storefuse_stream_mqtt_connected"] == 0, "the processor says it is connected to a stopped broker")
    outbox = m["storefuse_stream_mqtt_outbox"]
    print(f"broker down: {m['storefuse_stream_predictions_total']:.0f} predictions, {outbox:.0f} events waiting")
    events_seen = os.path.join(WORK, "sub.jsonl")
    broker(port)
    sub = start(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", "storefuse/+/+/events", "-q", "1"], events_seen)
    deadline = time.time() + 20
    while time.time() < deadline and metrics(mport)["storefuse_stream_mqtt_connects_total"] < 2:
        time.sleep(0.2)
    m = metrics(mport)
    check(m["storefuse_stream_mqtt_connects_total"] == 2, "the processor did not reconnect")
    stop(p, "restart")
    time.sleep(0.5)
    sub.terminate()
    events = read_jsonl(os.path.join(out, "events.jsonl"))
    preds = read_jsonl(os.path.join(out, "predictions.jsonl"))
    check({q["visit"] for q in preds} >= {w["visit"] for w in windows}, "a visit's windows were lost")
    check(outbox > 0, "no event was waiting while the broker was down (nothing tested)")
    # Events computed during the outage were queued before the subscriber
    # connected; the ones after the reconnect must all arrive.
    published = {json.loads(l)["event_id"] for l in open(events_seen) if l.strip()}
    print(f"{len(events)} events written, {len(published)} seen after the reconnect")
    # mosquitto_sub subscribed before the reconnect (the client waits at least 1 s to retry).
    check(published == {e["event_id"] for e in events}, "events written while the broker was down did not reach MQTT")


def case_takeover():
    """Two processes share the streams through $share; one is killed (SIGKILL)
    mid-replay; the other takes its streams over: every event of a one-process
    run is in the union of the two (by id), and every visit's window is predicted."""
    model, manifest = make_media(8)
    port = free_port()
    broker(port)
    # Reference: one process, everything over MQTT.
    # At 10x speed the defaults' event-time spans shrink tenfold in wall
    # time. The standby's history (max(10 s, 4 x deadline_s)) would be 1 s:
    # deadline_s 5 makes it 2 s, so a loaded machine's lag in the owner's
    # progress stays within it. A source 2 s of event time behind the others
    # would count as idle after 0.2 s of wall time, so the interleaving of
    # the topics on a loaded machine would decide what a window holds, in
    # either run: the idle lags are the defaults times 10.
    shared = ("batch: {max_batch: 1}\nwindow: {deadline_s: 5, "
              "idle_lag_s: {visual: 20, audio: 20, text: 5, sensor: 30}}\n")
    cfg, out = config("single", model, port, None, None, shared)
    p = stream(cfg, "single")
    start_at = str(int(time.time()) - 3600)  # one timeline for both runs: the same windows, the same event ids
    windows = replay(cfg, manifest, "--streams", "4", "--speed", "10", "--all-mqtt", "--start", start_at)
    stop(p, "single")
    reference = read_jsonl(os.path.join(out, "events.jsonl"))
    reference_events = {e["event_id"] for e in reference}
    ca, oa = config("a", model, port, None, None, shared)
    cb, ob = config("b", model, port, None, None, shared)
    a = stream(ca, "a", ["inputs.mqtt.share_group=workers"])
    b = stream(cb, "b", ["inputs.mqtt.share_group=workers"])
    time.sleep(0.5)
    r = subprocess.Popen([INFER, "replay", "--config", ca, "--manifest", manifest, "--windows", os.path.join(WORK, "w2.csv"),
                          "--streams", "4", "--speed", "10", "--all-mqtt", "--start", start_at], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(4)
    owned_a = len(read_jsonl(os.path.join(oa, "predictions.jsonl")))
    owned_b = len(read_jsonl(os.path.join(ob, "predictions.jsonl")))
    check(owned_a > 0 and owned_b > 0, f"the streams were not shared: {owned_a} and {owned_b} predictions")
    a.kill()
    a.wait()
    r.wait(timeout=300)
    log = stop(b, "b")
    check("took over" in log, "b did not take a's streams over: " + log)
    check("are not run" not in log, "b's history did not reach back to a's progress: " + log)
    union = read_jsonl(os.path.join(oa, "events.jsonl")) + read_jsonl(os.path.join(ob, "events.jsonl"))
    ids = {e["event_id"] for e in union}
    missing = reference_events - ids
    print(f"one process: {len(reference_events)} events; two, one killed: {len(union)} ({len(union) - len(ids)} duplicates), "
          f"{len(missing)} missing")
    preds = read_jsonl(os.path.join(oa, "predictions.jsonl")) + read_jsonl(os.path.join(ob, "predictions.jsonl"))
    if missing:  # what each run predicted around the events that differ, to tell a takeover bug from timing
        single = read_jsonl(os.path.join(out, "predictions.jsonl"))
        extra = ids - reference_events
        for e in [e for e in reference if e["event_id"] in missing] + [e for e in union if e["event_id"] in extra]:
            print(f"{'missing' if e['event_id'] in missing else 'extra'}: {e['type']} of {e['store']}/{e['camera']} "
                  f"window {e['window']}")
            stream_name = f"{e['store']}/{e['camera']}"
            for name, rows in (("one process", single), ("two", preds)):
                for q in rows:
                    if q["stream"] == stream_name and e["window"] - 2 <= q["window"] <= e["window"]:
                        print(f"  {name}: window {q['window']} {q['close']} {q['behavior']} engagement "
                              f"{q['engagement']:.3f} dwell {q['dwell_s']:.1f} modalities {q['modalities']} "
                              f"incomplete {q.get('incomplete', [])}")
        print(log)
    check(not missing, f"events lost in the takeover: {sorted(missing)[:5]}")
    have = {(q["stream"], q["window_end"]) for q in preds}
    for w in csv.DictReader(open(os.path.join(WORK, "w2.csv"))):
        check((w["stream"], float(w["window_end"])) in have, f"visit {w['visit']}'s window was not predicted")


def case_video_source():
    """A video file read by the processor itself (inputs.video, cv::VideoCapture)
    at its frame rate: windows close on its frames alone, visual present and
    the other modalities masked."""
    model, manifest = make_media(2)
    video = os.path.join(os.path.dirname(manifest), next(csv.DictReader(open(manifest)))["video"])
    cfg, out = config("video", model, inputs=f"  video: [{{stream: shop/door, url: {video}}}]\n")
    p = stream(cfg, "video")
    time.sleep(6)  # a 4 s clip at 4 fps, read in real time
    stop(p, "video")
    preds = read_jsonl(os.path.join(out, "predictions.jsonl"))
    check(len(preds) >= 3, f"{len(preds)} predictions from a 4 s clip")
    check(all(q["stream"] == "shop/door" for q in preds), "a prediction of another stream")
    check(all(q["modalities"] == {"visual": True, "audio": False, "text": False, "sensor": False} for q in preds),
          f"modalities: {preds[0]['modalities']}")
    print(f"{len(preds)} windows from the clip, closes: {sorted({q['close'] for q in preds})}")


def main():
    try:
        {"replay_parity": case_replay_parity, "malformed": case_malformed,
         "broker_restart": case_broker_restart, "takeover": case_takeover,
         "video_source": case_video_source}[CASE]()
        print("PASS")
    finally:
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.environ.get("KEEP") != "1": shutil.rmtree(WORK, ignore_errors=True)
        else: print("kept", WORK)


if __name__ == "__main__":
    main()
