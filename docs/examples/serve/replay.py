#!/usr/bin/python3
"""Replays recorded store visits as live traffic: each visit of a media
manifest (storefuse ingest's format; RetailSim writes one with
`datagen --emit-media`) goes to POST /v1/visits:predict with its customer,
and, once answered, its outcome goes to POST /v1/outcomes: 1 if the
answered behaviour is the labelled one, else 0. The server logs both
(--prediction-log), so `storefuse abtest analyse --log` can read the
served experiment. Python's standard library only.

  replay.py --url http://127.0.0.1:8000 --manifest media/test/manifest.csv \\
            --labels media/test/labels.csv [--model seed] [--limit N]
"""
import argparse
import base64
import csv
import http.client
import json
import os
import sys
import time
import urllib.parse


def visits(manifest):
    folder = os.path.dirname(os.path.abspath(manifest))
    pos = {}
    rows = list(csv.DictReader(open(manifest, newline="")))
    for file in {r["pos"] for r in rows if r["pos"]}:
        for p in csv.DictReader(open(os.path.join(folder, file), newline="")):
            pos.setdefault((file, p["sample_id"]), []).append((int(p["line"]), p["text"]))
    for r in rows:
        body = {"id": r["sample_id"], "parameters": {"customer_id": r["customer_id"]}}
        for field in ("video", "audio"):
            if r[field]:
                with open(os.path.join(folder, r[field]), "rb") as f:
                    body[field] = base64.b64encode(f.read()).decode()
        if r["pos"]:
            body["pos"] = [t for _, t in sorted(pos.get((r["pos"], r["sample_id"]), []))]
        if r["sensor"]:
            with open(os.path.join(folder, r["sensor"])) as f:
                body["sensor"] = f.read()
        yield r, body


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--labels", required=True, help="labels CSV: sample_id, behavior")
    ap.add_argument("--model", default="", help="the model's name (default: the server's only one)")
    ap.add_argument("--limit", type=int, default=0, help="replay the first N visits only")
    args = ap.parse_args()
    url = urllib.parse.urlparse(args.url)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=60)
    labels = {r["sample_id"]: r["behavior"] for r in csv.DictReader(open(args.labels, newline=""))}

    def post(path, body):
        conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = json.loads(r.read() or b"{}")
        if r.status != 200:
            sys.exit(f"replay: {path} answered {r.status}: {data.get('error')}")
        return data

    served, correct, per_variant, start = 0, 0, {}, time.time()
    for row, body in visits(args.manifest):
        if args.limit and served >= args.limit:
            break
        if args.model:
            body["model"] = args.model
        ans = post("/v1/visits:predict", body)
        outcome = int(ans["behavior"] == labels[row["sample_id"]])
        post("/v1/outcomes", {"model": ans["model_name"], "outcomes": [
            {"customer_id": row["customer_id"], "outcome": outcome, "request_id": row["sample_id"]}]})
        variant = ans.get("parameters", {}).get("variant", ans["model_version"])
        n, k = per_variant.get(variant, (0, 0))
        per_variant[variant] = (n + 1, k + outcome)
        served, correct = served + 1, correct + outcome
    took = time.time() - start
    print(f"replayed {served} visits in {took:.1f} s ({served / max(took, 1e-9):.1f} visits/s); "
          + ", ".join(f"variant {v}: {n} visits, {k / n:.3f} correct" for v, (n, k) in sorted(per_variant.items())))


if __name__ == "__main__":
    main()
