#!/usr/bin/env python3
"""Prints the path of a built test binary, so that it can be run without cargo (`make test`
runs the judgement beside the other tests this way).

Usage: python3 scripts/test_binary.py NAME CARGO-COMMAND...
  e.g. python3 scripts/test_binary.py judgement cargo test -p conformance --test judgement

Runs the cargo command with `--no-run --message-format=json` (nothing is rebuilt when the
binary is fresh) and prints the executable of the test target NAME. Exit 2 with the reason
when there is none.
"""

import json
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    name, command = sys.argv[1], sys.argv[2:]
    built = subprocess.run(command + ["--no-run", "--message-format=json", "--quiet"],
                           stdout=subprocess.PIPE, text=True)
    if built.returncode != 0:
        print(f"test_binary: `{' '.join(command)}` failed to build", file=sys.stderr)
        return 2
    for line in built.stdout.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        if (message.get("reason") == "compiler-artifact"
                and message.get("target", {}).get("name") == name
                and message.get("executable")):
            print(message["executable"])
            return 0
    print(f"test_binary: no test binary named {name} in the output of `{' '.join(command)}`",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
