# The README's two commands: `make run` (redact the bundled sample archive) and `make test`.
# Both work on a fresh machine with the Rust toolchain and access to crates.io.

CARGO ?= cargo
OUT ?= out/sample-redacted

.PHONY: run test bench sample clean

run:
	$(CARGO) build --release --locked
	./target/release/veil redact testdata/sample -o $(OUT) --force
	@echo "redacted archive: $(OUT) (report: $(OUT)/report.json)"

test:
	$(CARGO) test --release --locked

bench:
	$(CARGO) bench --locked --bench text

# Regenerates testdata/sample (needs Pillow; the result is committed).
sample:
	python3 testdata/make_sample.py

clean:
	rm -rf out target
