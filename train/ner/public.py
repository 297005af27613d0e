"""Scores NER graphs on presidio-research's public synthetic set the way tests/quality.rs does
(span overlap per entity, the set's ADDRESS counted as LOCATION), NER findings only. For the
side-by-side table in models/MODELS.md: this set is never trained on and nothing is tuned to it.

    python public.py --data ../shared/data/presidio_research_generated_large.json \
        --tokenizer models/ner_tokenizer.json train/ner/teacher.onnx models/ner.onnx
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import ENTITIES, decode, tokenizer  # noqa: E402
from export import run_all  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("models", nargs="+")
    a = ap.parse_args()
    import onnxruntime as ort
    with open(a.data, encoding="utf-8") as f:
        records = json.load(f)
    rows = [{"text": r["full_text"]} for r in records]
    gold = [[(s["start_position"], s["end_position"], "LOCATION" if s["entity_type"] == "ADDRESS" else s["entity_type"]) for s in r["spans"]] for r in records]
    tok = tokenizer(a.tokenizer)
    for path in a.models:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 2
        enc, probs = run_all(ort.InferenceSession(path, so), tok, rows)
        preds = [decode(r["text"], e[1], e[2], p) for r, e, p in zip(rows, enc, probs)]
        out = {}
        for ent in ENTITIES:
            tp = fp = fn = 0
            for g, p in zip(gold, preds):
                gs = [(s, e) for s, e, k in g if k == ent]
                ps = [(s, e) for s, e, k, _ in p if k == ent]
                tp += sum(any(ps_ < ge and gs_ < pe for ps_, pe in ps) for gs_, ge in gs)
                fn += sum(not any(ps_ < ge and gs_ < pe for ps_, pe in ps) for gs_, ge in gs)
                fp += sum(not any(ps_ < ge and gs_ < pe for gs_, ge in gs) for ps_, pe in ps)
            pr = tp / max(tp + fp, 1)
            rc = tp / max(tp + fn, 1)
            out[ent] = {"precision": round(pr, 3), "recall": round(rc, 3), "f1": round(2 * pr * rc / max(pr + rc, 1e-9), 3), "support": tp + fn}
        print(path, json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
