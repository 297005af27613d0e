"""A scrubbing provider with the shape of OpenAdapt's (``openadapt.privacy.base.ScrubbingProvider``
and its ``TextScrubbingMixin``), so a recorder built on that interface can switch to veil.

Only glue: texts go to :meth:`veil.Engine.redact_text`; an image goes through a one-event
:class:`veil.Session` as a ``capture/1`` screenshot (with its UI nodes, windows and app when the
recorder knows them), so it gets the engine's whole frame path: UI-tree localisation, faces,
text regions, scope. It must fail closed: an image the engine drops (it could not be checked)
comes back painted whole, never as it was; a text that cannot be checked raises.

    from veil.openadapt import VeilScrubbingProvider
    scrubber = VeilScrubbingProvider()
    scrubber.scrub_text("mail jane.doe@example.com")
    scrubber.scrub_image(pil_image, nodes=[{"text": "Jane Doe", "bounds": [40, 60, 80, 20]}])

OpenAdapt's factory finds providers by subclassing its pydantic ``ScrubbingProvider``; to use
it there, declare ``class VeilProvider(VeilScrubbingProvider, ScrubbingProvider)`` in the
recorder (this module does not import OpenAdapt).
"""

from __future__ import annotations

import io
from typing import Any, Dict, List, Optional, Sequence

from . import Engine, Session

try:  # Pillow is needed only for images (the `image` extra).
    from PIL import Image
except ImportError:  # pragma: no cover - exercised where Pillow is absent
    Image = None  # type: ignore[assignment]


class Modality:
    """OpenAdapt's modality names."""

    TEXT = "TEXT"
    PIL_IMAGE = "PIL_IMAGE"
    PDF = "PDF"
    MP4 = "MP4"


def _rgb_from_bgr_int(color: int) -> List[int]:
    # OpenAdapt gives fill colours as one integer in BGR order (0x0000FF is red).
    return [color & 0xFF, (color >> 8) & 0xFF, (color >> 16) & 0xFF]


class VeilScrubbingProvider:
    """veil behind OpenAdapt's scrubbing-provider interface.

    ``engine``: an engine to share (else one is made from ``policy``, TOML text);
    ``fill_color``: OpenAdapt's BGR integer for painted regions (else the policy's
    ``[screenshots] fill``); ``separator``: how ``is_separated`` texts are separated
    (OpenAdapt joins typed keys with ``-``).
    """

    name: str = "veil"
    capabilities: List[str] = [Modality.TEXT, Modality.PIL_IMAGE]

    def __init__(
        self,
        engine: Optional[Engine] = None,
        *,
        policy: Optional[str] = None,
        fill_color: Optional[int] = None,
        separator: str = "-",
    ) -> None:
        if engine is not None and (policy is not None or fill_color is not None):
            raise TypeError("give an engine, or a policy and fill colour to make one, not both")
        self.fill_color = fill_color
        self.separator = separator
        if engine is None:
            if fill_color is not None:
                r, g, b = _rgb_from_bgr_int(fill_color)
                # Merged over `policy` by the engine; a policy with its own [screenshots] table
                # sets `fill` there instead (TOML allows one table of a name).
                policy = (policy or "") + f"\n[screenshots]\nfill = [{r}, {g}, {b}]\n"
            engine = Engine(policy)
        self.engine = engine

    def scrub_text(self, text: Optional[str], is_separated: bool = False) -> Optional[str]:
        """The text with its personal data and secrets replaced per the policy.

        ``is_separated``: the text is characters joined by the separator (typed keys, as
        OpenAdapt records them): they are joined, scrubbed, and separated again. Raises
        :class:`veil.ModelError` when the text could not be checked (drop it)."""
        if text is None:
            return None
        sep = self.separator
        separated = is_separated and sep and not (text.startswith("<") or text.endswith(">"))
        if separated:
            text = "".join(text.split(sep))
        out = self.engine.redact_text(text).text
        return sep.join(out) if separated else out

    def scrub_image(
        self,
        image: "Image.Image",
        fill_color: Optional[int] = None,
        *,
        nodes: Optional[Sequence[Dict[str, Any]]] = None,
        windows: Optional[Sequence[Dict[str, Any]]] = None,
        app: Optional[str] = None,
    ) -> "Image.Image":
        """The image with personal data painted, as a new PIL image of the same size and mode.

        ``nodes``, ``windows``, ``app``: what the recorder knows of the screen, in
        ``capture/1`` form (``{"text", "bounds": [x, y, w, h], "role", "secure", "lines"}``
        per node): with them, findings in UI text are painted where they are; without, text
        regions are found in the pixels. An image the engine cannot check comes back painted
        whole."""
        if Image is None:
            raise ImportError("scrub_image needs Pillow: pip install 'veil[image]'")
        if fill_color is not None and fill_color != self.fill_color:
            raise ValueError("the fill colour is the engine's: set it when the provider is made, VeilScrubbingProvider(fill_color=...)")
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        event: Dict[str, Any] = {"seq": 1, "ts": 0, "kind": "screenshot", "image": "frames/frame.png"}
        if app is not None:
            event["app"] = app
        if windows is not None:
            event["windows"] = list(windows)
        if nodes is not None:
            event["nodes"] = list(nodes)
        session = Session(self.engine, hold_ms=0)
        released = session.push(event, buf.getvalue()).events + session.finish().events
        frames = [e.frame for e in released if e.frame is not None]
        if not frames:
            return Image.new(image.mode, image.size, self._fill(image.mode))
        out = Image.open(io.BytesIO(frames[0]))
        out.load()
        return out if out.mode == image.mode else out.convert(image.mode)

    def _fill(self, mode: str) -> Any:
        rgb = tuple(_rgb_from_bgr_int(self.fill_color)) if self.fill_color is not None else (0, 0, 0)
        return Image.new("RGB", (1, 1), rgb).convert(mode).getpixel((0, 0))

    def scrub_dict(
        self,
        input_dict: Dict[str, Any],
        list_keys: Optional[Sequence[str]] = None,
        scrub_all: bool = False,
        force_scrub_children: bool = False,
    ) -> Dict[str, Any]:
        """A copy of ``input_dict`` with its strings scrubbed: all of them when ``list_keys``
        is None or ``scrub_all``; else those under the named keys (and, with
        ``force_scrub_children``, everything inside those keys' values)."""
        every = list_keys is None or scrub_all
        keys = set(list_keys or ())

        def walk(value: Any, on: bool) -> Any:
            if isinstance(value, str):
                return self.scrub_text(value) if on else value
            if isinstance(value, dict):
                return {k: walk(v, every or k in keys or (on and force_scrub_children)) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v, on) for v in value]
            return value

        return walk(input_dict, every)

    def scrub_list_dicts(self, input_list: List[Dict[str, Any]], list_keys: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
        """Each dict scrubbed as by :meth:`scrub_dict`."""
        return [self.scrub_dict(d, list_keys) for d in input_list]

    def scrub_pdf(self, path_to_pdf: str) -> str:
        raise NotImplementedError("veil redacts capture data (text, UI trees, frames), not PDF files")

    def scrub_mp4(self, mp4_file: str, scrub_all_entities: bool = False, playback_speed_multiplier: float = 1.0, crop_start_time: int = 0, crop_end_time: Optional[int] = None) -> str:
        raise NotImplementedError("veil redacts frames (scrub_image), not video files: scrub frames as they are captured")
