"""Trains the NER token classifier (BIO over PERSON, LOCATION, ORGANIZATION) on the synthetic
data from data.py. CPU only (JAX/XLA). Two ways:

- the teacher: MiniLM-L6 fine-tuned from the pre-trained checkpoint (what ships, ~20 min):
      python train.py --base <model dir> --data data/ --out params.npz
- a student (what ships since issue 14; models/MODELS.md): a smaller model cut from the teacher (student.py: layers kept, width
  reduced by a projection of the residual stream) and distilled from it: the loss mixes the gold
  labels with the teacher's token distributions at a temperature, the latter only on tokens where
  the teacher's best label is the gold one (where it is wrong, the gold label alone teaches):
      python train.py --teacher train/ner/teacher.onnx --tokenizer models/ner_tokenizer.json --prose prose.jsonl \
          --student 4x384x1536 --keep-layers 0,2,4,5 --data data/ --out params.npz
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
    """Padded batches (ids, mask, gold labels, teacher log-probabilities or None)."""
    by = {L: [] for L, _ in BUCKETS}
    for item in encoded:
        L = next(L for L, _ in BUCKETS if len(item[0]) <= L)
        by[L].append(item)
    out = []
    for L, B in BUCKETS:
        xs = by[L]
        rng.shuffle(xs)
        for i in range(0, len(xs), B):
            chunk = xs[i:i + B]
            ids = np.zeros((B, L), np.int32)
            mask = np.zeros((B, L), np.int32)
            y = np.zeros((B, L), np.int32)
            t = np.zeros((B, L, len(LABELS)), np.float32) if chunk[0][2] is not None else None
            for j, (a, b, tl) in enumerate(chunk):
                ids[j, :len(a)] = a
                mask[j, :len(a)] = 1
                y[j, :len(b)] = b
                if t is not None:
                    t[j, :len(a)] = tl
            out.append((ids, mask, y, t))
    rng.shuffle(out)
    return out


def teacher_logprobs(path, encoded):
    """The teacher's log-probabilities per token of every encoded text (int8 graph, ONNX Runtime)."""
    import onnxruntime as ort
    from export import run_ids
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    probs = run_ids(ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]), [ids for ids, _ in encoded])
    return [np.log(np.maximum(p, 1e-8)).astype(np.float16) for p in probs]


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
    ap.add_argument("--base", default=None, help="directory with model.safetensors and tokenizer.json (the teacher's start)")
    ap.add_argument("--teacher", default=None, help="the teacher's int8 graph (distil a student from it)")
    ap.add_argument("--tokenizer", default=None, help="tokenizer.json (default: the base's)")
    ap.add_argument("--student", default="3x256x1024", help="layers x width x FFN units of the student")
    ap.add_argument("--keep-layers", default="1,3,5", help="teacher layers the student's layers start from")
    ap.add_argument("--alpha", type=float, default=0.5, help="weight of the teacher's distributions in the loss")
    ap.add_argument("--temperature", type=float, default=2.0)
    ap.add_argument("--train-embeddings", action="store_true", help="train the word embeddings too")
    ap.add_argument("--soft-cache", default=None, help="npz keeping the teacher's distributions for these data")
    ap.add_argument("--heldout", default=None, help="held-out jsonl scored at the end (default: data/test.jsonl)")
    ap.add_argument("--data", default="data")
    ap.add_argument("--prose", default=None, help="unlabelled prose jsonl (prose.py): learnt from the teacher alone")
    ap.add_argument("--out", default="params.npz")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", type=int, default=None, help="keep only the first N encoder layers")
    ap.add_argument("--init", default=None, help="a student's params.npz to go on training from (instead of cutting a new one)")
    ap.add_argument("--cut-from", default=None, help="a student's params.npz to cut the new student from (its layers, heads and FFN units; default: the teacher's)")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    tok = tokenizer(a.tokenizer or os.path.join(a.base, "tokenizer.json"))
    train_rows = read_jsonl(os.path.join(a.data, "train.jsonl"))
    assert a.teacher or not a.init, "--init continues a student: it needs --teacher"
    if a.prose:
        assert a.teacher, "--prose needs --teacher: its rows have no gold labels"
        train_rows += read_jsonl(a.prose)
    test_rows = read_jsonl(a.heldout or os.path.join(a.data, "test.jsonl"))
    encoded = []
    for r in train_rows:
        ids, _, _, labels = encode(tok, r["text"], r["spans"])
        encoded.append((ids, labels))
    n_tokens = sum(len(i) for i, _ in encoded)
    print(f"train: {len(encoded)} texts, {n_tokens} tokens; labels {LABELS}", flush=True)

    if a.teacher:
        import student
        t0 = time.time()
        if a.soft_cache and os.path.exists(a.soft_cache):
            z = np.load(a.soft_cache)
            assert len(z["soft"]) == n_tokens, f"{a.soft_cache} holds {len(z['soft'])} tokens, these data {n_tokens}: written for other data or prose, delete it"
            soft = np.split(z["soft"], np.cumsum([len(i) for i, _ in encoded])[:-1])
        else:
            soft = teacher_logprobs(a.teacher, encoded)
            if a.soft_cache:
                np.savez(a.soft_cache, soft=np.concatenate(soft))
        agree = np.mean(np.concatenate([s.argmax(-1) == np.array(y) for s, (_, y), r in zip(soft, encoded, train_rows) if not r.get("silver")]))
        print(f"teacher: {time.time() - t0:.0f} s; its best label is the gold one on {agree:.3f} of labelled tokens", flush=True)
        # Prose has no gold: the teacher's best label stands in for it (so the distributions
        # teach on every token), special tokens stay O.
        encoded = [(i, [0 if j in (0, len(i) - 1) else int(k) for j, k in enumerate(s.argmax(-1))] if r.get("silver") else y, s)
                   for (i, y), s, r in zip(encoded, soft, train_rows)]
        tp = dict(np.load(a.cut_from)) if a.cut_from else student.teacher_params(a.teacher)
        n_layers, width, ffn = map(int, a.student.split("x"))
        keep = [int(k) for k in a.keep_layers.split(",")]
        assert len(keep) == n_layers, "--keep-layers names one teacher layer per student layer"
        if a.init:
            p0 = dict(np.load(a.init))
        else:
            sample = [(i, m) for i, m, _, _ in batches(encoded[:2048], random.Random(0))]
            states, head_act, ffn_act = student.activations(tp, sample[:24])
            p0 = student.shrink(tp, keep, width, width // bert.HEAD_DIM, ffn, states, head_act, ffn_act)
        p = {k: jnp.asarray(v) for k, v in p0.items()}
        start = f"continued from {a.init}" if a.init else f"from {a.cut_from} layers {keep}" if a.cut_from else f"from teacher layers {keep}"
        print(f"student {a.student} {start}: {sum(v.size for v in p0.values()) / 1e6:.1f} M parameters", flush=True)
    else:
        encoded = [(i, y, None) for i, y in encoded]
        p = {k: jnp.asarray(v) for k, v in bert.load_base(os.path.join(a.base, "model.safetensors"), len(LABELS), a.seed, a.layers).items()}
    # Word embeddings stay frozen (unless asked): names never seen in training keep their
    # pre-trained vectors.
    frozen = {} if a.train_embeddings else {"embeddings.word_embeddings.weight": p.pop("embeddings.word_embeddings.weight")}
    steps_per_epoch = len(batches(encoded, random.Random(0)))
    total = int(steps_per_epoch * a.epochs)
    sched = optax.warmup_cosine_decay_schedule(0.0, a.lr, max(1, total // 16), total, a.lr * 0.05)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(sched, weight_decay=0.01))
    state = opt.init(p)

    T, alpha = a.temperature, a.alpha

    def loss_fn(t, ids, mask, y, soft, key):
        logits = bert.forward({**t, **frozen}, ids, mask, key)
        l = optax.softmax_cross_entropy_with_integer_labels(logits, y)
        if soft is None:
            return (l * mask).sum() / mask.sum()
        # teacher at temperature T, only where its best label is the gold one
        agree = (soft.argmax(-1) == y) & (mask > 0)
        kd = optax.softmax_cross_entropy(logits / T, jax.nn.softmax(soft / T)) - optax.softmax_cross_entropy(soft / T, jax.nn.softmax(soft / T))
        return ((1 - alpha) * (l * mask).sum() + alpha * T * T * (kd * agree).sum()) / mask.sum()

    @jax.jit
    def step(t, st, ids, mask, y, soft, key):
        l, g = jax.value_and_grad(loss_fn)(t, ids, mask, y, soft, key)
        u, st = opt.update(g, st, t)
        return optax.apply_updates(t, u), st, l

    fwd = jax.jit(lambda t, ids, mask: bert.forward({**t, **frozen}, ids, mask))
    key = jax.random.PRNGKey(a.seed)
    done, t0, run = 0, time.time(), []
    while done < total:
        for ids, mask, y, soft in batches(encoded, rng):
            if done >= total:
                break
            key, sub = jax.random.split(key)
            p, state, l = step(p, state, ids, mask, y, soft, sub)
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
