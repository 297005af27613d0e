"""Everyday English prose for distillation: the quotes, jokes and definitions of Debian's
`fortunes` and `fortunes-min` packages (BSD fortune(6) data), cut into paragraphs, or runs of
sentences, of at most 360 characters (a longer sentence inside a paragraph stays whole). They
carry no labels: the student learns the teacher's token distributions on them (train.py, rows
marked "silver"), so that it copies the teacher's behaviour on prose the synthetic templates
never show (pronouns, role nouns, song and book titles next to names).

It must never be used to score a model: the teacher's guesses are not gold. Only training reads
it, and nothing of it ships.

    python prose.py --deb fortunes_*.deb --deb fortunes-min_*.deb --n 100000 --out prose.jsonl  # all 18,340
"""
import argparse
import io
import json
import random
import re
import tarfile

SKIP = {"ascii-art"}  # pictures, not prose
MAX_CHARS = 360


def data_tar(deb):
    """The data.tar.* member of a .deb (an ar archive), opened."""
    with open(deb, "rb") as f:
        blob = f.read()
    assert blob[:8] == b"!<arch>\n", f"{deb}: not a .deb"
    pos = 8
    while pos < len(blob):
        name = blob[pos:pos + 16].decode().strip().rstrip("/")
        size = int(blob[pos + 48:pos + 58].decode().strip())
        body = blob[pos + 60:pos + 60 + size]
        if name.startswith("data.tar"):
            return tarfile.open(fileobj=io.BytesIO(body))
        pos += 60 + size + (size & 1)
    raise SystemExit(f"{deb}: no data.tar member")


def fortunes(deb):
    """(file name, entry) for every fortune in the package's plain-text files."""
    tar = data_tar(deb)
    for m in sorted(tar.getmembers(), key=lambda m: m.name):
        base = m.name.rsplit("/", 1)[-1]
        if not m.isfile() or "/games/fortunes/" not in m.name or "." in base or base in SKIP:
            continue
        text = tar.extractfile(m).read().decode("utf-8", "replace")
        for entry in text.split("\n%\n"):
            yield base, entry


def pieces(entry):
    """An entry cut into pieces of at most MAX_CHARS: whole paragraphs, or sentences of one."""
    entry = "\n".join(line.strip() for line in entry.strip("%\n ").splitlines())
    out = []
    for para in re.split(r"\n\s*\n", entry):
        para = para.strip()
        if not para:
            continue
        if len(para) <= MAX_CHARS:
            out.append(para)
            continue
        cur = ""
        for sent in re.split(r"(?<=[.!?])\s+", para):
            if cur and len(cur) + 1 + len(sent) > MAX_CHARS:
                out.append(cur)
                cur = ""
            cur = f"{cur} {sent}".strip()
        if cur:
            out.append(cur[:MAX_CHARS])
    return [p for p in out if len(p.split()) >= 3]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deb", action="append", required=True)
    ap.add_argument("--n", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    seen, rows = set(), []
    for deb in a.deb:
        for src, entry in fortunes(deb):
            for p in pieces(entry):
                if p not in seen:
                    seen.add(p)
                    rows.append({"text": p, "spans": [], "split": "train", "template": f"prose:{src}", "silver": True})
    random.Random(a.seed).shuffle(rows)
    rows = rows[:a.n]
    with open(a.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"prose: {len(rows)} pieces of {len(seen)}")


if __name__ == "__main__":
    main()
