#!/usr/bin/env python3
"""Request bodies for the seed model's v2 infer route, from a fixed seed.

    make_request.py [--batch 1] [--seed 0] [--mask] [--binary] [--binary-outputs]
                    [--inputs visual:2048,audio:130,text:768,sensor:10] [--id req-0] --out FILE

JSON (default): {"id", "inputs": [{"name", "shape", "datatype", "data": [...]}]}
with FP32 values uniform in [-1, 1), each written in the shortest form that
reads back to the same float32 (what numpy's float32 repr gives).

--binary: the binary-data extension (Triton's
docs/protocol/extension_binary_data.md): the JSON header names each input's
"parameters": {"binary_data_size": N} instead of "data", and the raw
little-endian tensor bytes follow it, in the order of the inputs. The JSON
header's byte length is printed on stdout: send it as
Inference-Header-Content-Length (and Content-Type: application/octet-stream).

--mask adds the presence mask, UINT8 [batch, 4], all ones; the seed fixture
(build/tests/infer/seed/model.onnx) has no mask input, so it is off by
default. --binary-outputs asks for every output as binary data
(request parameter binary_data_output).
"""
import argparse
import json
import random
import struct
import sys

SEED_INPUTS = "visual:2048,audio:130,text:768,sensor:10"


def float32_text(x):
    """The shortest decimal that reads back to the float32 nearest x."""
    f = struct.unpack("<f", struct.pack("<f", x))[0]
    for digits in range(6, 10):
        text = "%.*g" % (digits, f)
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == f:
            return text
    return repr(f)


def build(args):
    rng = random.Random(args.seed)
    inputs = []  # (name, datatype, shape, values)
    for spec in args.inputs.split(","):
        name, width = spec.split(":")
        shape = [args.batch, int(width)]
        values = [rng.uniform(-1.0, 1.0) for _ in range(shape[0] * shape[1])]
        inputs.append((name, "FP32", shape, values))
    if args.mask:
        inputs.append(("mask", "UINT8", [args.batch, 4], [1] * (args.batch * 4)))

    header = ['{"id":%s,"inputs":[' % json.dumps(args.id)]
    payload = []
    for i, (name, datatype, shape, values) in enumerate(inputs):
        head = '%s{"name":%s,"shape":%s,"datatype":"%s",' % (
            "," if i else "", json.dumps(name), json.dumps(shape, separators=(",", ":")), datatype)
        if args.binary:
            raw = struct.pack("<%d%s" % (len(values), "f" if datatype == "FP32" else "B"), *values)
            payload.append(raw)
            header.append(head + '"parameters":{"binary_data_size":%d}}' % len(raw))
        else:
            text = ",".join(float32_text(v) for v in values) if datatype == "FP32" else ",".join(map(str, values))
            header.append(head + '"data":[' + text + "]}")
    header.append("]")
    if args.binary_outputs:
        header.append(',"parameters":{"binary_data_output":true}')
    header.append("}")
    json_bytes = "".join(header).encode()
    json.loads(json_bytes)  # a check on the hand-written JSON
    return json_bytes, b"".join(payload)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="the body's file")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--id", default="req-0")
    p.add_argument("--inputs", default=SEED_INPUTS, help="float32 [batch, W] inputs as name:W,...")
    p.add_argument("--mask", action="store_true", help="add mask UINT8 [batch, 4] (all ones)")
    p.add_argument("--binary", action="store_true", help="binary-data extension")
    p.add_argument("--binary-outputs", action="store_true", help="ask for the outputs as binary data")
    args = p.parse_args()
    if args.batch < 1:
        p.error("--batch must be at least 1")
    json_bytes, payload = build(args)
    with open(args.out, "wb") as f:
        f.write(json_bytes + payload)
    if args.binary:
        print(len(json_bytes))
    print("%s: %d bytes (JSON %d, binary %d), batch %d" % (
        args.out, len(json_bytes) + len(payload), len(json_bytes), len(payload), args.batch), file=sys.stderr)


if __name__ == "__main__":
    main()
