#!/usr/bin/env python3
"""Soak the conformance suite: run it again and again and report every test that ever failed.

A correct server must pass every run. A test that fails only sometimes against a correct
server is a flaky test, and a flaky test is a bug in its synchronisation: this is how we find
them. Runs, by default, 20 times each:
  - the full strict suite against the reference server (started by the suite itself);
  - core against the faithful Python fixture server, line-framed and chunk-framed;
  - core against the servers from the wild that are correct in their own dialect: the
    echoing socketserver (echo = true) and the single-threaded select() loop, whose joins
    interleave with welcomes (fixtures/wild/).
Runs go two at a time, so the machine is busy, as CI machines are.

Usage: python3 scripts/soak.py [--runs N] [--parallel K] [--conformance PATH]
Exit status: 0 when no test ever failed, 1 otherwise.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED_SERVER = os.path.join(ROOT, "fixtures", "servers", "seed_server.py")
TARGETS = [
    ("reference (strict)", ["--level", "strict"]),
    ("seed (core)", ["--server-cmd", f"python3 {SEED_SERVER} --port {{port}}",
                     "--profile", os.path.join(ROOT, "fixtures", "profiles", "seed.toml")]),
    ("seed chunk (core)", ["--server-cmd", f"python3 {SEED_SERVER} --port {{port}} --framing chunk",
                           "--profile", os.path.join(ROOT, "fixtures", "profiles", "seed-chunk.toml")]),
]
WILD = os.path.join(ROOT, "fixtures", "wild")
TARGETS += [
    (f"wild {name} (core)", ["--server-cmd", f"python3 {os.path.join(WILD, name)}.py --port {{port}}",
                             "--profile", os.path.join(WILD, f"{name}.toml")])
    for name in ("echo_server", "select_server")
]


def run_once(conformance, name, args, run):
    """One run of the suite; returns (target name, run number, report or error text)."""
    seed = str(1000 + run)
    cmd = [conformance, "--format", "json", "--seed", seed, *args]
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=600,
                              env={**os.environ, "NO_COLOR": "1"})
    except subprocess.TimeoutExpired:
        return name, run, seed, "the run did not finish within 600 s"
    try:
        return name, run, seed, json.loads(done.stdout)
    except json.JSONDecodeError:
        return name, run, seed, f"no report (exit {done.returncode}): {done.stderr.decode(errors='replace').strip()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per target (default 20)")
    parser.add_argument("--parallel", type=int, default=2, help="runs at once (default 2)")
    parser.add_argument("--conformance", default=os.path.join(ROOT, "target", "release", "conformance"),
                        help="the conformance binary (default: target/release/conformance)")
    args = parser.parse_args()
    if args.runs < 1 or args.parallel < 1:
        parser.error("--runs and --parallel must be at least 1")
    if not os.path.exists(args.conformance):
        sys.exit(f"soak: {args.conformance} is missing: build it with `cargo build --release` (make soak does)")

    started = time.monotonic()
    failures = collections.defaultdict(list)   # (target, test id) -> [(run, seed, detail)]
    broken_runs = []                           # runs that produced no report
    tests_run = collections.Counter()
    jobs = [(name, targs, run) for run in range(1, args.runs + 1) for name, targs in TARGETS]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.parallel) as pool:
        futures = [pool.submit(run_once, args.conformance, name, targs, run) for name, targs, run in jobs]
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            name, run, seed, report = future.result()
            if isinstance(report, str):
                broken_runs.append((name, run, seed, report))
            else:
                for test in report["tests"]:
                    tests_run[name] += 1
                    if test["status"] == "fail":
                        first_line = test["detail"].splitlines()[1:3]
                        failures[(name, test["id"])].append((run, seed, " / ".join(first_line)))
            print(f"\r{done}/{len(jobs)} runs", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    elapsed = time.monotonic() - started
    print(f"Soak: {args.runs} runs per target, {args.parallel} at a time, {elapsed:.0f} s\n")
    for name, _ in TARGETS:
        print(f"  {name:<20} {tests_run[name]:>6} test runs")
    print()
    if not failures and not broken_runs:
        print("No test ever failed: 0 flaky tests.")
        return 0
    print(f"{len(failures)} test(s) failed at least once:\n")
    for (name, test_id), runs in sorted(failures.items()):
        print(f"  {test_id:<28} against {name}: failed {len(runs)} of {args.runs} runs")
        for run, seed, detail in runs[:3]:
            print(f"      run {run} (--seed {seed}): {detail}")
    for name, run, seed, error in broken_runs:
        print(f"  run {run} against {name} (--seed {seed}) gave no report: {error}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
