# The project's commands. `make test` is what CI runs (.ci/run).
#
#   make run                      the reference server on 127.0.0.1:8070
#   make client [NAME=ana]        a reference client connected to it
#   make conformance              the conformance suite against the reference server
#   make conformance TARGET=host:port PROFILE=file.toml [LEVEL=strict]
#                                 ... against any running server
#   make conformance-client [CLIENT_CMD='python3 cliente.py {host} {port}'] [PROFILE=...] [LEVEL=strict]
#                                 the client suite against the reference client, or any client
#   make test                     formatting, lints, docs, every test
#   make soak [RUNS=20]           the suite over and over, reporting any test that ever failed
#   make bench                    the reference server against its peers, as ratios (README: Performance)
#   make soak-server              the reference server under churn, bursts and slow readers for minutes
#   make fuzz [FUZZ_SECONDS=60]   the fuzz targets in fuzz/ (not in CI)
#   make check-class-html         the class report in headless Chromium: renders, a cell opens its failure
#   make check-recipes            the class-grading recipes (examples/class/) against their engines' schemas

CARGO ?= cargo
HOST ?= 127.0.0.1
PORT ?= 8070
LEVEL ?= core
RUNS ?= 20

# Where cargo puts the release binaries: $CARGO_TARGET_DIR when set, as cargo does.
RELEASE_DIR = $(or $(CARGO_TARGET_DIR),target)/release

CONFORMANCE_ARGS = --level $(LEVEL) $(if $(TARGET),--target $(TARGET)) $(if $(PROFILE),--profile $(PROFILE)) $(ARGS)

.PHONY: all build run client conformance conformance-client test fmt-check lint docs unit fixtures-smoke soak bench clean

all: build

build:
	$(CARGO) build --workspace --release

run:
	$(CARGO) run --release -q -p reference-server -- --host $(HOST) --port $(PORT)

client:
	$(CARGO) run --release -q -p reference-client -- --host $(HOST) --port $(PORT) $(if $(NAME),--name $(NAME))

conformance:
	$(CARGO) build --release -q -p reference-server -p conformance
	$(RELEASE_DIR)/conformance $(CONFORMANCE_ARGS)

CLIENT_CMD ?= ./target/release/reference-client --host {host} --port {port}

conformance-client:
	$(CARGO) build --release -q -p reference-client -p conformance
	./target/release/conformance client --level $(LEVEL) --client-cmd '$(CLIENT_CMD)' $(if $(PROFILE),--profile $(PROFILE)) $(ARGS)

test: fmt-check lint docs unit fixtures-smoke check-recipes

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

docs:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --quiet

unit:
	$(CARGO) test --workspace

fixtures-smoke:
	python3 fixtures/servers/smoke_test.py
	python3 fixtures/wild/smoke_test.py

soak:
	$(CARGO) build --release -q -p reference-server -p conformance
	python3 scripts/soak.py --runs $(RUNS) --conformance $(RELEASE_DIR)/conformance

bench:
	$(CARGO) build --release -q -p reference-server -p conformance -p chat-bench
	$(RELEASE_DIR)/chat-bench

clean:
	$(CARGO) clean

# Fuzzing (not in CI; needs the nightly toolchain and `cargo install cargo-fuzz`): each
# target of fuzz/ for FUZZ_SECONDS, from the committed seeds (fuzz/seeds/, the inputs that
# found bugs among them) and the local corpus it grows (fuzz/corpus/, not committed).
# RUSTC_BOOTSTRAP=1 lets a stable toolchain stand in (FUZZ_TOOLCHAIN=).
FUZZ_SECONDS ?= 120
FUZZ_TARGETS = line_reader names profile template decoders
FUZZ_TOOLCHAIN ?= +nightly

# The class report (`conformance class`) in a real browser: headless Chromium renders the
# matrix and a scripted click opens a failure (apt-get install -y chromium).
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
.PHONY: check-class-html
check-class-html:
	$(CARGO) build -q -p conformance
	python3 scripts/check_class_html.py --conformance $(TARGET_DIR)/debug/conformance $(if $(KEEP),--keep $(KEEP))

# The recipes of examples/class/ against the schemas of their engines (GitHub Actions'
# workflow schema, Kubernetes' API schemas), when the validators are installed
# (`python3 -m pip install check-jsonschema kubernetes-validate`; .ci/run installs them).
# Their structure and shell are tested by `cargo test` in any case (tests/suite/recipes.rs).
.PHONY: check-recipes
check-recipes:
	@if command -v check-jsonschema >/dev/null && command -v kubernetes-validate >/dev/null; then \
	  check-jsonschema --builtin-schema vendor.github-workflows examples/class/github-actions/*.yml \
	    examples/classroom/.github/workflows/*.yml && \
	  kubernetes-validate --strict --quiet examples/class/kubernetes/*.yaml && \
	  echo "check-recipes: the workflows and the Jobs fit their schemas"; \
	else \
	  echo "check-recipes: skipped, the validators are not installed (python3 -m pip install check-jsonschema kubernetes-validate)"; \
	fi

.PHONY: fuzz soak-server
fuzz:
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$t && \
	  RUSTC_BOOTSTRAP=1 $(CARGO) $(FUZZ_TOOLCHAIN) fuzz run -O $$t corpus/$$t seeds/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; \
	done

# The reference server under minutes of churn, bursts, slow readers and nameless
# connections, after a warm-up round of the same load, sampling its threads, fds and RSS
# (not in CI; SOAK_SECONDS to change).
SOAK_SECONDS ?= 180
soak-server:
	$(CARGO) build --release -q -p reference-server
	python3 scripts/soak_server.py --seconds $(SOAK_SECONDS) --server $(RELEASE_DIR)/reference-server
