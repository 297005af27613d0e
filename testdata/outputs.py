"""Checks on redacted archives, shared by the binding tests (stdlib only).

- ``same A B``: two redacted archives (directories or tars) hold the same files with the same
  bytes; their ``report.json`` may differ only in timings. The bindings' archive runs must
  equal the CLI's this way (with one pseudonym key).
- ``stream STREAM CLI``: a stream redacted through a session released the same events (by
  ``seq``) and frames as the CLI's archive run, and no planted value of the sample
  (``testdata/sample.expected.json``) appears in it. (Not byte equality: which texts share a
  batch can change a NER entity label, e.g. ``<ORGANIZATION>`` for ``<LOCATION>``.)

It must never print a file's content: only names and counts.
"""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path
from typing import Dict

HERE = Path(__file__).resolve().parent


def archive_files(path: Path) -> Dict[str, bytes]:
    """Relative path -> bytes of every file of an archive directory or tar."""
    path = Path(path)
    if path.is_dir():
        return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
    files = {}
    with tarfile.open(path) as t:
        for m in t.getmembers():
            if m.isfile():  # veil writes its tars with the files at the top level
                files[m.name] = t.extractfile(m).read()
    return files


def _report_without_timings(b: bytes) -> dict:
    r = json.loads(b)
    r.pop("timings", None)
    return r


def assert_same_archive(got: Path, want: Path) -> None:
    a, b = archive_files(got), archive_files(want)
    assert sorted(a) == sorted(b), f"{got}: files differ from {want}: {sorted(set(a) ^ set(b))}"
    for name in a:
        if name == "report.json":
            assert _report_without_timings(a[name]) == _report_without_timings(b[name]), f"{got}: report differs from {want}"
        else:
            assert a[name] == b[name], f"{got}: {name} differs from {want}"


def variants(value: str) -> list:
    """A planted value and the forms it must not appear in either."""
    out = [value, value.lower(), value.replace(" ", "")]
    digits = "".join(c for c in value if c.isdigit())
    return out + ([digits] if len(digits) >= 6 else [])


def assert_no_planted(events_jsonl: str) -> None:
    expected = json.loads((HERE / "sample.expected.json").read_text())
    for p in expected["planted"]:
        for v in variants(p["value"]):
            assert v not in events_jsonl, f"planted value ({p['where']}) leaks"


def assert_stream_matches(stream: Path, cli: Path) -> None:
    got = archive_files(stream)
    want = archive_files(cli)
    seqs = lambda b: [json.loads(l)["seq"] for l in b.decode().splitlines()]  # noqa: E731
    assert seqs(got["events.jsonl"]) == seqs(want["events.jsonl"]), f"{stream}: released events differ from the CLI's"
    frames = lambda f: sorted(k for k in f if k.startswith("frames/"))  # noqa: E731
    assert frames(got) == frames(want), f"{stream}: released frames differ from the CLI's"
    assert_no_planted(got["events.jsonl"].decode())


if __name__ == "__main__":
    cmd, a, b = sys.argv[1:4]
    {"same": assert_same_archive, "stream": assert_stream_matches}[cmd](Path(a), Path(b))
    print(f"outputs.py {cmd}: {a} matches {b}")
