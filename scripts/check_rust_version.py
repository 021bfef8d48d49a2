#!/usr/bin/env python3
"""The workspace's rust-version is honest: no locked dependency declares a higher one.

`make test` runs this. It reads `cargo metadata` (every package of Cargo.lock, for every
platform, Windows- and macOS-only dependencies included) and fails, naming them, when a
dependency's `rust-version` is above the workspace's (or, for the few that declare none,
what they are known to need: UNDECLARED), when a workspace member does not inherit the
workspace's, or when it is below what the language features we use need.
No older toolchain is installed to build with it: the version is declared, not tested.
"""

import json
import subprocess
import sys

# The newest language feature the workspace relies on, and the release that made it stable.
FEATURE_FLOOR = ((1, 88), "let chains (`if let … && …`)")

# Dependencies that declare no rust-version but need a recent toolchain all the same.
UNDECLARED = {
    # Its README: "Latest stable Rust version at the time of release"; 19 came with 1.95.
    "rustyline": ((1, 95), "supports only the latest stable Rust at its release"),
}


def version(text):
    """'1.85' or '1.85.0' as a comparable tuple of two numbers."""
    major, minor = text.split(".")[:2]
    return (int(major), int(minor))


def shown(v):
    return f"{v[0]}.{v[1]}"


def main():
    run = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        sys.exit(f"rust-version: `cargo metadata --locked` failed:\n{run.stderr.strip()}")
    metadata = json.loads(run.stdout)
    members = set(metadata["workspace_members"])
    ours = {p["name"]: p.get("rust_version") for p in metadata["packages"] if p["id"] in members}
    missing = sorted(name for name, v in ours.items() if not v)
    if missing:
        sys.exit(f"rust-version: not declared by {', '.join(missing)} (add `rust-version.workspace = true`)")
    declared = {version(v) for v in ours.values()}
    if len(declared) != 1:
        sys.exit(f"rust-version: the workspace members disagree: {ours}")
    workspace = declared.pop()
    problems = []
    floor, feature = FEATURE_FLOOR
    if workspace < floor:
        problems.append(f"the workspace uses {feature}, stable since {shown(floor)}")
    higher = sorted(
        (version(p["rust_version"]), p["name"], p["version"])
        for p in metadata["packages"]
        if p["id"] not in members and p.get("rust_version") and version(p["rust_version"]) > workspace
    )
    problems += [f"{name} {v} declares rust-version {shown(rv)}" for rv, name, v in higher]
    locked = {p["name"] for p in metadata["packages"]}
    problems += [
        f"{name} needs {shown(needs)} ({why}), without declaring it"
        for name, (needs, why) in UNDECLARED.items()
        if name in locked and needs > workspace
    ]
    if problems:
        print(f"rust-version {shown(workspace)} is too low:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        sys.exit(1)
    deps = [p for p in metadata["packages"] if p["id"] not in members]
    top = max((version(p["rust_version"]), p["name"]) for p in deps if p.get("rust_version"))
    print(
        f"rust-version {shown(workspace)}: no locked dependency declares more "
        f"({len(deps)} packages; the highest declared: {top[1]} {shown(top[0])}; "
        f"undeclared but known: {', '.join(f'{n} {shown(v)}' for n, (v, _) in UNDECLARED.items())})"
    )


if __name__ == "__main__":
    main()
