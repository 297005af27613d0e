"""Many archives: the Ray Data pipeline (veil.ray_data) against the single-process CLI run
once per archive, on the same machine and the same inputs (N copies of testdata/sample, 4
frames and 94 lines each). Prints archives/s and frames/s for each, and their ratio.

    make py-test   # builds the package into .cache/py-venv
    .cache/py-venv/bin/python benches/ray_vs_cli.py --archives 24 --actors 2

It prints only counts and times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--archives", type=int, default=24)
    ap.add_argument("--actors", type=int, default=2)
    ap.add_argument("--cpus", type=int, default=os.cpu_count())
    ap.add_argument("--veil", default=str(ROOT / "target" / "release" / "veil"))
    a = ap.parse_args()
    os.environ.setdefault("VEIL_PSEUDONYM_KEY", "bench-key-3d7a90c1e4")
    tmp = Path(tempfile.mkdtemp(prefix="veil-ray-bench-"))
    src = tmp / "src"
    for i in range(a.archives):
        shutil.copytree(ROOT / "testdata" / "sample", src / f"capture-{i:03}")

    t = time.perf_counter()
    frames = 0
    for p in sorted(src.iterdir()):
        subprocess.run([a.veil, "redact", str(p), "-o", str(tmp / "cli" / p.name), "-q"], check=True)
        frames += json.loads((tmp / "cli" / p.name / "report.json").read_text())["totals"]["output_frames"]
    cli_s = time.perf_counter() - t

    import ray

    import veil.ray_data

    ray.init(num_cpus=a.cpus, include_dashboard=False, log_to_driver=False, configure_logging=False)
    report = veil.ray_data.redact_archives(src, tmp / "ray", actors=a.actors)
    ray.shutdown()
    assert report["failed"] == 0 and report["totals"]["output_frames"] == frames
    ray_s = report["wall_s"]
    print(f"{a.archives} archives, {frames} frames out, {a.cpus} CPUs, {a.actors} actors")
    print("| run | wall s | archives/s | frames/s |")
    print("|---|---|---|---|")
    print(f"| `veil redact`, one process per archive, one after another | {cli_s:.1f} | {a.archives / cli_s:.2f} | {frames / cli_s:.2f} |")
    print(f"| `veil.ray_data.redact_archives`, {a.actors} actors (engine load included) | {ray_s:.1f} | {a.archives / ray_s:.2f} | {frames / ray_s:.2f} |")
    print(f"ratio Ray / CLI: {cli_s / ray_s:.2f}x; engine loads: {report['engine_load_s']:.1f} s in all")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
