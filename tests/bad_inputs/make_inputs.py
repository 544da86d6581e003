#!/usr/bin/python3
"""The inputs of the bad-input catalogue (tests/bad_inputs/cases.tsv), all
generated, none committed.

The good files come from the project's own tools, so the bad ones differ from
a real file in one thing each: `storefuse datagen` makes a tiny RetailSim
dataset and its raw media, `storefuse train` a tiny run, `storefuse export`
its ONNX model, `storefuse-infer predict` a prediction file. The bad ones are
written here from those with h5py, onnx and the standard library. Everything
is deterministic (fixed seeds; the one file holding a clock, datagen's report,
is removed) and takes about 5 s. The files are small; the directory is about
25 MB because each 8-row HDF5 copy keeps storefuse's 1 MiB chunks.

Usage: make_inputs.py OUT_DIR --storefuse BIN --infer BIN

OUT_DIR is emptied first (only when it is empty or made by this script) and
its file `complete` is written last, so a failed run cannot pass for a whole
set of inputs. (The files are built in place: the tiny run's config.yaml
holds the absolute paths of its data.)
"""
import argparse
import csv
import io
import json
import os
import shutil
import struct
import subprocess
import sys

import h5py
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MARK = ".made_by_make_inputs"  # the only directory make_inputs.py empties holds it


def run(cmd, cwd=None):
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit("make_inputs.py: %s failed (exit %d):\n%s" % (" ".join(cmd), r.returncode, r.stdout))
    return r.stdout


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode + ("b" if isinstance(data, bytes) else "")) as f:
        f.write(data)


def truncate_copy(src, dst, fraction):
    with open(src, "rb") as f:
        data = f.read()
    write(dst, data[: int(len(data) * fraction)])


# ---------------------------------------------------------------- good files

def good_files(out, storefuse, infer):
    """data/{train,val,test}.h5, media/good (the test split's raw media),
    run/tiny (a 2-epoch run), model/tiny.onnx and preds/good.csv."""
    tmp = os.path.join(out, "_datagen")
    run([storefuse, "datagen", "--out", os.path.join(out, "data"), "--emit-media", tmp, "--threads", "1",
         "--no-progress", "--set", "retailsim.splits.train=24", "--set", "retailsim.splits.val=8",
         "--set", "retailsim.splits.test=8", "--set", "retailsim.stores=4", "--set", "retailsim.test_stores=1"])
    os.remove(os.path.join(out, "data", "datagen_report.json"))  # holds the generation time
    shutil.move(os.path.join(tmp, "test"), os.path.join(out, "media", "good"))
    shutil.rmtree(tmp)

    os.makedirs(os.path.join(out, "run"))
    write(os.path.join(out, "configs", "tiny.yaml"), TINY_CONFIG)
    run([storefuse, "train", "--config", os.path.join(out, "configs", "tiny.yaml"),
         "--set", "run.root=" + os.path.join(out, "run"), "--set", "data.train=" + os.path.join(out, "data/train.h5"),
         "--set", "data.val=" + os.path.join(out, "data/val.h5"), "--set", "data.test=" + os.path.join(out, "data/test.h5")])
    os.makedirs(os.path.join(out, "model"))
    run([storefuse, "export", "--run", os.path.join(out, "run", "tiny"), "--out", os.path.join(out, "model", "tiny.onnx"),
         "--verify-samples", "16"])
    os.makedirs(os.path.join(out, "preds"))
    run([infer, "predict", "--model", os.path.join(out, "model", "tiny.onnx"), "--data", os.path.join(out, "data", "test.h5"),
         "--out", os.path.join(out, "preds", "good.csv")])


TINY_CONFIG = """\
# A seed network small enough to train in a second on the catalogue's data.
run: {name: tiny, threads: 1, device: cpu}
data: {batch_size: 8}
model:
  type: seed_fusion
  params: {embed_dim: 16, heads: 2, encoder_hidden: [16, 16, 16, 8], fusion_hidden: [16]}
train: {epochs: 2}
"""


# ------------------------------------------------------------------- configs

def configs(out):
    d = os.path.join(out, "configs")
    # A billion laughs: 9 lists of 9 aliases of the one before, 9^10 values once expanded.
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        p = "*a%d" % (i - 1)
        lines.append("a%d: &a%d [%s]" % (i, i, ", ".join([p] * 9)))
    write(os.path.join(d, "alias_bomb.yaml"), "\n".join(lines) + "\n")
    # 100 levels of nesting (the limit is 64).
    write(os.path.join(d, "deep.yaml"), "optim: " + "{a: " * 100 + "1" + "}" * 100 + "\n")
    # Over 1 MiB (the limit): a valid config padded with comments.
    write(os.path.join(d, "huge.yaml"), "optim: {lr: 0.001}\n" + ("# padding " + "x" * 69 + "\n") * 14000)
    write(os.path.join(d, "include_zero.yaml"), "include: /dev/zero\n")
    write(os.path.join(d, "control_bytes.yaml"), 'run:\n  name: "tiny\\0\\x1b[2J"\n')
    write(os.path.join(d, "unknown_key.yaml"), "optim:\n  type: adam\n  lrr: 0.001\n")
    write(os.path.join(d, "lightning.yaml"), "# a PyTorch Lightning habit: a trainer: section\ntrainer:\n  max_epochs: 3\n")
    write(os.path.join(d, "wrong_type.yaml"), "train:\n  epochs: many\n")
    write(os.path.join(d, "syntax.yaml"), "optim:\n  lr: [0.001\n  type: adam\n")
    write(os.path.join(d, "cycle_a.yaml"), "include: cycle_b.yaml\noptim: {lr: 0.001}\n")
    write(os.path.join(d, "cycle_b.yaml"), "include: cycle_a.yaml\n")
    # train.yaml: the tiny run on the catalogue's data, in the current
    # directory (a case's {work}); the two below break it one way each.
    data = os.path.join(out, "data")
    write(os.path.join(d, "train.yaml"),
          "include: tiny.yaml\nrun: {root: .}\ndata: {train: %s/train.h5, val: %s/val.h5, test: %s/test.h5}\n"
          % (data, data, data))
    write(os.path.join(d, "zoo_param.yaml"), "include: train.yaml\nmodel:\n  params:\n    hidden_size: 128\n")
    write(os.path.join(d, "unknown_model.yaml"), "include: train.yaml\nmodel:\n  type: resnet50\n")


# ------------------------------------------------------------------ datasets

def copy_h5(src, dst, edit):
    """dst = src with `edit(f)` applied through h5py."""
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        edit(f)


def replace(f, name, data, **kw):
    del f[name]
    f.create_dataset(name, data=data, **kw)


def datasets(out):
    d = os.path.join(out, "datasets")
    os.makedirs(d)
    good = os.path.join(out, "data", "test.h5")
    truncate_copy(good, os.path.join(d, "truncated.h5"), 0.5)
    write(os.path.join(d, "empty.h5"), b"")

    def audio_f64(f):
        a = f["inputs/audio"][:]
        replace(f, "inputs/audio", a.astype(np.float64))
    copy_h5(good, os.path.join(d, "audio_float64.h5"), audio_f64)

    def audio_short(f):
        a = f["inputs/audio"][:]
        replace(f, "inputs/audio", a[:, :129])
    copy_h5(good, os.path.join(d, "audio_129.h5"), audio_short)
    copy_h5(good, os.path.join(d, "no_dwell.h5"), lambda f: f.__delitem__("targets/dwell_s"))

    def short_mask(f):
        m = f["mask"][:]
        replace(f, "mask", m[:-1])
    copy_h5(good, os.path.join(d, "rows_mismatch.h5"), short_mask)

    def declare_billion_rows(f):
        # Every dataset resized to 10^9 rows, only the real rows written: a
        # 1 MB file that declares 500 GB, all but one chunk never stored.
        names = []
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
        for name in names:
            a = f[name][:]
            del f[name]
            ds = f.create_dataset(name, shape=(10**9,) + a.shape[1:], maxshape=(None,) + a.shape[1:],
                                  chunks=(len(a),) + a.shape[1:], dtype=a.dtype)
            ds[:len(a)] = a
    copy_h5(good, os.path.join(d, "billion_rows.h5"), declare_billion_rows)

    def dup_ids(f):
        ids = f["ids/sample_id"][:]
        ids[5] = ids[2]
        f["ids/sample_id"][:] = ids
    copy_h5(good, os.path.join(d, "duplicate_ids.h5"), dup_ids)
    copy_h5(good, os.path.join(d, "version2.h5"), lambda f: f.attrs.__setitem__("format_version", np.int64(2)))

    def unlabelled(f):
        del f["targets"]
        f.attrs["has_targets"] = np.int64(0)
    copy_h5(good, os.path.join(d, "unlabelled.h5"), unlabelled)

    # A plain h5py file of arrays, as a user might first try.
    with h5py.File(os.path.join(d, "plain_h5py.h5"), "w") as f:
        f.create_dataset("features", data=np.zeros((8, 130), np.float32))
        f.create_dataset("labels", data=np.zeros(8, np.int64))

    # A valid dataset of another feature spec: 64 audio features, its spec
    # saying so (the model's spec says 130).
    def audio_64_spec(f):
        spec = json.loads(f.attrs["feature_spec"])
        spec["modalities"]["audio"]["shape"] = [64]
        f.attrs["feature_spec"] = json.dumps(spec)
        a = f["inputs/audio"][:]
        replace(f, "inputs/audio", a[:, :64])
    copy_h5(good, os.path.join(d, "audio_64_spec.h5"), audio_64_spec)


# -------------------------------------------------------------------- models

def save_model(graph, path, opset=17, ir=8):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_inputs")
    m.ir_version = ir
    onnx.save(m, path)


def contract_graph(inputs, outputs, name="tiny"):
    """A model of the storefuse contract: inputs (name, dtype, dim) -> the
    three outputs, from a fixed random linear map of the first input."""
    rng = np.random.default_rng(5)
    first, dtype, dim = inputs[0]
    x = first
    nodes, inits = [], []
    if dtype != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", [first], ["xf"], to=TensorProto.FLOAT))
        x = "xf"
    for name, width in (("w_logits", 10), ("w_dwell", 1), ("w_eng", 1)):
        inits.append(numpy_helper.from_array(rng.uniform(-1, 1, (dim, width)).astype(np.float32), name))
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "one"))
    nodes.append(helper.make_node("MatMul", [x, "w_logits"], ["logits_z"]))
    nodes.append(helper.make_node("MatMul", [x, "w_dwell"], ["d2"]))
    nodes.append(helper.make_node("MatMul", [x, "w_eng"], ["e2"]))
    nodes.append(helper.make_node("Squeeze", ["d2", "one"], ["dwell_z"]))
    nodes.append(helper.make_node("Squeeze", ["e2", "one"], ["eng_z"]))
    nodes.append(helper.make_node("Identity", ["logits_z"], [outputs[0]]))
    nodes.append(helper.make_node("Identity", ["dwell_z"], [outputs[1]]))
    nodes.append(helper.make_node("Identity", ["eng_z"], [outputs[2]]))
    ins = [helper.make_tensor_value_info(n, t, ["batch", d]) for n, t, d in inputs]
    outs = [helper.make_tensor_value_info(outputs[0], TensorProto.FLOAT, ["batch", 10]),
            helper.make_tensor_value_info(outputs[1], TensorProto.FLOAT, ["batch"]),
            helper.make_tensor_value_info(outputs[2], TensorProto.FLOAT, ["batch"])]
    return helper.make_graph(nodes, name, ins, outs, inits)


OUTS = ["behavior_logits", "dwell_s", "engagement"]


def models(out):
    d = os.path.join(out, "models")
    os.makedirs(d)
    good = os.path.join(out, "model", "tiny.onnx")
    truncate_copy(good, os.path.join(d, "truncated.onnx"), 0.6)
    write(os.path.join(d, "empty.onnx"), b"")
    # 64 bytes flipped in the middle of the largest initializer.
    data = bytearray(open(good, "rb").read())
    payload = max(onnx.load(good).graph.initializer, key=lambda t: len(t.raw_data)).raw_data
    at = data.find(payload[:256]) + len(payload) // 2
    data[at:at + 64] = bytes(b ^ 0x5A for b in data[at:at + 64])
    write(os.path.join(d, "damaged.onnx"), bytes(data))
    F = TensorProto.FLOAT
    # An ONNX Runtime user's export: input named like a torchvision model.
    save_model(contract_graph([("input", F, 130)], OUTS), os.path.join(d, "input_named_input.onnx"))
    save_model(contract_graph([("audio", F, 130)], ["logits", "dwell", "engagement"]),
               os.path.join(d, "output_named_logits.onnx"))
    save_model(contract_graph([("audio", TensorProto.DOUBLE, 130)], OUTS), os.path.join(d, "audio_float64.onnx"))
    save_model(contract_graph([("audio", F, 64)], OUTS), os.path.join(d, "audio_64.onnx"))
    save_model(contract_graph([("audio", F, 130)], OUTS), os.path.join(d, "opset_99.onnx"), opset=99)
    # Not a case yet (issue 21: IR version 99 is accepted).
    save_model(contract_graph([("audio", F, 130)], OUTS), os.path.join(d, "ir_99.onnx"), ir=99)
    # An operator of a custom domain (as onnxruntime-extensions would add).
    g = contract_graph([("audio", F, 130)], OUTS)
    g.node.insert(0, helper.make_node("Tokenize", ["audio"], ["tok"], domain="ai.onnx.contrib"))
    for n in g.node[1:4]:
        n.input[0] = "tok"
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.contrib", 1)])
    m.ir_version = 8
    onnx.save(m, os.path.join(d, "custom_op.onnx"))
    # A standard op the runtime does not implement.
    g = contract_graph([("audio", F, 130)], OUTS)
    g.node.insert(0, helper.make_node("Det", ["audio"], ["det"]))
    g.node.append(helper.make_node("Identity", ["det"], ["det_out"]))
    g.output.append(helper.make_tensor_value_info("det_out", TensorProto.FLOAT, ["batch"]))
    save_model(g, os.path.join(d, "unsupported_op.onnx"))
    # A Reshape to 2^40 elements, which no tensor can hold.
    g = contract_graph([("audio", F, 130)], OUTS)
    g.initializer.append(numpy_helper.from_array(np.array([1 << 40], dtype=np.int64), "huge_shape"))
    g.node.insert(0, helper.make_node("Reshape", ["audio", "huge_shape"], ["flat"]))
    g.node.append(helper.make_node("Identity", ["flat"], ["flat_out"]))
    g.output.append(helper.make_tensor_value_info("flat_out", TensorProto.FLOAT, None))
    save_model(g, os.path.join(d, "reshape_2e40.onnx"))
    # A node reading a tensor nothing produces.
    g = contract_graph([("audio", F, 130)], OUTS)
    g.node[0].input[0] = "nowhere"
    save_model(g, os.path.join(d, "dangling_input.onnx"))
    # Weights in an external data file that is not beside the model.
    m = helper.make_model(contract_graph([("audio", F, 130)], OUTS), opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save_model(m, os.path.join(d, "external_data.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="external_data.bin", size_threshold=0)
    os.remove(os.path.join(d, "external_data.bin"))


# --------------------------------------------------------------------- media

def wav_bytes(frames=0, rate=16000, data_len=None, fmt_tag=1, bits=16, riff=b"RIFF"):
    data = b"\x00\x00" * frames
    n = len(data) if data_len is None else data_len
    block = bits // 8
    fmt = struct.pack("<HHIIHH", fmt_tag, 1, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", n) + data
    return riff + struct.pack("<I", len(body)) + body


def manifest(path, rows, columns=("sample_id", "video", "audio", "sensor", "pos")):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(r)
    write(path, buf.getvalue())


def media(out):
    d = os.path.join(out, "media")
    with open(os.path.join(d, "good", "manifest.csv")) as f:
        good_rows = list(csv.DictReader(f))
    first = good_rows[1]  # has every modality
    sid = first["sample_id"]

    def one(name, video="", audio="", sensor="", pos="", sample=sid):
        manifest(os.path.join(d, name + ".csv"), [[sample, video, audio, sensor, pos]])

    write(os.path.join(d, "files", "empty.wav"), wav_bytes(frames=0))
    one("wav_empty", audio="files/empty.wav")
    write(os.path.join(d, "files", "lying_length.wav"), wav_bytes(frames=100, data_len=32000))
    one("wav_lying_length", audio="files/lying_length.wav")
    write(os.path.join(d, "files", "adpcm.wav"), wav_bytes(frames=100, fmt_tag=2, bits=4))
    one("wav_adpcm", audio="files/adpcm.wav")

    # A truncated JPEG where a clip belongs, and a clip cut after its headers.
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x43\x00" + bytes(30)
    write(os.path.join(d, "files", "truncated.jpg"), jpeg)
    one("video_truncated_jpg", video="files/truncated.jpg")
    truncate_copy(os.path.join(d, "good", first["video"]), os.path.join(d, "files", "header_only.avi"), 0.02)
    one("video_header_only", video="files/header_only.avi")

    # Sensor CSVs.
    with open(os.path.join(d, "good", first["sensor"])) as f:
        sensor_lines = f.read().splitlines()
    header, rows = sensor_lines[0], sensor_lines[1:]
    swapped = [header] + rows[:3] + [rows[4], rows[3]] + rows[5:]
    write(os.path.join(d, "files", "sensor_out_of_order.csv"), "\n".join(swapped) + "\n")
    one("sensor_out_of_order", sensor="files/sensor_out_of_order.csv")
    long_row = rows[0] + "," + "9" * 200_000  # a 200 kB line, one field too many
    write(os.path.join(d, "files", "sensor_overlong.csv"), "\n".join([header, long_row] + rows[1:]) + "\n")
    one("sensor_overlong", sensor="files/sensor_overlong.csv")
    # Not a case yet (issue 21: the error quotes the whole 200 kB cell).
    cells = rows[1].split(",")
    cells[1] = "1" + "0" * 200_000
    write(os.path.join(d, "files", "sensor_huge_number.csv"), "\n".join([header, rows[0], ",".join(cells)] + rows[2:]) + "\n")
    one("sensor_huge_number", sensor="files/sensor_huge_number.csv")

    # POS logs.
    write(os.path.join(d, "files", "pos_repeated_line.csv"),
          "sample_id,line,text\n%s,0,\"SALE a\"\n%s,0,\"SALE b\"\n" % (sid, sid))
    one("pos_repeated_line", pos="files/pos_repeated_line.csv")

    # Manifests.
    one("missing_file", audio="files/no_such.wav")
    # Not a case yet (issue 21: "file not found" for a directory).
    one("directory_as_file", audio="files")
    manifest(os.path.join(d, "unknown_column.csv"), [[sid, "", "", "", ""]],
             columns=("sample_id", "vidoe", "audio", "sensor", "pos"))

    # Labels for the good split without its last sample.
    with open(os.path.join(d, "good", "labels.csv")) as f:
        labels = f.read().splitlines()
    write(os.path.join(d, "labels_missing_sample.csv"), "\n".join(labels[:-1]) + "\n")


# --------------------------------------------------------------- predictions

def predictions(out):
    d = os.path.join(out, "preds")
    with open(os.path.join(d, "good.csv")) as f:
        rows = list(csv.DictReader(f))
    cols = list(rows[0].keys())
    # Labels: the test split's, as CSV (abtest's label-file form).
    with open(os.path.join(out, "media", "good", "labels.csv")) as f:
        labels = f.read()
    write(os.path.join(d, "labels.csv"), labels)
    pcols = [c for c in cols if c.startswith("p_")]

    def save(name, rs, columns=None):
        columns = columns or cols
        buf = io.StringIO()
        w = csv.DictWriter(buf, columns, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        for r in rs:
            w.writerow(r)
        write(os.path.join(d, name), buf.getvalue())

    dup = [dict(r) for r in rows]
    dup[3]["sample_id"] = dup[1]["sample_id"]
    save("duplicate_ids.csv", dup)
    nan = [dict(r) for r in rows]
    nan[2][pcols[0]] = "nan"
    save("nan_probability.csv", nan)
    half = [dict(r) for r in rows]
    for c in pcols:
        half[4][c] = "%.6f" % (float(half[4][c]) / 2)
    save("sum_half.csv", half)
    save("fewer_ids.csv", rows[:-2])
    save("no_dwell.csv", rows, [c for c in cols if c != "dwell_s"])
    # Without the column of the first labelled sample's class.
    labelled = "p_" + next(csv.DictReader(io.StringIO(labels)))["behavior"]
    save("missing_class.csv", rows, [c for c in cols if c != labelled])
    with open(os.path.join(d, "deep.jsonl"), "w") as f:
        f.write('{"sample_id": "1", "p_a": ' + "[" * 100 + "]" * 100 + "}\n")
    save("long_row.csv", [dict(rows[0], sample_id="x" * (1 << 21))] + rows[1:])
    renamed = [dict(r) for r in rows]
    for r in renamed:
        r["p_shoplifting"] = r.pop(pcols[-1])
    save("other_classes.csv", renamed, [c for c in cols if c != pcols[-1]] + ["p_shoplifting"])
    with open(os.path.join(d, "broken.jsonl"), "w") as f:
        for r in rows[:3]:
            f.write(json.dumps({k: (v if k == "sample_id" else float(v)) for k, v in r.items() if v != ""}) + "\n")
        f.write('{"sample_id": 1, "dwell_s": \n')


# ---------------------------------------------------------------------- runs

def runs(out):
    d = os.path.join(out, "runs")
    # A directory of someone else's files: no config.yaml.
    write(os.path.join(d, "foreign", "notes.txt"), "lightning_logs/version_0\n")
    write(os.path.join(d, "foreign", "epoch=1-step=10.ckpt"), b"PK\x03\x04" + bytes(60))
    # A run whose checkpoints are not checkpoints.
    shutil.copytree(os.path.join(out, "run", "tiny"), os.path.join(d, "corrupt_best"))
    write(os.path.join(d, "corrupt_best", "best.pt"), b"\x80\x02}q\x00." + bytes(100))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--storefuse", required=True)
    ap.add_argument("--infer", required=True)
    a = ap.parse_args()
    out = os.path.abspath(a.out)
    if os.path.isdir(out) and os.listdir(out) and not os.path.exists(os.path.join(out, MARK)):
        sys.exit("make_inputs.py: %s holds other files (no %s): not emptying it" % (out, MARK))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    write(os.path.join(out, MARK), "written by tests/bad_inputs/make_inputs.py; emptied by its next run\n")
    good_files(out, os.path.abspath(a.storefuse), os.path.abspath(a.infer))
    configs(out)
    datasets(out)
    models(out)
    media(out)
    predictions(out)
    runs(out)
    write(os.path.join(out, "complete"), "inputs of tests/bad_inputs/cases.tsv\n")


if __name__ == "__main__":
    main()
