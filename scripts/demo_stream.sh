#!/usr/bin/env bash
# make demo, last step: a mosquitto broker on a free loopback port,
# storefuse-infer stream on the demo's exported model, and 40 of RetailSim's
# recorded test visits replayed on 4 live streams at 20x (frames and audio on
# the processor's socket, POS and sensor rows over MQTT). mosquitto_sub
# listens to the events as a store's consumer would; the script prints them
# and the processor's figures. docs/streaming.md.
#   scripts/demo_stream.sh BUILD_DIR   (after scripts/demo.sh's step 4)
set -euo pipefail
build=${1:-build}
sfi="$build/infer/storefuse-infer"
dir=out/demo/stream
rm -rf "$dir"
mkdir -p "$dir"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" > "$dir/mosquitto.conf"
cat > "$dir/stream.yaml" <<YAML
model: ../model.onnx
inputs:
  mqtt: {host: 127.0.0.1, port: $port}
  socket: $PWD/$dir/stream.sock
outputs:
  predictions: predictions.jsonl
  events: events.jsonl
metrics: {port: $mport}
YAML

mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
broker=$!
pids=$broker
trap 'kill $pids 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
mosquitto_sub -h 127.0.0.1 -p "$port" -t 'storefuse/+/+/events' -q 1 > "$dir/events-seen.jsonl" &
pids="$pids $!"
"$sfi" stream --config "$dir/stream.yaml" > "$dir/stream.out" 2> "$dir/stream.err" &
stream=$!
pids="$pids $stream"
for _ in $(seq 1 300); do grep -q "^streaming with" "$dir/stream.out" && break; sleep 0.1; done
grep "^streaming with" "$dir/stream.out"
"$sfi" replay --config "$dir/stream.yaml" --manifest out/demo/media/test/manifest.csv --visits 40 --streams 4 \
  --speed 20 --frames jpg --windows "$dir/windows.csv"
curl -s "http://127.0.0.1:$mport/metrics" | grep -E '^storefuse_stream_(windows_closed|predictions|events|late_items|malformed)' || true
kill -TERM $stream
wait $stream
sleep 0.5
/usr/bin/python3 - "$dir" <<'PY'
import collections, csv, json, sys
d = sys.argv[1]
events = [json.loads(l) for l in open(f"{d}/events.jsonl")]
seen = {json.loads(l)["event_id"] for l in open(f"{d}/events-seen.jsonl") if l.strip()}
preds = {(p["stream"], p["window_end"]): p for p in map(json.loads, open(f"{d}/predictions.jsonl"))}
lat = sorted(p["latency_ms"] for p in preds.values() if p["close"] != "flush")
print(f"{len(preds)} window predictions, close to prediction p50 {lat[len(lat) // 2]:.1f} ms, "
      f"p99 {lat[int(len(lat) * 0.99)]:.1f} ms")
print("events:", dict(collections.Counter(e["type"] for e in events)),
      f"- {len(seen & {e['event_id'] for e in events})} of {len(events)} seen by mosquitto_sub")
labels = {r["sample_id"]: r["behavior"] for r in csv.DictReader(open("out/demo/media/test/labels.csv"))}
right = total = 0
for w in csv.DictReader(open(f"{d}/windows.csv")):
    p = preds.get((w["stream"], float(w["window_end"])))
    if p and w["visit"] in labels:
        total += 1
        right += p["behavior"] == labels[w["visit"]]
print(f"the visits' own windows: {right} of {total} behaviours right")
for e in [e for e in events if e["type"] != "BEHAVIOUR_CHANGE"][:5]:
    print(f"  {e['type']:16s} store {e['store']} camera {e['camera']} visit {e['visit']} confidence {e['confidence']:.2f} id {e['event_id']}")
PY
kill $pids 2>/dev/null || true
trap - EXIT
