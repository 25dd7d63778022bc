# gouji — the two commands a newcomer needs:
#   make demo   run gouji over the bundled corpus (corpus/list.txt) into out/demo
#   make test   formatting, lints, every test, and a check that corpus/ is current
# Both need only the Rust toolchain (cargo, clippy, rustfmt) and python3.

CARGO ?= cargo
OUT ?= out/demo

.PHONY: demo test build fmt lint unit corpus-check bench clean deps-ocr

build:
	$(CARGO) build --release --locked --features ocr

# Scanned PDFs are read by the tesseract CLI (feature `ocr`): Chinese + English models.
deps-ocr:
	@command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx chi_sim || \
	  { sudo -n true 2>/dev/null && S=sudo || S=; $$S apt-get update && \
	    $$S apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim; }

demo: deps-ocr build
	./target/release/gouji run corpus/list.txt --out $(OUT)
	@echo
	@echo "records:  $(OUT)/reports.jsonl"
	@echo "cells:    $(OUT)/cells.csv"
	@echo "findings: $(OUT)/findings.csv"

fmt:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy --workspace --all-targets --locked --features ocr -- -D warnings

unit: deps-ocr
	$(CARGO) test --workspace --locked --features ocr

corpus-check:
	python3 scripts/gen-corpus --check

test: fmt lint unit corpus-check

bench: build
	scripts/bench-html
	scripts/bench-pdf

clean:
	$(CARGO) clean
	rm -rf out
