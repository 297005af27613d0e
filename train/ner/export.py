"""Writes the fine-tuned weights (params.npz from train.py) as an ONNX graph, checks it against
the JAX forward pass, quantises it to int8 (dynamic, weights only) and scores the int8 model
on the held-out set with the same decoding the engine uses.

    python export.py --params params.npz --data data/ --tokenizer tokenizer.json --out ner.onnx

Graph: input_ids, attention_mask (int64, [batch, seq]) -> probs (float32, [batch, seq, 7]),
softmax over LABELS (common.py) per token.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from common import LABELS, decode, encode, false_spans, read_jsonl, score, tokenizer  # noqa: E402

from bert import EPS, HEAD_DIM, hidden, layers  # noqa: E402


def build(params):
    nodes, inits = [], []

    def init(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x, pname, out):
        w = init(pname + ".wT", params[pname + ".weight"].T.copy())
        b = init(pname + ".b", params[pname + ".bias"])
        return node("Add", [node("MatMul", [x, w], out + "_mm"), b], out)

    def ln(x, pname, out):
        return node("LayerNormalization", [x, init(pname + ".g", params[pname + ".weight"]), init(pname + ".b", params[pname + ".bias"])], out, axis=-1, epsilon=EPS)

    word = node("Gather", [init("word_emb", params["embeddings.word_embeddings.weight"]), "input_ids"], "word")
    shape = node("Shape", ["input_ids"], "ids_shape")
    seq = node("Gather", [shape, init("one_i", np.array(1, np.int64))], "seq_len")
    pos_ids = node("Range", [init("zero_i", np.array(0, np.int64)), seq, init("step_i", np.array(1, np.int64))], "pos_ids")
    pos = node("Gather", [init("pos_emb", params["embeddings.position_embeddings.weight"]), pos_ids], "pos")
    x = node("Add", [node("Add", [word, pos], "emb_wp"), init("type_emb0", params["embeddings.token_type_embeddings.weight"][0])], "emb")
    x = ln(x, "embeddings.LayerNorm", "emb_ln")

    maskf = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    inv = node("Sub", [init("one_f", np.array(1.0, np.float32)), maskf], "mask_inv")
    bias = node("Mul", [inv, init("neg_big", np.array(-1e4, np.float32))], "mask_bias2")
    bias = node("Unsqueeze", [bias, init("axes12", np.array([1, 2], np.int64))], "mask_bias")
    hd = HEAD_DIM
    split_shape = init("split_shape", np.array([0, 0, hidden(params) // hd, hd], np.int64))
    merge_shape = init("merge_shape", np.array([0, 0, hidden(params)], np.int64))
    scale = init("scale", np.array(1.0 / np.sqrt(hd), np.float32))
    sqrt2 = init("sqrt2", np.array(np.sqrt(2.0), np.float32))
    half = init("half", np.array(0.5, np.float32))
    for i in range(layers(params)):
        pre = f"encoder.layer.{i}."
        n = f"l{i}_"
        q = node("Transpose", [node("Reshape", [linear(x, pre + "attention.self.query", n + "q"), split_shape], n + "q4")], n + "qt", perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [linear(x, pre + "attention.self.key", n + "k"), split_shape], n + "k4")], n + "kt", perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [linear(x, pre + "attention.self.value", n + "v"), split_shape], n + "v4")], n + "vt", perm=[0, 2, 1, 3])
        s = node("Add", [node("Mul", [node("MatMul", [q, k], n + "qk"), scale], n + "qk_s"), bias], n + "scores")
        a = node("Softmax", [s], n + "attn", axis=-1)
        c = node("Reshape", [node("Transpose", [node("MatMul", [a, v], n + "ctx4")], n + "ctxt", perm=[0, 2, 1, 3]), merge_shape], n + "ctx")
        c = linear(c, pre + "attention.output.dense", n + "attn_out")
        x = ln(node("Add", [x, c], n + "res1"), pre + "attention.output.LayerNorm", n + "ln1")
        h = linear(x, pre + "intermediate.dense", n + "ffn1")
        g = node("Mul", [node("Mul", [h, half], n + "gh"), node("Add", [node("Erf", [node("Div", [h, sqrt2], n + "gd")], n + "ge"), init(n + "one", np.array(1.0, np.float32))], n + "g1")], n + "gelu")
        h = linear(g, pre + "output.dense", n + "ffn2")
        x = ln(node("Add", [x, h], n + "res2"), pre + "output.LayerNorm", n + "ln2")
    logits = linear(x, "classifier", "logits")
    node("Softmax", [logits], "probs", axis=-1)

    graph = helper.make_graph(
        nodes, "veil_ner",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", "seq", len(LABELS)])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="veil train/ner/export.py")
    model.ir_version = 8
    model.metadata_props.append(onnx.StringStringEntryProto(key="labels", value=",".join(LABELS)))
    onnx.checker.check_model(model)
    return model


def quantize(fp32, out, fmt="dynamic", hidden_size=None, calib=None):
    """Writes an int8 version of the fp32 graph at `out` and returns `out`. Formats:
    `dynamic` (weights int8 per tensor, activations quantised per run: the teacher), `dynamic-pc`
    (weights per output channel: the shipped student), `fused-dynamic` (ONNX Runtime's transformer fusions first:
    Attention, SkipLayerNormalization, BiasGelu, then dynamic int8), `static` (QDQ with
    activation ranges calibrated on `calib`, a list of id arrays)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_dynamic, quantize_static
    src = fp32
    if fmt.startswith("fused"):
        from onnxruntime.transformers.optimizer import optimize_model
        m = optimize_model(fp32, model_type="bert", num_heads=hidden_size // HEAD_DIM, hidden_size=hidden_size, opt_level=0)
        src = out + ".fused.onnx"
        m.save_model_to_file(src)
        fmt = fmt[len("fused-"):]
    if fmt in ("dynamic", "dynamic-pc"):
        quantize_dynamic(src, out, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather", "Attention"], per_channel=fmt == "dynamic-pc",
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    elif fmt == "static":
        class Reader(CalibrationDataReader):
            def __init__(self):
                self.it = iter(calib or [np.random.default_rng(0).integers(1000, 20000, (1, 24)) for _ in range(16)])

            def get_next(self):
                ids = next(self.it, None)
                return None if ids is None else {"input_ids": np.asarray(ids, np.int64).reshape(1, -1), "attention_mask": np.ones((1, np.asarray(ids).size), np.int64)}
        quantize_static(src, out, Reader(), quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=["MatMul", "Gather"], per_channel=False)
    else:
        raise ValueError(f"unknown quantisation format {fmt}")
    if src != fp32:
        os.remove(src)
    q = onnx.load(out)
    if not any(p.key == "labels" for p in q.metadata_props):
        q.metadata_props.append(onnx.StringStringEntryProto(key="labels", value=",".join(LABELS)))
    onnx.save(q, out)
    return out


def run_ids(sess, id_lists, batch=32):
    """Probabilities [tokens, labels] for every list of token ids, batched by similar length
    (as the engine batches)."""
    order = sorted(range(len(id_lists)), key=lambda i: len(id_lists[i]))
    out = [None] * len(id_lists)
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        L = max(len(id_lists[j]) for j in idx)
        ids = np.zeros((len(idx), L), np.int64)
        mask = np.zeros((len(idx), L), np.int64)
        for r, j in enumerate(idx):
            ids[r, :len(id_lists[j])] = id_lists[j]
            mask[r, :len(id_lists[j])] = 1
        probs = sess.run(["probs"], {"input_ids": ids, "attention_mask": mask})[0]
        for r, j in enumerate(idx):
            out[j] = probs[r, :len(id_lists[j])]
    return out


def run_all(sess, tok, rows, batch=32):
    """Encodings and probabilities for every row."""
    enc = [encode(tok, r["text"]) for r in rows]
    return enc, run_ids(sess, [e[0] for e in enc], batch)


def evaluate(path, tok, rows, negatives):
    """Held-out scores, hard-negative false spans, batched throughput and size of one graph."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(path, so)
    t = time.time()
    enc, probs = run_all(sess, tok, rows)
    el = time.time() - t
    preds = [decode(r["text"], e[1], e[2], p) for r, e, p in zip(rows, enc, probs)]
    out = {"scores": score(rows, preds), "texts_per_s": round(len(rows) / el, 1), "bytes": os.path.getsize(path)}
    if negatives:
        enc, probs = run_all(sess, tok, negatives)
        out["negatives"] = false_spans(negatives, [decode(r["text"], e[1], e[2], p) for r, e, p in zip(negatives, enc, probs)])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", default=None)
    ap.add_argument("--data", default="data")
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--out", default=None)
    ap.add_argument("--heldout", default=None, help="held-out jsonl (default: data/test.jsonl)")
    ap.add_argument("--negatives", default=None, help="hard-negative jsonl: false spans are counted")
    ap.add_argument("--evaluate", default=None, help="only score this graph (e.g. the teacher) and print the figures")
    ap.add_argument("--quant", default="dynamic", help="quantisation format (see quantize)")
    ap.add_argument("--metrics", default=None, help="write held-out figures (JSON) here")
    ap.add_argument("--tokenizer-out", default=None, help="write the tokenizer (no truncation, no padding) here")
    a = ap.parse_args()

    import onnxruntime as ort

    if a.evaluate:
        tok = tokenizer(a.tokenizer)
        rows = read_jsonl(a.heldout or os.path.join(a.data, "test.jsonl"))
        print(json.dumps(evaluate(a.evaluate, tok, rows, read_jsonl(a.negatives) if a.negatives else [])))
        return
    params = dict(np.load(a.params))
    fp32 = a.out + ".fp32.onnx"
    onnx.save(build(params), fp32)

    # the graph computes what JAX computes
    import jax.numpy as jnp
    import bert
    tok = tokenizer(a.tokenizer)
    rows = read_jsonl(a.heldout or os.path.join(a.data, "test.jsonl"))
    sample = [r["text"] for r in rows[:8]]
    ids, _, _, _ = encode(tok, sample[0])
    x = np.array([ids], np.int64)
    m = np.ones_like(x)
    ref = np.asarray(jnp.exp(jnp.asarray(bert.forward({k: jnp.asarray(v) for k, v in params.items()}, jnp.asarray(x), jnp.asarray(m)))))
    ref = ref / ref.sum(-1, keepdims=True)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    got = ort.InferenceSession(fp32, so).run(["probs"], {"input_ids": x, "attention_mask": m})[0]
    diff = float(np.abs(got - ref).max())
    print(f"fp32 ONNX vs JAX: max |diff| {diff:.2e}")
    assert diff < 1e-3, diff

    quantize(fp32, a.out, a.quant, hidden(params))

    figures = {}
    negatives = read_jsonl(a.negatives) if a.negatives else []
    for name, path in [("fp32", fp32), ("int8", a.out)]:
        figures[name] = evaluate(path, tok, rows, negatives)
        print(name, json.dumps(figures[name]))
    os.remove(fp32)
    if a.tokenizer_out:
        with open(a.tokenizer, encoding="utf-8") as f:
            spec = json.load(f)
        spec["truncation"] = None  # the engine windows long texts itself
        spec["padding"] = None
        with open(a.tokenizer_out, "w", encoding="utf-8") as f:
            json.dump(spec, f, ensure_ascii=False)
    if a.metrics:
        with open(a.metrics, "w") as f:
            json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main()
