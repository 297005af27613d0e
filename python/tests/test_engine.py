"""veil.Engine from Python: text, detection, archives, errors, and the GIL released."""

from __future__ import annotations

import threading
import time

import pytest

import veil
from conftest import SAMPLE, cli_redact, outputs


def test_redact_text_and_findings_in_characters(engine):
    text = "Größe ändern — write to jane.doe@example.com or call +1 415-555-2671"
    r = engine.redact_text(text)
    assert "jane.doe" not in r.text and "2671" not in r.text
    by_entity = {f.entity: f for f in r.findings}
    email = by_entity["EMAIL_ADDRESS"]
    # Offsets are str indices (characters), not UTF-8 bytes: the text before holds ö, ä and —.
    assert text[email.start : email.end] == "jane.doe@example.com"
    assert email.detector == "email" and 0 < email.score <= 1
    assert [(f.entity, f.start, f.end) for f in engine.detect(text)] == [(f.entity, f.start, f.end) for f in r.findings]


def test_nothing_to_find(engine):
    assert engine.redact_text("File Edit View Help").text == "File Edit View Help"
    assert engine.detect("") == []


def test_policy_text_and_file(tmp_path):
    rules_only = "[models]\nfaces = false\ntext_regions = false\nner = false\n[actions]\nEMAIL_ADDRESS = \"tag\"\n"
    e = veil.Engine(rules_only)
    assert not e.has_ner and "email" in e.rules
    assert e.redact_text("a@example.com").text == "<EMAIL_ADDRESS>"
    f = tmp_path / "p.toml"
    f.write_text(rules_only)
    assert veil.Engine(policy_file=f).redact_text("a@example.com").text == "<EMAIL_ADDRESS>"


def test_clear_exceptions(engine, tmp_path):
    with pytest.raises(veil.PolicyError, match="EMAIL_ADRESS"):
        veil.Engine('[actions]\nEMAIL_ADRESS = "tag"\n')
    with pytest.raises(veil.PolicyError):
        veil.Engine(policy_file=tmp_path / "missing.toml")
    with pytest.raises(veil.InputError):
        engine.redact_archive(tmp_path / "nope", tmp_path / "out")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "x").write_text("x")
    with pytest.raises(veil.OutputExistsError) as e:
        engine.redact_archive(SAMPLE, tmp_path / "out")
    assert isinstance(e.value, veil.OutputError) and isinstance(e.value, veil.VeilError)
    with pytest.raises(TypeError):
        engine.redact_text(b"bytes are not text")


def test_redact_archive_equals_the_cli(engine, veil_bin, tmp_path):
    for name in ("out.tar.gz", "outdir"):
        report = engine.redact_archive(SAMPLE, tmp_path / name)
        assert report["format"] == "veil-report/1" and report["pseudonym_key"] == "env"
        cli = cli_redact(veil_bin, SAMPLE, tmp_path / f"cli-{name}")
        assert cli.returncode == 0, cli.stderr
        outputs.assert_same_archive(tmp_path / name, tmp_path / f"cli-{name}")
    assert report["totals"]["output_frames"] == 4
    outputs.assert_no_planted((tmp_path / "outdir" / "events.jsonl").read_text())


def test_the_gil_is_released_while_the_engine_works(engine, tmp_path):
    """A Python thread keeps running while another waits on an archive run (~0.3 s): with the
    GIL held it would stall for the whole run. The ticker wakes every 5 ms, so a tenth of a
    second already tells a stall of the whole run (over half of it) from none."""
    gaps, done = [], threading.Event()

    def ticker():
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    t = threading.Thread(target=ticker)
    t.start()
    t0 = time.perf_counter()
    engine.redact_archive(SAMPLE, tmp_path / "gil")
    took = time.perf_counter() - t0
    done.set()
    t.join()
    assert took > 0.1, "the run is long enough to tell"
    assert max(gaps) < took / 2, f"the ticker stalled {max(gaps):.2f} s of a {took:.2f} s run"


def test_threads_share_one_engine(engine):
    texts = [f"user{i}@example.com" for i in range(8)]
    out = {}

    def work(t):
        out[t] = engine.redact_text(t).text

    threads = [threading.Thread(target=work, args=(t,)) for t in texts]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert all(t not in out[t] and out[t] for t in texts)


def test_verify_and_review_gate_an_upload(engine, tmp_path):
    out = tmp_path / "out"
    engine.redact_archive(SAMPLE, out)
    with pytest.raises(veil.OutputError):
        veil.write_review(out, out / "review.html")
    summary = veil.write_review(out, tmp_path / "review.html")
    assert summary["frames"] == 4 and summary["originals"] == 0
    assert (tmp_path / "review.html").read_text().startswith("<!doctype html>")
    verdict = engine.verify_archive(out, manifest=summary["manifest"])
    assert verdict["passed"] and verdict["problems"] == [], verdict["problems"]
    assert verdict["fingerprint"] == summary["fingerprint"]
    # A frame changed after review: the manifest check and the pixel checks fail.
    frame = next((out / "frames").iterdir())
    frame.write_bytes(frame.read_bytes()[:-20])
    verdict = engine.verify_archive(out, manifest=summary["manifest"])
    assert not verdict["passed"]
    assert all(set(p) >= {"kind", "location"} for p in verdict["problems"])
    with pytest.raises(ValueError):
        engine.verify_archive(out, manifest="not a manifest")
