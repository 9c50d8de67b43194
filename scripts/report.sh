#!/usr/bin/env bash
# `make report` after deps and the build: times the design table (harness/shapes/design/
# arguments.txt: matched pairs for the classic CNN design arguments) at 1 thread and at all cores,
# with our implementations and every runnable peer, then writes the page of what each argument
# costs in time on this machine: results/<machine>/<run>-arguments-report.md, with its chart.
# Extra arguments go to `cnnbench bench` (e.g. make report REPORT_ARGS="--reps 3").
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BUILD:-build}/cnnbench
table=harness/shapes/design/arguments.txt
if [[ ! -x $bin ]]; then
    echo "cnnbench: $bin is missing: run make first" >&2
    exit 2
fi
[[ -f $table ]] || { echo "cnnbench: $table is missing" >&2; exit 2; }
# Ours per ISA, and the peers that can be fastest on these layers: oneDNN's builds and XNNPACK.
# (libxsmm and oneDNN held to AVX2 add minutes and no best time; name them with --impl.) Given
# --impl in the arguments, those are the implementations.
impls=()
if [[ " $* " != *" --impl "* ]]; then
    sel=$("$bin" impls | awk 'NR > 1 && $NF == "runnable" {print $1}' |
          grep -E '^(conv|pool)/(avx512_|avx2_|neon_|onednn$|onednn_latest$|onednn_gomp$|xnnpack$)' |
          tr '\n' ',' || true)
    [[ -n $sel ]] && impls=(--impl "${sel%,}")
fi
start=$(date +%s)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"$bin" bench --shapes "$table" "${impls[@]}" "$@" | tee "$out" || status=$?
csv=$(awk '/^wrote /{print $2}' "$out" | tail -1)
if [[ -n $csv && -f $csv ]]; then
    "$bin" report "$csv" || status=$?
else
    echo "cnnbench: make report: the run wrote no CSV (see above)" >&2
    status=${status/#0/1}
fi
echo "make report: $(( $(date +%s) - start )) s (exit $status)"
exit $status
