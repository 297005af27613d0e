"""Latency of candidate NER shapes before any training: random weights of a given depth, width
and FFN size, exported by export.py's graph builder, quantised as the shipped model is (and in
the other ways asked about), and timed through ONNX Runtime with the engine's session settings
(2 intra-op threads, no spinning, all graph optimisations): a short UI string (12 tokens + [CLS]
and [SEP]) and a 512-token text (the engine runs it as 5 windows of 128 in one batch).

    python shapes.py --shapes 6x384x1536,4x256x1024 [--formats dynamic,fused-dynamic]

Prints one line per shape and format: median and p95 in ms.
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(__file__))
from common import LABELS  # noqa: E402
from export import build, quantize  # noqa: E402

VOCAB, POSITIONS = 30522, 512


def random_params(n_layers, hidden, ffn, seed=0):
    rng = np.random.default_rng(seed)

    def w(*shape):
        return (rng.standard_normal(shape) * 0.05).astype(np.float32)

    p = {"embeddings.word_embeddings.weight": w(VOCAB, hidden), "embeddings.position_embeddings.weight": w(POSITIONS, hidden),
         "embeddings.token_type_embeddings.weight": w(2, hidden), "classifier.weight": w(len(LABELS), hidden), "classifier.bias": w(len(LABELS))}
    for ln in ["embeddings.LayerNorm"]:
        p[ln + ".weight"], p[ln + ".bias"] = np.ones(hidden, np.float32), np.zeros(hidden, np.float32)
    for i in range(n_layers):
        pre = f"encoder.layer.{i}."
        for name, (o, n) in {"attention.self.query": (hidden, hidden), "attention.self.key": (hidden, hidden),
                             "attention.self.value": (hidden, hidden), "attention.output.dense": (hidden, hidden),
                             "intermediate.dense": (ffn, hidden), "output.dense": (hidden, ffn)}.items():
            p[pre + name + ".weight"], p[pre + name + ".bias"] = w(o, n), w(o)
        for ln in ["attention.output.LayerNorm", "output.LayerNorm"]:
            p[pre + ln + ".weight"], p[pre + ln + ".bias"] = np.ones(hidden, np.float32), np.zeros(hidden, np.float32)
    return p


def session(path, threads=2):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def timed(sess, batch, seq, runs):
    ids = np.random.default_rng(1).integers(1000, 20000, (batch, seq)).astype(np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    for _ in range(5):
        sess.run(["probs"], feed)
    t = []
    for _ in range(runs):
        s = time.perf_counter()
        sess.run(["probs"], feed)
        t.append((time.perf_counter() - s) * 1e3)
    return np.median(t), np.percentile(t, 95), np.min(t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", default="6x384x1536,4x384x1536,4x256x1024,3x256x1024,4x192x768,3x192x768,2x256x1024")
    ap.add_argument("--formats", default="fp32,dynamic")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--calib", default=None, help="jsonl texts for static quantisation")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    print("| shape | format | MB | short ms (median / p95) | 512 tokens ms (median / p95) |")
    print("|---|---|---|---|---|")
    for shape in a.shapes.split(","):
        n_layers, hidden, ffn = map(int, shape.split("x"))
        fp32 = os.path.join(tmp, f"{shape}.onnx")
        onnx.save(build(random_params(n_layers, hidden, ffn)), fp32)
        for fmt in a.formats.split(","):
            path = fp32 if fmt == "fp32" else quantize(fp32, os.path.join(tmp, f"{shape}.{fmt}.onnx"), fmt, hidden)
            sess = session(path, a.threads)
            s = timed(sess, 1, 14, 400)
            lg = timed(sess, 5, 128, 40)
            print(f"| L{n_layers}-H{hidden}-F{ffn} | {fmt} | {os.path.getsize(path) / 1e6:.1f} | {s[0]:.3f} / {s[1]:.3f} (min {s[2]:.3f}) | {lg[0]:.2f} / {lg[1]:.2f} (min {lg[2]:.2f}) |", flush=True)


if __name__ == "__main__":
    main()
