#!/usr/bin/python3
"""A client of storefuse-infer serve for the binary-data extension: inputs go
as raw little-endian bytes after a JSON header, outputs come back the same
way. Standard library only.

  storefuse-infer serve --model model.onnx --name seed &
  python3 docs/examples/serve/client.py --port 8000 --model seed --rows 4
"""
import argparse
import http.client
import json
import random
import struct

FORMATS = {"FP32": "f", "UINT8": "B", "INT8": "b", "INT32": "i", "INT64": "q", "BOOL": "?"}


def infer(conn, model, inputs):
    """inputs: {name: (datatype, shape, flat values)} -> {name: (shape, values)}"""
    head = {"inputs": [], "parameters": {"binary_data_output": True}}
    tail = b""
    for name, (datatype, shape, values) in inputs.items():
        raw = struct.pack(f"<{len(values)}{FORMATS[datatype]}", *values)
        head["inputs"].append({"name": name, "datatype": datatype, "shape": shape,
                               "parameters": {"binary_data_size": len(raw)}})
        tail += raw
    header = json.dumps(head).encode()
    conn.request("POST", f"/v2/models/{model}/infer", body=header + tail,
                 headers={"Inference-Header-Content-Length": str(len(header)),
                          "Content-Type": "application/octet-stream"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{response.status}: {json.loads(body)['error']}")
    n = int(response.getheader("Inference-Header-Content-Length"))
    answer, at, outputs = json.loads(body[:n]), n, {}
    for o in answer["outputs"]:
        size = o["parameters"]["binary_data_size"]
        count = size // struct.calcsize(FORMATS[o["datatype"]])
        outputs[o["name"]] = (o["shape"], struct.unpack(f"<{count}{FORMATS[o['datatype']]}", body[at:at + size]))
        at += size
    return answer["model_version"], outputs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--model", default="seed")
    p.add_argument("--rows", type=int, default=1)
    args = p.parse_args()
    conn = http.client.HTTPConnection(args.host, args.port)
    # The model's inputs, from its metadata; random values in [-1, 1].
    conn.request("GET", f"/v2/models/{args.model}")
    meta = json.loads(conn.getresponse().read())
    inputs = {}
    for i in meta["inputs"]:
        shape = [args.rows if d < 0 else d for d in i["shape"]]
        count = 1
        for d in shape:
            count *= d
        values = [random.uniform(-1, 1) for _ in range(count)] if i["datatype"] == "FP32" else [1] * count
        inputs[i["name"]] = (i["datatype"], shape, values)
    version, outputs = infer(conn, args.model, inputs)
    print(f"model {args.model} version {version}")
    for name, (shape, values) in outputs.items():
        print(f"  {name} {shape}: {[round(v, 5) for v in values[:10]]}")


if __name__ == "__main__":
    main()
