"""The OpenAdapt-style scrubbing provider: texts, dicts, PIL images with and without UI nodes."""

from __future__ import annotations

import json

import pytest
from PIL import Image, ImageChops

from conftest import SAMPLE
from veil.openadapt import Modality, VeilScrubbingProvider


@pytest.fixture(scope="module")
def scrubber(engine):
    return VeilScrubbingProvider(engine)


def frame_event(image):
    for line in (SAMPLE / "events.jsonl").read_text().splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if ev.get("image") == image:
            return ev
    raise KeyError(image)


def changed(a, b, box):
    x, y, w, h = box
    return ImageChops.difference(a.crop((x, y, x + w, y + h)).convert("RGB"), b.crop((x, y, x + w, y + h)).convert("RGB")).getbbox() is not None


def test_the_interface_shape(scrubber):
    assert scrubber.name == "veil" and Modality.TEXT in scrubber.capabilities and Modality.PIL_IMAGE in scrubber.capabilities
    for m in ("scrub_text", "scrub_image", "scrub_dict", "scrub_list_dicts", "scrub_pdf", "scrub_mp4"):
        assert callable(getattr(scrubber, m))
    with pytest.raises(NotImplementedError):
        scrubber.scrub_pdf("x.pdf")


def test_scrub_text(scrubber):
    assert scrubber.scrub_text(None) is None
    out = scrubber.scrub_text("Contact jane.doe@example.com today")
    assert "jane.doe" not in out and out.startswith("Contact ")
    # Typed keys as OpenAdapt joins them: each character separated by '-'.
    typed = "-".join("mail jane.doe@example.com")
    out = scrubber.scrub_text(typed, is_separated=True)
    assert "jane.doe" not in out.replace("-", "") and out.startswith("m-a-i-l- -")


def test_scrub_dict(scrubber):
    d = {"title": "Mail - jane.doe@example.com", "n": 3, "children": [{"text": "card 4111 1111 1111 1111"}], "role": "window"}
    out = scrubber.scrub_dict(d)
    assert "jane.doe" not in out["title"] and "4111 1111 1111 1111" not in out["children"][0]["text"] and out["n"] == 3
    only = scrubber.scrub_dict(d, list_keys=["title"])
    assert "jane.doe" not in only["title"] and only["children"] == d["children"]
    forced = scrubber.scrub_dict({"state": {"a": {"b": "jane.doe@example.com"}}}, list_keys=["state"], force_scrub_children=True)
    assert "jane.doe" not in forced["state"]["a"]["b"]
    assert scrubber.scrub_list_dicts([d, d])[1] == out


def test_scrub_image_with_ui_nodes(scrubber):
    ev = frame_event("frames/000002.png")
    img = Image.open(SAMPLE / "frames" / "000002.png")
    img.load()
    out = scrubber.scrub_image(img, nodes=ev["nodes"], windows=ev["windows"], app=ev["app"])
    assert out.size == img.size and out.mode == img.mode
    assert changed(img, out, [40, 60, 299, 20]), "the node holding an email is painted"
    assert changed(img, out, [40, 180, 96, 17]), "the secure field is painted"
    assert not changed(img, out, [40, 100, 171, 20]), "a node without PII is left as it was"


def test_scrub_image_without_nodes_finds_text_in_pixels(scrubber):
    img = Image.open(SAMPLE / "frames" / "000041.png")  # a remote-desktop frame: no UI tree
    out = scrubber.scrub_image(img)
    assert changed(img, out, [60, 83, 189, 12])


def test_scrub_image_fails_closed(scrubber):
    img = Image.open(SAMPLE / "frames" / "000002.png").convert("RGB")
    # A password manager is out of scope by default: nothing of it may remain.
    out = scrubber.scrub_image(img, app="1Password", windows=[{"app": "1Password", "title": "1Password", "bounds": [0, 0, 1280, 720]}])
    assert out.size == img.size
    assert out.getextrema() == ((0, 0), (0, 0), (0, 0))


def test_fill_colour(engine):
    red = VeilScrubbingProvider(policy="[models]\nfaces = false\ntext_regions = false\nner = false\n", fill_color=0x0000FF)
    ev = frame_event("frames/000002.png")
    img = Image.open(SAMPLE / "frames" / "000002.png").convert("RGB")
    out = red.scrub_image(img, nodes=ev["nodes"])
    assert out.getpixel((45, 185)) == (255, 0, 0)  # inside the painted secure field
    with pytest.raises(ValueError):
        red.scrub_image(img, fill_color=0x00FF00)
