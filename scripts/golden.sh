#!/usr/bin/env bash
# Regenerates tests/golden/: XXH3 fingerprints of the exact-mode inputs and reference outputs of
# every layer of every network at batch 1, and of the design table (make report's), which is not a
# network. Runs the naive reference on everything (minutes). With arguments: only those networks.
set -euo pipefail
cd "$(dirname "$0")/.."
build/cnnbench golden --out tests/golden "$@"
if [[ $# -eq 0 ]]; then
    build/cnnbench golden --out tests/golden harness/shapes/design/arguments.txt
fi
