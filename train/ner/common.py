"""What training, export and evaluation share: labels, tokenisation with aligned labels, the
decoding of token probabilities into character spans (the same rules as src/detect/ner.rs),
and span-level scoring."""
import json

import numpy as np
from tokenizers import Tokenizer

ENTITIES = ["PERSON", "LOCATION", "ORGANIZATION"]
LABELS = ["O"] + [f"{p}-{e}" for e in ENTITIES for p in ("B", "I")]
MAX_TOKENS = 128


def tokenizer(path):
    tok = Tokenizer.from_file(path)
    tok.no_padding()
    tok.no_truncation()
    return tok


def encode(tok, text, spans=None, max_tokens=MAX_TOKENS):
    """Token ids, char offsets and (with spans) BIO label ids, truncated to max_tokens
    including [CLS] and [SEP]."""
    enc = tok.encode(text)
    ids = enc.ids[:max_tokens - 1] + [enc.ids[-1]] if len(enc.ids) > max_tokens else enc.ids
    offs = enc.offsets[:max_tokens - 1] + [(0, 0)] if len(enc.ids) > max_tokens else enc.offsets
    special = [1 if i in (0, len(ids) - 1) else 0 for i in range(len(ids))]
    if spans is None:
        return ids, offs, special, None
    labels = []
    for i, (s, e) in enumerate(offs):
        lab = 0
        if not special[i]:
            for ss, se, ent in spans:
                if ss <= s < se:
                    first = i == 0 or not (ss <= offs[i - 1][0] < se) or special[i - 1]
                    lab = LABELS.index(("B-" if first else "I-") + ent)
                    break
        labels.append(lab)
    return ids, offs, special, labels


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def is_word(c):
    return c.isalnum()


# Not part of a name at either end of a span (a "." is: "Co.", "S.A.").
TRIM = set(" \t\r\n,;:-\u2013\u2014|/()[]{}<>\"'")


def decode(text, offs, special, probs, thresholds=None):
    """Character spans from token probabilities [tokens, labels]. A token is inside an entity
    when its best entity's B+I probability reaches that entity's threshold. A span goes on
    through inside tokens unless B beats I at a word start, or a line break comes first (a line
    of UI text is a field of its own); a token whose best guess is I continues the span even when
    its entity differs (one name, two guesses about its type); the span's entity is the one with
    the most probability summed over its tokens. Spans grow to whole words (a hit inside a word
    covers the word) and lose punctuation at their ends. Returns [(start, end, entity, score)]."""
    thresholds = thresholds or {}
    spans = []
    cur = None  # [start, end, summed entity probabilities, [scores]]
    prev_end = None
    for i, (s, e) in enumerate(offs):
        if special[i]:
            continue
        p = probs[i]
        ent_p = np.array([p[1 + 2 * k] + p[2 + 2 * k] for k in range(len(ENTITIES))])
        k = int(np.argmax(ent_p))
        inside = ent_p[k] >= thresholds.get(ENTITIES[k], 0.5)
        word_start = prev_end is None or s > prev_end or not (is_word(text[s]) and s > 0 and is_word(text[s - 1]))
        if cur is not None and prev_end is not None and "\n" in text[prev_end:s]:
            spans.append(cur)
            cur = None
        if inside:
            is_b = p[1 + 2 * k] > p[2 + 2 * k]
            same = cur is not None and int(np.argmax(cur[2])) == k
            if cur is not None and not (word_start and is_b) and (same or not is_b):
                cur[1] = e
                cur[2] = cur[2] + ent_p
                cur[3].append(ent_p[k])
            else:
                if cur is not None:
                    spans.append(cur)
                cur = [s, e, ent_p, [ent_p[k]]]
        elif cur is not None:
            spans.append(cur)
            cur = None
        prev_end = e
    if cur is not None:
        spans.append(cur)
    out = []
    for s, e, sums, sc in spans:
        while s > 0 and is_word(text[s - 1]) and is_word(text[s]):
            s -= 1
        while e < len(text) and is_word(text[e]) and is_word(text[e - 1]):
            e += 1
        while s < e and text[s] in TRIM:
            s += 1
        while e > s and text[e - 1] in TRIM:
            e -= 1
        # a span left without a letter or digit (a domain's dot) names nothing
        if s < e and any(c.isalnum() for c in text[s:e]):
            out.append((s, e, ENTITIES[int(np.argmax(sums))], float(np.mean(sc))))
    # word growth can make neighbours overlap: merge them
    merged = []
    for sp in sorted(out):
        if merged and sp[0] < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], sp[1]), last[2], max(last[3], sp[3]))
        else:
            merged.append(sp)
    return merged


def score(rows, predicted):
    """Per-entity strict span precision/recall/F1 (exact start, end and entity), plus the share
    of gold entity characters covered by any predicted span (what redaction needs)."""
    res = {}
    for ent in ENTITIES:
        tp = fp = fn = 0
        gold_chars = covered = 0
        for r, pred in zip(rows, predicted):
            g = {(s, e) for s, e, k in r["spans"] if k == ent}
            p = {(s, e) for s, e, k, _ in pred if k == ent}
            tp += len(g & p)
            fp += len(p - g)
            fn += len(g - p)
            mask = np.zeros(len(r["text"]) + 1, bool)
            for s, e, _, _ in pred:
                mask[s:e] = True
            for s, e in g:
                seg = [c for c in range(s, e) if not r["text"][c].isspace()]
                gold_chars += len(seg)
                covered += int(mask[seg].sum()) if seg else 0
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        res[ent] = {"precision": round(prec, 3), "recall": round(rec, 3), "f1": round(f1, 3), "support": tp + fn,
                    "char_recall": round(covered / gold_chars, 3) if gold_chars else 0.0}
    return res


def false_spans(rows, predicted):
    """On the hard-negative set: predicted spans that overlap no gold span (over-redaction of
    UI words, plan names, user names...), in total and per template kind, and the texts hit."""
    res = {"texts": len(rows), "false_spans": 0, "texts_hit": 0, "by_kind": {}}
    for r, pred in zip(rows, predicted):
        bad = [p for p in pred if not any(p[0] < e and s < p[1] for s, e, _ in r["spans"])]
        kind = r["template"].split(":")[0]
        res["false_spans"] += len(bad)
        res["texts_hit"] += int(bool(bad))
        res["by_kind"][kind] = res["by_kind"].get(kind, 0) + len(bad)
    return res


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]
