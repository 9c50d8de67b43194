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
start=$(date +%s)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
"$bin" bench --shapes "$table" "$@" | tee "$out" || status=$?
csv=$(awk '/^wrote /{print $2}' "$out" | tail -1)
if [[ -n $csv && -f $csv ]]; then
    "$bin" report "$csv" || status=$?
else
    echo "cnnbench: make report: the run wrote no CSV (see above)" >&2
    status=${status/#0/1}
fi
echo "make report: $(( $(date +%s) - start )) s (exit $status)"
exit $status
