#!/usr/bin/env bash
# Regenerates tests/golden/: XXH3 fingerprints of the exact-mode inputs and reference outputs of
# every layer of every network at batch 1 (resnet_50 also in bf16 and int8), and of the design table (make report's), which is not a
# network. Runs the naive reference on everything (minutes). With arguments: only those networks.
set -euo pipefail
cd "$(dirname "$0")/.."
# bf16 and int8 goldens (golden --dt: conv/fc bf16 and u8:s8:u8, pooling bf16 and u8) for the
# network the QUICK list's lowp rows mostly come from, resnet_50: the naive reference is slow in
# those types, and every other network's lowp layers are checked against it directly (as exact).
LOWP_GOLDEN=${LOWP_GOLDEN:-resnet_50}
if [[ $# -eq 0 ]]; then
    build/cnnbench golden --out tests/golden
    build/cnnbench golden --out tests/golden --dt f32,bf16,int8 $LOWP_GOLDEN
    build/cnnbench golden --out tests/golden harness/shapes/design/arguments.txt
else
    for net in "$@"; do
        if [[ " $LOWP_GOLDEN " == *" $net "* ]]; then
            build/cnnbench golden --out tests/golden --dt f32,bf16,int8 "$net"
        else
            build/cnnbench golden --out tests/golden "$net"
        fi
    done
fi
