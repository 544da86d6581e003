#!/usr/bin/env bash
# `storefuse-infer serve` past its capacity and over a long run, pinned to
# one core (SERVER_CPU) with the open-loop load generator on another
# (CLIENT_CPU), batch-1 JSON requests of the seed network:
#   1. the highest rate with p99 under P99_MS (serve_loadgen --find-max-rate),
#      unless MAX_RATE gives it;
#   2. "unloaded": STEP_S seconds at 20 % of it; its p99 is the reference;
#   3. overload: STEP_S seconds at 2x it: the admitted (2xx) requests' p99
#      against the reference, how many got 503, and whether the server still
#      answers afterwards;
#   4. with SOAK_S > 0: SOAK_S seconds at 80 % of it, the server's resident
#      memory (VmRSS) sampled every 10 s; first, last, min and max after the
#      first minute.
#
#   bench/serve/overload.sh [BUILD_DIR]      # env: SF_ARGS, MAX_RATE, P99_MS (10),
#                                            # STEP_S (10), SOAK_S (0), SERVER_CPU (1), CLIENT_CPU (0)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
bin=$build/infer/storefuse-infer
loadgen=$build/bench/serve/serve_loadgen
model=${MODEL:-$build/tests/infer/seed/model.onnx}
p99_ms=${P99_MS:-10}
step_s=${STEP_S:-10}
soak_s=${SOAK_S:-0}
server_cpu=${SERVER_CPU:-1}
client_cpu=${CLIENT_CPU:-0}
py=/usr/bin/python3
[ -x "$loadgen" ] || { echo "overload.sh: build serve_loadgen first (cmake --build $build --target serve_loadgen)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/serve-overload.XXXXXX")
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
"$py" bench/serve/make_request.py --batch 1 --out "$tmp/body" 2>/dev/null

# shellcheck disable=SC2086
taskset -c "$server_cpu" "$bin" serve --model "$model" --name seed --port 0 --grace-period 0 ${SF_ARGS:-} \
  >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 600); do grep -q '^listening on ' "$tmp/server.log" && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/server.log")
[ -n "$port" ] || { cat "$tmp/server.log" >&2; exit 1; }
echo "== $bin serve ${SF_ARGS:-} on core $server_cpu, load on core $client_cpu; load average $(cut -d' ' -f1-3 /proc/loadavg)"

run() {  # run RATE SECONDS: one open-loop run, its JSON line
  taskset -c "$client_cpu" "$loadgen" --port "$port" --path /v2/models/seed/infer --body "$tmp/body" \
    --rate "$1" --duration "$2" --busy-poll --timeout 5
}
field() { "$py" -c 'import json, sys; r = json.loads(sys.stdin.read()); print(r'"$1"')'; }
show() {
  "$py" -c '
import json, sys
r = json.loads(sys.stdin.read())
s = r.get("status", {})
print("%s: %.0f req/s for %.0f s: %d sent, %d ok, %s 503, %d errors, %d timeouts; ok p50 %s p99 %s max %s ms" % (
    sys.argv[1], r["rate"], r["duration_s"], r["sent"], r["ok"], s.get("503", 0), r["errors"], r["timeouts"],
    r["p50_ms"], r["p99_ms"], r["max_ms"]))' "$1"
}

run 200 2 >/dev/null  # warm-up
if [ -n "${MAX_RATE:-}" ]; then
  max=$MAX_RATE
else
  taskset -c "$client_cpu" "$loadgen" --port "$port" --path /v2/models/seed/infer --body "$tmp/body" \
    --find-max-rate --p99-ms "$p99_ms" --step-s 3 --busy-poll >"$tmp/find.jsonl" || true
  max=$(grep '"find-max-rate"' "$tmp/find.jsonl" | field '["max_rate"]')
fi
echo "== max rate at p99 < $p99_ms ms: $max req/s"
low=$("$py" -c "print(round($max * 0.2, 1))")
high=$("$py" -c "print(round($max * 2, 1))")
run "$low" "$step_s" >"$tmp/low.json"
show "unloaded (20 %)" <"$tmp/low.json"
run "$high" "$step_s" >"$tmp/high.json"
show "overload (2x)  " <"$tmp/high.json"
kill -0 "$server" 2>/dev/null || { echo "== the server died under overload" >&2; exit 1; }
run "$low" 3 >"$tmp/after.json"
show "afterwards     " <"$tmp/after.json"
"$py" - "$tmp/low.json" "$tmp/high.json" <<'EOF'
import json, sys
low, high = (json.load(open(p)) for p in sys.argv[1:])
print("== admitted p99 under 2x overload / unloaded p99: %.2f (%s / %s ms); %d of %d answered 503" % (
    high["p99_ms"] / low["p99_ms"], high["p99_ms"], low["p99_ms"], high.get("status", {}).get("503", 0), high["sent"]))
EOF

if [ "$soak_s" -gt 0 ]; then
  soak=$("$py" -c "print(round($max * 0.8, 1))")
  echo "== soak: $soak req/s (80 %) for $soak_s s; VmRSS every 10 s"
  run "$soak" "$soak_s" >"$tmp/soak.json" &
  load=$!
  : >"$tmp/rss"
  while kill -0 "$load" 2>/dev/null; do
    echo "$(date +%s) $(awk '/VmRSS/ {print $2}' /proc/"$server"/status)" >>"$tmp/rss"
    sleep 10
  done
  wait "$load" || true
  show "soak           " <"$tmp/soak.json"
  "$py" - "$tmp/rss" <<'EOF'
import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 2]
t0 = rows[0][0]
print("   VmRSS samples (s: MB): " + " ".join("%d: %.1f" % (t - t0, kb / 1024) for t, kb in rows))
later = [kb for t, kb in rows if t - t0 >= 60]
if later:
    print("== after the first minute: first %.1f, last %.1f, min %.1f, max %.1f MB (max - min %.1f MB)" % (
        later[0] / 1024, later[-1] / 1024, min(later) / 1024, max(later) / 1024, (max(later) - min(later)) / 1024))
EOF
fi
