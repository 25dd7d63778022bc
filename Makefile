# gouji — the two commands a newcomer needs:
#   make demo   run gouji over the bundled corpus (corpus/list.txt) into out/demo
#   make test   formatting, lints, every test, and a check that corpus/ is current
# Both need the Rust toolchain (cargo, clippy, rustfmt) and python3; they install the
# Debian packages the tests use (tesseract with chi_sim, chromium) when missing.

CARGO ?= cargo
OUT ?= out/demo

.PHONY: demo test build fmt lint unit corpus-check bench clean deps-chromium screenshots deps-ocr deps-parallel deps-fonts

build:
	$(CARGO) build --release --locked --features ocr

# Scanned PDFs are read by the tesseract CLI (feature `ocr`): Chinese + English models.
deps-ocr:
	@command -v tesseract >/dev/null && tesseract --list-langs 2>/dev/null | grep -qx chi_sim || \
	  { sudo -n true 2>/dev/null && S=sudo || S=; $$S apt-get update && \
	    $$S env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim; }

# tests/shard.rs runs the GNU parallel recipe of docs/sharding.md (moreutils' `parallel`
# is another program: GNU parallel is recognised by its --version).
deps-parallel:
	@parallel --version 2>/dev/null | grep -q 'GNU parallel' || \
	  { sudo -n true 2>/dev/null && S=sudo || S=; $$S apt-get update && \
	    $$S env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends parallel; }

# PDFs whose /ToUnicode maps were stripped are read through the installed font they name
# (fontconfig's fc-list finds it); the generated u01/u02 and their test use Noto CJK.
deps-fonts:
	@fc-list 2>/dev/null | grep -q NotoSerifCJK || \
	  { sudo -n true 2>/dev/null && S=sudo || S=; $$S apt-get update && \
	    $$S env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fontconfig fonts-noto-cjk; }

demo: deps-ocr deps-fonts build
	./target/release/gouji run corpus/list.txt --out $(OUT)
	./target/release/gouji report $(OUT)
	@echo
	@echo "records:  $(OUT)/reports.jsonl"
	@echo "cells:    $(OUT)/cells.csv"
	@echo "findings: $(OUT)/findings.csv"
	@echo "reports:  $(OUT)/reports.csv"
	@echo "dataset:  $(OUT)/gouji.sqlite"
	@echo "report:   $(OUT)/report/index.html"

# The browser test (tests/browser.rs) needs Debian's chromium; installed only when missing.
deps-chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { SUDO=$$(command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && echo sudo); \
	    $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-noto-cjk; }

CHROMIUM_FLAGS = --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars

# The README's screenshots of the report (docs/report-*.png), from the demo output.
screenshots: demo deps-chromium
	P=$$(mktemp -d) && chromium $(CHROMIUM_FLAGS) --user-data-dir=$$P --window-size=1280,1500 \
	  --screenshot=docs/report-index.png "file://$(CURDIR)/$(OUT)/report/index.html" && rm -rf $$P
	P=$$(mktemp -d) && chromium $(CHROMIUM_FLAGS) --user-data-dir=$$P --window-size=1280,1900 \
	  --screenshot=docs/report-page.png "file://$(CURDIR)/$(OUT)/report/r/10.html" && rm -rf $$P

fmt:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy --workspace --all-targets --locked --features ocr -- -D warnings

unit: deps-ocr deps-parallel deps-fonts
	$(CARGO) test --workspace --locked --features ocr

corpus-check:
	python3 scripts/gen-corpus --check

test: deps-chromium fmt lint unit corpus-check

bench: build
	scripts/bench-html
	scripts/bench-pdf

clean:
	$(CARGO) clean
	rm -rf out
