"""Fine-tunes MiniLM-L6 for PII token classification (BIO over PERSON, LOCATION,
ORGANIZATION) on the synthetic data from data.py. CPU only (JAX/XLA); ~25 minutes on 2 cores
with the defaults.

    python train.py --base <model dir> --data data/ --out params.npz
"""
import argparse
import json
import os
import random
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

sys.path.insert(0, os.path.dirname(__file__))
import bert  # noqa: E402
from common import LABELS, decode, encode, read_jsonl, score, softmax, tokenizer  # noqa: E402

BUCKETS = [(16, 64), (32, 32), (64, 16), (128, 8)]  # (padded length, batch size): ~1k tokens a step


def batches(encoded, rng):
    by = {L: [] for L, _ in BUCKETS}
    for ids, labels in encoded:
        L = next(L for L, _ in BUCKETS if len(ids) <= L)
        by[L].append((ids, labels))
    out = []
    for L, B in BUCKETS:
        xs = by[L]
        rng.shuffle(xs)
        for i in range(0, len(xs), B):
            chunk = xs[i:i + B]
            ids = np.zeros((B, L), np.int32)
            mask = np.zeros((B, L), np.int32)
            y = np.zeros((B, L), np.int32)
            for j, (a, b) in enumerate(chunk):
                ids[j, :len(a)] = a
                mask[j, :len(a)] = 1
                y[j, :len(b)] = b
            out.append((ids, mask, y))
    rng.shuffle(out)
    return out


def predict(params, tok, rows, fwd):
    preds = []
    for r in rows:
        ids, offs, special, _ = encode(tok, r["text"])
        L = next(L for L, _ in BUCKETS if len(ids) <= L)  # padded: one compilation per bucket
        x = np.zeros((1, L), np.int32)
        m = np.zeros((1, L), np.int32)
        x[0, :len(ids)] = ids
        m[0, :len(ids)] = 1
        logits = np.asarray(fwd(params, jnp.asarray(x), jnp.asarray(m)))[0, :len(ids)]
        preds.append(decode(r["text"], offs, special, softmax(logits)))
    return preds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="directory with model.safetensors and tokenizer.json")
    ap.add_argument("--data", default="data")
    ap.add_argument("--out", default="params.npz")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", type=int, default=None, help="keep only the first N encoder layers")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    tok = tokenizer(os.path.join(a.base, "tokenizer.json"))
    train_rows = read_jsonl(os.path.join(a.data, "train.jsonl"))
    test_rows = read_jsonl(os.path.join(a.data, "test.jsonl"))
    encoded = []
    for r in train_rows:
        ids, _, _, labels = encode(tok, r["text"], r["spans"])
        encoded.append((ids, labels))
    n_tokens = sum(len(i) for i, _ in encoded)
    print(f"train: {len(encoded)} texts, {n_tokens} tokens; labels {LABELS}", flush=True)

    p = {k: jnp.asarray(v) for k, v in bert.load_base(os.path.join(a.base, "model.safetensors"), len(LABELS), a.seed, a.layers).items()}
    # Word embeddings stay frozen: names never seen in training keep their pre-trained vectors.
    frozen = {"embeddings.word_embeddings.weight": p.pop("embeddings.word_embeddings.weight")}
    steps_per_epoch = len(batches(encoded, random.Random(0)))
    total = int(steps_per_epoch * a.epochs)
    sched = optax.warmup_cosine_decay_schedule(0.0, a.lr, max(1, total // 16), total, a.lr * 0.05)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(sched, weight_decay=0.01))
    state = opt.init(p)

    def loss_fn(t, ids, mask, y, key):
        logits = bert.forward({**t, **frozen}, ids, mask, key)
        l = optax.softmax_cross_entropy_with_integer_labels(logits, y)
        return (l * mask).sum() / mask.sum()

    @jax.jit
    def step(t, st, ids, mask, y, key):
        l, g = jax.value_and_grad(loss_fn)(t, ids, mask, y, key)
        u, st = opt.update(g, st, t)
        return optax.apply_updates(t, u), st, l

    fwd = jax.jit(lambda t, ids, mask: bert.forward({**t, **frozen}, ids, mask))
    key = jax.random.PRNGKey(a.seed)
    done, t0, run = 0, time.time(), []
    while done < total:
        for ids, mask, y in batches(encoded, rng):
            if done >= total:
                break
            key, sub = jax.random.split(key)
            p, state, l = step(p, state, ids, mask, y, sub)
            run.append(float(l))
            done += 1
            if done % 100 == 0 or done == total:
                el = time.time() - t0
                print(f"step {done}/{total} loss {np.mean(run[-100:]):.4f} ({el / 60:.1f} min, eta {el / done * (total - done) / 60:.1f} min)", flush=True)

    params = {k: np.asarray(v) for k, v in {**p, **frozen}.items()}
    np.savez(a.out, **params)
    res = score(test_rows, predict(p, tok, test_rows, fwd))
    print("held-out (fp32, JAX):", json.dumps(res), flush=True)
    print(f"trained in {(time.time() - t0) / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
