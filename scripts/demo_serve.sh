#!/usr/bin/env bash
# make demo, last step: the seed network (version 1) and gated fusion
# (version 2) served side by side, live A/B traffic split 50/50 by customer,
# RetailSim's recorded visits replayed as raw media (docs/examples/serve/
# replay.py), their outcomes posted back, and the server's prediction log
# analysed by `storefuse abtest analyse` into a report.
#   scripts/demo_serve.sh BUILD_DIR   (after scripts/demo.sh's steps 1-8)
set -euo pipefail
build=${1:-build}
sf="$build/cli/storefuse"
sfi="$build/infer/storefuse-infer"
media=out/demo/media
serve=out/demo/serve
experiment=demo-seed-vs-gated

rm -rf "$serve"
mkdir -p "$serve/repo/seed/1" "$serve/repo/seed/2"
cp out/demo/model.onnx "$serve/repo/seed/1/model.onnx"
cp out/demo/model-gated.onnx "$serve/repo/seed/2/model.onnx"
cat > "$serve/routing.yaml" <<YAML
models:
  seed:
    experiment: $experiment
    variants:
      - {name: A, version: 1, weight: 0.5}   # seed fusion
      - {name: B, version: 2, weight: 0.5}   # gated fusion
YAML

"$sfi" serve --repository "$serve/repo" --routing "$serve/routing.yaml" --port 0 \
  --prediction-log "$serve/predictions.jsonl" > "$serve/server.out" 2> "$serve/server.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$serve/server.out")
  [ -n "$port" ] && break
  kill -0 $server 2>/dev/null || { cat "$serve/server.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "the server did not start" >&2; exit 1; }
echo "serving seed versions 1 (A) and 2 (B) on 127.0.0.1:$port, routing $serve/routing.yaml"

/usr/bin/python3 docs/examples/serve/replay.py --url "http://127.0.0.1:$port" \
  --manifest "$media/test/manifest.csv" --labels "$media/test/labels.csv"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^nv_inference_request_success\{' || true
kill -TERM $server
wait $server
trap - EXIT

"$sf" abtest analyse --log "$serve/predictions.jsonl" --out out/demo/abtest-live \
  --set abtest.online.experiment_id=$experiment --set abtest.online.split_b=0.5 \
  --set abtest.name_a=seed_fusion --set abtest.name_b=gated_fusion
