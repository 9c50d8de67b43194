#!/usr/bin/env bash
# Regenerates tests/golden/: XXH3 fingerprints of the exact-mode inputs and reference outputs of
# every layer of every network at batch 1. Runs the naive reference on everything (minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
build/cnnbench golden --out tests/golden "$@"
