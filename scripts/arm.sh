#!/usr/bin/env bash
# The aarch64 check: cross-compiles a static build (no hwloc, xxHash or Google Benchmark: those
# are behind feature macros) and runs the unit tests and the reduced validation set under
# qemu-aarch64-static. qemu is 20-50x slower than native: correctness only, never timings.
# Prints its own `N passed, N failed` and exits non-zero on any failure (make test starts it
# early, in the background). CNB_JOBS: make's job count. Line tables only (-g1): the binaries run
# under qemu for correctness, never under a debugger.
set -uo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=passive OMP_NUM_THREADS=2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! make --no-print-directory TARGET=aarch64 CC=aarch64-linux-gnu-gcc NO_LIBS=1 BUILD=build-arm \
        EXTRA_CFLAGS=-g1 LDFLAGS=-static -j"${CNB_JOBS:-$(nproc)}" build-arm/cnnbench build-arm/cnnbench-tests >"$log" 2>&1; then
    tail -30 "$log"
    echo "arm: the aarch64 cross build failed"
    echo "0 passed, 1 failed"
    exit 1
fi
qemu=(qemu-aarch64-static -cpu max)
pass=0 fail=0 conv_lowp_units=""
if "${qemu[@]}" build-arm/cnnbench-tests >"$log" 2>&1; then
    pass=$((pass + 1)); echo "ok   arm: unit and edge tests under qemu ($(grep 'isas exercised' "$log"))"
    conv_lowp_units=$(grep -o '[0-9]* NEON bf16/int8 conv cases' "$log")
else
    fail=$((fail + 1)); grep -E 'FAIL|passed' "$log" | head -30; echo "FAIL arm: unit and edge tests"
fi
if "${qemu[@]}" build-arm/cnnbench check --shapes tests/arm_shapes.txt >"$log" 2>&1; then
    pass=$((pass + 1)); echo "ok   arm: check on tests/arm_shapes.txt ($(tail -1 "$log"); $(grep 'isas exercised' "$log"))"
else
    fail=$((fail + 1)); grep -E 'FAIL|repro|passed' "$log" | head -30; echo "FAIL arm: check on tests/arm_shapes.txt"
fi
# NEON is part of every aarch64 CPU: it must have run, in both.
if "${qemu[@]}" build-arm/cnnbench info --isas | grep -qw neon && grep -q 'isas exercised:.*neon' "$log"; then
    pass=$((pass + 1)); echo "ok   arm: neon implementations ran"
else
    fail=$((fail + 1)); echo "FAIL arm: no neon implementation ran under qemu (silently disabled SIMD?)"
fi
# The bf16 and int8 GEMM kernels of the levels qemu -cpu max has (dotprod, BF16, I8MM) ran on the
# check's shapes: a level the emulator reports but whose kernels never ran is a silent hole.
missing=""
for isa in neon_dotprod neon_bf16 neon_i8mm; do
    if "${qemu[@]}" build-arm/cnnbench info --isas | grep -qw "$isa" && ! grep -q "isas exercised:.* $isa\b" "$log"; then
        missing="$missing $isa"
    fi
done
if [[ -z $missing ]]; then
    pass=$((pass + 1)); echo "ok   arm: neon_dotprod, neon_bf16 and neon_i8mm implementations ran"
else
    fail=$((fail + 1)); echo "FAIL arm: no implementation of$missing ran under qemu"
fi
# The bf16 and int8 direct convolutions of those levels ran: in the unit tests' tile sweep
# (tests/test_conv_lowp_neon.c) and on the check's shapes, each passing at least once.
missing=""
for pair in neon_dotprod:conv/neon_dotprod_direct neon_bf16:conv/neon_bf16_direct; do
    isa=${pair%%:*} impl=${pair#*:}
    if "${qemu[@]}" build-arm/cnnbench info --isas | grep -qw "$isa" && ! grep -q "^PASS $impl " "$log"; then
        missing="$missing $impl"
    fi
done
if [[ -z $missing && -n $conv_lowp_units ]]; then
    pass=$((pass + 1)); echo "ok   arm: conv/neon_dotprod_direct and conv/neon_bf16_direct ran ($conv_lowp_units in the unit tests; $(grep -cE '^PASS conv/neon_(dotprod|bf16)_direct ' "$log") check pairs)"
else
    fail=$((fail + 1)); echo "FAIL arm: the NEON bf16/int8 direct convolutions did not run:${missing:- none in the unit tests}"
fi
# Every compute probe of the aarch64 table runs under qemu -cpu max (which has dotprod, BF16 and
# I8MM) and counts something: figures under qemu are not timings, only proof the code runs.
cache=$(mktemp -d)
if XDG_CACHE_HOME=$cache "${qemu[@]}" build-arm/cnnbench info --peaks >"$log" 2>&1 &&
   awk '/^  (neon|neon_dotprod|neon_bf16|neon_i8mm) (f32|bf16|int8) / && $3 > 0 {n++} END {exit n != 4}' "$log"; then
    pass=$((pass + 1)); echo "ok   arm: the probes of every aarch64 level ran ($(grep -cE '^  neon' "$log") rows)"
else
    fail=$((fail + 1)); cat "$log" | tail -12; echo "FAIL arm: an aarch64 probe did not run"
fi
rm -rf "$cache"
echo "arm: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
