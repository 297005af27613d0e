"""The Ray Data pipeline on a local cluster: 22 archives made from the sample (directories,
tars, gzipped tars, one folder down; different events, frames, values, times), two of them
malformed. Every output must equal the CLI's for the same archive, the malformed ones must be
reported without stopping the run, and report.json must add up."""

from __future__ import annotations

import io
import json
import random
import shutil
import tarfile
from pathlib import Path

import pytest

from conftest import SAMPLE, cli_redact, outputs

ray = pytest.importorskip("ray")
import veil.ray_data  # noqa: E402

FRAMES = ["frames/000002.png", "frames/000040.png", "frames/000041.png", "frames/000091.png"]


def variant_files(i: int) -> dict:
    """Archive i: the sample's lines with one of its frames, values and times varied, and
    some lines left out (malformed lines stay malformed)."""
    rnd = random.Random(i)
    keep_frame = FRAMES[i % len(FRAMES)]
    lines = []
    for raw in (SAMPLE / "events.jsonl").read_text(encoding="utf-8", errors="surrogateescape").splitlines():
        try:
            ev = json.loads(raw)
        except ValueError:
            lines.append(raw)
            continue
        if not isinstance(ev, dict):
            lines.append(raw)
            continue
        if ev.get("kind") == "screenshot" and ev.get("image") in FRAMES and ev["image"] != keep_frame:
            continue
        if ev.get("kind") not in ("screenshot", "control", "window") and rnd.random() < 0.15:
            continue
        if isinstance(ev.get("ts"), int):
            ev["ts"] += 1000 * i
        line = json.dumps(ev, ensure_ascii=False)
        line = line.replace("jane.doe@example.com", f"jane.doe{i}@example.com").replace("Quarterly", ["Quarterly", "Annual", "Monthly"][i % 3])
        lines.append(line)
    files = {"events.jsonl": ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"), "meta.json": (SAMPLE / "meta.json").read_bytes()}
    files[keep_frame] = (SAMPLE / keep_frame).read_bytes()
    return files


def write_archive(root: Path, i: int) -> Path:
    files = variant_files(i)
    form = ["dir", "tar", "tar.gz", "nested.tgz"][i % 4]
    if form == "dir":
        path = root / f"capture-{i:02}"
        for name, data in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_bytes(data)
        return path
    path = root / f"capture-{i:02}.{form.removeprefix('nested.')}"
    prefix = f"capture-{i:02}/" if form.startswith("nested") else ""
    with tarfile.open(path, "w:gz" if form.endswith("gz") else "w") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    root = tmp_path_factory.mktemp("captures")
    good = [write_archive(root, i) for i in range(20)]
    (root / "broken.tar.gz").write_bytes(b"\x1f\x8b\x08\x00 this is no gzip stream at all" * 10)
    (root / "no-events").mkdir()
    (root / "no-events" / "meta.json").write_text("{}")
    (root / "notes.txt").write_text("not an archive: ignored")
    return root, good


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=256 << 20, configure_logging=False)
    yield
    ray.shutdown()


def test_many_archives_on_a_local_cluster_equal_the_cli(archives, cluster, veil_bin, tmp_path):
    root, good = archives
    dst = tmp_path / "redacted"
    report = veil.ray_data.redact_archives(root, dst, actors=2)

    assert report["archives"] == 22 and report["redacted"] == 20 and report["failed"] == 2
    failed = {e["archive"]: e for e in report["per_archive"] if not e["ok"]}
    assert set(failed) == {"broken.tar.gz", "no-events"}
    assert {e["error_kind"] for e in failed.values()} == {"InputError"}
    on_disk = json.loads((dst / "report.json").read_text())
    assert on_disk["totals"] == report["totals"] and on_disk["format"] == "veil-batch-report/1"

    frames = findings = 0
    for src in good:
        cli_out = tmp_path / "cli" / src.name
        r = cli_redact(veil_bin, src, cli_out)
        assert r.returncode == 0, r.stderr
        outputs.assert_same_archive(dst / src.name, cli_out)
        cli_totals = json.loads(outputs.archive_files(cli_out)["report.json"])["totals"]
        frames += cli_totals["output_frames"]
        findings += cli_totals["findings"]
    assert report["totals"]["output_frames"] == frames > 0
    assert report["totals"]["findings"] == findings > 0
    assert report["engine_load_s"] > 0 and report["archives_per_s"] > 0
