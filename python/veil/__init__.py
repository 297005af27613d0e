"""veil: on-device redaction of computer-use capture data, from Python.

A thin layer over the Rust engine (``veil._veil``, built with PyO3 and maturin): this module
only turns its results into typed Python objects. Every call releases the GIL while the engine
works, so threads sharing one :class:`Engine` run in parallel. Errors are :class:`VeilError`
subclasses whose messages never hold captured values.

    engine = veil.Engine()                         # load once (about a second), share it
    engine.redact_text("mail jane.doe@example.com").text
    engine.detect("call +1 415-555-2671")          # [Finding(entity='PHONE_NUMBER', ...)]
    engine.redact_archive("capture/", "redacted/") # the report, as a dict

    session = veil.Session(engine, hold_ms=60_000) # one per capture stream
    for line, frame in stream:
        upload(session.push(line, frame).events)
    upload(session.finish().events)

Where the engine finds its models and ONNX Runtime: ``VEIL_MODELS_DIR`` and ``ORT_DYLIB_PATH``
when set; otherwise, for ONNX Runtime, the ``onnxruntime`` package when installed (the
``runtime`` extra: ``pip install '.[runtime]'``), then the checkout the package was built from
(its ``models/`` and ``.cache/onnxruntime``, as ``make runtime`` leaves them).
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Union


def _locate_runtime() -> None:
    """Points the engine at the onnxruntime package's library when nothing else was chosen.

    Must run before the first engine loads a model; reads only the file system (the
    onnxruntime package is not imported).
    """
    if "ORT_DYLIB_PATH" in os.environ:
        return
    spec = importlib.util.find_spec("onnxruntime")
    for root in (spec.submodule_search_locations or []) if spec else []:
        libs = sorted(Path(root, "capi").glob("libonnxruntime.so*"))
        if libs:
            os.environ["ORT_DYLIB_PATH"] = str(libs[-1])
            return


_locate_runtime()

from ._veil import (  # noqa: E402  (the runtime must be located first)
    Engine as _Engine,
    InputError,
    InternalError,
    ModelError,
    OutputError,
    OutputExistsError,
    PolicyError,
    Session as _Session,
    VeilError,
    __version__,
)

__all__ = [
    "Engine",
    "Session",
    "Finding",
    "Redacted",
    "Released",
    "ReleasedEvent",
    "VeilError",
    "PolicyError",
    "ModelError",
    "InputError",
    "OutputError",
    "OutputExistsError",
    "InternalError",
    "__version__",
]

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Finding:
    """Something found in a text: ``text[start:end]`` (character offsets), never the value."""

    entity: str
    detector: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Redacted:
    """A text after redaction, and what was found in the original."""

    text: str
    findings: List[Finding]


@dataclass(frozen=True)
class ReleasedEvent:
    """One event safe to leave the machine: its ``capture/1`` JSON line and, for a
    screenshot, its redacted frame (PNG or JPEG bytes, at the path ``image`` names)."""

    line: str
    frame: Optional[bytes] = None

    @property
    def event(self) -> dict:
        return json.loads(self.line)

    @property
    def image(self) -> Optional[str]:
        return self.event.get("image") if self.frame is not None else None


@dataclass(frozen=True)
class Released:
    """What a session call released, and the report of the work it did (``veil-report/1``)."""

    events: List[ReleasedEvent]
    report: dict = field(default_factory=dict)


def _findings(raw: list) -> List[Finding]:
    return [Finding(*f) for f in raw]


class Engine:
    """The redaction engine: a policy, the rules and the models, loaded once.

    ``policy`` is TOML text merged over the default policy (``veil policy`` prints it);
    ``policy_file`` a path to such a file. Safe to share between threads.
    """

    def __init__(self, policy: Optional[str] = None, *, policy_file: Optional[PathLike] = None) -> None:
        if policy is not None and policy_file is not None:
            raise TypeError("give policy or policy_file, not both")
        if policy_file is not None:
            try:
                policy = Path(policy_file).read_text(encoding="utf-8")
            except OSError as e:
                raise PolicyError(f"cannot read policy file {os.fspath(policy_file)}: {e.strerror}") from None
        self._native = _Engine(policy)

    def redact_text(self, text: str) -> Redacted:
        """Detects and replaces per the policy. On :class:`ModelError` nothing about the text
        is known: drop it."""
        out, found = self._native.redact_text(text)
        return Redacted(out, _findings(found))

    def detect(self, text: str) -> List[Finding]:
        """Findings without replacement (sorted, disjoint)."""
        return _findings(self._native.detect(text))

    def redact_archive(self, src: PathLike, dst: PathLike, *, force: bool = False) -> dict:
        """Redacts an archive (directory, ``.tar``, ``.tar.gz``) into ``dst`` (a directory, or
        a tar by its name) with ``report.json``, as ``veil redact`` does; returns the report."""
        return json.loads(self._native.redact_archive(os.fspath(src), os.fspath(dst), force))

    def clear_memo(self) -> None:
        """Forgets the model findings remembered for texts seen before: what follows is
        redacted exactly as by a new engine (see ``veil::Engine::clear_memo``)."""
        self._native.clear_memo()

    @property
    def rules(self) -> List[str]:
        return self._native.rule_names()

    @property
    def has_ner(self) -> bool:
        return self._native.has_ner()


def _line_bytes(event: Union[str, bytes, dict]) -> bytes:
    if isinstance(event, dict):
        return json.dumps(event, ensure_ascii=False).encode("utf-8")
    if isinstance(event, str):
        return event.encode("utf-8", "surrogatepass")
    if isinstance(event, (bytes, bytearray, memoryview)):
        return bytes(event)
    raise TypeError(f"an event is a JSON line (str or bytes) or a dict, not {type(event).__name__}")


def _released(raw: tuple) -> Released:
    events, report = raw
    return Released([ReleasedEvent(line, frame) for line, frame in events], json.loads(report))


class Session:
    """One capture stream on an engine: push events (with each screenshot's frame bytes),
    receive those safe to release. Key events wait until their typed text is complete;
    redacted events wait ``hold_ms`` of capture time so a later ``forget`` still reaches them.
    A line that does not parse is dropped and counted in the report."""

    def __init__(self, engine: Engine, hold_ms: int = 60_000) -> None:
        self._native = _Session(engine._native, hold_ms)

    def push(self, event: Union[str, bytes, dict], frame: Optional[bytes] = None) -> Released:
        """Adds one event (a ``capture/1`` JSON line or dict) and, for a screenshot, the bytes
        of its frame; returns what may leave now (often nothing)."""
        return _released(self._native.push(_line_bytes(event), None if frame is None else bytes(frame)))

    def finish(self) -> Released:
        """End of stream: everything held is redacted and released."""
        return _released(self._native.finish())
