#!/usr/bin/env bash
# `storefuse-infer serve` against its peer, ONNX Runtime behind Node's http
# server (ort_server.js), on the same model and the same requests: the highest
# open-loop arrival rate each one holds with p99 latency under P99_MS,
# found by serve_loadgen --find-max-rate. Both servers run pinned to one core
# (SERVER_CPU) and stay up; the load generator runs pinned to another
# (CLIENT_CPU). Each round starts with the next server (the peer first in
# round 1); the script prints every step, every round and the per-round ratios
# with their median. Without a `serve` command in BUILD's storefuse-infer
# (its `serve --help` fails), only the peer is measured.
#
#   bench/serve/compare.sh [BUILD_DIR] [ROUNDS]     # default: build 3
#   env: MODEL     the model (BUILD_DIR/tests/infer/seed/model.onnx)
#        NAME      the model's name in the routes (seed)
#        P99_MS    the p99 target (10)
#        STEP_S    seconds per step of the search, after 0.5 s of warm-up (3)
#        BATCH     rows per request (1); FORMAT json or binary (json)
#        THREADS   intra-op threads of both servers (1)
#        SERVER_CPU, CLIENT_CPU  the cores (1, 0)
#        LOADGEN   serve_loadgen (BUILD_DIR/bench/serve/serve_loadgen; else
#                  compiled from loadgen.cpp into a temporary folder)
#        LOADGEN_ARGS  more serve_loadgen options (e.g. "--arrival uniform")
#        BUSY_POLL 1: the load generator spins on its core rather than sleep
#                  between requests, so its sends are not late (1; 0: sleeps)
#        SF_ARGS   more `storefuse-infer serve` options (e.g. "--workers 1")
#        BATCHED_ARGS  if set, a third server, "batched": storefuse with SF_ARGS
#                  and these (e.g. "--max-batch 16 --max-queue-delay-us 2000"),
#                  measured in the same rounds; the summary adds batched /
#                  storefuse per round
#        WARMUP_S  seconds of load at WARMUP_RATE req/s on each server before
#                  the rounds (2, 200): JIT, caches and allocators settle
# Needs node, /usr/bin/python3 and bench/peers/node_modules/onnxruntime-node
# ((cd bench/peers && npm ci --ignore-scripts)). The machine's other load
# skews both sides: the load average is printed with every round.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
rounds=${2:-3}
model=${MODEL:-$build/tests/infer/seed/model.onnx}
name=${NAME:-seed}
p99_ms=${P99_MS:-10}
step_s=${STEP_S:-3}
batch=${BATCH:-1}
format=${FORMAT:-json}
threads=${THREADS:-1}
server_cpu=${SERVER_CPU:-1}
client_cpu=${CLIENT_CPU:-0}
bin=$build/infer/storefuse-infer
py=/usr/bin/python3
[ -x "$py" ] || py=python3

die() { echo "compare.sh: $*" >&2; exit 2; }
[ -f "$model" ] || die "$model is missing (the seed fixture is built with the tests)"
[ -d bench/peers/node_modules/onnxruntime-node ] || die "no onnxruntime-node: (cd bench/peers && npm ci --ignore-scripts)"
case $format in json|binary) ;; *) die "FORMAT is json or binary" ;; esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/serve-compare.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

loadgen=${LOADGEN:-$build/bench/serve/serve_loadgen}
if [ ! -x "$loadgen" ]; then
  echo "== compiling serve_loadgen (no $loadgen)"
  nice "${CXX:-c++}" -std=c++17 -O2 -o "$tmp/serve_loadgen" bench/serve/loadgen.cpp -pthread
  loadgen=$tmp/serve_loadgen
fi

headers=()
poll=()
[ "${BUSY_POLL:-1}" = 1 ] && poll=(--busy-poll)
if [ "$format" = binary ]; then
  json_length=$("$py" bench/serve/make_request.py --binary --batch "$batch" --out "$tmp/body" 2>/dev/null)
  headers=(--header "Inference-Header-Content-Length: $json_length" --header "Content-Type: application/octet-stream")
else
  "$py" bench/serve/make_request.py --batch "$batch" --out "$tmp/body" 2>/dev/null
fi

free_port() {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME LOG COMMAND...: start a server pinned to the server core and wait
# for its `listening on` line.
start() {
  local label=$1 log=$2
  shift 2
  taskset -c "$server_cpu" "$@" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 600); do
    grep -q '^listening on ' "$log" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "compare.sh: $label exited:" >&2; tail -5 "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "compare.sh: $label did not print 'listening on' within 60 s" >&2
  return 1
}

# The route a server answers for the model: NAME first, then the file's stem and its folder's name.
route_of() {
  local port=$1 candidate
  for candidate in "$name" "$(basename "$model" .onnx)" "$(basename "$(dirname "$model")")"; do
    if "$loadgen" --port "$port" --path "/v2/models/$candidate/infer" --body "$tmp/body" "${headers[@]}" --probe \
         >"$tmp/probe" 2>&1; then
      echo "/v2/models/$candidate/infer"
      return 0
    fi
  done
  echo "compare.sh: no infer route answers 2xx on port $port; the last answer:" >&2
  head -c 400 "$tmp/probe" >&2
  echo >&2
  return 1
}

servers=()
extra=()
declare -A port route
port[peer]=$(free_port)
start "ort_server.js" "$tmp/peer.log" node bench/serve/ort_server.js --model "$model" --port "${port[peer]}" \
  --host 127.0.0.1 --threads "$threads" --name "$name"
route[peer]=$(route_of "${port[peer]}")
servers+=(peer)

if "$bin" serve --help >"$tmp/serve_help" 2>&1; then
  port[storefuse]=$(free_port)
  grep -q -- '--name' "$tmp/serve_help" && extra+=(--name "$name")
  grep -q -- '--threads' "$tmp/serve_help" && extra+=(--threads "$threads")
  grep -q -- '--grace-period' "$tmp/serve_help" && extra+=(--grace-period 0)
  # shellcheck disable=SC2206
  extra+=(${SF_ARGS:-})
  if start "storefuse-infer serve" "$tmp/storefuse.log" "$bin" serve --model "$model" --port "${port[storefuse]}" \
       --host 127.0.0.1 "${extra[@]}" && route[storefuse]=$(route_of "${port[storefuse]}"); then
    servers+=(storefuse)
  else
    echo "== storefuse-infer serve did not come up: measuring the peer alone"
  fi
  if [ -n "${BATCHED_ARGS:-}" ] && [ -n "${route[storefuse]:-}" ]; then
    port[batched]=$(free_port)
    # shellcheck disable=SC2206
    batched_extra=("${extra[@]}" ${BATCHED_ARGS})
    start "storefuse-infer serve (batched)" "$tmp/batched.log" "$bin" serve --model "$model" --port "${port[batched]}" \
      --host 127.0.0.1 "${batched_extra[@]}"
    route[batched]=$(route_of "${port[batched]}")
    servers+=(batched)
  fi
else
  echo "== $bin has no serve command (serve --help fails): measuring the peer alone"
fi

onnxruntime=$(node -p "require('./bench/peers/node_modules/onnxruntime-node/package.json').version")
echo "== $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); node $(node --version), onnxruntime-node $onnxruntime"
echo "== model $model, batch $batch, $format body ($(wc -c <"$tmp/body") bytes), threads $threads;" \
     "servers on core $server_cpu, load on core $client_cpu; p99 < $p99_ms ms, ${step_s} s steps"
echo "   peer: node bench/serve/ort_server.js --threads $threads on 127.0.0.1:${port[peer]}${route[peer]}"
if [ -n "${port[storefuse]:-}" ] && [ -n "${route[storefuse]:-}" ]; then
  echo "   storefuse: $bin serve ${extra[*]} on 127.0.0.1:${port[storefuse]}${route[storefuse]}"
fi
if [ -n "${port[batched]:-}" ]; then
  echo "   batched: $bin serve ${batched_extra[*]} on 127.0.0.1:${port[batched]}${route[batched]}"
fi
for s in "${servers[@]}"; do
  printf '   warm-up %s: ' "$s"
  taskset -c "$client_cpu" "$loadgen" --port "${port[$s]}" --path "${route[$s]}" --body "$tmp/body" "${headers[@]}" \
    --rate "${WARMUP_RATE:-200}" --duration "${WARMUP_S:-2}" --warmup 0 --timeout 1 |
    "$py" -c 'import json, sys; r = json.loads(sys.stdin.read()); print("%d/%d ok, p50 %s ms" % (r["ok"], r["sent"], r["p50_ms"]))'
done

# measure SERVER ROUND: one search; prints its steps and its result, and
# appends "SERVER ROUND RATE P50 P99" to $tmp/results.
measure() {
  local s=$1 round=$2 load
  load=$(cut -d' ' -f1 /proc/loadavg)
  # shellcheck disable=SC2086
  taskset -c "$client_cpu" "$loadgen" --port "${port[$s]}" --path "${route[$s]}" --body "$tmp/body" "${headers[@]}" \
    --find-max-rate --p99-ms "$p99_ms" --step-s "$step_s" "${poll[@]}" ${LOADGEN_ARGS:-} >"$tmp/run.jsonl" || true
  "$py" - "$tmp/run.jsonl" "$s" "$round" "$load" "$tmp/results" <<'EOF'
import json, sys
lines, server, rnd, load, results = sys.argv[1:]
rows = [json.loads(l) for l in open(lines) if l.strip()]
ms = lambda x: "-" if x is None else "%.2f" % x
for r in rows:
    if "step" in r:
        print("    step %2d %8.1f req/s  %s  ok %d/%d  p50 %s  p99 %s  max %s ms%s" % (
            r["step"], r["rate"], "pass" if r["pass"] else "FAIL", r["ok"], r["sent"], ms(r["p50_ms"]),
            ms(r["p99_ms"]), ms(r["max_ms"]), "  (stopped early)" if r.get("aborted") else ""))
final = next((r for r in rows if r.get("mode") == "find-max-rate"), None)
if final is None:
    print("round %s %-9s no result (serve_loadgen failed)" % (rnd, server))
    sys.exit(0)
best = max((r for r in rows if r.get("pass")), key=lambda r: r["rate"], default=None)
print("round %s %-9s max rate %7.1f req/s at p99 %s ms (p50 %s ms, %.1f responses/s, send lag p99 %s ms);"
      " first failing %s; load %s" % (
    rnd, server, final["max_rate"] or 0, ms(final["p99_ms"]), ms(final["p50_ms"]), final["throughput_rps"] or 0,
    ms(best and best["send_lag_p99_ms"]), "-" if final["failing_rate"] is None else "%.0f" % final["failing_rate"], load))
with open(results, "a") as f:
    f.write("%s %s %s %s %s\n" % (server, rnd, final["max_rate"] or 0, final["p50_ms"], final["p99_ms"]))
EOF
}

: >"$tmp/results"
for round in $(seq "$rounds"); do
  # Each round starts one server later than the one before (peer first in round 1).
  order=()
  for i in $(seq 0 $((${#servers[@]} - 1))); do order+=("${servers[$(((i + round - 1) % ${#servers[@]}))]}"); done
  for s in "${order[@]}"; do measure "$s" "$round"; done
done

"$py" - "$tmp/results" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for server, rnd, rate, p50, p99 in rows:
    by.setdefault(server, {})[int(rnd)] = (float(rate), p50, p99)
print("== max rate at the p99 target, over rounds: server  min / median / max req/s")
for server, rounds in by.items():
    rates = [r[0] for r in rounds.values()]
    print("   %-9s %8.1f / %8.1f / %8.1f" % (server, min(rates), statistics.median(rates), max(rates)))
def ratios(top, bottom, title):
    """Per-round max-rate ratio top / bottom, and its median."""
    if top not in by or bottom not in by:
        return
    r = [by[top][k][0] / by[bottom][k][0] for k in sorted(by[bottom]) if k in by[top] and by[bottom][k][0] > 0]
    print("== %s max rate, per round: " % title + " ".join("%.2f" % x for x in r))
    if r:
        print("== median ratio %.2f" % statistics.median(r))
ratios("storefuse", "peer", "storefuse / peer")
ratios("batched", "storefuse", "batched / storefuse (batch 1)")
EOF
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
