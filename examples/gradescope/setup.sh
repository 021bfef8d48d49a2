#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu).
# The autograder zip holds: setup.sh, run_autograder, grading.toml and `conformance`, the
# suite built for Linux x86-64 (README, "For teachers": a static build runs on any image).
set -euo pipefail
apt-get install -y python3
install -m 0755 /autograder/source/conformance /usr/local/bin/conformance
conformance --version
