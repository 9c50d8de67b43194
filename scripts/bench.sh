#!/usr/bin/env bash
# `make bench` after deps and the build: validate, then time every network at batch 1 in f32, bf16
# and int8 with every runnable implementation at 1 thread and at all cores; QUICK=1 runs the
# representative subset.
# Writes results/<machine>/<date>-<commit>.csv, <...>-networks.csv and <...>.json (Google
# Benchmark's own output); results/README.md documents them. Extra arguments go to
# `cnnbench bench` (e.g. make bench BENCH_ARGS="--net resnet_50 --threads 1").
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BUILD:-build}/cnnbench
if [[ ! -x $bin ]]; then
    echo "cnnbench: $bin is missing: run make first" >&2
    exit 2
fi

# Library versions for the CSV (the binary knows only what its headers say).
libs=""
for p in libbenchmark-dev libhwloc-dev libxxhash-dev libdnnl-dev libopenblas-dev libblis-dev \
         libxnnpack-dev libxsmm-dev; do
    v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)
    [[ -n $v ]] && libs+="${libs:+; }${p%-dev} $v"
done
# The PyPI builds in .deps/ (scripts/deps.sh --bench), as pinned: "onednn-cpu-gomp 2023.2.0"; the
# libraries, not their headers or the runtimes the SYCL build brings.
for pins in .deps/pypi/.pins .deps/pypi-sycl/.pins; do
    [[ -f $pins ]] || continue
    for pin in $(cat "$pins"); do
        case ${pin%%==*} in
            onednn | onednn-cpu-gomp | mkl | scipy-openblas32) libs+="${libs:+; }${pin%%==*} ${pin#*==}" ;;
        esac
    done
done
export CNB_LIB_VERSIONS=$libs

# Every network in f32, bf16 and int8 (conv/fc u8:s8:u8 and u8 pooling: inference's chain); with
# QUICK=1 the QUICK list says which few layers add bf16 and int8 rows. A --dt in the extra
# arguments comes later and wins.
args=(--dt f32,bf16,int8)
if [[ -n ${QUICK:-} && ${QUICK} != 0 ]]; then
    args+=(--quick)
fi
start=$(date +%s)
status=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" bench "${args[@]}" "$@" | tee "$out" || status=$?
# The charts of the run just written (the CSV named on the "wrote" line).
csv=$(awk '/^wrote /{print $2}' "$out" | tail -1)
if [[ -n $csv && -f $csv ]]; then
    "$bin" plot "$csv" || echo "cnnbench: the plots were not drawn (see above)" >&2
fi
echo "make bench${QUICK:+ QUICK=$QUICK}: $(( $(date +%s) - start )) s (exit $status)"
exit $status
