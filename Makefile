# The project's commands. `make test` is what CI runs (.ci/run).
#
#   make run                      the reference server on 127.0.0.1:8070
#   make client [NAME=ana]        a reference client connected to it
#   make conformance              the conformance suite against the reference server
#   make conformance TARGET=host:port PROFILE=file.toml [LEVEL=strict]
#                                 ... against any running server
#   make test                     formatting, lints, every test
#   make soak [RUNS=20]           the suite over and over, reporting any test that ever failed

CARGO ?= cargo
HOST ?= 127.0.0.1
PORT ?= 8070
LEVEL ?= core
RUNS ?= 20

CONFORMANCE_ARGS = --level $(LEVEL) $(if $(TARGET),--target $(TARGET)) $(if $(PROFILE),--profile $(PROFILE)) $(ARGS)

.PHONY: all build run client conformance test fmt-check lint unit fixtures-smoke soak clean

all: build

build:
	$(CARGO) build --workspace --release

run:
	$(CARGO) run --release -q -p reference-server -- --host $(HOST) --port $(PORT)

client:
	$(CARGO) run --release -q -p reference-client -- --host $(HOST) --port $(PORT) $(if $(NAME),--name $(NAME))

conformance:
	$(CARGO) build --release -q -p reference-server -p conformance
	./target/release/conformance $(CONFORMANCE_ARGS)

test: fmt-check lint unit fixtures-smoke

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --workspace

fixtures-smoke:
	python3 fixtures/servers/smoke_test.py

soak:
	$(CARGO) build --release -q -p reference-server -p conformance
	python3 scripts/soak.py --runs $(RUNS)

clean:
	$(CARGO) clean
