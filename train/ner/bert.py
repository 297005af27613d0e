"""MiniLM (BERT architecture, any depth and width) token classifier in JAX: forward pass and parameter loading.

The parameter names are those of the Hugging Face checkpoint (`model.safetensors`), so the
same dict is loaded for fine-tuning here and written into the ONNX graph by export.py.
"""
import numpy as np
import jax
import jax.numpy as jnp
from safetensors.numpy import load_file

HEAD_DIM, EPS = 32, 1e-12  # MiniLM's head width; a student keeps it (heads = hidden / 32)


def layers(p):
    """Number of encoder layers in a parameter dict."""
    return len({k.split(".")[2] for k in p if k.startswith("encoder.layer.")})


def hidden(p):
    """Hidden size of a parameter dict."""
    return p["embeddings.word_embeddings.weight"].shape[1]


def load_base(path, num_labels, seed=0, keep_layers=None):
    """Base weights from the checkpoint plus a fresh classifier head; `keep_layers`: only the
    first that many encoder layers (a smaller, faster model)."""
    def keep(k):
        if k.startswith("pooler") or k == "embeddings.position_ids":
            return False
        return keep_layers is None or not k.startswith("encoder.layer.") or int(k.split(".")[2]) < keep_layers
    w = {k: v for k, v in load_file(path).items() if keep(k)}
    rng = np.random.default_rng(seed)
    w["classifier.weight"] = (rng.standard_normal((num_labels, hidden(w))) * 0.02).astype(np.float32)
    w["classifier.bias"] = np.zeros((num_labels,), np.float32)
    return w


def layer_norm(x, g, b):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / jnp.sqrt(var + EPS) * g + b


def dense(p, name, x):
    return x @ p[name + ".weight"].T + p[name + ".bias"]


def forward(p, ids, mask, dropout_rng=None, rate=0.1):
    """Logits [batch, seq, labels] for token ids [batch, seq] and mask [batch, seq] (1 = token)."""
    def drop(x, i):
        if dropout_rng is None:
            return x
        keep = jax.random.bernoulli(jax.random.fold_in(dropout_rng, i), 1.0 - rate, x.shape)
        return jnp.where(keep, x / (1.0 - rate), 0.0)

    b, s = ids.shape
    H = hidden(p)
    heads_n = H // HEAD_DIM
    x = p["embeddings.word_embeddings.weight"][ids]
    x = x + p["embeddings.position_embeddings.weight"][:s][None]
    x = x + p["embeddings.token_type_embeddings.weight"][0][None, None]
    x = drop(layer_norm(x, p["embeddings.LayerNorm.weight"], p["embeddings.LayerNorm.bias"]), 0)
    bias = (1.0 - mask[:, None, None, :].astype(jnp.float32)) * -1e4
    hd = HEAD_DIM
    for i in range(layers(p)):
        pre = f"encoder.layer.{i}."
        def heads(t):
            return t.reshape(b, s, heads_n, hd).transpose(0, 2, 1, 3)
        q = heads(dense(p, pre + "attention.self.query", x))
        k = heads(dense(p, pre + "attention.self.key", x))
        v = heads(dense(p, pre + "attention.self.value", x))
        a = jax.nn.softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd) + bias, axis=-1)
        a = drop(a, 10 * i + 1)
        c = (a @ v).transpose(0, 2, 1, 3).reshape(b, s, H)
        c = drop(dense(p, pre + "attention.output.dense", c), 10 * i + 2)
        x = layer_norm(x + c, p[pre + "attention.output.LayerNorm.weight"], p[pre + "attention.output.LayerNorm.bias"])
        h = jax.nn.gelu(dense(p, pre + "intermediate.dense", x), approximate=False)
        h = drop(dense(p, pre + "output.dense", h), 10 * i + 3)
        x = layer_norm(x + h, p[pre + "output.LayerNorm.weight"], p[pre + "output.LayerNorm.bias"])
    x = drop(x, 99)
    return dense(p, "classifier", x)
