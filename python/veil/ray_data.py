"""Redacting a directory of many capture archives on a Ray cluster, with Ray Data.

Each archive (a ``capture/1`` directory, ``.tar``, ``.tar.gz`` or ``.tgz``) is one row; rows go
to actors that each hold one :class:`veil.Engine` (loaded once per actor, not per archive), and
each actor runs :meth:`veil.Engine.redact_archive` (the engine's own parallel archive run).
Outputs take the input's name and form under the destination; ``report.json`` there
aggregates every archive's report totals. An archive that cannot be read is reported (its
error kind and message, which never quote captured data) and the run goes on. Only glue: no
redaction happens here.

    import ray, veil.ray_data
    ray.init()                                   # or ray.init("ray://head:10001")
    report = veil.ray_data.redact_archives("s3-mount/captures", "s3-mount/redacted")

Pseudonyms stay consistent across archives only with one key on every worker: set
``VEIL_PSEUDONYM_KEY`` in the workers' environment (``runtime_env={"env_vars": ...}`` or the
nodes' own environment); without it each actor draws its own per-run key.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import veil

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")


def find_archives(src: Path) -> List[Path]:
    """The archives directly inside ``src``: every directory, and files named like tars
    (a directory without ``events.jsonl`` is kept, to be reported as malformed)."""
    found = [p for p in src.iterdir() if p.is_dir() or p.name.lower().endswith(ARCHIVE_SUFFIXES)]
    return sorted(found)


class Redactor:
    """The per-actor callable of ``map_batches``: one engine for every archive it is given."""

    def __init__(self, policy: Optional[str], force: bool) -> None:
        t = time.perf_counter()
        self.engine = veil.Engine(policy)
        self.load_s = time.perf_counter() - t
        self.force = force

    def __call__(self, batch: Dict[str, Any]) -> Dict[str, List[Any]]:
        out: Dict[str, List[Any]] = {k: [] for k in ("src", "dst", "ok", "error_kind", "error", "totals", "seconds", "engine_load_s")}
        for src, dst in zip(batch["src"], batch["dst"]):
            t = time.perf_counter()
            # Each archive as `veil redact` would do it, whatever this worker did before.
            self.engine.clear_memo()
            try:
                report = self.engine.redact_archive(str(src), str(dst), force=self.force)
                ok, kind, msg, totals = True, "", "", json.dumps(report["totals"])
            except veil.VeilError as e:  # malformed or unreadable: reported, not fatal
                ok, kind, msg, totals = False, type(e).__name__, str(e), "{}"
            for k, v in zip(out, (str(src), str(dst), ok, kind, msg, totals, time.perf_counter() - t, self.load_s)):
                out[k].append(v)
            self.load_s = 0.0  # counted once per actor
        return out


def _add(into: Dict[str, Any], totals: Dict[str, Any]) -> None:
    for k, v in totals.items():
        if isinstance(v, dict):
            _add(into.setdefault(k, {}), v)
        elif isinstance(v, (int, float)):
            into[k] = into.get(k, 0) + v


def redact_archives(
    src: "os.PathLike[str] | str",
    dst: "os.PathLike[str] | str",
    *,
    policy: Optional[str] = None,
    actors: Optional[int] = None,
    cpus_per_actor: float = 1,
    force: bool = False,
    runtime_env: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """Redacts every archive in ``src`` into ``dst`` on the connected Ray cluster (call
    ``ray.init`` first) and writes ``dst/report.json``; returns that aggregated report.

    ``actors``: how many engines (default: the cluster's CPUs / ``cpus_per_actor``);
    ``policy``: TOML text for every engine; ``runtime_env``: passed to the actors (e.g. the
    pseudonym key variable)."""
    import ray  # the `ray` extra; imported here so `veil` itself never needs it

    src, dst = Path(src), Path(dst)
    archives = find_archives(src)
    dst.mkdir(parents=True, exist_ok=True)
    if not archives:
        raise veil.InputError(f"no capture archives (directories, .tar, .tar.gz) in {src}")
    if actors is None:
        actors = max(1, int(ray.cluster_resources().get("CPU", 1) // cpus_per_actor))
    actors = min(actors, len(archives))
    items = [{"src": str(p), "dst": str(dst / p.name)} for p in archives]
    remote_args: Dict[str, Any] = {"num_cpus": cpus_per_actor}
    if runtime_env:
        remote_args["runtime_env"] = runtime_env
    t0 = time.perf_counter()
    rows = (
        ray.data.from_items(items, override_num_blocks=len(items))
        .map_batches(
            Redactor,
            fn_constructor_kwargs={"policy": policy, "force": force},
            batch_size=1,
            batch_format="numpy",
            concurrency=actors,
            **remote_args,
        )
        .take_all()
    )
    wall = time.perf_counter() - t0
    return _write_report(dst, sorted(rows, key=lambda r: r["src"]), wall, actors)


def _write_report(dst: Path, rows: List[Dict[str, Any]], wall: float, actors: int) -> Dict[str, Any]:
    totals: Dict[str, Any] = {}
    per_archive = []
    for r in rows:
        entry: Dict[str, Any] = {"archive": Path(r["src"]).name, "ok": bool(r["ok"]), "seconds": round(float(r["seconds"]), 3)}
        if r["ok"]:
            t = json.loads(r["totals"])
            _add(totals, t)
            entry["output"] = Path(r["dst"]).name
            entry["totals"] = t
        else:
            entry["error_kind"] = str(r["error_kind"])
            entry["error"] = str(r["error"])
        per_archive.append(entry)
    ok = sum(e["ok"] for e in per_archive)
    report = {
        "format": "veil-batch-report/1",
        "engine": f"veil {veil.__version__}",
        "archives": len(rows),
        "redacted": ok,
        "failed": len(rows) - ok,
        "actors": actors,
        "wall_s": round(wall, 3),
        "engine_load_s": round(sum(float(r["engine_load_s"]) for r in rows), 3),
        "archives_per_s": round(len(rows) / wall, 3) if wall > 0 else None,
        "frames_per_s": round(totals.get("output_frames", 0) / wall, 3) if wall > 0 else None,
        "totals": totals,
        "per_archive": per_archive,
    }
    (dst / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report
