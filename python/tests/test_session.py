"""veil.Session from Python: the sample streamed line by line with its frames."""

from __future__ import annotations

import json

import veil
from conftest import SAMPLE, cli_redact, outputs


def stream(engine, hold_ms=60_000):
    session = veil.Session(engine, hold_ms=hold_ms)
    released, reports = [], []
    for raw in (SAMPLE / "events.jsonl").read_bytes().splitlines():
        if not raw.strip():
            continue
        frame = None
        try:
            ev = json.loads(raw)
            if ev.get("kind") == "screenshot" and (SAMPLE / ev["image"]).is_file():
                frame = (SAMPLE / ev["image"]).read_bytes()
        except (ValueError, AttributeError, KeyError, TypeError):
            pass  # a malformed line goes in as it is: the engine drops and counts it
        r = session.push(raw, frame)
        released += r.events
        reports.append(r.report)
    r = session.finish()
    return released + r.events, reports + [r.report]


def test_stream_matches_the_archive_run(engine, veil_bin, tmp_path):
    released, reports = stream(engine)
    out = tmp_path / "stream"
    (out / "frames").mkdir(parents=True)
    (out / "events.jsonl").write_text("".join(e.line + "\n" for e in released))
    for e in released:
        if e.frame is not None:
            (out / e.image).write_bytes(e.frame)
    assert cli_redact(veil_bin, SAMPLE, tmp_path / "cli").returncode == 0
    outputs.assert_stream_matches(out, tmp_path / "cli")
    # The reports of all calls add up to the archive run's accounting of every line.
    cli_report = json.loads((tmp_path / "cli" / "report.json").read_text())
    assert sum(r["totals"]["input_lines"] for r in reports) == cli_report["totals"]["input_lines"]
    assert sum(r["totals"]["dropped"] for r in reports) == cli_report["totals"]["dropped"]
    assert sum(r["totals"]["unknown_fields"] for r in reports) == cli_report["totals"]["unknown_fields"]


def test_events_wait_for_hold_and_forget_reaches_them(engine):
    s = veil.Session(engine, hold_ms=1_000)
    assert s.push({"seq": 1, "ts": 0, "kind": "text", "source": "clipboard", "text": "jane.doe@example.com"}).events == []
    r = s.push('{"seq": 2, "ts": 10, "kind": "control", "action": "forget"}')
    assert r.report["totals"]["drops"] == {"forgotten": 1}
    r = s.push({"seq": 3, "ts": 5_000, "kind": "text", "source": "clipboard", "text": "hello"})
    assert [e.event["kind"] for e in r.events] == ["control"]
    assert [e.event["text"] for e in s.finish().events] == ["hello"]


def test_bad_lines_and_missing_frames_are_dropped_and_counted(engine):
    s = veil.Session(engine, hold_ms=0)
    r = s.push(b"\xff\xfe not json", b"frame bytes for nothing")
    assert r.events == [] and r.report["totals"]["drops"] == {"invalid_utf8": 1}
    r = s.push({"seq": 1, "ts": 0, "kind": "screenshot", "image": "frames/1.png"})
    assert r.events == [] and r.report["totals"]["drops"] == {"missing_image": 1}
    r = s.push({"seq": 2, "ts": 0, "kind": "screenshot", "image": "frames/2.png"}, b"not an image")
    assert r.events == [] and r.report["totals"]["drops"] == {"bad_image": 1}
