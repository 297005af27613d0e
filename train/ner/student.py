"""The teacher's weights, read back from the shipped int8 graph, and a smaller student cut from
them: fewer layers, a narrower residual stream, fewer heads and FFN units.

Width is reduced by one orthonormal projection P (hidden x width) shared by every layer (the
residual stream is one space): the principal directions of the teacher's hidden states on
training texts. Weights that read the stream are multiplied by P on their input side, weights
that write it by P^T on their output side, LayerNorm gains and biases are projected the same
way; the heads and FFN units with the most output (mean |activation| x output weight norm on
those texts) are kept. With all layers, the full width and every unit kept, the student is
the teacher exactly (the projection is then the identity; checked: max |diff| 0).
"""
import numpy as np
import onnx
from onnx import numpy_helper

from bert import HEAD_DIM, hidden, layers

LINEARS = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
           "intermediate.dense", "output.dense"]
NORMS = ["attention.output.LayerNorm", "output.LayerNorm"]


def teacher_params(path):
    """Parameters (Hugging Face names, fp32) of a graph written by export.py, dequantised."""
    m = onnx.load(path)
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}

    def get(name):
        if name in init:
            return init[name].astype(np.float32)
        q = init[name + "_quantized"].astype(np.float32)
        return (q - init[name + "_zero_point"].astype(np.float32)) * init[name + "_scale"].astype(np.float32)

    p = {"embeddings.word_embeddings.weight": get("word_emb"), "embeddings.position_embeddings.weight": get("pos_emb")}
    p["embeddings.token_type_embeddings.weight"] = np.stack([get("type_emb0"), np.zeros_like(get("type_emb0"))])
    p["embeddings.LayerNorm.weight"], p["embeddings.LayerNorm.bias"] = get("embeddings.LayerNorm.g"), get("embeddings.LayerNorm.b")
    n = 1 + max(int(k.split(".")[2]) for k in init if k.startswith("encoder.layer."))
    for i in range(n):
        pre = f"encoder.layer.{i}."
        for lin in LINEARS:
            p[pre + lin + ".weight"] = get(pre + lin + ".wT").T.copy()
            p[pre + lin + ".bias"] = get(pre + lin + ".b")
        for ln in NORMS:
            p[pre + ln + ".weight"], p[pre + ln + ".bias"] = get(pre + ln + ".g"), get(pre + ln + ".b")
    p["classifier.weight"] = get("classifier.wT").T.copy()
    p["classifier.bias"] = get("classifier.b")
    return p


def activations(p, batches):
    """Residual-stream states (every layer's output, flattened) and per-layer mean |attention
    head output| and mean |FFN activation| over the real tokens of `batches` [(ids, mask)]."""
    import jax
    import jax.numpy as jnp
    from bert import layer_norm

    H = hidden(p)
    heads_n = H // HEAD_DIM
    L = layers(p)
    states, head_act, ffn_act, count = [], np.zeros((L, heads_n)), np.zeros((L, p["encoder.layer.0.intermediate.dense.bias"].shape[0])), 0

    @jax.jit
    def run(q, ids, mask):
        b, s = ids.shape
        x = q["embeddings.word_embeddings.weight"][ids] + q["embeddings.position_embeddings.weight"][:s][None] + q["embeddings.token_type_embeddings.weight"][0]
        x = layer_norm(x, q["embeddings.LayerNorm.weight"], q["embeddings.LayerNorm.bias"])
        bias = (1.0 - mask[:, None, None, :].astype(jnp.float32)) * -1e4
        xs, hs, fs = [x], [], []
        for i in range(L):
            pre = f"encoder.layer.{i}."
            d = lambda n, t: t @ q[pre + n + ".weight"].T + q[pre + n + ".bias"]  # noqa: E731
            sp = lambda t: t.reshape(b, s, heads_n, HEAD_DIM).transpose(0, 2, 1, 3)  # noqa: E731
            qq, kk, vv = sp(d("attention.self.query", x)), sp(d("attention.self.key", x)), sp(d("attention.self.value", x))
            a = jax.nn.softmax(qq @ kk.transpose(0, 1, 3, 2) / np.sqrt(HEAD_DIM) + bias, axis=-1)
            c = (a @ vv).transpose(0, 2, 1, 3)  # b, s, heads, hd
            hs.append(jnp.abs(c).mean(-1))
            c = d("attention.output.dense", c.reshape(b, s, H))
            x = layer_norm(x + c, q[pre + "attention.output.LayerNorm.weight"], q[pre + "attention.output.LayerNorm.bias"])
            h = jax.nn.gelu(d("intermediate.dense", x), approximate=False)
            fs.append(jnp.abs(h))
            x = layer_norm(x + d("output.dense", h), q[pre + "output.LayerNorm.weight"], q[pre + "output.LayerNorm.bias"])
            xs.append(x)
        return jnp.stack(xs), jnp.stack(hs), jnp.stack(fs)

    q = {k: jnp.asarray(v) for k, v in p.items()}
    for ids, mask in batches:
        xs, hs, fs = (np.asarray(t) for t in run(q, jnp.asarray(ids), jnp.asarray(mask)))
        m = mask.astype(bool)
        states.append(xs[:, m])  # layers+1, tokens, H
        head_act += hs[:, m].sum(1)
        ffn_act += fs[:, m].sum(1)
        count += int(m.sum())
    return np.concatenate(states, 1), head_act / count, ffn_act / count


def shrink(p, keep_layers, width, heads, ffn, states, head_act, ffn_act):
    """A student from teacher params `p`: encoder layers `keep_layers` (indices), residual width
    `width`, `heads` heads of HEAD_DIM and `ffn` FFN units per layer."""
    H = hidden(p)
    flat = states.reshape(-1, H)
    if width == H:
        P = np.eye(H, dtype=np.float32)
    else:
        cov = flat.T @ flat / len(flat)
        w, v = np.linalg.eigh(cov)
        P = v[:, np.argsort(w)[::-1][:width]].astype(np.float32)  # H x width
    s = {}

    def norm(src, dst):
        s[dst + ".weight"] = ((P ** 2).T @ p[src + ".weight"]).astype(np.float32)
        s[dst + ".bias"] = (P.T @ p[src + ".bias"]).astype(np.float32)

    for e in ["word_embeddings", "position_embeddings", "token_type_embeddings"]:
        s[f"embeddings.{e}.weight"] = (p[f"embeddings.{e}.weight"] @ P).astype(np.float32)
    norm("embeddings.LayerNorm", "embeddings.LayerNorm")
    for j, i in enumerate(keep_layers):
        src, dst = f"encoder.layer.{i}.", f"encoder.layer.{j}."
        out_w = p[src + "attention.output.dense.weight"]  # H x H (input: heads)
        score = head_act[i] * np.linalg.norm(out_w.reshape(H, -1, HEAD_DIM), axis=(0, 2))
        hsel = np.sort(np.argsort(score)[::-1][:heads])
        cols = np.concatenate([np.arange(h * HEAD_DIM, (h + 1) * HEAD_DIM) for h in hsel])
        for lin in ["attention.self.query", "attention.self.key", "attention.self.value"]:
            s[dst + lin + ".weight"] = p[src + lin + ".weight"][cols] @ P
            s[dst + lin + ".bias"] = p[src + lin + ".bias"][cols]
        s[dst + "attention.output.dense.weight"] = P.T @ out_w[:, cols]
        s[dst + "attention.output.dense.bias"] = P.T @ p[src + "attention.output.dense.bias"]
        w2 = p[src + "output.dense.weight"]  # H x F
        fsel = np.sort(np.argsort(ffn_act[i] * np.linalg.norm(w2, axis=0))[::-1][:ffn])
        s[dst + "intermediate.dense.weight"] = p[src + "intermediate.dense.weight"][fsel] @ P
        s[dst + "intermediate.dense.bias"] = p[src + "intermediate.dense.bias"][fsel]
        s[dst + "output.dense.weight"] = P.T @ w2[:, fsel]
        s[dst + "output.dense.bias"] = P.T @ p[src + "output.dense.bias"]
        for ln in NORMS:
            norm(src + ln, dst + ln)
    s["classifier.weight"] = p["classifier.weight"] @ P
    s["classifier.bias"] = p["classifier.bias"]
    return {k: np.ascontiguousarray(v, np.float32) for k, v in s.items()}
