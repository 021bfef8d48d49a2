# The project's commands. `make test` is what CI runs (.ci/run).
#
#   make run                      the reference server on 127.0.0.1:8070
#   make client [NAME=ana]        a reference client connected to it
#   make conformance              the conformance suite against the reference server
#   make conformance TARGET=host:port PROFILE=file.toml [LEVEL=strict]
#                                 ... against any running server
#   make conformance-client [CLIENT_CMD='python3 cliente.py {host} {port}'] [PROFILE=...] [LEVEL=strict]
#                                 the client suite against the reference client, or any client
#   make test                     formatting, lints, docs, the rust-version check, every test
#   make check-targets            check and clippy for Linux, macOS and Windows (not in CI)
#   make check-install            `cargo install --path conformance` into a temporary root, and
#                                 that binary's default run (not in CI: a second release build)
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

CONFORMANCE_ARGS = --level $(LEVEL) $(if $(TARGET),--target $(TARGET)) $(if $(PROFILE),--profile $(PROFILE)) $(ARGS)
# Where cargo puts what it builds, and the suite's binary there (CONFORMANCE_BIN= to use another).
TARGET_DIR = $(or $(CARGO_TARGET_DIR),target)
CONFORMANCE_BIN ?= $(TARGET_DIR)/release/conformance
# The targets `make check-targets` checks: Linux, macOS, Windows.
CHECK_TARGETS ?= x86_64-unknown-linux-gnu x86_64-apple-darwin x86_64-pc-windows-gnu

.PHONY: all build run client conformance conformance-client test fmt-check lint docs rust-version unit fixtures-smoke soak bench clean check-targets check-install

all: build

build:
	$(CARGO) build --workspace --release

run:
	$(CARGO) run --release -q -p reference-server -- --host $(HOST) --port $(PORT)

client:
	$(CARGO) run --release -q -p reference-client -- --host $(HOST) --port $(PORT) $(if $(NAME),--name $(NAME))

# Make exits 2 whenever a command fails, so the last line says what the suite's own exit
# code meant (for CI, run the binary itself: its exit code is the suite's).
conformance:
	$(CARGO) build --release -q -p conformance
	@$(CONFORMANCE_BIN) $(CONFORMANCE_ARGS); status=$$?; case $$status in \
	  0) ;; \
	  1) echo "make conformance: the suite exited 1: at least one test failed (the report above says which)" >&2 ;; \
	  2) echo "make conformance: the suite exited 2: it could not run (a bad option, profile or [grading] table, or an unreachable server)" >&2 ;; \
	  130) echo "make conformance: the suite exited 130: it was interrupted" >&2 ;; \
	  *) echo "make conformance: the suite exited $$status: it did not finish (a crash?)" >&2 ;; \
	esac; exit $$status

CLIENT_CMD ?= $(TARGET_DIR)/release/reference-client --host {host} --port {port}

conformance-client:
	$(CARGO) build --release -q -p reference-client -p conformance
	$(CONFORMANCE_BIN) client --level $(LEVEL) --client-cmd '$(CLIENT_CMD)' $(if $(PROFILE),--profile $(PROFILE)) $(ARGS)

test: fmt-check lint docs rust-version unit fixtures-smoke check-recipes

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# Private items too: the modules' own links are checked (students read the source).
docs:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --document-private-items --quiet

# No locked dependency may declare a higher rust-version than the workspace's.
rust-version:
	python3 scripts/check_rust_version.py

# The judgement (conformance/tests/judgement, several minutes) mostly waits on the servers
# it starts, so it runs beside the other tests, as its built binary (a second `cargo test`
# would wait for the first one's lock); its tables are printed after the other tests.
JUDGEMENT_LOG = $(TARGET_DIR)/judgement.log
unit:
	$(CARGO) test --workspace --no-run --quiet
	@bin=$$(python3 scripts/test_binary.py judgement $(CARGO) test -p conformance --test judgement) || exit 2; \
	(cd conformance && "$$bin") > $(JUDGEMENT_LOG) 2>&1 & judge=$$!; \
	$(CARGO) test --workspace --exclude conformance \
	  && $(CARGO) test -p conformance --lib --bins --test suite \
	  && $(CARGO) test -p conformance --doc; rest=$$?; \
	wait $$judge; judged=$$?; \
	echo "--- the judgement (conformance/tests/judgement), run beside the tests above:"; \
	cat $(JUDGEMENT_LOG); \
	echo "--- the judgement exited $$judged"; \
	[ $$rest -eq 0 ] && [ $$judged -eq 0 ]

fixtures-smoke:
	python3 fixtures/servers/smoke_test.py
	python3 fixtures/wild/smoke_test.py

soak:
	$(CARGO) build --release -q -p conformance
	python3 scripts/soak.py --runs $(RUNS) --conformance $(CONFORMANCE_BIN)

bench:
	$(CARGO) build --release -q -p reference-server -p conformance -p chat-bench
	$(TARGET_DIR)/release/chat-bench

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
	python3 scripts/soak_server.py --seconds $(SOAK_SECONDS) --server $(TARGET_DIR)/release/reference-server

# Every crate checked and clippy-clean for Linux, macOS and Windows (cross-checking needs no
# linker). Each target is installed with rustup when it can be; when it cannot, that is said
# and the run fails.
check-targets:
	@for t in $(CHECK_TARGETS); do \
	  if ! rustup target list --installed 2>/dev/null | grep -qx "$$t"; then \
	    echo "== $$t: installing the target with rustup"; \
	    rustup target add "$$t" || { echo "== $$t: CANNOT install the target with rustup: not checked" >&2; exit 1; }; \
	  fi; \
	  echo "== $$t: cargo check"; \
	  $(CARGO) check --workspace --all-targets --quiet --target "$$t" || exit 1; \
	  echo "== $$t: cargo clippy -D warnings"; \
	  $(CARGO) clippy --workspace --all-targets --quiet --target "$$t" -- -D warnings || exit 1; \
	  echo "== $$t: clean"; \
	done

# What a student gets from `cargo install --path conformance`: installed into a temporary
# root, and run with no arguments from an empty directory (the reference server it tests is
# inside the binary).
check-install:
	@root=$$(mktemp -d) && trap 'rm -rf "$$root"' EXIT && \
	  $(CARGO) install --locked --quiet --path conformance --root "$$root" && \
	  ls -l "$$root/bin" && \
	  cd "$$root" && ./bin/conformance
