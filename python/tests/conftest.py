"""Shared fixtures: the repository's sample archive, one engine per test session (loading the
models takes about a second), the CLI binary for comparisons, and the checks of
testdata/outputs.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "testdata" / "sample"
sys.path.insert(0, str(ROOT / "testdata"))

import outputs  # noqa: E402  (testdata/outputs.py)

# One key for every engine and CLI run of the tests, so pseudonyms can be compared.
os.environ["VEIL_PSEUDONYM_KEY"] = "pytest-key-5c81d2a0e7"

import veil  # noqa: E402


@pytest.fixture(scope="session")
def engine() -> veil.Engine:
    return veil.Engine()


@pytest.fixture(scope="session")
def veil_bin() -> Path:
    p = Path(os.environ.get("VEIL_BIN", ROOT / "target" / "release" / "veil"))
    assert p.is_file(), f"the CLI is needed for comparisons: build it (cargo build --release) or set VEIL_BIN ({p})"
    return p


def cli_redact(veil_bin: Path, src: Path, dst: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(veil_bin), "redact", str(src), "-o", str(dst), "-q"], capture_output=True, text=True, env=os.environ.copy())
